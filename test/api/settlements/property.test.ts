/**
 * Settlements as a property: random histories of one merchant (orders in SE/SEK and DE/EUR,
 * captures, refunds with and without return fees, due-date extensions, disputes opened through the
 * sandbox and by test data, won and lost, with and without merchant protection, settings changes,
 * clock advances and payout runs), each on a fresh app, until everything is paid out. Then, through
 * the HTTP API only:
 *
 *  (a) every transaction belongs to exactly one payout and is listed by it, none twice, none missing;
 *  (b) every payout's totals recompute from its transactions, and its settlement follows the formula;
 *  (c) the debt chain per currency: each opening balance is the previous payout's closing one;
 *  (d) the money booked is the money of the events made (worked out by a model of the merchant's
 *      settings at each event);
 *  (e) every Settlements response matches settlements.json.
 *
 * The seed is printed; SETTLEMENT_SEED=<n> replays a run (with SETTLEMENT_PATH=<path> from a failure
 * report, only the failing case), SETTLEMENT_RUNS=<n> sets the number of runs per database, and
 * SETTLEMENT_SHRINK=1 lets fast-check shrink a failure (slow: each try is a fresh app).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { availableDialects } from '../../helpers/databases.js';
import type { TestDialect } from '../../helpers/databases.js';
import { buildTestApp, PUBLIC_URL } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { validateAgainstContract } from '../../helpers/openapi.js';
import { recomputeTotals } from '../../helpers/settlement-totals.js';

const SEED = Number(process.env.SETTLEMENT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.SETTLEMENT_RUNS ?? 20);
const PATH = process.env.SETTLEMENT_PATH;
const SHRINK = process.env.SETTLEMENT_SHRINK === '1';
console.log(`# settlements property.test.ts seed ${SEED} (set SETTLEMENT_SEED=${SEED} to replay)`);

const DAY = 24 * 3600 * 1000;
const REASONS = ['return', 'goods_not_received', 'faulty_goods', 'unauthorized_purchase'] as const;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const FEE_TYPES = new Set(['FEE', 'FEE_REFUND']);

/** What the runs covered, printed per database (a property that never meets a case proves nothing of it). */
const coverage = new Map<string, number>();
const count = (what: string, n = 1) => coverage.set(what, (coverage.get(what) ?? 0) + n);

// ---------------------------------------------------------------------------------------------
// The plan: abstract actions, read against the state of the run when they are made.

type Market = 'SE' | 'DE';
const MARKETS = {
  SE: { currency: 'SEK', locale: 'sv-SE', tax: 2500 },
  DE: { currency: 'EUR', locale: 'de-DE', tax: 1900 },
} as const;

interface NewOrder {
  kind: 'order';
  market: Market;
  amounts: number[];
  method: 'INVOICE' | 'PAY_LATER_IN_PARTS' | 'CARD' | 'DIRECT_DEBIT';
  disputed: (typeof REASONS)[number] | null;
}
interface SettingsChange {
  settlement_fees?: Partial<Record<'SEK' | 'EUR', { percentage: number; fixed: number }>>;
  settlement_fee_vat_rate?: number;
  settlement_fee_refund?: boolean;
  settlement_type?: 'NET' | 'GROSS' | 'GROSS_FEE';
  settlement_payout_schedule?: Partial<{ frequency: 'daily' | 'weekly' | 'every_n_days'; weekday: (typeof WEEKDAYS)[number]; interval_days: number; delay_days: number }>;
  settlement_holdback?: Partial<{ percentage: number; release_days: number }>;
  settlement_dispute_days?: number;
}
type Action =
  | NewOrder
  | { kind: 'capture'; order: number; percent: number; full: boolean }
  | { kind: 'refund'; order: number; percent: number; returnFeePercent: number | null }
  | { kind: 'extend'; order: number; capture: number; option: number }
  | { kind: 'dispute'; order: number; capture: number; percent: number | null; protection: boolean | null; reason: (typeof REASONS)[number] }
  | { kind: 'decide'; dispute: number; outcome: 'win' | 'lose'; protection: boolean | null }
  | { kind: 'settings'; change: SettingsChange }
  | { kind: 'advance'; seconds: number }
  | { kind: 'run'; immediately: boolean | null };

