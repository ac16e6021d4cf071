/**
 * GET /ordermanagement/v1/orders/{order_id} (§1.2): every field after creation, tenancy (another
 * merchant's order is indistinguishable from an unknown one), and expiry (§1.3), which is stored
 * whether or not anybody reads the order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { Sweeper } from '../../../src/main.js';
import { MODULES } from '../../../src/modules/index.js';
import { dueWorkOf } from '../../../src/platform/module.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;
const DAY_MS = 86400 * 1000;
const DAY_SECONDS = 86400;
const UNKNOWN_ORDER = '9c5b4f1e-2d3a-4b6c-8d7e-0f1a2b3c4d5e';
const UNKNOWN_CAPTURE = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const UNKNOWN_REFUND = '6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c';

for (const dialect of await availableDialects()) {
  describe(`get order (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a new order reads back with every field of its creation and the derived amounts', async () => {
      const shippingAddress = {
        given_name: 'Receiver',
        family_name: 'Person',
        street_address: 'Hamngatan 2',
        postal_code: '11147',
        city: 'Stockholm',
        country: 'SE',
      };
      const body = orderBody({
        merchant_reference2: 'REF-2',
        merchant_data: '{"cart":42}',
        shipping_address: shippingAddress,
        customer: { date_of_birth: '1980-01-01' },
      });
      const before = await t.now();
      const created = await t.createOrder(body);
      const afterCreate = await t.now();
      const order = await t.getOrder(created.order_id);

      assert.match(order.order_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.fraud_status, 'ACCEPTED');
      assert.equal(order.order_amount, 12500);
      assert.equal(order.original_order_amount, 12500);
      assert.equal(order.captured_amount, 0);
      assert.equal(order.refunded_amount, 0);
      assert.equal(order.remaining_authorized_amount, 12500);
      assert.equal(String(order.purchase_country).toUpperCase(), 'SE');
      assert.equal(order.purchase_currency, 'SEK');
      assert.equal(order.locale, 'sv-SE');
      assert.deepEqual(order.order_lines, body.order_lines);
      assert.equal(order.merchant_reference1, 'ORDER-1');
      assert.equal(order.merchant_reference2, 'REF-2');
      assert.equal(order.merchant_data, '{"cart":42}');
      assert.deepEqual(order.billing_address, body.billing_address);
      assert.deepEqual(order.shipping_address, shippingAddress);
      assert.deepEqual(order.customer, { date_of_birth: '1980-01-01' });
      assert.match(order.klarna_reference, /^[A-Z0-9]{4,}$/);
      assert.equal(typeof order.initial_payment_method?.type, 'string');

      assert.match(order.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const createdAt = Date.parse(order.created_at);
      assert.ok(createdAt >= Math.floor(before / 1000) * 1000 && createdAt <= afterCreate, `created_at ${order.created_at} is the creation time`);
      assert.equal(Date.parse(order.expires_at) - createdAt, 28 * DAY_MS, 'expires_at = created_at + 28 days');

      assert.deepEqual(order.captures, []);
      assert.deepEqual(order.refunds, []);
      assert.deepEqual(order.shipping_info, []);

      // The sandbox's answer is the same order.
      assert.deepEqual(created, order);
    });

    it('without a shipping address the order ships to the billing address', async () => {
      const order = await t.getOrder((await t.createOrder()).order_id);
      assert.deepEqual(order.shipping_address, order.billing_address);
    });

    it('captures and refunds are always arrays, and the amounts follow the captures and refunds', async () => {
      const { order_id: id } = await t.createOrder();
      const capture = await t.post(`${orderPath(id)}/captures`, { captured_amount: 4000 });
      assert.equal(capture.status, 201, capture.body);
      let order = await t.getOrder(id);
      assert.equal(order.captures.length, 1);
      assert.equal(order.captures[0].capture_id, capture.headers['capture-id']);
      assert.deepEqual(order.refunds, []);
      assert.equal(order.captured_amount, 4000);
      assert.equal(order.remaining_authorized_amount, 8500);
      assert.equal(order.original_order_amount, 12500);

      const refund = await t.post(`${orderPath(id)}/refunds`, { refunded_amount: 1000 });
      assert.equal(refund.status, 201, refund.body);
      order = await t.getOrder(id);
      assert.equal(order.refunds.length, 1);
      assert.equal(order.refunds[0].refund_id, refund.headers['refund-id']);
      assert.equal(order.refunded_amount, 1000);
      assert.equal(order.remaining_authorized_amount, 8500, 'refunds do not change the remaining authorization');
    });

    it('original_order_amount keeps the amount at creation when the authorization is updated', async () => {
      const { order_id: id } = await t.createOrder();
      const update = await t.patch(`${orderPath(id)}/authorization`, { order_amount: 10000 });
      assert.equal(update.status, 204, update.body);
      const order = await t.getOrder(id);
      assert.equal(order.order_amount, 10000);
      assert.equal(order.original_order_amount, 12500);
      assert.equal(order.remaining_authorized_amount, 10000);
    });

    it('a cancelled order has no remaining authorization', async () => {
      const { order_id: id } = await t.createOrder();
      assert.equal((await t.post(`${orderPath(id)}/cancel`)).status, 204);
      const order = await t.getOrder(id);
      assert.equal(order.status, 'CANCELLED');
      assert.equal(order.remaining_authorized_amount, 0);
      assert.equal(order.order_amount, 12500);
    });

    it('an unknown order id gets 404 NO_SUCH_ORDER naming the id', async () => {
      const res = await t.get(orderPath(UNKNOWN_ORDER));
      assert.equal(res.status, 404, res.body);
      assert.equal(res.json().error_code, 'NO_SUCH_ORDER');
      assert.ok(res.json().error_messages[0].includes(UNKNOWN_ORDER), res.body);
    });

    describe('tenancy', () => {
      /** Status, code and messages with the order id replaced, so two answers can be compared. */
      const shape = (res: TestResponse, orderId: string) => ({
        status: res.status,
        error_code: res.json().error_code,
        error_messages: (res.json().error_messages as string[]).map((m) => m.split(orderId).join('<order_id>')),
        keys: Object.keys(res.json()).sort(),
      });

      /** The same request for merchant A's order as merchant B, and for an unknown order as merchant A. */
      async function compare(
        send: (orderId: string, auth: { username: string; password: string } | undefined) => Promise<TestResponse>,
        orderId: string,
      ): Promise<void> {
        const asOther = await send(orderId, OTHER_MERCHANT);
        const unknown = await send(UNKNOWN_ORDER, undefined);
        assert.equal(asOther.status, 404, asOther.body);
        assert.equal(asOther.json().error_code, 'NO_SUCH_ORDER', asOther.body);
        assert.deepEqual(shape(asOther, orderId), shape(unknown, UNKNOWN_ORDER));
      }

      it("another merchant reading, capturing or refunding merchant A's order gets exactly the unknown-order answer", async () => {
        const order = await t.createOrder();
        const id = order.order_id;
        const captureRes = await t.post(`${orderPath(id)}/captures`, { captured_amount: 5000 });
        const captureId = String(captureRes.headers['capture-id']);
        const refundRes = await t.post(`${orderPath(id)}/refunds`, { refunded_amount: 1000 });
        const refundId = String(refundRes.headers['refund-id']);
        const before = await t.getOrder(id);

        await compare((oid, auth) => t.get(orderPath(oid), auth), id);
        await compare((oid, auth) => t.get(`${orderPath(oid)}/captures`, auth), id);
        await compare((oid, auth) => t.get(`${orderPath(oid)}/captures/${oid === id ? captureId : UNKNOWN_CAPTURE}`, auth), id);
        await compare((oid, auth) => t.get(`${orderPath(oid)}/refunds/${oid === id ? refundId : UNKNOWN_REFUND}`, auth), id);
        await compare((oid, auth) => t.post(`${orderPath(oid)}/captures`, { captured_amount: 100 }, { auth }), id);
        await compare((oid, auth) => t.post(`${orderPath(oid)}/refunds`, { refunded_amount: 100 }, { auth }), id);

        // Nothing merchant B tried changed merchant A's order, and B sees none of its events.
        assert.deepEqual(await t.getOrder(id), before);
        const events = await t.get(`/sandbox/v1/events?order_id=${id}`, OTHER_MERCHANT);
        assert.equal(events.status, 200, events.body);
        assert.deepEqual(events.json().events, []);
      });

      it("merchant B's own orders work as usual and are invisible to merchant A", async () => {
        const order = await t.createOrder({}, OTHER_MERCHANT);
        const asOwner = await t.get(orderPath(order.order_id), OTHER_MERCHANT);
        assert.equal(asOwner.status, 200, asOwner.body);
        assert.equal(asOwner.json().order_id, order.order_id);
        const asOther = await t.get(orderPath(order.order_id));
        assert.equal(asOther.status, 404, asOther.body);
        assert.equal(asOther.json().error_code, 'NO_SUCH_ORDER');
      });
    });
  });

  // Its own database: moving the clock expires every open order in it.
  describe(`order expiry (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const storedStatus = async (orderId: string) =>
      (await t.db.kysely.selectFrom('orders').select('status').where('order_id', '=', orderId).executeTakeFirstOrThrow()).status;

    it('after expires_at an open order reads EXPIRED with no remaining authorization, stored without anybody reading it', async () => {
      const authorized = await t.createOrder();
      const partial = await t.createOrder();
      assert.equal((await t.post(`${orderPath(partial.order_id)}/captures`, { captured_amount: 3000 })).status, 201);
      const captured = await t.createOrder();
      assert.equal((await t.post(`${orderPath(captured.order_id)}/captures`, { captured_amount: 12500 })).status, 201);
      const cancelled = await t.createOrder();
      assert.equal((await t.post(`${orderPath(cancelled.order_id)}/cancel`)).status, 204);

      // One day before expires_at nothing has expired.
      await t.advanceClock(27 * DAY_SECONDS);
      assert.equal(await storedStatus(authorized.order_id), 'AUTHORIZED');
      assert.equal(await storedStatus(partial.order_id), 'PART_CAPTURED');
      const early = await t.getOrder(authorized.order_id);
      assert.equal(early.status, 'AUTHORIZED');
      assert.equal(early.remaining_authorized_amount, 12500);

      await t.advanceClock(2 * DAY_SECONDS);
      // Stored before any read.
      assert.equal(await storedStatus(authorized.order_id), 'EXPIRED');
      assert.equal(await storedStatus(partial.order_id), 'EXPIRED');
      assert.equal(await storedStatus(captured.order_id), 'CAPTURED');
      assert.equal(await storedStatus(cancelled.order_id), 'CANCELLED');

      const expired = await t.getOrder(authorized.order_id);
      assert.equal(expired.status, 'EXPIRED');
      assert.equal(expired.remaining_authorized_amount, 0);
      assert.equal(expired.order_amount, 12500);
      assert.equal(expired.expires_at, authorized.expires_at);

      const expiredPartial = await t.getOrder(partial.order_id);
      assert.equal(expiredPartial.status, 'EXPIRED');
      assert.equal(expiredPartial.captured_amount, 3000);
      assert.equal(expiredPartial.remaining_authorized_amount, 0);
      assert.equal(expiredPartial.captures.length, 1);

      // Orders that were no longer open keep their status.
      assert.equal((await t.getOrder(captured.order_id)).status, 'CAPTURED');
      assert.equal((await t.getOrder(cancelled.order_id)).status, 'CANCELLED');

      // A new order gets a new 28-day authorization from the moved clock.
      const fresh = await t.getOrder((await t.createOrder()).order_id);
      assert.equal(fresh.status, 'AUTHORIZED');
      assert.equal(Date.parse(fresh.expires_at) - Date.parse(fresh.created_at), 28 * DAY_MS);
    });

    it('a read shows EXPIRED as soon as expires_at passes, and the background sweeper stores it', async () => {
      const order = await t.createOrder();
      // Move time without the sandbox endpoint, so only the sweeper can store the expiry.
      await t.clock.advance(await t.merchantId(), 29 * DAY_SECONDS);
      assert.equal(await storedStatus(order.order_id), 'AUTHORIZED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.remaining_authorized_amount, 0);

      const sweeper = new Sweeper(t.db, t.clock, pino({ level: 'silent' }), 60_000, dueWorkOf(MODULES));
      await sweeper.runOnce();
      assert.equal(await storedStatus(order.order_id), 'EXPIRED');
      assert.equal((await t.getOrder(order.order_id)).status, 'EXPIRED');
    });
  });
}
