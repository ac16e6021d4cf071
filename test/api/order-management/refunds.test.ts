/**
 * Order Management refunds (§1.1, §1.6): create and read refunds, how much may be refunded,
 * allocation to captures by line reference, return fees, and refusals that change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const orderPath = (orderId: string) => `/ordermanagement/v1/orders/${orderId}`;
const capturesPath = (orderId: string) => `${orderPath(orderId)}/captures`;
const refundsPath = (orderId: string) => `${orderPath(orderId)}/refunds`;
const DAY_SECONDS = 86400;

/** Lines of the default test order (see orderBody in the harness): 10000 + 2500 = 12500. */
const TSHIRT = { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 };
const SHIPPING = { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 };
const returnFee = (amount: number) => ({ type: 'return_fee', reference: 'RETURN-FEE', name: 'Return fee', quantity: 1, unit_price: -amount, total_amount: -amount });

/** Markets where return fees are allowed (§1.6) and some where they are not, with a matching currency. */
const RETURN_FEE_MARKETS: [string, string][] = [
  ['AT', 'EUR'],
  ['DE', 'EUR'],
  ['DK', 'DKK'],
  ['FI', 'EUR'],
  ['FR', 'EUR'],
  ['NL', 'EUR'],
  ['NO', 'NOK'],
  ['SE', 'SEK'],
];
const NO_RETURN_FEE_MARKETS: [string, string][] = [
  ['GB', 'GBP'],
  ['ES', 'EUR'],
  ['CH', 'CHF'],
];

function usOrder(): Record<string, unknown> {
  return {
    purchase_country: 'US',
    purchase_currency: 'USD',
    locale: 'en-US',
    order_amount: 10800,
    order_tax_amount: 800,
    order_lines: [
      { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, total_amount: 10000 },
      { type: 'sales_tax', reference: 'TAX', name: 'Sales tax', quantity: 1, unit_price: 800, total_amount: 800 },
    ],
    billing_address: {
      given_name: 'Test',
      family_name: 'Person-us',
      email: 'customer@email.us',
      street_address: '509 Amsterdam Ave',
      postal_code: '10024',
      city: 'New York',
      region: 'NY',
      country: 'US',
      phone: '+13106683312',
    },
  };
}

function assertError(res: TestResponse, status: number, errorCode: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, errorCode, res.body);
}

