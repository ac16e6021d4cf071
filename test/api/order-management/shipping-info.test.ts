import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { assertError, assertNoContent, om, UNKNOWN_ID } from '../../helpers/assertions.js';

async function capture(t: TestApp, orderId: string, body: Record<string, unknown> = { captured_amount: 5000 }): Promise<string> {
  const res = await t.post(om(orderId, '/captures'), body);
  assert.equal(res.status, 201, res.body);
  return String(res.headers['capture-id']);
}

async function readCapture(t: TestApp, orderId: string, captureId: string) {
  const res = await t.get(om(orderId, `/captures/${captureId}`));
  assert.equal(res.status, 200, res.body);
  return res.json();
}

const POSTNORD = { shipping_company: 'PostNord', shipping_method: 'PickUpPoint', tracking_number: '1234567890', tracking_uri: 'https://tracking.example/1234567890' };
const DHL = { shipping_company: 'DHL', shipping_method: 'Home', tracking_number: 'JJD000', return_shipping_company: 'DHL', return_tracking_number: 'RET-1' };
const BRING = { shipping_company: 'Bring', shipping_method: 'BoxReg', tracking_number: 'BR-7' };

for (const dialect of await availableDialects()) {
  describe(`add shipping info (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('order-level shipping info answers 204 and two calls append both items in order', async () => {
      const order = await t.createOrder();
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, []);
      assertNoContent(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: [POSTNORD] }));
      assertNoContent(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: [DHL, BRING] }));

      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, [POSTNORD, DHL, BRING]);
    });

    it('capture-level shipping info answers 204 and appends to what the capture already has, in order', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, { captured_amount: 5000, shipping_info: [POSTNORD] });
      assertNoContent(await t.post(om(order.order_id, `/captures/${captureId}/shipping-info`), { shipping_info: [DHL] }));
      assertNoContent(await t.post(om(order.order_id, `/captures/${captureId}/shipping-info`), { shipping_info: [BRING] }));

      assert.deepEqual((await readCapture(t, order.order_id, captureId)).shipping_info, [POSTNORD, DHL, BRING]);
      const read = await t.getOrder(order.order_id);
      assert.deepEqual(read.captures[0].shipping_info, [POSTNORD, DHL, BRING]);
      assert.deepEqual(read.shipping_info, [], 'capture-level info does not land on the order');
    });

    it('capture-level shipping info goes to the named capture only', async () => {
      const order = await t.createOrder();
      const first = await capture(t, order.order_id);
      const second = await capture(t, order.order_id);
      assertNoContent(await t.post(om(order.order_id, `/captures/${second}/shipping-info`), { shipping_info: [DHL] }));

      assert.deepEqual((await readCapture(t, order.order_id, first)).shipping_info, []);
      assert.deepEqual((await readCapture(t, order.order_id, second)).shipping_info, [DHL]);
    });

    it('a shipping_method outside Klarna\'s values gets 422 and stores nothing', async () => {
      const order = await t.createOrder();
      const res = await t.post(om(order.order_id, '/shipping-info'), { shipping_info: [{ ...POSTNORD, shipping_method: 'Drone' }] });
      assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, []);
    });

    it('every one of Klarna\'s shipping methods is accepted', async () => {
      const methods = ['PickUpStore', 'Home', 'BoxReg', 'BoxUnreg', 'PickUpPoint', 'Own', 'Postal', 'DHLPackstation', 'Digital', 'Undefined', 'PickUpWarehouse', 'ClickCollect', 'PalletDelivery'];
      const order = await t.createOrder();
      const items = methods.map((shipping_method) => ({ shipping_method }));
      assertNoContent(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: items }));
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, items);
    });

    it('a shipping_company longer than 100 characters gets 422 with Klarna\'s size message', async () => {
      const order = await t.createOrder();
      const res = await t.post(om(order.order_id, '/shipping-info'), { shipping_info: [{ ...POSTNORD, shipping_company: 'c'.repeat(101) }] });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('The size of the shipping_info/shipping_company value must be between 0 and 100'), messages.join(' | '));
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, []);
    });

    it('the same size rule applies at capture level', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const res = await t.post(om(order.order_id, `/captures/${captureId}/shipping-info`), { shipping_info: [{ shipping_company: 'c'.repeat(101) }] });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('The size of the shipping_info/shipping_company value must be between 0 and 100'), messages.join(' | '));
      assert.deepEqual((await readCapture(t, order.order_id, captureId)).shipping_info, []);
    });

    it('an empty shipping_info array gets 422', async () => {
      const order = await t.createOrder();
      assertError(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: [] }), 422, 'UNPROCESSABLE_ENTITY');
      const captureId = await capture(t, order.order_id);
      assertError(await t.post(om(order.order_id, `/captures/${captureId}/shipping-info`), { shipping_info: [] }), 422, 'UNPROCESSABLE_ENTITY');
    });

    it('a body without shipping_info gets 422', async () => {
      const order = await t.createOrder();
      assertError(await t.post(om(order.order_id, '/shipping-info'), {}), 422, 'UNPROCESSABLE_ENTITY');
    });

    it('500 items in one call are accepted, 501 get 422', async () => {
      const order = await t.createOrder();
      const items = (n: number) => Array.from({ length: n }, (_, i) => ({ shipping_company: 'PostNord', tracking_number: `T${i}` }));
      assertError(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: items(501) }), 422, 'UNPROCESSABLE_ENTITY');
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_info, []);
      assertNoContent(await t.post(om(order.order_id, '/shipping-info'), { shipping_info: items(500) }));
      assert.equal((await t.getOrder(order.order_id)).shipping_info.length, 500);
    });

    it('capture-level shipping info on an order without captures gets 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      const res = await t.post(om(order.order_id, `/captures/${UNKNOWN_ID}/shipping-info`), { shipping_info: [POSTNORD] });
      assertError(res, 403, 'NOT_ALLOWED');
    });

    it('capture-level shipping info for an unknown capture gets 404 NO_SUCH_CAPTURE', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const res = await t.post(om(order.order_id, `/captures/${UNKNOWN_ID}/shipping-info`), { shipping_info: [POSTNORD] });
      assertError(res, 404, 'NO_SUCH_CAPTURE');
      assert.deepEqual((await readCapture(t, order.order_id, captureId)).shipping_info, []);
    });

    it('shipping info for an unknown order gets 404 NO_SUCH_ORDER at either level', async () => {
      assertError(await t.post(om(UNKNOWN_ID, '/shipping-info'), { shipping_info: [POSTNORD] }), 404, 'NO_SUCH_ORDER');
      assertError(await t.post(om(UNKNOWN_ID, `/captures/${UNKNOWN_ID}/shipping-info`), { shipping_info: [POSTNORD] }), 404, 'NO_SUCH_ORDER');
    });
  });
}
