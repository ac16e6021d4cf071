/**
 * Order Management captures (§1.1, §1.3, §1.5): create, list and read captures, the status they
 * move the order to, and every refusal, each of which must leave the order exactly as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;
const capturesPath = (orderId: string) => `${orderPath(orderId)}/captures`;
const DAY_SECONDS = 86400;

/** Lines of the default test order (see orderBody in the harness). */
const TSHIRT = { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 };
const SHIPPING = { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 };

function assertError(res: TestResponse, status: number, errorCode: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, errorCode, res.body);
}

for (const dialect of await availableDialects()) {
  describe(`captures (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    /** Everything a refused capture could have touched: the order as read, capture rows, events. */
    async function snapshot(orderId: string) {
      const order = await t.getOrder(orderId);
      const captureRows = await t.db.kysely.selectFrom('captures').select('capture_id').where('order_id', '=', orderId).execute();
      const events = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
      assert.equal(events.status, 200, events.body);
      return { order, captureRows: captureRows.length, events: events.json().events };
    }

    async function capture(orderId: string, body: Record<string, unknown>): Promise<TestResponse> {
      return t.post(capturesPath(orderId), body);
    }

    it('creating a capture answers 201 with an absolute Location, a matching Capture-Id header and no body', async () => {
      const order = await t.createOrder();
      const res = await capture(order.order_id, { captured_amount: 5000 });
      assert.equal(res.status, 201, res.body);
      const captureId = res.headers['capture-id'];
      assert.equal(typeof captureId, 'string');
      assert.match(String(captureId), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(res.headers.location, `${PUBLIC_URL}${capturesPath(order.order_id)}/${String(captureId)}`);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);

      // The Location is the capture's GET endpoint.
      const location = new URL(String(res.headers.location));
      const read = await t.get(location.pathname);
      assert.equal(read.status, 200, read.body);
      assert.equal(read.json().capture_id, captureId);
    });

    it('a partial capture makes the order PART_CAPTURED and capturing the rest makes it CAPTURED', async () => {
      const order = await t.createOrder();
      assert.equal(order.status, 'AUTHORIZED');

      assert.equal((await capture(order.order_id, { captured_amount: 5000 })).status, 201);
      let read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.captured_amount, 5000);
      assert.equal(read.remaining_authorized_amount, 7500);

      assert.equal((await capture(order.order_id, { captured_amount: 7500 })).status, 201);
      read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.captured_amount, 12500);
      assert.equal(read.remaining_authorized_amount, 0);
      assert.equal(read.order_amount, 12500);
    });

    it('a single capture of the whole order amount makes the order CAPTURED at once', async () => {
      const order = await t.createOrder();
      assert.equal((await capture(order.order_id, { captured_amount: 12500 })).status, 201);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'CAPTURED');
      assert.equal(read.remaining_authorized_amount, 0);
    });

    it('the stored order totals equal the sum of the capture rows', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 1000 });
      await capture(order.order_id, { captured_amount: 2500 });
      const row = await t.db.kysely.selectFrom('orders').select(['captured_amount', 'capture_count', 'status']).where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      const captures = await t.db.kysely.selectFrom('captures').select(['captured_amount', 'seq']).where('order_id', '=', order.order_id).orderBy('seq').execute();
      assert.deepEqual(
        captures.map((c) => [c.seq, Number(c.captured_amount)]),
        [
          [1, 1000],
          [2, 2500],
        ],
      );
      assert.equal(Number(row.captured_amount), 3500);
      assert.equal(row.capture_count, 2);
      assert.equal(row.status, 'PART_CAPTURED');
    });

    it('listing captures returns an array of every capture, oldest first, equal to order.captures', async () => {
      const order = await t.createOrder();
      const empty = await t.get(capturesPath(order.order_id));
      assert.equal(empty.status, 200, empty.body);
      assert.deepEqual(empty.json(), []);

      const ids: string[] = [];
      for (const amount of [1000, 2000, 3000]) {
        const res = await capture(order.order_id, { captured_amount: amount });
        assert.equal(res.status, 201, res.body);
        ids.push(String(res.headers['capture-id']));
      }
      const list = await t.get(capturesPath(order.order_id));
      assert.equal(list.status, 200, list.body);
      const captures = list.json();
      assert.ok(Array.isArray(captures));
      assert.deepEqual(
        captures.map((c: { capture_id: string }) => c.capture_id),
        ids,
      );
      assert.deepEqual(
        captures.map((c: { captured_amount: number }) => c.captured_amount),
        [1000, 2000, 3000],
      );
      assert.deepEqual((await t.getOrder(order.order_id)).captures, captures);
    });

    it('a capture reads back with its fields, a "<order reference>-<n>" klarna_reference and the order addresses', async () => {
      const shippingAddress = {
        given_name: 'Receiver',
        family_name: 'Person',
        street_address: 'Hamngatan 2',
        postal_code: '11147',
        city: 'Stockholm',
        country: 'SE',
        email: 'receiver@email.se',
      };
      const order = await t.createOrder({ shipping_address: shippingAddress });
      const first = await capture(order.order_id, { captured_amount: 2500, order_lines: [SHIPPING] });
      assert.equal(first.status, 201, first.body);

      const before = await t.now();
      const shippingInfo = [{ shipping_company: 'DHL SE', shipping_method: 'Home', tracking_number: '63456415674', tracking_uri: 'https://track.example/63456415674' }];
      const res = await capture(order.order_id, {
        captured_amount: 10000,
        description: 'Shipped the T-shirts',
        reference: 'CAPTURE-REF-2',
        order_lines: [TSHIRT],
        shipping_info: shippingInfo,
      });
      const afterCapture = await t.now();
      assert.equal(res.status, 201, res.body);
      const read = await t.get(`${capturesPath(order.order_id)}/${String(res.headers['capture-id'])}`);
      assert.equal(read.status, 200, read.body);
      const body = read.json();

      assert.equal(body.capture_id, res.headers['capture-id']);
      assert.equal(body.klarna_reference, `${order.klarna_reference}-2`);
      assert.equal(body.captured_amount, 10000);
      assert.equal(body.refunded_amount, 0);
      assert.equal(body.description, 'Shipped the T-shirts');
      assert.equal(body.reference, 'CAPTURE-REF-2');
      assert.deepEqual(body.order_lines, [TSHIRT]);
      assert.deepEqual(body.shipping_info, shippingInfo);
      assert.deepEqual(body.billing_address, order.billing_address);
      assert.deepEqual(body.shipping_address, shippingAddress);
      assert.match(body.captured_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const capturedAt = Date.parse(body.captured_at);
      assert.ok(capturedAt >= Math.floor(before / 1000) * 1000 && capturedAt <= afterCapture, `captured_at ${body.captured_at} is the capture time`);

      const firstRead = await t.get(`${capturesPath(order.order_id)}/${String(first.headers['capture-id'])}`);
      assert.equal(firstRead.json().klarna_reference, `${order.klarna_reference}-1`);
    });

    it('a capture keeps the addresses of the order as they were at capture time', async () => {
      const order = await t.createOrder();
      const res = await capture(order.order_id, { captured_amount: 5000 });
      assert.equal(res.status, 201, res.body);
      const newAddress = { ...order.shipping_address, street_address: 'Nygatan 99', city: 'Malmö' };
      const update = await t.patch(`${orderPath(order.order_id)}/customer-details`, { shipping_address: newAddress });
      assert.equal(update.status, 204, update.body);

      const read = await t.get(`${capturesPath(order.order_id)}/${String(res.headers['capture-id'])}`);
      assert.deepEqual(read.json().shipping_address, order.shipping_address);
      assert.equal((await t.getOrder(order.order_id)).shipping_address.street_address, 'Nygatan 99');

      const later = await capture(order.order_id, { captured_amount: 1000 });
      const laterRead = await t.get(`${capturesPath(order.order_id)}/${String(later.headers['capture-id'])}`);
      assert.equal(laterRead.json().shipping_address.street_address, 'Nygatan 99');
    });

    it('capturing more than the remaining authorized amount gets 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      assert.equal((await capture(order.order_id, { captured_amount: 10000 })).status, 201);
      const before = await snapshot(order.order_id);

      const res = await capture(order.order_id, { captured_amount: 2501 });
      assertError(res, 403, 'CAPTURE_NOT_ALLOWED');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('higher than the remaining authorized amount')),
        res.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);

      // Exactly the remaining amount is still allowed.
      assert.equal((await capture(order.order_id, { captured_amount: 2500 })).status, 201);
    });

    it('capturing more than the order amount on a fresh order gets 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 12501 }), 403, 'CAPTURE_NOT_ALLOWED');
      const afterRefusal = await snapshot(order.order_id);
      assert.deepEqual(afterRefusal, before);
      assert.equal(afterRefusal.order.status, 'AUTHORIZED');
    });

    it('a capture of 0 gets 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 0 }), 403, 'CAPTURE_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('capturing a cancelled order gets 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      const cancel = await t.post(`${orderPath(order.order_id)}/cancel`);
      assert.equal(cancel.status, 204, cancel.body);
      const before = await snapshot(order.order_id);
      assert.equal(before.order.status, 'CANCELLED');

      const res = await capture(order.order_id, { captured_amount: 100 });
      assertError(res, 403, 'CAPTURE_NOT_ALLOWED');
      assert.ok(res.json().error_messages.some((m: string) => m.includes('cancelled')), res.body);
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('a fully captured order refuses another capture with 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      assert.equal((await capture(order.order_id, { captured_amount: 12500 })).status, 201);
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 1 }), 403, 'CAPTURE_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('an order under fraud review (fraud_status PENDING) cannot be captured: 403 CAPTURE_NOT_ALLOWED, nothing changes', async () => {
      const order = await t.createOrder({ fraud_status: 'PENDING' });
      assert.equal(order.fraud_status, 'PENDING');
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 100 }), 403, 'CAPTURE_NOT_ALLOWED');
      const afterRefusal = await snapshot(order.order_id);
      assert.deepEqual(afterRefusal, before);
      assert.equal(afterRefusal.order.status, 'AUTHORIZED');
    });

    it('an order rejected by fraud review (fraud_status REJECTED) cannot be captured: 403 CAPTURE_NOT_ALLOWED, nothing changes', async () => {
      const order = await t.createOrder({ fraud_status: 'REJECTED' });
      assert.equal(order.fraud_status, 'REJECTED');
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 100 }), 403, 'CAPTURE_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('shipping_delay > 0 is refused with 403 CAPTURE_NOT_ALLOWED unless the merchant has it enabled; it is never returned', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      assertError(await capture(order.order_id, { captured_amount: 1000, shipping_delay: 60 }), 403, 'CAPTURE_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);

      // shipping_delay 0 is no delay at all and always accepted.
      assert.equal((await capture(order.order_id, { captured_amount: 1000, shipping_delay: 0 })).status, 201);

      const enable = await t.patch('/sandbox/v1/settings', { shipping_delay_enabled: true });
      assert.equal(enable.status, 200, enable.body);
      try {
        const res = await capture(order.order_id, { captured_amount: 1000, shipping_delay: 60 });
        assert.equal(res.status, 201, res.body);
        const captureId = String(res.headers['capture-id']);
        const row = await t.db.kysely.selectFrom('captures').select('shipping_delay').where('capture_id', '=', captureId).executeTakeFirstOrThrow();
        assert.equal(Number(row.shipping_delay), 60);
        const read = await t.get(`${capturesPath(order.order_id)}/${captureId}`);
        assert.equal(read.status, 200);
        assert.equal('shipping_delay' in read.json(), false, 'shipping_delay is never returned on read');
      } finally {
        const disable = await t.patch('/sandbox/v1/settings', { shipping_delay_enabled: false });
        assert.equal(disable.status, 200, disable.body);
      }
    });

    it('order lines whose total_amount is not quantity × unit_price − discount get 422 naming the line, and nothing changes', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      const res = await capture(order.order_id, { captured_amount: 9000, order_lines: [{ ...TSHIRT, total_amount: 9000 }] });
      assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('order_lines[0].total_amount')),
        res.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('order lines that do not sum to captured_amount get 422 UNPROCESSABLE_ENTITY, and nothing changes', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      const res = await capture(order.order_id, { captured_amount: 5000, order_lines: [TSHIRT] });
      assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('order_lines') && m.includes('captured_amount')),
        res.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);

      // A discount line counts with its negative total.
      const discount = { type: 'discount', reference: 'DISC', name: 'Discount', quantity: 1, unit_price: -1000, total_amount: -1000 };
      const ok = await capture(order.order_id, { captured_amount: 9000, order_lines: [TSHIRT, discount] });
      assert.equal(ok.status, 201, ok.body);
    });

    it('capturing an unknown order gets 404 NO_SUCH_ORDER, and listing or reading its captures too', async () => {
      const unknown = '3f2c0cf4-90a1-4a0e-9c1c-5a1d7c4b2f10';
      const res = await capture(unknown, { captured_amount: 100 });
      assertError(res, 404, 'NO_SUCH_ORDER');
      assert.ok(res.json().error_messages[0].includes(unknown), res.body);
      assertError(await t.get(capturesPath(unknown)), 404, 'NO_SUCH_ORDER');
      assertError(await t.get(`${capturesPath(unknown)}/3f2c0cf4-90a1-4a0e-9c1c-5a1d7c4b2f11`), 404, 'NO_SUCH_ORDER');
      const rows = await t.db.kysely.selectFrom('captures').select('capture_id').where('order_id', '=', unknown).execute();
      assert.equal(rows.length, 0);
    });

    it('reading an unknown capture of a known order gets 404 NO_SUCH_CAPTURE, also when the id belongs to another order', async () => {
      const order = await t.createOrder();
      const other = await t.createOrder();
      const otherCapture = await capture(other.order_id, { captured_amount: 100 });
      assert.equal(otherCapture.status, 201);

      assertError(await t.get(`${capturesPath(order.order_id)}/7d0e9d4c-2f3b-4b6e-8f0a-1c2d3e4f5a6b`), 404, 'NO_SUCH_CAPTURE');
      await capture(order.order_id, { captured_amount: 100 });
      assertError(await t.get(`${capturesPath(order.order_id)}/${String(otherCapture.headers['capture-id'])}`), 404, 'NO_SUCH_CAPTURE');
    });

    it('a capture is recorded as a capture.created event and counts as the acknowledgement of the order', async () => {
      const order = await t.createOrder();
      const res = await capture(order.order_id, { captured_amount: 4000 });
      assert.equal(res.status, 201);

      const events = (await t.get(`/sandbox/v1/events?order_id=${order.order_id}`)).json().events;
      const created = events.filter((e: { type: string }) => e.type === 'capture.created');
      assert.equal(created.length, 1);
      assert.equal(created[0].payload.capture_id, res.headers['capture-id']);
      assert.equal(created[0].payload.captured_amount, 4000);

      const row = await t.db.kysely.selectFrom('orders').select('acknowledged_at').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      assert.notEqual(row.acknowledged_at, null, 'the capture acknowledged the order');

      // An explicit acknowledge afterwards is a no-op: the order was already acknowledged.
      const ack = await t.post(`${orderPath(order.order_id)}/acknowledge`);
      assert.equal(ack.status, 204, ack.body);
      const after = (await t.get(`/sandbox/v1/events?order_id=${order.order_id}`)).json().events;
      assert.deepEqual(
        after.map((e: { type: string }) => e.type),
        ['order.created', 'capture.created'],
      );
    });

    it('an acknowledge of an order that has no capture is recorded as order.acknowledged', async () => {
      const order = await t.createOrder();
      assert.equal((await t.post(`${orderPath(order.order_id)}/acknowledge`)).status, 204);
      const events = (await t.get(`/sandbox/v1/events?order_id=${order.order_id}`)).json().events;
      assert.deepEqual(
        events.map((e: { type: string }) => e.type),
        ['order.created', 'order.acknowledged'],
      );
    });

    // Last: moving the clock expires every open order of this database.
    it('capturing an expired order gets 403 CAPTURE_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      const partial = await t.createOrder();
      assert.equal((await capture(partial.order_id, { captured_amount: 1000 })).status, 201);
      await t.advanceClock(29 * DAY_SECONDS);

      for (const id of [order.order_id, partial.order_id]) {
        const before = await snapshot(id);
        assert.equal(before.order.status, 'EXPIRED');
        const res = await capture(id, { captured_amount: 100 });
        assertError(res, 403, 'CAPTURE_NOT_ALLOWED');
        assert.ok(
          res.json().error_messages.some((m: string) => m.includes('expired')),
          res.body,
        );
        assert.deepEqual(await snapshot(id), before);
      }

      // An order created after the clock moved is open as usual.
      const fresh = await t.createOrder();
      assert.equal((await capture(fresh.order_id, { captured_amount: 100 })).status, 201);
    });
  });
}