for (const dialect of await availableDialects()) {
  describe(`refunds (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function capture(orderId: string, body: Record<string, unknown>): Promise<string> {
      const res = await t.post(capturesPath(orderId), body);
      assert.equal(res.status, 201, res.body);
      return String(res.headers['capture-id']);
    }

    async function refund(orderId: string, body: Record<string, unknown>): Promise<TestResponse> {
      return t.post(refundsPath(orderId), body);
    }

    /** Everything a refused refund could have touched. */
    async function snapshot(orderId: string) {
      const order = await t.getOrder(orderId);
      const captures = (await t.get(capturesPath(orderId))).json();
      const refundRows = await t.db.kysely.selectFrom('refunds').select('refund_id').where('order_id', '=', orderId).execute();
      const events = (await t.get(`/sandbox/v1/events?order_id=${orderId}`)).json().events;
      return { order, captures, refundRows: refundRows.length, events };
    }

    it('creating a refund answers 201 with an absolute Location, a matching Refund-Id header and no body', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500 });
      const res = await refund(order.order_id, { refunded_amount: 2500 });
      assert.equal(res.status, 201, res.body);
      const refundId = res.headers['refund-id'];
      assert.equal(typeof refundId, 'string');
      assert.match(String(refundId), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(res.headers.location, `${PUBLIC_URL}${refundsPath(order.order_id)}/${String(refundId)}`);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);

      const read = await t.get(new URL(String(res.headers.location)).pathname);
      assert.equal(read.status, 200, read.body);
      assert.equal(read.json().refund_id, refundId);
    });

    it('a refund reads back with its fields and appears in order.refunds', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500, order_lines: [TSHIRT, SHIPPING] });
      const before = await t.now();
      const res = await refund(order.order_id, { refunded_amount: 2500, description: 'Shipping refunded', reference: 'REFUND-1', order_lines: [SHIPPING] });
      const afterRefund = await t.now();
      assert.equal(res.status, 201, res.body);

      const read = await t.get(`${refundsPath(order.order_id)}/${String(res.headers['refund-id'])}`);
      assert.equal(read.status, 200, read.body);
      const body = read.json();
      assert.equal(body.refund_id, res.headers['refund-id']);
      assert.equal(body.refunded_amount, 2500);
      assert.equal(body.description, 'Shipping refunded');
      assert.equal(body.reference, 'REFUND-1');
      assert.deepEqual(body.order_lines, [SHIPPING]);
      assert.match(body.refunded_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const refundedAt = Date.parse(body.refunded_at);
      assert.ok(refundedAt >= Math.floor(before / 1000) * 1000 && refundedAt <= afterRefund, `refunded_at ${body.refunded_at} is the refund time`);

      const readOrder = await t.getOrder(order.order_id);
      assert.deepEqual(readOrder.refunds, [body]);
      assert.equal(readOrder.refunded_amount, 2500);
    });

    it('refunds leave the order status unchanged, even when everything captured is refunded', async () => {
      const partial = await t.createOrder();
      await capture(partial.order_id, { captured_amount: 5000 });
      assert.equal((await refund(partial.order_id, { refunded_amount: 5000 })).status, 201);
      const partialRead = await t.getOrder(partial.order_id);
      assert.equal(partialRead.status, 'PART_CAPTURED');
      assert.equal(partialRead.captured_amount, 5000);
      assert.equal(partialRead.refunded_amount, 5000);
      assert.equal(partialRead.remaining_authorized_amount, 7500, 'a refund does not restore the authorization');

      const full = await t.createOrder();
      await capture(full.order_id, { captured_amount: 12500 });
      assert.equal((await refund(full.order_id, { refunded_amount: 12500 })).status, 201);
      const fullRead = await t.getOrder(full.order_id);
      assert.equal(fullRead.status, 'CAPTURED');
      assert.equal(fullRead.refunded_amount, 12500);
      assert.equal(fullRead.remaining_authorized_amount, 0);
    });

    it('refunding more than captured minus already refunded gets 403 REFUND_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 10000 });
      let before = await snapshot(order.order_id);
      assertError(await refund(order.order_id, { refunded_amount: 10001 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);

      assert.equal((await refund(order.order_id, { refunded_amount: 6000 })).status, 201);
      before = await snapshot(order.order_id);
      assertError(await refund(order.order_id, { refunded_amount: 4001 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);

      // Exactly what is left is allowed; after that the order is fully refunded.
      assert.equal((await refund(order.order_id, { refunded_amount: 4000 })).status, 201);
      before = await snapshot(order.order_id);
      assert.equal(before.order.refunded_amount, 10000);
      assertError(await refund(order.order_id, { refunded_amount: 1 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('the uncaptured part of an authorization cannot be refunded', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 5000 });
      const before = await snapshot(order.order_id);
      assertError(await refund(order.order_id, { refunded_amount: 12500 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('refunding an order without captures gets 403 REFUND_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      const before = await snapshot(order.order_id);
      const res = await refund(order.order_id, { refunded_amount: 100 });
      assertError(res, 403, 'REFUND_NOT_ALLOWED');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('no captures')),
        res.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);

      const cancelled = await t.createOrder();
      assert.equal((await t.post(`${orderPath(cancelled.order_id)}/cancel`)).status, 204);
      const cancelledBefore = await snapshot(cancelled.order_id);
      assertError(await refund(cancelled.order_id, { refunded_amount: 100 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(cancelled.order_id), cancelledBefore);
    });

    it('the stored totals equal the refund rows, and each capture carries the part of the refund allocated to it', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500 });
      await refund(order.order_id, { refunded_amount: 1000 });
      await refund(order.order_id, { refunded_amount: 1500 });
      const row = await t.db.kysely.selectFrom('orders').select('refunded_amount').where('order_id', '=', order.order_id).executeTakeFirstOrThrow();
      const refunds = await t.db.kysely.selectFrom('refunds').select('refunded_amount').where('order_id', '=', order.order_id).execute();
      assert.equal(Number(row.refunded_amount), 2500);
      assert.equal(
        refunds.reduce((sum, r) => sum + Number(r.refunded_amount), 0),
        2500,
      );
      const captures = (await t.get(capturesPath(order.order_id))).json();
      assert.equal(captures[0].refunded_amount, 2500);
    });

    it('a refund is allocated to the capture whose order line references match its lines', async () => {
      const order = await t.createOrder();
      const tshirtCapture = await capture(order.order_id, { captured_amount: 10000, order_lines: [TSHIRT] });
      const shippingCapture = await capture(order.order_id, { captured_amount: 2500, order_lines: [SHIPPING] });

      // The shipping line matches the second capture, although the first has room for it.
      assert.equal((await refund(order.order_id, { refunded_amount: 2500, order_lines: [SHIPPING] })).status, 201);
      const refundedOf = async () => {
        const captures = (await t.get(capturesPath(order.order_id))).json() as { capture_id: string; refunded_amount: number }[];
        return Object.fromEntries(captures.map((c) => [c.capture_id, c.refunded_amount]));
      };
      assert.deepEqual(await refundedOf(), { [tshirtCapture]: 0, [shippingCapture]: 2500 });

      // A T-shirt line goes to the first capture.
      const oneShirt = { ...TSHIRT, quantity: 1, total_amount: 5000, total_tax_amount: 1000 };
      assert.equal((await refund(order.order_id, { refunded_amount: 5000, order_lines: [oneShirt] })).status, 201);
      assert.deepEqual(await refundedOf(), { [tshirtCapture]: 5000, [shippingCapture]: 2500 });

      // The single captures read the same as the list.
      const read = await t.get(`${capturesPath(order.order_id)}/${shippingCapture}`);
      assert.equal(read.json().refunded_amount, 2500);
    });

    it('a refund without order lines is allocated to the oldest capture that has room', async () => {
      const order = await t.createOrder();
      const first = await capture(order.order_id, { captured_amount: 3000 });
      const second = await capture(order.order_id, { captured_amount: 4000 });
      assert.equal((await refund(order.order_id, { refunded_amount: 5000 })).status, 201);
      const captures = (await t.get(capturesPath(order.order_id))).json() as { capture_id: string; refunded_amount: number }[];
      assert.deepEqual(
        captures.map((c) => [c.capture_id, c.refunded_amount]),
        [
          [first, 3000],
          [second, 2000],
        ],
      );
    });

    it('a return fee line (negative) is allowed after one single full capture; the lines sum exactly to refunded_amount', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500, order_lines: [TSHIRT, SHIPPING] });
      const res = await refund(order.order_id, { refunded_amount: 9500, order_lines: [TSHIRT, returnFee(500)] });
      assert.equal(res.status, 201, res.body);
      const read = await t.get(`${refundsPath(order.order_id)}/${String(res.headers['refund-id'])}`);
      assert.equal(read.json().refunded_amount, 9500);
      assert.deepEqual(read.json().order_lines, [TSHIRT, returnFee(500)]);
      const readOrder = await t.getOrder(order.order_id);
      assert.equal(readOrder.refunded_amount, 9500);
      assert.equal(readOrder.captures[0].refunded_amount, 9500);
    });

    it('refund lines that do not sum exactly to refunded_amount get 422 UNPROCESSABLE_ENTITY and change nothing', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500 });
      const before = await snapshot(order.order_id);
      // The return fee ignored: 10000 ≠ 9500.
      const res = await refund(order.order_id, { refunded_amount: 10000, order_lines: [TSHIRT, returnFee(500)] });
      assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('order_lines') && m.includes('refunded_amount')),
        res.body,
      );
      assertError(await refund(order.order_id, { refunded_amount: 2000, order_lines: [SHIPPING] }), 422, 'UNPROCESSABLE_ENTITY');
      // A line whose own arithmetic is wrong.
      const wrong = await refund(order.order_id, { refunded_amount: 9000, order_lines: [{ ...TSHIRT, total_amount: 9000 }] });
      assertError(wrong, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(
        wrong.json().error_messages.some((m: string) => m.includes('order_lines[0].total_amount')),
        wrong.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('a positive return_fee line gets 422 UNPROCESSABLE_ENTITY and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 12500 });
      const before = await snapshot(order.order_id);
      const positiveFee = { type: 'return_fee', name: 'Return fee', quantity: 1, unit_price: 500, total_amount: 500 };
      const res = await refund(order.order_id, { refunded_amount: 3000, order_lines: [SHIPPING, positiveFee] });
      assertError(res, 422, 'UNPROCESSABLE_ENTITY');
      assert.ok(
        res.json().error_messages.some((m: string) => m.includes('order_lines[1].total_amount')),
        res.body,
      );
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('a return fee after two captures, even ones covering the whole order, gets 403 REFUND_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 10000, order_lines: [TSHIRT] });
      await capture(order.order_id, { captured_amount: 2500, order_lines: [SHIPPING] });
      const before = await snapshot(order.order_id);
      assert.equal(before.order.status, 'CAPTURED');
      const res = await refund(order.order_id, { refunded_amount: 9500, order_lines: [TSHIRT, returnFee(500)] });
      assertError(res, 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
      // The same refund without the fee is fine.
      assert.equal((await refund(order.order_id, { refunded_amount: 10000, order_lines: [TSHIRT] })).status, 201);
    });

    it('a return fee after a single partial capture gets 403 REFUND_NOT_ALLOWED and changes nothing', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 10000, order_lines: [TSHIRT] });
      const before = await snapshot(order.order_id);
      assertError(await refund(order.order_id, { refunded_amount: 9500, order_lines: [TSHIRT, returnFee(500)] }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
    });

    it('return fees are allowed in AT, DE, DK, FI, FR, NL, NO and SE only', async () => {
      const withFee = { refunded_amount: 9500, order_lines: [TSHIRT, returnFee(500)] };
      for (const [country, currency] of RETURN_FEE_MARKETS) {
        const order = await t.createOrder({
          purchase_country: country,
          purchase_currency: currency,
          locale: `en-${country}`,
          billing_address: { given_name: 'Test', family_name: 'Person', street_address: 'Street 1', postal_code: '12345', city: 'City', country },
        });
        await capture(order.order_id, { captured_amount: 12500 });
        const res = await refund(order.order_id, withFee);
        assert.equal(res.status, 201, `${country}: ${res.body}`);
      }
      for (const [country, currency] of NO_RETURN_FEE_MARKETS) {
        const order = await t.createOrder({
          purchase_country: country,
          purchase_currency: currency,
          locale: `en-${country}`,
          billing_address: { given_name: 'Test', family_name: 'Person', street_address: 'Street 1', postal_code: '12345', city: 'City', country },
        });
        await capture(order.order_id, { captured_amount: 12500 });
        const before = await snapshot(order.order_id);
        const res = await refund(order.order_id, withFee);
        assert.equal(res.status, 403, `${country}: ${res.body}`);
        assert.equal(res.json().error_code, 'REFUND_NOT_ALLOWED');
        assert.deepEqual(await snapshot(order.order_id), before);
      }
    });

    it('a return fee on a US order gets 403 REFUND_NOT_ALLOWED and changes nothing; a plain refund is fine', async () => {
      const order = await t.createOrder(usOrder());
      assert.equal(order.purchase_currency, 'USD');
      await capture(order.order_id, { captured_amount: 10800 });
      const before = await snapshot(order.order_id);
      const tshirt = { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, total_amount: 10000 };
      const res = await refund(order.order_id, { refunded_amount: 9500, order_lines: [tshirt, returnFee(500)] });
      assertError(res, 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);
      assert.equal((await refund(order.order_id, { refunded_amount: 10000, order_lines: [tshirt] })).status, 201);
    });

    it('reading an unknown refund gets 404 NOT_FOUND, also when the id belongs to another order', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 5000 });
      const unknown = '0b7e4a52-6d6a-4c1e-9f54-5b0e3d3a7c21';
      const res = await t.get(`${refundsPath(order.order_id)}/${unknown}`);
      assertError(res, 404, 'NOT_FOUND');
      assert.ok(res.json().error_messages[0].includes(unknown), res.body);

      const other = await t.createOrder();
      await capture(other.order_id, { captured_amount: 5000 });
      const otherRefund = await refund(other.order_id, { refunded_amount: 100 });
      assert.equal(otherRefund.status, 201);
      assertError(await t.get(`${refundsPath(order.order_id)}/${String(otherRefund.headers['refund-id'])}`), 404, 'NOT_FOUND');
    });

    it('refunding or reading a refund of an unknown order gets 404 NO_SUCH_ORDER', async () => {
      const unknown = '5a4f2e10-3c1b-4d2a-8e9f-0a1b2c3d4e5f';
      const res = await refund(unknown, { refunded_amount: 100 });
      assertError(res, 404, 'NO_SUCH_ORDER');
      assert.ok(res.json().error_messages[0].includes(unknown), res.body);
      assertError(await t.get(`${refundsPath(unknown)}/0b7e4a52-6d6a-4c1e-9f54-5b0e3d3a7c21`), 404, 'NO_SUCH_ORDER');
      const rows = await t.db.kysely.selectFrom('refunds').select('refund_id').where('order_id', '=', unknown).execute();
      assert.equal(rows.length, 0);
    });

    it('a refund is recorded as a refund.created event with its allocation', async () => {
      const order = await t.createOrder();
      const captureId = await capture(order.order_id, { captured_amount: 5000 });
      const res = await refund(order.order_id, { refunded_amount: 1200 });
      const events = (await t.get(`/sandbox/v1/events?order_id=${order.order_id}`)).json().events;
      const created = events.filter((e: { type: string }) => e.type === 'refund.created');
      assert.equal(created.length, 1);
      assert.equal(created[0].payload.refund_id, res.headers['refund-id']);
      assert.equal(created[0].payload.refunded_amount, 1200);
      assert.deepEqual(created[0].payload.allocations, [{ capture_id: captureId, amount: 1200 }]);
    });

    // Last: moving the clock expires every open order of this database.
    it('an EXPIRED order that has captures can still be refunded, up to what was captured', async () => {
      const order = await t.createOrder();
      await capture(order.order_id, { captured_amount: 5000 });
      const uncaptured = await t.createOrder();
      await t.advanceClock(29 * DAY_SECONDS);
      assert.equal((await t.getOrder(order.order_id)).status, 'EXPIRED');

      const res = await refund(order.order_id, { refunded_amount: 2000 });
      assert.equal(res.status, 201, res.body);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.captured_amount, 5000);
      assert.equal(read.refunded_amount, 2000);
      assert.equal(read.remaining_authorized_amount, 0);

      let before = await snapshot(order.order_id);
      assertError(await refund(order.order_id, { refunded_amount: 3001 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(order.order_id), before);

      // An expired order that was never captured has nothing to refund.
      before = await snapshot(uncaptured.order_id);
      assertError(await refund(uncaptured.order_id, { refunded_amount: 100 }), 403, 'REFUND_NOT_ALLOWED');
      assert.deepEqual(await snapshot(uncaptured.order_id), before);
    });
  });
}
