import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { assertError, assertNoContent, om } from '../../helpers/assertions.js';

const BILLING = orderBody().billing_address as Record<string, string>;
const SHIPPING = {
  given_name: 'Kalle',
  family_name: 'Anka',
  email: 'kalle@example.se',
  street_address: 'Paradisäppelvägen 111',
  postal_code: '11111',
  city: 'Ankeborg',
  country: 'SE',
  phone: '+46700000000',
};

for (const dialect of await availableDialects()) {
  describe(`update customer details (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a new shipping address answers 204 and changes the shipping address only', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      const res = await t.patch(om(order.order_id, '/customer-details'), {
        shipping_address: { street_address: 'Storgatan 2', postal_code: '22222', city: 'Gåseborg' },
      });
      assertNoContent(res);

      const read = await t.getOrder(order.order_id);
      assert.deepEqual(read.shipping_address, { ...SHIPPING, street_address: 'Storgatan 2', postal_code: '22222', city: 'Gåseborg' });
      assert.deepEqual(read.billing_address, BILLING);
    });

    it('sending a billing address gets 403 NOT_ALLOWED and changes neither address', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      const res = await t.patch(om(order.order_id, '/customer-details'), {
        billing_address: { ...BILLING, street_address: 'Ny väg 9' },
        shipping_address: { city: 'Gåseborg' },
      });
      assertError(res, 403, 'NOT_ALLOWED');

      const read = await t.getOrder(order.order_id);
      assert.deepEqual(read.billing_address, BILLING);
      assert.deepEqual(read.shipping_address, SHIPPING);
    });

    it('a given_name longer than 100 characters gets 422 UNPROCESSABLE_ENTITY and changes nothing', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      const res = await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { given_name: 'x'.repeat(101) } });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('The size of the shipping_address/given_name value must be between 0 and 100'), messages.join(' | '));
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_address, SHIPPING);
    });

    it('a given_name of exactly 100 characters is accepted', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      assertNoContent(await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { given_name: 'x'.repeat(100) } }));
      assert.equal((await t.getOrder(order.order_id)).shipping_address.given_name, 'x'.repeat(100));
    });

    it('a postal_code longer than 10 characters gets 422 UNPROCESSABLE_ENTITY and changes nothing', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      const res = await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { postal_code: '12345678901' } });
      const messages = assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(messages.includes('The size of the shipping_address/postal_code value must be between 0 and 10'), messages.join(' | '));
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_address, SHIPPING);
    });

    it('"" clears an optional field: it is absent from the read', async () => {
      const order = await t.createOrder({ shipping_address: { ...SHIPPING, street_address2: 'Lgh 1101' } });
      assertNoContent(await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { phone: '', street_address2: '' } }));

      const read = await t.getOrder(order.order_id);
      assert.equal('phone' in read.shipping_address, false);
      assert.equal('street_address2' in read.shipping_address, false);
      assert.deepEqual(read.shipping_address, Object.fromEntries(Object.entries(SHIPPING).filter(([k]) => k !== 'phone')));
    });

    for (const field of ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country']) {
      it(`clearing the mandatory field ${field} gets 422 INVALID_ADDRESS and changes nothing`, async () => {
        const order = await t.createOrder({ shipping_address: SHIPPING });
        const res = await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { city: 'Gåseborg', [field]: '' } });
        const messages = assertError(res, 422, 'INVALID_ADDRESS');
        assert.ok(messages.includes('The shipping and/or billing address is invalid'), messages.join(' | '));
        assert.deepEqual((await t.getOrder(order.order_id)).shipping_address, SHIPPING);
      });
    }

    it('a cancelled order refuses new customer details with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      assertNoContent(await t.post(om(order.order_id, '/cancel')));
      assertError(await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { city: 'Gåseborg' } }), 403, 'NOT_ALLOWED');
      assert.deepEqual((await t.getOrder(order.order_id)).shipping_address, SHIPPING);
    });

    it('a capture made after the change carries the new shipping address', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      assertNoContent(await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { street_address: 'Storgatan 2', city: 'Gåseborg' } }));
      const captured = await t.post(om(order.order_id, '/captures'), { captured_amount: 5000 });
      assert.equal(captured.status, 201, captured.body);

      const res = await t.get(om(order.order_id, `/captures/${String(captured.headers['capture-id'])}`));
      assert.equal(res.status, 200, res.body);
      const capture = res.json();
      assert.deepEqual(capture.shipping_address, { ...SHIPPING, street_address: 'Storgatan 2', city: 'Gåseborg' });
      assert.deepEqual(capture.billing_address, BILLING);
    });

    it('unknown fields in shipping_address are ignored: neither stored nor recorded', async () => {
      const order = await t.createOrder({ shipping_address: SHIPPING });
      assertNoContent(await t.patch(om(order.order_id, '/customer-details'), { shipping_address: { city: 'Gåseborg', nickname: 'Kalle', extra: { a: 1 } } }));

      const row = await t.db.kysely.selectFrom('orders').select('shipping_address').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.shipping_address ?? 'null'), { ...SHIPPING, city: 'Gåseborg' });
      const events = await t.get(`/sandbox/v1/events?order_id=${order.order_id}`);
      const updated = events.json<{ events: { type: string; payload: { shipping_address?: unknown } }[] }>().events.find((e) => e.type === 'customer_details.updated');
      assert.deepEqual(updated?.payload.shipping_address, { ...SHIPPING, city: 'Gåseborg' });
    });

    it('updating the customer details of an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const res = await t.patch(om('00000000-0000-4000-8000-000000000000', '/customer-details'), { shipping_address: { city: 'Gåseborg' } });
      assertError(res, 404, 'NO_SUCH_ORDER');
    });
  });
}