const percent = fc.integer({ min: 1, max: 100 });
const index = fc.nat({ max: 1000 });
const newOrder: fc.Arbitrary<NewOrder> = fc.record({
  kind: fc.constant('order' as const),
  market: fc.constantFrom<Market>('SE', 'DE'),
  amounts: fc.array(fc.integer({ min: 50, max: 150_000 }), { minLength: 1, maxLength: 2 }),
  method: fc.constantFrom('INVOICE' as const, 'INVOICE' as const, 'PAY_LATER_IN_PARTS' as const, 'CARD' as const, 'DIRECT_DEBIT' as const),
  disputed: fc.option(fc.constantFrom(...REASONS), { freq: 5 }),
});
const fees = fc.record({ percentage: fc.integer({ min: 0, max: 1000 }), fixed: fc.integer({ min: 0, max: 1000 }) });
const settingsChange: fc.Arbitrary<SettingsChange> = fc.record(
  {
    settlement_fees: fc.record({ SEK: fees, EUR: fees }, { requiredKeys: [] }),
    settlement_fee_vat_rate: fc.oneof(fc.constantFrom(0, 1200, 1900, 2500), fc.integer({ min: 0, max: 10000 })),
    settlement_fee_refund: fc.boolean(),
    settlement_type: fc.constantFrom('NET' as const, 'GROSS' as const, 'GROSS_FEE' as const),
    settlement_payout_schedule: fc.record(
      {
        frequency: fc.constantFrom('daily' as const, 'weekly' as const, 'every_n_days' as const),
        weekday: fc.constantFrom(...WEEKDAYS),
        interval_days: fc.integer({ min: 1, max: 30 }),
        delay_days: fc.integer({ min: 0, max: 14 }),
      },
      { requiredKeys: [] },
    ),
    settlement_holdback: fc.record({ percentage: fc.integer({ min: 0, max: 2000 }), release_days: fc.integer({ min: 0, max: 60 }) }, { requiredKeys: [] }),
    settlement_dispute_days: fc.integer({ min: 0, max: 20 }),
  },
  { requiredKeys: [] },
);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: newOrder },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('capture' as const), order: index, percent, full: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('refund' as const), order: index, percent, returnFeePercent: fc.option(fc.integer({ min: 1, max: 50 }), { freq: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extend' as const), order: index, capture: index, option: index }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('dispute' as const),
      order: index,
      capture: index,
      percent: fc.option(percent),
      protection: fc.option(fc.boolean()),
      reason: fc.constantFrom(...REASONS),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), dispute: index, outcome: fc.constantFrom('win' as const, 'lose' as const), protection: fc.option(fc.boolean()) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settings' as const), change: settingsChange }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(fc.integer({ min: 1, max: 48 }).map((h) => h * 3600), fc.integer({ min: 1, max: 35 }).map((d) => d * 86400)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), immediately: fc.option(fc.boolean()) }) },
);
const plan = fc.record({
  orders: fc.array(newOrder, { minLength: 1, maxLength: 3 }),
  actions: fc.array(action, { minLength: 10, maxLength: 40 }),
  /** How the disputes still open at the end are decided, in turn. */
  finally: fc.array(fc.constantFrom('win' as const, 'lose' as const), { minLength: 1, maxLength: 4 }),
  /** Whether the end waits for the schedule to pay (62 days) before paying the rest at once. */
  onSchedule: fc.boolean(),
});
type Plan = typeof plan extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// The model: what each event must book, from the merchant's settings at the time.

/** amount × rate / 10 000, half up, worked out with the remainder (not the engine's formula). */
function rate(amount: number, r: number): number {
  const product = amount * r;
  const whole = Math.floor(product / 10_000);
  return product - whole * 10_000 >= 5000 ? whole + 1 : whole;
}

interface Settings {
  settlement_fees: Record<string, { percentage: number; fixed: number }>;
  settlement_fee_vat_rate: number;
  settlement_fee_refund: boolean;
  settlement_type: string;
  settlement_payout_schedule: { frequency: string; weekday: string; interval_days: number; delay_days: number };
  settlement_holdback: { percentage: number; release_days: number };
  settlement_dispute_days: number;
  extend_due_date_options: { number_of_days: number; amount: number }[];
}

/** Object settings take the keys given (fees per currency too), the others are replaced. */
function merge(settings: Settings, change: SettingsChange): Settings {
  const merged: Record<string, unknown> = { ...settings };
  for (const [key, value] of Object.entries(change)) {
    const current = merged[key];
    merged[key] = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current, ...value } : value;
  }
  return merged as unknown as Settings;
}

interface CaptureModel {
  id: string;
  amount: number;
  /** The delay and release days in force when it was booked. */
  delayDays: number;
  releaseDays: number;
}
interface OrderModel {
  id: string;
  market: Market;
  currency: string;
  amount: number;
  method: string;
  disputed: string | null;
  captures: CaptureModel[];
  /** refund id → the delay in force when it was booked. */
  refundDelays: Map<string, number>;
  captured: number;
  refunded: number;
  returnFees: number;
  percentageCharged: number;
  percentageRefunded: number;
  /** The rows the order's events must have booked, as row keys. */
  expected: string[];
}
interface DisputeModel {
  id: string;
  orderId: string;
  amount: number;
  protection: boolean;
  status: 'OPEN' | 'WON' | 'LOST';
  reversalReference: string;
  /** Test data: decided (lost) by the clock at this time. */
  decidesAt: number | null;
  /** Lost by the clock (not by the sandbox). */
  byClock?: boolean;
  /** The delay in force when it was decided (its reversal was booked). */
  delayDays?: number;
}

const rowKey = (r: { type: string; detailed_type: string; amount: number; vat_rate?: number | null; vat_amount?: number | null; reversal_reference?: string | null }) =>
  [r.type, r.detailed_type, r.amount, r.vat_rate ?? '', r.vat_amount ?? '', r.type.startsWith('REVERSAL') ? (r.reversal_reference ?? '') : ''].join('|');

// ---------------------------------------------------------------------------------------------
// The API's shapes, as far as the checks read them.

interface Totals {
  [key: string]: number;
  settlement_amount: number;
  opening_debt_balance_amount: number;
  closing_debt_balance_amount: number;
}
interface Payout {
  totals: Totals;
  payment_reference: string;
  payout_date: string;
  currency_code: string;
  merchant_settlement_type: string;
  merchant_id: string;
  transactions: string;
}
interface Transaction {
  amount: number;
  type: string;
  detailed_type: string;
  order_id: string;
  currency_code: string;
  capture_id: string;
  capture_date: string;
  sale_date: string;
  payment_reference?: string;
  payout?: string;
  refund_id?: string;
  vat_rate?: number;
  vat_amount?: number;
  reversal_reference?: string;
}
interface Dispute {
  dispute_id: string;
  order_id: string;
  capture_id: string;
  reversal_reference: string;
  amount: number;
  status: 'OPEN' | 'WON' | 'LOST';
  merchant_protection: boolean;
  decides_at?: string;
  decided_at?: string;
}
interface OmOrder {
  order_id: string;
  status: string;
  order_amount: number;
  captured_amount: number;
  refunded_amount: number;
  remaining_authorized_amount: number;
  created_at: string;
  captures: { capture_id: string; captured_amount: number; refunded_amount: number; captured_at: string }[];
  refunds: { refund_id: string; refunded_amount: number; refunded_at: string }[];
}

const ms = (iso: string) => Date.parse(iso);
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------
// One run.

