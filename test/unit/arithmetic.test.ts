import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineTaxErrors, lineTotalErrors, orderTotalsErrors } from '../../src/kernel/order-lines.js';
import type { OrderLine } from '../../src/kernel/schemas.js';
import { marketErrors } from '../../src/kernel/markets.js';
import { allocateRefund } from '../../src/modules/order-management/operations/create-refund.js';
import type { CaptureRecord } from '../../src/modules/order-management/order.js';

const line = (over: Partial<OrderLine> = {}): OrderLine => ({
  name: 'Item',
  quantity: 2,
  unit_price: 5000,
  total_amount: 10000,
  tax_rate: 2500,
  total_tax_amount: 2000,
  ...over,
});

describe("Klarna's line arithmetic", () => {
  it('total_amount must equal quantity × unit_price − total_discount_amount exactly', () => {
    assert.deepEqual(lineTotalErrors([line()]), []);
    assert.deepEqual(lineTotalErrors([line({ total_discount_amount: 1000, total_amount: 9000, total_tax_amount: 1800 })]), []);
    assert.deepEqual(lineTotalErrors([line(), line({ total_amount: 9999 })]), ['order_lines[1].total_amount']);
  });

  it('total_tax_amount is accepted within ±1 of total × rate / (10000 + rate) and refused beyond', () => {
    // 10000 at 25% → 2000 exactly; 1999 and 2001 pass, 1998 and 2002 fail.
    for (const tax of [1999, 2000, 2001]) assert.deepEqual(lineTaxErrors([line({ total_tax_amount: tax })]), [], `tax ${tax}`);
    for (const tax of [1998, 2002]) assert.deepEqual(lineTaxErrors([line({ total_tax_amount: tax })]), ['order_lines[0].total_tax_amount'], `tax ${tax}`);
    // 999 at 19% → 159.50…; both 159 and 160 are within one.
    assert.deepEqual(lineTaxErrors([line({ quantity: 1, unit_price: 999, total_amount: 999, tax_rate: 1900, total_tax_amount: 160 })]), []);
    assert.deepEqual(lineTaxErrors([line({ quantity: 1, unit_price: 999, total_amount: 999, tax_rate: 1900, total_tax_amount: 159 })]), []);
  });

  it('order_amount is the sum of the lines and order_tax_amount the sum of their tax within ±(number of lines)', () => {
    const lines = [line(), line({ name: 'B' })];
    assert.deepEqual(orderTotalsErrors({ order_amount: 20000, order_tax_amount: 4000, order_lines: lines }), []);
    assert.deepEqual(orderTotalsErrors({ order_amount: 20000, order_tax_amount: 4002, order_lines: lines }), []);
    assert.deepEqual(orderTotalsErrors({ order_amount: 20000, order_tax_amount: 4003, order_lines: lines }), ['order_tax_amount']);
    assert.deepEqual(orderTotalsErrors({ order_amount: 20001, order_tax_amount: 4000, order_lines: lines }), ['order_amount']);
  });

  it('US mode: tax is a sales_tax line whose amount is order_tax_amount, and it counts in order_amount', () => {
    const lines: OrderLine[] = [
      { name: 'Shoes', quantity: 1, unit_price: 10000, total_amount: 10000 },
      { type: 'sales_tax', name: 'Tax', quantity: 1, unit_price: 800, total_amount: 800 },
    ];
    assert.deepEqual(orderTotalsErrors({ order_amount: 10800, order_tax_amount: 800, order_lines: lines }), []);
    assert.deepEqual(orderTotalsErrors({ order_amount: 10800, order_tax_amount: 700, order_lines: lines }), ['order_tax_amount']);
  });

  it('the purchase country must be a Klarna market paid in its own currency', () => {
    assert.deepEqual(marketErrors('SE', 'SEK', 'sv-SE'), []);
    assert.deepEqual(marketErrors('de', 'eur', 'de-DE'), []);
    assert.deepEqual(marketErrors('SE', 'EUR', 'sv-SE'), ['purchase_currency, purchase_country']);
    assert.deepEqual(marketErrors('XX', 'EUR', 'en-US'), ['purchase_country']);
    assert.deepEqual(marketErrors('SE', 'SEK', 'swedish'), ['locale']);
  });
});

describe('refund allocation to captures', () => {
  const capture = (id: string, amount: number, refs: string[], refunded = 0): CaptureRecord => ({
    capture_id: id,
    seq: 1,
    klarna_reference: 'K-1',
    captured_amount: amount,
    refunded_amount: refunded,
    description: null,
    reference: null,
    order_lines: refs.map((reference) => ({ name: reference, reference, quantity: 1, unit_price: amount, total_amount: amount })),
    shipping_info: [],
    billing_address: null,
    shipping_address: null,
    due_date_extension_days: null,
    due_date_extension_fee: null,
    captured_at: 0,
  });

  it('a refund line goes to the capture that carries its reference', () => {
    const captures = [capture('c1', 5000, ['A']), capture('c2', 7000, ['B'])];
    const lines: OrderLine[] = [{ name: 'B', reference: 'B', quantity: 1, unit_price: 3000, total_amount: 3000 }];
    assert.deepEqual(allocateRefund(captures, 3000, lines), [{ capture_id: 'c2', amount: 3000 }]);
  });

  it('without matching references the oldest capture with room takes the refund, overflowing to the next', () => {
    const captures = [capture('c1', 5000, ['A'], 4000), capture('c2', 7000, ['B'])];
    assert.deepEqual(allocateRefund(captures, 3000, []), [
      { capture_id: 'c1', amount: 1000 },
      { capture_id: 'c2', amount: 2000 },
    ]);
  });

  it('a line larger than its capture spills the rest over to the other captures', () => {
    const captures = [capture('c1', 5000, ['A']), capture('c2', 7000, ['B'])];
    const lines: OrderLine[] = [{ name: 'B', reference: 'B', quantity: 1, unit_price: 9000, total_amount: 9000 }];
    assert.deepEqual(allocateRefund(captures, 9000, lines), [
      { capture_id: 'c1', amount: 2000 },
      { capture_id: 'c2', amount: 7000 },
    ]);
  });
});
