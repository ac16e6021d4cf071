import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { om } from '../../helpers/assertions.js';

function assertError(res: TestResponse, status: number, code: string, message?: string): void {
  assert.equal(res.status, status, res.body);
  const body = res.json<{ error_code: string; error_messages: string[] }>();
  assert.equal(body.error_code, code, res.body);
  if (message !== undefined) assert.ok(body.error_messages.includes(message), `expected message "${message}" in ${res.body}`);
}

async function capture(t: TestApp, orderId: string, amount: number): Promise<string> {
  const res = await t.post(om(orderId, '/captures'), { captured_amount: amount });
  assert.equal(res.status, 201, res.body);
  return String(res.headers['capture-id']);
}

async function eventTypes(t: TestApp, orderId: string): Promise<string[]> {
  const res = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
  assert.equal(res.status, 200, res.body);
  return res.json<{ events: { type: string }[] }>().events.map((e) => e.type);
}

for (const dialect of await availableDialects()) {
  describe(`cancel order (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('cancelling an authorized order without captures answers 204 and leaves it CANCELLED with nothing remaining', async () => {
      const order = await t.createOrder();
      const res = await t.post(om(order.order_id, '/cancel'));
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CANCELLED');
      assert.equal(read.remaining_authorized_amount, 0);
      assert.equal(read.captured_amount, 0);
      assert.equal(read.original_order_amount, 12500);
      assert.deepEqual(read.captures, []);
      assert.ok((await eventTypes(t, order.order_id)).includes('order.cancelled'));
    });

    it('cancelling an order with captures gets 403 CANCEL_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 5000);
      const res = await t.post(om(order.order_id, '/cancel'));
      assertError(res, 403, 'CANCEL_NOT_ALLOWED', 'Order has previous captures. Cancel not possible.');

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.captured_amount, 5000);
      assert.equal(read.remaining_authorized_amount, 7500);
      assert.ok(!(await eventTypes(t, order.order_id)).includes('order.cancelled'));
    });

    it('cancelling a fully captured order gets 403 CANCEL_NOT_ALLOWED because of its captures', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      const res = await t.post(om(order.order_id, '/cancel'));
      assertError(res, 403, 'CANCEL_NOT_ALLOWED', 'Order has previous captures. Cancel not possible.');
      assert.equal((await t.getOrder(order.order_id)).status, 'CAPTURED');
    });

    it('cancelling an order twice gets 403 CANCEL_NOT_ALLOWED the second time and it stays CANCELLED', async () => {
      const order = await t.createOrder();
      assert.equal((await t.post(om(order.order_id, '/cancel'))).status, 204);
      const again = await t.post(om(order.order_id, '/cancel'));
      assertError(again, 403, 'CANCEL_NOT_ALLOWED');

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CANCELLED');
      assert.equal((await eventTypes(t, order.order_id)).filter((type) => type === 'order.cancelled').length, 1);
    });

    it('a cancelled order refuses captures with 403 CAPTURE_NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assert.equal((await t.post(om(order.order_id, '/cancel'))).status, 204);
      const res = await t.post(om(order.order_id, '/captures'), { captured_amount: 1000 });
      assertError(res, 403, 'CAPTURE_NOT_ALLOWED');

      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CANCELLED');
      assert.equal(read.captured_amount, 0);
      assert.deepEqual(read.captures, []);
    });

    it('cancelling an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const res = await t.post(om('00000000-0000-4000-8000-000000000000', '/cancel'));
      assertError(res, 404, 'NO_SUCH_ORDER');
    });

    it("another merchant cannot cancel the order: 404 NO_SUCH_ORDER and the order stays AUTHORIZED", async () => {
      const order = await t.createOrder();
      const res = await t.post(om(order.order_id, '/cancel'), undefined, { auth: OTHER_MERCHANT });
      assertError(res, 404, 'NO_SUCH_ORDER');
      assert.equal((await t.getOrder(order.order_id)).status, 'AUTHORIZED');
    });
  });
}