class Run {
  settings!: Settings;
  readonly orders: OrderModel[] = [];
  readonly disputes: DisputeModel[] = [];
  /** Payouts answered by a run with `immediately` (dated now, paying whatever is unpaid). */
  readonly immediate = new Set<string>();
  /** Each call that may build payouts (clock advances, runs): the time it ran and the settings it read. */
  readonly builds: { now: number; settings: Settings }[] = [];
  now = 0;
  readonly log: string[] = [];

  constructor(readonly t: TestApp) {}

  ok(res: TestResponse, status: number, what: string): void {
    assert.equal(res.status, status, `${what}: ${res.status} ${res.body}\nhistory:\n${this.log.join('\n')}`);
  }

  async start(): Promise<void> {
    const res = await this.t.get('/sandbox/v1/settings');
    this.ok(res, 200, 'settings');
    this.settings = res.json<{ settings: Settings }>().settings;
    this.now = ms((await this.t.get('/sandbox/v1/clock')).json<{ now: string }>().now);
  }

  async order(o: OmOrder['order_id']): Promise<OmOrder> {
    const res = await this.t.get(`/ordermanagement/v1/orders/${o}`);
    this.ok(res, 200, 'read order');
    return res.json<OmOrder>();
  }

  pick<T>(items: readonly T[], i: number): T | undefined {
    return items.length === 0 ? undefined : items[i % items.length];
  }

  async apply(a: Action): Promise<void> {
    this.log.push(JSON.stringify(a));
    switch (a.kind) {
      case 'order':
        return this.createOrder(a);
      case 'capture':
        return this.capture(a.order, a.percent, a.full);
      case 'refund':
        return this.refund(a.order, a.percent, a.returnFeePercent);
      case 'extend':
        return this.extend(a.order, a.capture, a.option);
      case 'dispute':
        return this.openDispute(a);
      case 'decide':
        return this.decide(a.dispute, a.outcome, a.protection);
      case 'settings':
        return this.changeSettings(a.change);
      case 'advance':
        return this.advance(a.seconds);
      case 'run':
        return this.runPayouts(a.immediately);
    }
  }

  async createOrder(a: NewOrder): Promise<void> {
    const market = MARKETS[a.market];
    const lines = a.amounts.map((amount, i) => {
      const tax = Math.round((amount * market.tax) / (10_000 + market.tax));
      return { type: 'physical', reference: `SKU-${i}`, name: `Thing ${i}`, quantity: 1, unit_price: amount, tax_rate: market.tax, total_amount: amount, total_tax_amount: tax };
    });
    const email = a.disputed ? `customer+disputed-${a.disputed}@email.${a.market.toLowerCase()}` : 'customer@email.se';
    const created = await this.t.createOrder({
      purchase_country: a.market,
      purchase_currency: market.currency,
      locale: market.locale,
      order_amount: sum(lines.map((l) => l.total_amount)),
      order_tax_amount: sum(lines.map((l) => l.total_tax_amount)),
      order_lines: lines,
      billing_address: { given_name: 'Test', family_name: 'Person', email, street_address: 'Street 1', postal_code: '12345', city: 'City', country: a.market },
      initial_payment_method: a.method === 'PAY_LATER_IN_PARTS' ? { type: a.method, number_of_installments: 3 } : { type: a.method },
      merchant_reference1: `ORDER-${this.orders.length}`,
    });
    this.orders.push({
      id: created.order_id,
      market: a.market,
      currency: market.currency,
      amount: created.order_amount,
      method: a.method,
      disputed: a.disputed,
      captures: [],
      refundDelays: new Map(),
      captured: 0,
      refunded: 0,
      returnFees: 0,
      percentageCharged: 0,
      percentageRefunded: 0,
      expected: [],
    });
  }

  async capture(i: number, pct: number, full: boolean): Promise<void> {
    const model = this.pick(this.orders, i);
    if (!model) return;
    const order = await this.order(model.id);
    if (!['AUTHORIZED', 'PART_CAPTURED'].includes(order.status) || order.remaining_authorized_amount <= 0) return;
    const amount = full ? order.remaining_authorized_amount : Math.max(1, Math.floor((order.remaining_authorized_amount * pct) / 100));
    const res = await this.t.post(`/ordermanagement/v1/orders/${model.id}/captures`, { captured_amount: amount, reference: `CAP-${model.captures.length}` });
    this.ok(res, 201, 'capture');
    const id = String(res.headers['capture-id']);
    const s = this.settings;
    model.captures.push({ id, amount, delayDays: s.settlement_payout_schedule.delay_days, releaseDays: s.settlement_holdback.release_days });
    model.captured += amount;
    const vat = s.settlement_fee_vat_rate;
    const terms = s.settlement_fees[model.currency];
    model.expected.push(rowKey({ type: 'SALE', detailed_type: 'PURCHASE', amount }));
    const percentage = terms ? rate(amount, terms.percentage) : 0;
    if (percentage > 0) {
      model.expected.push(rowKey({ type: 'FEE', detailed_type: 'PURCHASE_FEE_PERCENTAGE', amount: percentage, vat_rate: vat, vat_amount: rate(percentage, vat) }));
      model.percentageCharged += percentage;
    }
    if (terms && terms.fixed > 0) model.expected.push(rowKey({ type: 'FEE', detailed_type: 'PURCHASE_FEE_FIXED', amount: terms.fixed, vat_rate: vat, vat_amount: rate(terms.fixed, vat) }));
    const held = rate(amount, s.settlement_holdback.percentage);
    if (held > 0) {
      model.expected.push(rowKey({ type: 'HOLDBACK', detailed_type: 'ROLLING_RESERVE', amount: held }));
      model.expected.push(rowKey({ type: 'RELEASE', detailed_type: 'ROLLING_RESERVE', amount: held }));
    }
    if (model.disputed) {
      // Test data: a dispute on the capture, lost by itself settlement_dispute_days later.
      const listed = await this.t.get(`/sandbox/v1/settlements/disputes?order_id=${model.id}`);
      this.ok(listed, 200, 'list disputes');
      const opened = listed.json<{ disputes: Dispute[] }>().disputes.filter((d) => d.capture_id === id);
      assert.equal(opened.length, 1, `a test-data dispute on capture ${id}`);
      const [dispute] = opened as [Dispute];
      assert.equal(dispute.status, 'OPEN');
      assert.equal(dispute.amount, amount);
      assert.equal(dispute.merchant_protection, false);
      const capturedAt = (await this.order(model.id)).captures.find((c) => c.capture_id === id)?.captured_at ?? '';
      assert.equal(dispute.decides_at, new Date(ms(capturedAt) + s.settlement_dispute_days * DAY).toISOString().replace(/\.000Z$/, 'Z'), 'decided after settlement_dispute_days');
      this.disputes.push({ id: dispute.dispute_id, orderId: model.id, amount, protection: false, status: 'OPEN', reversalReference: dispute.reversal_reference, decidesAt: ms(dispute.decides_at ?? '') });
    }
  }

