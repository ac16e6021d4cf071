/**
 * The settlement engine's bookings (behaviour reference §6, docs/fidelity.md "Settlements"): each
 * money event in Order Management books its transactions in the event's own transaction — a capture
 * its SALE and fees with VAT, a refund its RETURN (and the return fee, and the fee refund), a
 * due-date extension its fee — with the order's references and dates, visible at once through
 * GET /settlements/v1/transactions?order_id= (unpaid: no payment_reference yet). A refused event
 * books nothing. Every response is validated against settlements.json by the harness.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { byType, capture, refund, settings, transactions } from './api-helpers.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const dialect of await availableDialects()) {
  describe(`settlement bookings (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a capture books its SALE and the purchase fees (2.99 % and the fixed fee, with 25 % VAT) with the order\'s references', async () => {
      const order = await t.createOrder({ merchant_reference1: 'SHOP-1001', merchant_reference2: 'CART-77' });
      const captureId = await capture(t, order.order_id, 10000, { reference: 'INV-1' });
      const rows = await transactions(t, `order_id=${order.order_id}`);
      assert.deepEqual(byType(rows), ['SALE/PURCHASE 10000', 'FEE/PURCHASE_FEE_PERCENTAGE 299', 'FEE/PURCHASE_FEE_FIXED 300']);
      const [sale, percentage, fixed] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
      const read = await t.getOrder(order.order_id);
      const capturedAt = read.captures[0].captured_at;
      for (const row of rows) {
        assert.equal(row.order_id, order.order_id);
        assert.equal(row.capture_id, captureId, 'sales and fees name their capture');
        assert.equal(row.short_order_id, read.klarna_reference);
        assert.equal(row.merchant_reference1, 'SHOP-1001');
        assert.equal(row.merchant_capture_reference, 'INV-1');
        assert.equal(row.currency_code, 'SEK');
        assert.equal(row.purchase_country, 'SE');
        assert.equal(row.shipping_country, 'SE');
        assert.equal(row.initial_payment_method_type, 'INVOICE');
        assert.equal(row.capture_date, capturedAt);
        assert.equal(row.sale_date, iso(Date.parse(read.created_at)));
        assert.equal(row.payment_reference, undefined, 'not paid out yet');
        assert.equal(row.payout, undefined);
      }
      assert.equal(sale.vat_amount, undefined, 'no VAT on the sale itself');
      assert.equal(percentage.vat_rate, 2500);
      assert.equal(percentage.vat_amount, 75, 'VAT on 2.99 SEK, rounded half up');
      assert.equal(fixed.vat_amount, 75);
    });

    it('a refund books its RETURN (capture_id empty, as Klarna\'s files show it) and gives back the percentage fee with its VAT', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      const refundId = await refund(t, order.order_id, 2500, { reference: 'RMA-9' });
      const rows = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.refund_id === refundId);
      assert.deepEqual(byType(rows), ['RETURN/PURCHASE_RETURN 2500', 'FEE_REFUND/PURCHASE_FEE_PERCENTAGE_REFUND 94']);
      for (const row of rows) {
        assert.equal(row.capture_id, '');
        assert.equal(row.merchant_refund_reference, 'RMA-9');
      }
      // 2.99 % of 25.00 SEK is 0.75 SEK, and 25 % VAT on it 0.19 SEK: 0.94 SEK given back.
      assert.equal(rows[1]?.vat_amount, 19);
    });

    it('fee refunds never give back more than the order was charged, and are off when the terms say so', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      // 373.75 → 374 charged; refunds in three parts round to 75 + 75 + 224 = 374 at most.
      await refund(t, order.order_id, 2500);
      await refund(t, order.order_id, 2500);
      await refund(t, order.order_id, 7500);
      const rows = await transactions(t, `order_id=${order.order_id}`);
      const charged = rows.filter((r) => r.detailed_type === 'PURCHASE_FEE_PERCENTAGE').reduce((n, r) => n + r.amount, 0);
      const given = rows.filter((r) => r.type === 'FEE_REFUND').reduce((n, r) => n + r.amount - (r.vat_amount ?? 0), 0);
      assert.equal(charged, 374);
      assert.equal(given, 374);

      // 2.99 % of 0.50 SEK rounds to 0.01; of 0.17 it rounds to 0.01 as well, twice: only 0.01 goes back.
      const small = await t.createOrder();
      await capture(t, small.order_id, 50);
      for (const amount of [17, 17, 16]) await refund(t, small.order_id, amount);
      const smallRows = await transactions(t, `order_id=${small.order_id}`);
      assert.deepEqual(smallRows.filter((r) => r.detailed_type.startsWith('PURCHASE_FEE_PERCENTAGE')).map((r) => `${r.type} ${r.amount - (r.vat_amount ?? 0)}`), ['FEE 1', 'FEE_REFUND 1']);

      await settings(t, { settlement_fee_refund: false });
      const other = await t.createOrder();
      await capture(t, other.order_id, 12500);
      await refund(t, other.order_id, 12500);
      assert.deepEqual(byType(await transactions(t, `order_id=${other.order_id}`)).slice(3), ['RETURN/PURCHASE_RETURN 12500']);
      await settings(t, { settlement_fee_refund: true });
    });

    it('a refund with a return fee books the returned goods and the fee the merchant keeps (detailed type RETURN_FEE)', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id, 12500);
      const lines = [
        { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
        { type: 'return_fee', reference: 'RETURN-FEE', name: 'Return fee', quantity: 1, unit_price: -500, tax_rate: 2500, total_amount: -500, total_tax_amount: -100 },
      ];
      const refundId = await refund(t, order.order_id, 9500, { order_lines: lines });
      const rows = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.refund_id === refundId);
      assert.deepEqual(byType(rows), ['RETURN/PURCHASE_RETURN 10000', 'SALE/RETURN_FEE 500', 'FEE_REFUND/PURCHASE_FEE_PERCENTAGE_REFUND 355']);
      assert.equal(rows[0]!.amount - rows[1]!.amount, 9500, 'net, exactly what the shopper got back');
    });

    it('a due-date extension books its fee as EXTEND_DUE_DATE_FEE, with VAT and the capture it extends', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, 12500);
      const res = await t.patch(`/ordermanagement/v1/orders/${order.order_id}/captures/${captureId}/extend-due-date`, { number_of_days: 14 });
      assert.equal(res.status, 204, res.body);
      const rows = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.detailed_type === 'EXTEND_DUE_DATE_FEE');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.type, 'FEE');
      assert.equal(rows[0]?.amount, 295, 'the 14-day option\'s fee (merchant setting extend_due_date_options)');
      assert.equal(rows[0]?.vat_amount, 74);
      assert.equal(rows[0]?.capture_id, captureId);
      assert.match(rows[0]?.klarna_comment ?? '', /14 days/);
    });

    it('a refused capture or refund books nothing; an idempotent replay books once', async () => {
      const order = await t.createOrder();
      const over = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 99_999 });
      assert.equal(over.status, 403, over.body);
      const early = await t.post(`/ordermanagement/v1/orders/${order.order_id}/refunds`, { refunded_amount: 100 });
      assert.equal(early.status, 403, early.body);
      assert.deepEqual(await transactions(t, `order_id=${order.order_id}`), []);
      for (let i = 0; i < 3; i++) {
        const res = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 1000 }, { idempotencyKey: 'capture-once' });
        assert.equal(res.status, 201, res.body);
      }
      assert.deepEqual(byType(await transactions(t, `order_id=${order.order_id}`)), ['SALE/PURCHASE 1000', 'FEE/PURCHASE_FEE_PERCENTAGE 30', 'FEE/PURCHASE_FEE_FIXED 300']);
    });

    it('a capture Payments makes itself (auto_capture) is booked too, in the order\'s currency', async () => {
      const session = await t.post('/payments/v1/sessions', { purchase_country: 'DE', purchase_currency: 'EUR', locale: 'de-DE', order_amount: 5000, order_tax_amount: 798, order_lines: [{ type: 'physical', reference: 'DE-1', name: 'Tasse', quantity: 1, unit_price: 5000, tax_rate: 1900, total_amount: 5000, total_tax_amount: 798 }] });
      assert.equal(session.status, 200, session.body);
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${session.json().session_id}/authorize`, {});
      assert.equal(authorized.status, 200, authorized.body);
      const placed = await t.post(`/payments/v1/authorizations/${authorized.json().authorization_token}/order`, {
        purchase_country: 'DE',
        purchase_currency: 'EUR',
        locale: 'de-DE',
        order_amount: 5000,
        order_tax_amount: 798,
        order_lines: [{ type: 'physical', reference: 'DE-1', name: 'Tasse', quantity: 1, unit_price: 5000, tax_rate: 1900, total_amount: 5000, total_tax_amount: 798 }],
        auto_capture: true,
      });
      assert.equal(placed.status, 200, placed.body);
      const rows = await transactions(t, `order_id=${placed.json().order_id}`);
      assert.deepEqual(byType(rows), ['SALE/PURCHASE 5000', 'FEE/PURCHASE_FEE_PERCENTAGE 150', 'FEE/PURCHASE_FEE_FIXED 35']);
      assert.ok(rows.every((r) => r.currency_code === 'EUR' && r.purchase_country === 'DE'));
    });

    it('a holdback (rolling reserve) is booked with each sale, and its release after the merchant\'s release days', async () => {
      await settings(t, { settlement_holdback: { percentage: 1000, release_days: 30 } });
      const order = await t.createOrder();
      await capture(t, order.order_id, 12345);
      await settings(t, { settlement_holdback: { percentage: 0 } });
      const rows = await transactions(t, `order_id=${order.order_id}`);
      assert.deepEqual(byType(rows).slice(3), ['HOLDBACK/ROLLING_RESERVE 1235', 'RELEASE/ROLLING_RESERVE 1235']);
    });
  });
}