  async refund(i: number, pct: number, returnFeePercent: number | null): Promise<void> {
    const model = this.pick(this.orders, i);
    if (!model) return;
    const order = await this.order(model.id);
    const refundable = order.captured_amount - order.refunded_amount;
    if (refundable <= 0) return;
    const amount = Math.max(1, Math.floor((refundable * pct) / 100));
    // A return fee only after one single full capture (SE and DE both allow them).
    const feeAllowed = order.captures.length === 1 && order.captures[0]?.captured_amount === order.order_amount;
    const fee = returnFeePercent !== null && feeAllowed ? Math.max(1, Math.floor((amount * returnFeePercent) / 100)) : 0;
    const body =
      fee > 0
        ? {
            refunded_amount: amount,
            order_lines: [
              { type: 'physical', reference: 'SKU-0', name: 'Returned', quantity: 1, unit_price: amount + fee, total_amount: amount + fee },
              { type: 'return_fee', reference: 'RETURN-FEE', name: 'Return fee', quantity: 1, unit_price: -fee, total_amount: -fee },
            ],
          }
        : { refunded_amount: amount };
    const res = await this.t.post(`/ordermanagement/v1/orders/${model.id}/refunds`, { ...body, reference: `REF-${model.refundDelays.size}` });
    this.ok(res, 201, 'refund');
    const s = this.settings;
    model.refundDelays.set(String(res.headers['refund-id']), s.settlement_payout_schedule.delay_days);
    model.refunded += amount;
    model.returnFees += fee;
    model.expected.push(rowKey({ type: 'RETURN', detailed_type: 'PURCHASE_RETURN', amount: amount + fee }));
    if (fee > 0) model.expected.push(rowKey({ type: 'SALE', detailed_type: 'RETURN_FEE', amount: fee }));
    const terms = s.settlement_fees[model.currency];
    if (s.settlement_fee_refund && terms) {
      const net = Math.min(rate(amount, terms.percentage), model.percentageCharged - model.percentageRefunded);
      if (net > 0) {
        const vat = rate(net, s.settlement_fee_vat_rate);
        model.expected.push(rowKey({ type: 'FEE_REFUND', detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND', amount: net + vat, vat_rate: s.settlement_fee_vat_rate, vat_amount: vat }));
        model.percentageRefunded += net;
      }
    }
  }

  async extend(i: number, c: number, option: number): Promise<void> {
    const model = this.pick(this.orders, i);
    const capture = model && this.pick(model.captures, c);
    if (!model || !capture) return;
    const base = `/ordermanagement/v1/orders/${model.id}/captures/${capture.id}`;
    const offered = await this.t.get(`${base}/extend-due-date-options`);
    this.ok(offered, 200, 'due date options');
    const options = offered.json<{ options: { number_of_days: number; amount: number }[] }>().options;
    const chosen = this.pick(options, option);
    if (!chosen) return;
    this.ok(await this.t.patch(`${base}/extend-due-date`, { number_of_days: chosen.number_of_days }), 204, 'extend due date');
    const vat = this.settings.settlement_fee_vat_rate;
    if (chosen.amount > 0) model.expected.push(rowKey({ type: 'FEE', detailed_type: 'EXTEND_DUE_DATE_FEE', amount: chosen.amount, vat_rate: vat, vat_amount: rate(chosen.amount, vat) }));
  }

  async openDispute(a: Extract<Action, { kind: 'dispute' }>): Promise<void> {
    const model = this.pick(this.orders, a.order);
    const capture = model && this.pick(model.captures, a.capture);
    if (!model || !capture) return;
    const amount = a.percent === null ? undefined : Math.max(1, Math.floor((capture.amount * a.percent) / 100));
    const res = await this.t.post('/sandbox/v1/settlements/disputes', {
      order_id: model.id,
      capture_id: capture.id,
      reason: a.reason,
      ...(amount !== undefined && { amount }),
      ...(a.protection !== null && { merchant_protection: a.protection }),
    });
    this.ok(res, 201, 'open dispute');
    const dispute = res.json<Dispute>();
    assert.equal(dispute.status, 'OPEN');
    assert.equal(dispute.amount, amount ?? capture.amount);
    assert.equal(dispute.merchant_protection, a.protection ?? false);
    this.disputes.push({
      id: dispute.dispute_id,
      orderId: model.id,
      amount: dispute.amount,
      protection: dispute.merchant_protection,
      status: 'OPEN',
      reversalReference: dispute.reversal_reference,
      decidesAt: null,
    });
  }

  async decide(i: number, outcome: 'win' | 'lose', protection: boolean | null): Promise<void> {
    const dispute = this.pick(this.disputes, i);
    if (!dispute) return;
    const res = await this.t.post(`/sandbox/v1/settlements/disputes/${dispute.id}/${outcome}`, protection === null ? {} : { merchant_protection: protection });
    if (dispute.status !== 'OPEN') {
      this.ok(res, 403, `deciding a ${dispute.status} dispute again`);
      assert.equal(res.json().error_code, 'NOT_ALLOWED');
      return;
    }
    this.ok(res, 200, `${outcome} dispute`);
    dispute.status = outcome === 'win' ? 'WON' : 'LOST';
    dispute.delayDays = this.settings.settlement_payout_schedule.delay_days;
    if (protection !== null) dispute.protection = protection;
    const answered = res.json<Dispute>();
    assert.equal(answered.status, dispute.status);
    assert.equal(answered.merchant_protection, dispute.protection);
    if (dispute.status === 'LOST') this.lost(dispute);
  }

  lost(dispute: DisputeModel): void {
    const model = this.orders.find((o) => o.id === dispute.orderId);
    assert.ok(model);
    const reversal_reference = dispute.reversalReference;
    model.expected.push(rowKey({ type: 'REVERSAL', detailed_type: 'REVERSAL', amount: dispute.amount, reversal_reference }));
    if (dispute.protection) model.expected.push(rowKey({ type: 'REVERSAL_MERCHANT_PROTECTION', detailed_type: 'REVERSAL', amount: dispute.amount, reversal_reference }));
  }

  async changeSettings(generated: SettingsChange): Promise<void> {
    // fast-check's records have no prototype; compare plain objects.
    const change = JSON.parse(JSON.stringify(generated)) as SettingsChange;
    const res = await this.t.patch('/sandbox/v1/settings', change);
    this.ok(res, 200, 'change settings');
    this.settings = merge(this.settings, change);
    const stored = res.json<{ settings: Record<string, unknown> }>().settings;
    for (const key of Object.keys(this.settings) as (keyof Settings)[]) {
      if (key.startsWith('settlement_')) assert.deepEqual(stored[key], this.settings[key], `settings merged by key: ${key}`);
    }
  }

  async advance(seconds: number): Promise<void> {
    this.now = ms(await this.t.advanceClock(seconds));
    this.builds.push({ now: this.now, settings: this.settings });
    // Test-data disputes whose time has come were lost.
    for (const d of this.disputes) {
      if (d.status === 'OPEN' && d.decidesAt !== null && d.decidesAt <= this.now) {
        d.status = 'LOST';
        d.byClock = true;
        d.delayDays = this.settings.settlement_payout_schedule.delay_days;
        this.lost(d);
      }
    }
  }

  async runPayouts(immediately: boolean | null): Promise<void> {
    const res = await this.t.post('/sandbox/v1/settlements/payouts/run', immediately === null ? {} : { immediately });
    this.ok(res, 200, 'run payouts');
    this.now = ms((await this.t.get('/sandbox/v1/clock')).json<{ now: string }>().now);
    this.builds.push({ now: this.now, settings: this.settings });
    if (immediately) for (const p of res.json<{ payouts: Payout[] }>().payouts) this.immediate.add(p.payment_reference);
  }

  /**
   * Decides what is still open and pays everything out: after the test-data disputes' days, or
   * (`onSchedule`) long enough for every delay and release to have passed, then a run `immediately`.
   */
  async finish(outcomes: readonly ('win' | 'lose')[], onSchedule: boolean): Promise<void> {
    const days = Math.max(...this.disputes.map((d) => (d.decidesAt === null ? 0 : Math.ceil((d.decidesAt - this.now) / DAY))), onSchedule ? 62 : 0);
    await this.apply({ kind: 'advance', seconds: (days + 1) * 86400 });
    let n = 0;
    for (const [i, d] of this.disputes.entries()) {
      if (d.status === 'OPEN') await this.apply({ kind: 'decide', dispute: i, outcome: outcomes[n++ % outcomes.length] ?? 'lose', protection: null });
    }
    await this.apply({ kind: 'run', immediately: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Reading back through the API.

/** GET, checked against settlements.json. */
async function settlementsGet<T>(t: TestApp, url: string): Promise<T> {
  const res = await t.get(url);
  assert.equal(res.status, 200, `${url}: ${res.body}`);
  validateAgainstContract('settlements', { method: 'GET', url, statusCode: res.status, headers: res.headers, body: res.body });
  return res.json<T>();
}

/** Every page of a listing, 500 at a time, following the `next` links. */
async function everyPage<T>(t: TestApp, url: string, key: 'payouts' | 'transactions'): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = `${url}${url.includes('?') ? '&' : '?'}size=500`;
  let total: number | undefined;
  while (next !== undefined) {
    const page: Record<string, unknown> & { pagination: { count: number; total: number; offset: number; next?: string } } = await settlementsGet(t, next);
    const got = page[key] as T[];
    assert.equal(page.pagination.count, got.length, `${next}: count`);
    assert.equal(page.pagination.offset, items.length, `${next}: offset`);
    total ??= page.pagination.total;
    assert.equal(page.pagination.total, total, `${next}: total`);
    items.push(...got);
    next = page.pagination.next?.replace(PUBLIC_URL, '');
    if (next !== undefined) assert.ok(next.startsWith('/settlements/v1/'), `next link on the public URL: ${page.pagination.next}`);
  }
  assert.equal(items.length, total, `${url}: every item of the total`);
  return items;
}

/** A transaction as one comparable string: every field it carries. */
const identity = (tx: Transaction) => JSON.stringify(Object.keys(tx).sort().map((k) => [k, (tx as unknown as Record<string, unknown>)[k]]));


/** Klarna's formula over the stored totals. */
const formula = (t: Totals) =>
  (t.sale_amount ?? 0) -
  (t.return_amount ?? 0) -
  (t.reversal_amount ?? 0) -
  (t.fee_amount ?? 0) +
  (t.fee_correction_amount ?? 0) +
  (t.commission_amount ?? 0) -
  (t.tax_amount ?? 0) -
  (t.charge_amount ?? 0) +
  (t.credit_amount ?? 0) -
  (t.repay_amount ?? 0) -
  (t.holdback_amount ?? 0) +
  (t.release_amount ?? 0) +
  (t.fee_refund_amount ?? 0);

/** The first payout day of the month of `date` under the schedule, worked out day by day. */
function firstPayoutDayOfMonth(schedule: Settings['settlement_payout_schedule'], date: number): number {
  const d = new Date(date);
  for (let day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); ; day += DAY) {
    const weekday = WEEKDAYS[new Date(day).getUTCDay()];
    if (schedule.frequency === 'daily') return day;
    if (schedule.frequency === 'weekly' && weekday === schedule.weekday) return day;
    if (schedule.frequency === 'every_n_days' && (day / DAY) % schedule.interval_days === 0) return day;
  }
}

async function check(run: Run): Promise<void> {
  const { t } = run;
  const history = `\nhistory:\n${run.log.join('\n')}`;

  // The transactions, by order and all of them.
  const byOrder = new Map<string, Transaction[]>();
  for (const o of run.orders) byOrder.set(o.id, await everyPage<Transaction>(t, `/settlements/v1/transactions?order_id=${o.id}`, 'transactions'));
  const all = await everyPage<Transaction>(t, '/settlements/v1/transactions', 'transactions');
  const ordered = [...byOrder.values()].flat();
  // Transactions have no id, and two can read the same (holdbacks of equal captures in one second):
  // listings compare as multisets of every field, the payment reference included.
  assert.deepEqual(all.map(identity).sort(), ordered.map(identity).sort(), `the merchant's transactions are its orders' ${history}`);

  // (a) Each transaction in exactly one payout, listed by it.
  const payouts = await everyPage<Payout>(t, '/settlements/v1/payouts', 'payouts');
  count('transactions', all.length);
  count('payouts', payouts.length);
  count('immediate payouts', payouts.filter((p) => run.immediate.has(p.payment_reference)).length);
  count('GROSS/GROSS_FEE payouts', payouts.filter((p) => p.merchant_settlement_type !== 'NET').length);
  count('payouts with a deposit (negative period)', payouts.filter((p) => (p.totals.deposit_amount ?? 0) > 0).length);
  count('payouts repaying debt', payouts.filter((p) => (p.totals.repay_amount ?? 0) > 0).length);
  count('payouts repaying part of the debt', payouts.filter((p) => (p.totals.repay_amount ?? 0) > 0 && p.totals.closing_debt_balance_amount > 0).length);
  for (const type of new Set(all.map((tx) => `${tx.type}/${tx.detailed_type}`))) count(type, all.filter((tx) => `${tx.type}/${tx.detailed_type}` === type).length);
  count('disputes lost by the clock', run.disputes.filter((d) => d.byClock).length);
  count('disputes won', run.disputes.filter((d) => d.status === 'WON').length);
  const fromPayouts: string[] = [];
  const transactionsOf = new Map<string, Transaction[]>();
  for (const p of payouts) {
    assert.deepEqual(await settlementsGet<Payout>(t, `/settlements/v1/payouts/${p.payment_reference}`), p, 'a payout reads as it is listed');
    assert.equal(p.transactions, `${PUBLIC_URL}/settlements/v1/transactions?payment_reference=${p.payment_reference}`);
    const listed = await everyPage<Transaction>(t, `/settlements/v1/transactions?payment_reference=${p.payment_reference}`, 'transactions');
    assert.ok(listed.length > 0, `payout ${p.payment_reference} pays something ${history}`);
    transactionsOf.set(p.payment_reference, listed);
    for (const tx of listed) {
      fromPayouts.push(identity(tx));
      assert.equal(tx.payment_reference, p.payment_reference, `listed by the payout it names ${history}`);
      assert.equal(tx.payout, `${PUBLIC_URL}/settlements/v1/payouts/${p.payment_reference}`);
      assert.equal(tx.currency_code, p.currency_code, 'a payout pays one currency');
    }
    // Where fees are paid apart, a payout is all fees or no fees.
    if (p.merchant_settlement_type !== 'NET') {
      const fees = listed.filter((tx) => FEE_TYPES.has(tx.type)).length;
      assert.ok(fees === 0 || fees === listed.length, `${p.merchant_settlement_type} payout ${p.payment_reference} mixes fees and sales ${history}`);
    }
  }
  for (const tx of all) assert.ok(tx.payment_reference, `every transaction is paid out in the end: ${identity(tx)} ${history}`);
  // Each transaction (naming its payout) once in all the payouts' listings together: none twice, none missing.
  assert.deepEqual(fromPayouts.sort(), all.map(identity).sort(), `the payouts pay exactly the transactions ${history}`);

  // (b) Totals recompute; (c) the debt chain per currency, oldest first (the listing is newest first).
  const chronological = [...payouts].reverse();
  for (let i = 1; i < chronological.length; i++) {
    assert.ok(ms(chronological[i - 1]?.payout_date ?? '') <= ms(chronological[i]?.payout_date ?? ''), 'payouts are listed by payout date, newest first');
  }
  const debt = new Map<string, number>();
  for (const p of chronological) {
    const opening = debt.get(p.currency_code) ?? 0;
    assert.equal(p.totals.opening_debt_balance_amount, opening, `payout ${p.payment_reference} (${p.payout_date}) opens with the debt the previous ${p.currency_code} payout closed with ${history}`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(p.totals).sort()),
      Object.fromEntries(Object.entries(recomputeTotals(transactionsOf.get(p.payment_reference) ?? [], opening)).sort()),
      `payout ${p.payment_reference} totals recompute from its transactions ${history}`,
    );
    assert.equal(p.totals.settlement_amount, formula(p.totals), `settlement formula of ${p.payment_reference}`);
    assert.equal(p.totals.closing_debt_balance_amount, opening - (p.totals.repay_amount ?? 0) + (p.totals.deposit_amount ?? 0));
    debt.set(p.currency_code, p.totals.closing_debt_balance_amount);
  }

  // Scheduled payouts: on UTC midnights, not in the future, one per currency and stream and date,
  // paying nothing before it may be paid and leaving nothing behind that it could pay; a GROSS
  // merchant's fees only on the first payout date of a month.
  const orderOf = new Map(run.orders.map((o) => [o.id, o]));
  const omOrders = new Map<string, OmOrder>();
  for (const o of run.orders) omOrders.set(o.id, await run.order(o.id));
  const disputesByReference = new Map(run.disputes.map((d) => [d.reversalReference, d]));
  const listedDisputes = new Map<string, Dispute>();
  for (const o of run.orders) {
    const res = await t.get(`/sandbox/v1/settlements/disputes?order_id=${o.id}`);
    for (const d of res.json<{ disputes: Dispute[] }>().disputes) listedDisputes.set(d.dispute_id, d);
  }
  /**
   * From when the transaction may be paid, where the API tells enough to know: [earliest, latest]
   * (the API's times are whole seconds, so a time t stands for [t, t + 1 s)).
   */
  const eligibleFrom = (tx: Transaction): [number, number] | undefined => {
    const model = orderOf.get(tx.order_id);
    if (!model) return undefined;
    const exactly = (t: number): [number, number] => [t, t];
    const capture = model.captures.find((c) => c.id === tx.capture_id);
    if (capture && (tx.type === 'SALE' || tx.detailed_type.startsWith('PURCHASE_FEE') || tx.type === 'HOLDBACK')) return exactly(ms(tx.capture_date) + capture.delayDays * DAY);
    if (tx.type === 'RELEASE') {
      // A release names no capture: it is one of the captures of its capture date.
      const capturedAt = new Map(omOrders.get(model.id)?.captures.map((c) => [c.capture_id, c.captured_at]));
      const candidates = model.captures.filter((c) => capturedAt.get(c.id) === tx.capture_date).map((c) => ms(tx.capture_date) + Math.max(c.delayDays, c.releaseDays) * DAY);
      return candidates.length === 0 ? undefined : [Math.min(...candidates), Math.max(...candidates)];
    }
    if (tx.refund_id && model.refundDelays.has(tx.refund_id)) {
      const refundedAt = omOrders.get(tx.order_id)?.refunds.find((r) => r.refund_id === tx.refund_id)?.refunded_at;
      return refundedAt === undefined ? undefined : exactly(ms(refundedAt) + (model.refundDelays.get(tx.refund_id) ?? 0) * DAY);
    }
    const dispute = tx.reversal_reference === undefined ? undefined : disputesByReference.get(tx.reversal_reference);
    const decidedAt = dispute && listedDisputes.get(dispute.id)?.decided_at;
    if (dispute?.delayDays !== undefined && decidedAt !== undefined) return exactly(ms(decidedAt) + dispute.delayDays * DAY);
    return undefined;
  };
  const paidOn = new Map(all.map((tx) => [identity(tx), ms(payouts.find((p) => p.payment_reference === tx.payment_reference)?.payout_date ?? '')]));
  const streams = new Set<string>();
  for (const p of payouts) {
    if (run.immediate.has(p.payment_reference)) continue;
    const date = ms(p.payout_date);
    const listed = transactionsOf.get(p.payment_reference) ?? [];
    const where = `scheduled payout ${p.payment_reference} of ${p.payout_date} (${p.merchant_settlement_type}) ${history}`;
    assert.equal(date % DAY, 0, `on a midnight: ${where}`);
    assert.ok(date <= run.now, `not in the future: ${where}`);
    const stream = p.merchant_settlement_type === 'NET' ? 'all' : listed.every((tx) => FEE_TYPES.has(tx.type)) ? 'fees' : 'sales';
    const key = `${p.currency_code} ${p.payout_date} ${stream}`;
    assert.ok(!streams.has(key), `one payout per currency, stream and date: ${key} ${where}`);
    streams.add(key);
    for (const tx of listed) {
      const [earliest] = eligibleFrom(tx) ?? [];
      if (earliest !== undefined) assert.ok(earliest <= date, `${tx.type}/${tx.detailed_type} payable from ${new Date(earliest).toISOString()} not paid before: ${where}`);
      if (earliest !== undefined) count('scheduled transactions checked for their delay');
    }
    const inStream = (tx: Transaction) => stream === 'all' || (stream === 'fees') === FEE_TYPES.has(tx.type);
    for (const tx of all) {
      const [, latest] = eligibleFrom(tx) ?? [];
      // Payable strictly before the date (a whole second earlier at least): this payout could pay it.
      if (tx.currency_code !== p.currency_code || !inStream(tx) || latest === undefined || latest >= date) continue;
      assert.ok((paidOn.get(identity(tx)) ?? Infinity) <= date, `${tx.type}/${tx.detailed_type} payable from ${new Date(latest).toISOString()} is not left for later: ${where}`);
    }
    // The settings the payout was made with: those of the first call that ran at or after its date.
    const settings = run.builds.find((b) => b.now >= date)?.settings;
    if (settings?.settlement_type === 'GROSS' && p.merchant_settlement_type === 'GROSS' && stream === 'fees') {
      assert.equal(date, firstPayoutDayOfMonth(settings.settlement_payout_schedule, date), `GROSS fees on the first payout date of the month: ${where}`);
      count('GROSS monthly fee payouts');
    }
  }

  // (d) The money booked is the money of the events.
  const disputes = listedDisputes;
  assert.equal(disputes.size, run.disputes.length, 'every dispute opened is listed');
  for (const d of run.disputes) {
    const listed = disputes.get(d.id);
    assert.ok(listed, `dispute ${d.id} is listed`);
    assert.equal(listed.status, d.status, `dispute ${d.id} status ${history}`);
    assert.equal(listed.merchant_protection, d.protection, `dispute ${d.id} is listed with the protection its reversal was booked with ${history}`);
    if (d.byClock && d.decidesAt !== null) assert.ok(ms(listed.decided_at ?? '') >= d.decidesAt, 'lost by the clock no earlier than its time');
  }
  for (const o of run.orders) {
    const rows = byOrder.get(o.id) ?? [];
    const om = omOrders.get(o.id);
    assert.ok(om);
    assert.deepEqual(rows.map(rowKey).sort(), [...o.expected].sort(), `order ${o.id} (${o.currency}) books exactly its events ${history}`);
    const amount = (type: string, detailed?: string) => sum(rows.filter((r) => r.type === type && (detailed === undefined || r.detailed_type === detailed)).map((r) => r.amount));
    assert.equal(amount('SALE', 'PURCHASE'), om.captured_amount, 'SALE PURCHASE = captured');
    assert.equal(amount('SALE', 'RETURN_FEE'), o.returnFees, 'SALE RETURN_FEE = return fees');
    assert.equal(amount('RETURN'), om.refunded_amount + o.returnFees, 'RETURN = refunded + return fees');
    assert.equal(amount('HOLDBACK'), amount('RELEASE'), 'every holdback is released');
    const lost = run.disputes.filter((d) => d.orderId === o.id && d.status === 'LOST');
    assert.equal(amount('REVERSAL'), sum(lost.map((d) => d.amount)), 'REVERSAL = lost disputes');
    assert.equal(amount('REVERSAL_MERCHANT_PROTECTION'), sum(lost.filter((d) => d.protection).map((d) => d.amount)), 'REVERSAL_MERCHANT_PROTECTION = lost protected disputes');
    const captureDates = new Set(om.captures.map((c) => c.captured_at));
    const captureIds = new Set(om.captures.map((c) => c.capture_id));
    for (const r of rows) {
      assert.equal(r.currency_code, o.currency);
      assert.equal(r.sale_date, om.created_at, 'sale_date is the purchase');
      assert.ok(captureDates.has(r.capture_date), `capture_date ${r.capture_date} of ${r.type}/${r.detailed_type} is a capture's`);
      assert.ok(r.capture_id === '' || captureIds.has(r.capture_id));
      if (r.type === 'SALE' && r.detailed_type === 'PURCHASE') assert.ok(captureIds.has(r.capture_id), 'a sale names its capture');
      if (r.type === 'RETURN') assert.ok(om.refunds.some((f) => f.refund_id === r.refund_id), 'a return names its refund');
    }
  }

  // All payouts together pay what all transactions make, and the debts left are what they say.
  for (const currency of new Set(payouts.map((p) => p.currency_code))) {
    const mine = payouts.filter((p) => p.currency_code === currency);
    const txs = all.filter((tx) => tx.currency_code === currency);
    // With no debt to start from, the settlement of everything is the whole period.
    const period = recomputeTotals(txs, 0).settlement_amount;
    assert.equal(sum(mine.map((p) => p.totals.settlement_amount + (p.totals.repay_amount ?? 0))), period, `${currency}: the payouts pay what the transactions make`);
    assert.equal(debt.get(currency), sum(mine.map((p) => (p.totals.deposit_amount ?? 0) - (p.totals.repay_amount ?? 0))), `${currency}: debt left = deposits − repaid`);
    // The summary of all time adds the payouts up.
    const [summary, ...others] = await settlementsGet<Record<string, unknown>[]>(t, `/settlements/v1/payouts/summary?start_date=1970-01-01&end_date=2200-01-01&currency_code=${currency}`);
    assert.equal(others.length, 0);
    assert.equal(summary?.summary_settlement_currency, currency);
    for (const key of ['settlement', 'sale', 'fee', 'tax', 'return', 'reversal', 'holdback', 'release', 'repay']) {
      assert.equal(summary?.[`summary_total_${key}_amount`], sum(mine.map((p) => p.totals[`${key}_amount`] ?? 0)), `${currency} summary ${key}`);
    }
    // The currency filter lists exactly that currency's payouts.
    const filtered = await everyPage<Payout>(t, `/settlements/v1/payouts?currency_code=${currency}`, 'payouts');
    assert.deepEqual(
      filtered.map((p) => p.payment_reference),
      mine.map((p) => p.payment_reference),
    );
  }

  // Nothing is left to pay: another run and a month of clock make no payout.
  const again = await t.post('/sandbox/v1/settlements/payouts/run', { immediately: true });
  assert.deepEqual(again.json(), { payouts: [] }, 'nothing left to pay');
  await t.advanceClock(40 * 86400);
  assert.equal((await everyPage<Payout>(t, '/settlements/v1/payouts', 'payouts')).length, payouts.length, 'no payout of nothing');
}

// ---------------------------------------------------------------------------------------------

async function oneRun(dialect: TestDialect, p: Plan): Promise<void> {
  const t = await buildTestApp({ dialect });
  try {
    const run = new Run(t);
    await run.start();
    for (const o of p.orders) await run.apply(o);
    for (const a of p.actions) await run.apply(a);
    await run.finish(p.finally, p.onSchedule);
    await check(run);
  } finally {
    await t.close();
  }
}

for (const dialect of await availableDialects()) {
  describe(`settlements over random histories (${dialect})`, () => {
    it(`${RUNS} histories: every transaction in one payout, totals recompute, the debt chains, the money is the events'`, { timeout: 300_000 }, async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(plan, (p) => oneRun(dialect, p)),
        { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK, ...(PATH !== undefined && { path: PATH }) },
      );
      console.log(`# ${dialect}: ${RUNS} histories in ${Date.now() - started} ms; covered: ${[...coverage].map(([k, v]) => `${k} ${v}`).join(', ')}`);
      coverage.clear();
    });
  });
}
