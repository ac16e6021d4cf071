/**
 * Settlements' pure rules (src/modules/settlements/settlement.ts), without a database or a server:
 * what each money event books, the payout calendar, and Klarna's settlement arithmetic, each against
 * values worked out by hand (the working is in the comments).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../src/modules/merchants/merchant.js';
import type { MerchantSettings, PayoutSchedule } from '../../src/modules/merchants/merchant.js';
import type { CapturedFact, DueDateExtendedFact, OrderMoneyFacts, RefundedFact } from '../../src/modules/order-management/facts.js';
import {
  applyRate,
  bookCapture,
  bookDueDateExtension,
  bookLostDispute,
  bookRefund,
  collectsFees,
  computeTotals,
  eligibleFrom,
  nextPayoutDate,
  payoutStreams,
  settlementOf,
} from '../../src/modules/settlements/settlement.js';
import type { Booking, Totals, TypeSum } from '../../src/modules/settlements/settlement.js';

const DAY = 24 * 3600 * 1000;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

const ORDER: OrderMoneyFacts = {
  order_id: 'f3b1c0de-0000-4000-8000-000000000001',
  klarna_reference: 'SHORT123',
  purchase_country: 'SE',
  purchase_currency: 'SEK',
  shipping_country: 'SE',
  merchant_reference1: 'ORDER-1',
  merchant_reference2: null,
  initial_payment_method_type: 'INVOICE',
  initial_number_of_installments: null,
  email: 'customer@email.se',
  created_at: at('2024-03-01T09:00:00Z'),
};

/** Default settings (SEK: 2.99 % + 300, 25 % VAT, fee refunds, daily payouts 7 days after, no holdback) with a change. */
function settings(change: Partial<MerchantSettings> = {}): MerchantSettings {
  return { ...DEFAULT_SETTINGS, ...change };
}

const CAPTURED_AT = at('2024-03-10T12:00:00Z');
const capture = (amount: number, over: Partial<CapturedFact> = {}): CapturedFact => ({
  order: ORDER,
  capture_id: 'cap-1',
  captured_amount: amount,
  reference: 'CAP-REF',
  captured_at: CAPTURED_AT,
  ...over,
});

const REFUNDED_AT = at('2024-03-20T08:30:00Z');
const refund = (amount: number, returnFee = 0, over: Partial<RefundedFact> = {}): RefundedFact => ({
  order: ORDER,
  refund_id: 'ref-1',
  refunded_amount: amount,
  return_fee: returnFee,
  reference: 'REF-REF',
  capture_id: 'cap-1',
  capture_date: CAPTURED_AT,
  refunded_at: REFUNDED_AT,
  ...over,
});

/** The parts of bookings a rule decides (type, detailed type, amounts), in order. */
const money = (bookings: readonly Booking[]) =>
  bookings.map((b) => ({ type: b.type, detailed_type: b.detailed_type, amount: b.amount, vat_rate: b.vat_rate, vat_amount: b.vat_amount }));

describe('applyRate: amount × rate / 10 000 (hundredths of a percent), rounded half up', () => {
  it('exact results stay exact', () => {
    assert.equal(applyRate(10000, 299), 299); // 2.99 % of 100.00
    assert.equal(applyRate(200, 2500), 50);
    assert.equal(applyRate(12345, 10000), 12345); // 100 %
    assert.equal(applyRate(200_000_000, 9999), 199_980_000); // the largest amount: 99.99 %, no float trouble
  });

  it('halves round up, below a half rounds down', () => {
    assert.equal(applyRate(50, 100), 1); // 0.5 → 1
    assert.equal(applyRate(49, 100), 0); // 0.49 → 0
    assert.equal(applyRate(150, 2500), 38); // 37.5 → 38
    assert.equal(applyRate(149, 2500), 37); // 37.25 → 37
    assert.equal(applyRate(12500, 299), 374); // 373.75 → 374
    assert.equal(applyRate(9500, 299), 284); // 284.05 → 284
    assert.equal(applyRate(374, 2500), 94); // 93.5 → 94
    assert.equal(applyRate(1, 5000), 1); // 0.5 → 1
    assert.equal(applyRate(1, 4999), 0); // 0.4999 → 0
  });

  it('zero amounts and zero rates give zero', () => {
    assert.equal(applyRate(0, 299), 0);
    assert.equal(applyRate(12500, 0), 0);
  });
});

describe('bookCapture: SALE, the purchase fees with their VAT, and the rolling reserve', () => {
  it('default SEK terms: SALE PURCHASE, 2.99 % (half up) and 300 fixed as FEE rows, each with 25 % VAT (half up)', () => {
    const bookings = bookCapture(capture(12500), settings());
    assert.deepEqual(money(bookings), [
      { type: 'SALE', detailed_type: 'PURCHASE', amount: 12500, vat_rate: null, vat_amount: null },
      // 12500 × 2.99 % = 373.75 → 374; VAT 374 × 25 % = 93.5 → 94
      { type: 'FEE', detailed_type: 'PURCHASE_FEE_PERCENTAGE', amount: 374, vat_rate: 2500, vat_amount: 94 },
      // 300 × 25 % = 75
      { type: 'FEE', detailed_type: 'PURCHASE_FEE_FIXED', amount: 300, vat_rate: 2500, vat_amount: 75 },
    ]);
  });

  it('every row carries the order, the capture and its date, and may be paid out the delay after the capture', () => {
    const bookings = bookCapture(capture(12500), settings());
    for (const b of bookings) {
      assert.equal(b.order_id, ORDER.order_id);
      assert.equal(b.currency_code, 'SEK');
      assert.equal(b.capture_id, 'cap-1');
      assert.equal(b.refund_id, null);
      assert.equal(b.merchant_capture_reference, 'CAP-REF');
      assert.equal(b.capture_date, CAPTURED_AT);
      assert.equal(b.sale_date, ORDER.created_at);
      assert.equal(b.short_order_id, 'SHORT123');
      assert.equal(b.purchase_country, 'SE');
      assert.equal(b.booked_at, CAPTURED_AT);
      assert.equal(iso(b.eligible_at), '2024-03-17T12:00:00.000Z'); // 7 days' delay
    }
  });

  it('the fee terms are per currency: EUR pays 35 fixed; a currency without terms and zero terms pay no fee', () => {
    const eur = { ...ORDER, purchase_country: 'DE', purchase_currency: 'EUR' };
    assert.deepEqual(money(bookCapture(capture(1000, { order: eur }), settings())).slice(1), [
      // 1000 × 2.99 % = 29.9 → 30; VAT 7.5 → 8
      { type: 'FEE', detailed_type: 'PURCHASE_FEE_PERCENTAGE', amount: 30, vat_rate: 2500, vat_amount: 8 },
      // 35 × 25 % = 8.75 → 9
      { type: 'FEE', detailed_type: 'PURCHASE_FEE_FIXED', amount: 35, vat_rate: 2500, vat_amount: 9 },
    ]);
    const noTerms = settings({ settlement_fees: { EUR: { percentage: 299, fixed: 35 } } });
    assert.deepEqual(money(bookCapture(capture(12500), noTerms)), [{ type: 'SALE', detailed_type: 'PURCHASE', amount: 12500, vat_rate: null, vat_amount: null }]);
    const zero = settings({ settlement_fees: { SEK: { percentage: 0, fixed: 0 } } });
    assert.equal(bookCapture(capture(12500), zero).length, 1);
    // A percentage fee that rounds to 0 is not booked; the fixed part still is.
    const tiny = settings({ settlement_fees: { SEK: { percentage: 1, fixed: 100 } }, settlement_fee_vat_rate: 0 });
    assert.deepEqual(money(bookCapture(capture(4999), tiny)).slice(1), [
      // 4999 × 0.01 % = 0.4999 → 0: no row; 100 fixed with 0 % VAT
      { type: 'FEE', detailed_type: 'PURCHASE_FEE_FIXED', amount: 100, vat_rate: 0, vat_amount: 0 },
    ]);
  });

  it('a holdback holds back its share of the sale with it and releases it release_days after the capture', () => {
    const held = settings({ settlement_holdback: { percentage: 1000, release_days: 90 } });
    const bookings = bookCapture(capture(12500), held);
    const hold = bookings.find((b) => b.type === 'HOLDBACK');
    const release = bookings.find((b) => b.type === 'RELEASE');
    // 10 % of 12500
    assert.deepEqual(money(bookings).slice(3), [
      { type: 'HOLDBACK', detailed_type: 'ROLLING_RESERVE', amount: 1250, vat_rate: null, vat_amount: null },
      { type: 'RELEASE', detailed_type: 'ROLLING_RESERVE', amount: 1250, vat_rate: null, vat_amount: null },
    ]);
    assert.equal(iso(hold?.eligible_at ?? 0), '2024-03-17T12:00:00.000Z'); // with the sale
    assert.equal(iso(release?.eligible_at ?? 0), '2024-06-08T12:00:00.000Z'); // 2024-03-10 + 90 days
  });

  it('a release is never payable before the delay either, and a holdback that rounds to 0 books nothing', () => {
    // release_days 3 < delay 7: the release waits for the delay.
    const short = settings({ settlement_holdback: { percentage: 1000, release_days: 3 } });
    const release = bookCapture(capture(12500), short).find((b) => b.type === 'RELEASE');
    assert.equal(iso(release?.eligible_at ?? 0), '2024-03-17T12:00:00.000Z');
    // 0 release days, no delay: payable at once.
    const none = settings({ settlement_holdback: { percentage: 1000, release_days: 0 }, settlement_payout_schedule: { ...DEFAULT_SETTINGS.settlement_payout_schedule, delay_days: 0 } });
    assert.equal(bookCapture(capture(12500), none).find((b) => b.type === 'RELEASE')?.eligible_at, CAPTURED_AT);
    // 4999 × 0.01 % = 0.4999 → 0: neither row; 5000 × 0.01 % = 0.5 → 1: both.
    const tiny = settings({ settlement_holdback: { percentage: 1, release_days: 90 } });
    assert.equal(bookCapture(capture(4999), tiny).filter((b) => b.type === 'HOLDBACK' || b.type === 'RELEASE').length, 0);
    assert.deepEqual(
      bookCapture(capture(5000), tiny)
        .filter((b) => b.type === 'HOLDBACK' || b.type === 'RELEASE')
        .map((b) => b.amount),
      [1, 1],
    );
  });
});

describe('bookRefund: the RETURN, the return fee as a sale, and the percentage fee given back', () => {
  it('a refund with a return fee: RETURN of refund + fee, SALE RETURN_FEE, FEE_REFUND gross (VAT included)', () => {
    const bookings = bookRefund(refund(9500, 500), settings(), 374);
    assert.deepEqual(money(bookings), [
      { type: 'RETURN', detailed_type: 'PURCHASE_RETURN', amount: 10000, vat_rate: null, vat_amount: null },
      { type: 'SALE', detailed_type: 'RETURN_FEE', amount: 500, vat_rate: null, vat_amount: null },
      // 9500 × 2.99 % = 284.05 → 284; VAT 71; gross 355
      { type: 'FEE_REFUND', detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND', amount: 355, vat_rate: 2500, vat_amount: 71 },
    ]);
    for (const b of bookings) {
      assert.equal(b.refund_id, 'ref-1');
      assert.equal(b.merchant_refund_reference, 'REF-REF');
      assert.equal(b.capture_date, CAPTURED_AT);
      assert.equal(b.booked_at, REFUNDED_AT);
      assert.equal(iso(b.eligible_at), '2024-03-27T08:30:00.000Z');
    }
  });

  it('without a return fee there is no RETURN_FEE sale, and the return is the refunded amount', () => {
    assert.deepEqual(money(bookRefund(refund(2500), settings(), 374)), [
      { type: 'RETURN', detailed_type: 'PURCHASE_RETURN', amount: 2500, vat_rate: null, vat_amount: null },
      // 2500 × 2.99 % = 74.75 → 75; VAT 18.75 → 19; gross 94
      { type: 'FEE_REFUND', detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND', amount: 94, vat_rate: 2500, vat_amount: 19 },
    ]);
  });

  it('the fee refund is capped at the percentage fees left on the order, and none is booked when none are left', () => {
    // 284 wanted, 100 left: 100 + VAT 25.
    assert.deepEqual(money(bookRefund(refund(9500), settings(), 100)).slice(1), [
      { type: 'FEE_REFUND', detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND', amount: 125, vat_rate: 2500, vat_amount: 25 },
    ]);
    assert.deepEqual(
      bookRefund(refund(9500), settings(), 0).map((b) => b.type),
      ['RETURN'],
    );
  });

  it('no fee refund when the terms do not give fees back, or the currency has no terms, or it rounds to 0', () => {
    assert.deepEqual(
      bookRefund(refund(9500), settings({ settlement_fee_refund: false }), 374).map((b) => b.type),
      ['RETURN'],
    );
    assert.deepEqual(
      bookRefund(refund(9500), settings({ settlement_fees: {} }), 374).map((b) => b.type),
      ['RETURN'],
    );
    // 16 × 2.99 % = 0.4784 → 0
    assert.deepEqual(
      bookRefund(refund(16), settings(), 374).map((b) => b.type),
      ['RETURN'],
    );
    // 17 × 2.99 % = 0.5083 → 1, VAT 0.25 → 0
    assert.deepEqual(money(bookRefund(refund(17), settings(), 374))[1], {
      type: 'FEE_REFUND',
      detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND',
      amount: 1,
      vat_rate: 2500,
      vat_amount: 0,
    });
  });

  it('a refund with no capture to book it against is dated the refund', () => {
    const [ret] = bookRefund(refund(100, 0, { capture_id: null, capture_date: null }), settings(), 0);
    assert.equal(ret?.capture_date, REFUNDED_AT);
  });
});

describe('bookDueDateExtension: EXTEND_DUE_DATE_FEE with VAT', () => {
  const extended = (fee: number): DueDateExtendedFact => ({
    order: ORDER,
    capture_id: 'cap-1',
    captured_at: CAPTURED_AT,
    number_of_days: 14,
    fee,
    extended_at: at('2024-03-12T10:00:00Z'),
  });

  it('books the fee as a FEE with VAT (half up), dated the capture, payable the delay after the extension', () => {
    const bookings = bookDueDateExtension(extended(295), settings());
    // 295 × 25 % = 73.75 → 74
    assert.deepEqual(money(bookings), [{ type: 'FEE', detailed_type: 'EXTEND_DUE_DATE_FEE', amount: 295, vat_rate: 2500, vat_amount: 74 }]);
    assert.equal(bookings[0]?.capture_id, 'cap-1');
    assert.equal(bookings[0]?.capture_date, CAPTURED_AT);
    assert.equal(bookings[0]?.klarna_comment, 'Due date extended by 14 days');
    assert.equal(iso(bookings[0]?.eligible_at ?? 0), '2024-03-19T10:00:00.000Z');
    // 195 × 12 % = 23.4 → 23
    assert.equal(bookDueDateExtension(extended(195), settings({ settlement_fee_vat_rate: 1200 }))[0]?.vat_amount, 23);
  });

  it('a free extension books nothing', () => {
    assert.deepEqual(bookDueDateExtension(extended(0), settings()), []);
  });
});

describe('bookLostDispute: REVERSAL, and REVERSAL_MERCHANT_PROTECTION when covered', () => {
  const dispute = (protection: boolean) => ({
    order: ORDER,
    capture_id: 'cap-1',
    captured_at: CAPTURED_AT,
    reversal_reference: 'krn:klarna:eu1:dispute:goods_not_received:12345678',
    amount: 4000,
    merchant_protection: protection,
  });
  const LOST_AT = at('2024-03-24T12:00:00Z');

  it('without merchant protection: one REVERSAL of the disputed amount, with the dispute as reversal_reference', () => {
    const bookings = bookLostDispute(dispute(false), LOST_AT, settings());
    assert.deepEqual(money(bookings), [{ type: 'REVERSAL', detailed_type: 'REVERSAL', amount: 4000, vat_rate: null, vat_amount: null }]);
    assert.equal(bookings[0]?.reversal_reference, 'krn:klarna:eu1:dispute:goods_not_received:12345678');
    assert.equal(bookings[0]?.capture_date, CAPTURED_AT);
    assert.equal(bookings[0]?.booked_at, LOST_AT);
    assert.equal(iso(bookings[0]?.eligible_at ?? 0), '2024-03-31T12:00:00.000Z');
  });

  it('with merchant protection: the REVERSAL and its refund, same amount', () => {
    assert.deepEqual(money(bookLostDispute(dispute(true), LOST_AT, settings())), [
      { type: 'REVERSAL', detailed_type: 'REVERSAL', amount: 4000, vat_rate: null, vat_amount: null },
      { type: 'REVERSAL_MERCHANT_PROTECTION', detailed_type: 'REVERSAL', amount: 4000, vat_rate: null, vat_amount: null },
    ]);
  });
});

describe('eligibleFrom and nextPayoutDate: the payout calendar, UTC midnights', () => {
  const schedule = (over: Partial<PayoutSchedule>): PayoutSchedule => ({ frequency: 'daily', weekday: 'monday', interval_days: 7, delay_days: 0, ...over });
  const next = (over: Partial<PayoutSchedule>, after: string) => iso(nextPayoutDate(schedule(over), at(after)));

  it('eligibleFrom adds the delay in whole days', () => {
    assert.equal(iso(eligibleFrom(at('2024-03-10T12:00:00Z'), schedule({ delay_days: 0 }))), '2024-03-10T12:00:00.000Z');
    assert.equal(iso(eligibleFrom(at('2024-03-10T12:00:00Z'), schedule({ delay_days: 30 }))), '2024-04-09T12:00:00.000Z');
  });

  it('daily: the next midnight, strictly after (a midnight gives the following one)', () => {
    assert.equal(next({ frequency: 'daily' }, '2024-03-10T12:00:00Z'), '2024-03-11T00:00:00.000Z');
    assert.equal(next({ frequency: 'daily' }, '2024-03-10T00:00:00Z'), '2024-03-11T00:00:00.000Z');
    assert.equal(next({ frequency: 'daily' }, '2024-03-10T23:59:59.999Z'), '2024-03-11T00:00:00.000Z');
    assert.equal(next({ frequency: 'daily' }, '2024-03-09T23:59:59.999Z'), '2024-03-10T00:00:00.000Z');
    // Across a month end and a leap day.
    assert.equal(next({ frequency: 'daily' }, '2024-02-28T05:00:00Z'), '2024-02-29T00:00:00.000Z');
    assert.equal(next({ frequency: 'daily' }, '2024-02-29T05:00:00Z'), '2024-03-01T00:00:00.000Z');
  });

  it('weekly: the next midnight on the weekday, wrapping past the end of the week', () => {
    // 2024-03-10 is a Sunday, 2024-03-11 a Monday, 2024-03-16 a Saturday.
    assert.equal(next({ frequency: 'weekly', weekday: 'monday' }, '2024-03-10T12:00:00Z'), '2024-03-11T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'monday' }, '2024-03-11T00:00:00Z'), '2024-03-18T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'monday' }, '2024-03-11T05:00:00Z'), '2024-03-18T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'monday' }, '2024-03-10T23:59:59.999Z'), '2024-03-11T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'sunday' }, '2024-03-16T10:00:00Z'), '2024-03-17T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'sunday' }, '2024-03-17T00:00:00Z'), '2024-03-24T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'saturday' }, '2024-03-10T12:00:00Z'), '2024-03-16T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'saturday' }, '2024-03-16T00:00:00Z'), '2024-03-23T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'thursday' }, '1970-01-01T00:00:00Z'), '1970-01-08T00:00:00.000Z');
    assert.equal(next({ frequency: 'weekly', weekday: 'friday' }, '1970-01-01T00:00:00Z'), '1970-01-02T00:00:00.000Z');
    // Across a year end: 2024-12-31 is a Tuesday, 2025-01-03 a Friday.
    assert.equal(next({ frequency: 'weekly', weekday: 'friday' }, '2024-12-31T18:00:00Z'), '2025-01-03T00:00:00.000Z');
    // Every weekday, from a Sunday noon: the following seven days in order.
    const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
    assert.deepEqual(
      days.map((weekday) => next({ frequency: 'weekly', weekday }, '2024-03-10T12:00:00Z').slice(0, 10)),
      ['2024-03-17', '2024-03-11', '2024-03-12', '2024-03-13', '2024-03-14', '2024-03-15', '2024-03-16'],
    );
  });

  it('every_n_days: midnights of days whose number since 1970-01-01 is a multiple of N', () => {
    // 2024-03-14 is day 19796 = 7 × 2828 (a Thursday, like 1970-01-01).
    assert.equal(next({ frequency: 'every_n_days', interval_days: 7 }, '2024-03-10T12:00:00Z'), '2024-03-14T00:00:00.000Z');
    assert.equal(next({ frequency: 'every_n_days', interval_days: 7 }, '2024-03-14T00:00:00Z'), '2024-03-21T00:00:00.000Z');
    assert.equal(next({ frequency: 'every_n_days', interval_days: 7 }, '2024-03-13T23:59:59.999Z'), '2024-03-14T00:00:00.000Z');
    // 19796 = 3 × 6598 + 2: multiples of 3 around it are 19794 (03-12) and 19797 (03-15).
    assert.equal(next({ frequency: 'every_n_days', interval_days: 3 }, '2024-03-10T12:00:00Z'), '2024-03-12T00:00:00.000Z');
    assert.equal(next({ frequency: 'every_n_days', interval_days: 3 }, '2024-03-12T00:00:00Z'), '2024-03-15T00:00:00.000Z');
    assert.equal(next({ frequency: 'every_n_days', interval_days: 3 }, '2024-03-12T00:00:00.001Z'), '2024-03-15T00:00:00.000Z');
    // N = 1 is daily.
    assert.equal(next({ frequency: 'every_n_days', interval_days: 1 }, '2024-03-10T00:00:00Z'), '2024-03-11T00:00:00.000Z');
    // 1970-01-01 itself is day 0: with N = 10 the dates are 01-11, 01-21, …
    assert.equal(next({ frequency: 'every_n_days', interval_days: 10 }, '1970-01-01T00:00:00Z'), '1970-01-11T00:00:00.000Z');
  });

  it('consecutive payout dates keep the rhythm: seven daily, weekly a week apart, every_n_days N apart', () => {
    const walk = (s: Partial<PayoutSchedule>, from: string, n: number): string[] => {
      const out: string[] = [];
      let t = at(from);
      for (let i = 0; i < n; i++) out.push(iso((t = nextPayoutDate(schedule(s), t))).slice(0, 10));
      return out;
    };
    assert.deepEqual(walk({ frequency: 'weekly', weekday: 'wednesday' }, '2024-02-20T10:00:00Z', 3), ['2024-02-21', '2024-02-28', '2024-03-06']);
    assert.deepEqual(walk({ frequency: 'every_n_days', interval_days: 7 }, '2024-03-10T12:00:00Z', 3), ['2024-03-14', '2024-03-21', '2024-03-28']);
    for (const [s, gap] of [
      [{ frequency: 'daily' }, 1],
      [{ frequency: 'weekly', weekday: 'tuesday' }, 7],
      [{ frequency: 'every_n_days', interval_days: 5 }, 5],
      [{ frequency: 'every_n_days', interval_days: 30 }, 30],
    ] as const) {
      let t = nextPayoutDate(schedule(s), at('2023-11-05T07:00:00Z'));
      for (let i = 0; i < 20; i++) {
        const following = nextPayoutDate(schedule(s), t);
        assert.equal(following - t, gap * DAY, `${JSON.stringify(s)} from ${iso(t)}`);
        assert.equal(following % DAY, 0);
        t = following;
      }
    }
  });
});

describe('collectsFees and payoutStreams: which payouts a date makes', () => {
  const daily: PayoutSchedule = { frequency: 'daily', weekday: 'monday', interval_days: 7, delay_days: 0 };
  const mondays: PayoutSchedule = { ...daily, frequency: 'weekly', weekday: 'monday' };
  const every10: PayoutSchedule = { ...daily, frequency: 'every_n_days', interval_days: 10 };

  it('NET and GROSS_FEE collect fees on every payout date', () => {
    for (const type of ['NET', 'GROSS_FEE'] as const) {
      for (const date of ['2024-04-01', '2024-04-02', '2024-04-15']) assert.equal(collectsFees(type, daily, at(date)), true, `${type} ${date}`);
    }
  });

  it('GROSS collects fees only on the first payout date of each calendar month', () => {
    assert.equal(collectsFees('GROSS', daily, at('2024-04-01')), true);
    assert.equal(collectsFees('GROSS', daily, at('2024-04-02')), false);
    assert.equal(collectsFees('GROSS', daily, at('2024-03-31')), false);
    // Mondays: 2024-04-01 is one; in May the first is 05-06 (05-01 is a Wednesday).
    assert.equal(collectsFees('GROSS', mondays, at('2024-04-01')), true);
    assert.equal(collectsFees('GROSS', mondays, at('2024-04-08')), false);
    assert.equal(collectsFees('GROSS', mondays, at('2024-04-29')), false);
    assert.equal(collectsFees('GROSS', mondays, at('2024-05-06')), true);
    // Every 10 days (day numbers since 1970 that are multiples of 10): 2024-04-01 is day 19814, so
    // April's dates are 04-07 (19820), 04-17 (19830) and 04-27 (19840); March's last is 03-28 (19810).
    assert.equal(collectsFees('GROSS', every10, at('2024-04-07')), true);
    assert.equal(collectsFees('GROSS', every10, at('2024-04-17')), false);
    assert.equal(collectsFees('GROSS', every10, at('2024-03-28')), false);
  });

  it('payoutStreams: NET one payout; GROSS_FEE sales and fees apart; GROSS fees only on the first date of the month', () => {
    assert.deepEqual(payoutStreams('NET', daily, at('2024-04-02')), [{ types: 'all' }]);
    assert.deepEqual(payoutStreams('NET', daily, at('2024-04-01')), [{ types: 'all' }]);
    assert.deepEqual(payoutStreams('GROSS_FEE', daily, at('2024-04-02')), [{ types: 'sales' }, { types: 'fees' }]);
    assert.deepEqual(payoutStreams('GROSS', daily, at('2024-04-01')), [{ types: 'sales' }, { types: 'fees' }]);
    assert.deepEqual(payoutStreams('GROSS', daily, at('2024-04-02')), [{ types: 'sales' }]);
  });
});

describe("computeTotals and settlementOf: Klarna's arithmetic over a payout's transactions", () => {
  const sums = (entries: [string, number, number?][]): TypeSum[] => entries.map(([type, amount, vat]) => ({ type, amount, vat_amount: vat ?? 0 }));
  const ZERO: Totals = {
    commission_amount: 0,
    repay_amount: 0,
    sale_amount: 0,
    holdback_amount: 0,
    tax_amount: 0,
    settlement_amount: 0,
    fee_correction_amount: 0,
    reversal_amount: 0,
    release_amount: 0,
    return_amount: 0,
    fee_amount: 0,
    charge_amount: 0,
    credit_amount: 0,
    fee_refund_amount: 0,
    tax_refund_amount: 0,
    deposit_amount: 0,
    opening_debt_balance_amount: 0,
    closing_debt_balance_amount: 0,
  };
  const mixed = sums([
    ['SALE', 10000],
    ['FEE', 674, 169],
    ['RETURN', 2000],
    ['FEE_REFUND', 355, 71],
    ['HOLDBACK', 1000],
    ['RELEASE', 500],
    ['REVERSAL', 3000],
    ['REVERSAL_MERCHANT_PROTECTION', 1000],
  ]);

  it('nothing and no debt: all zero', () => {
    assert.deepEqual(computeTotals([], 0), ZERO);
    assert.equal(settlementOf(ZERO), 0);
  });

  it('a mixed payout: tax is the VAT on the fees, reversal is net of merchant protection, fee refunds are gross', () => {
    const totals = computeTotals(mixed, 0);
    // 10000 − 2000 − (3000 − 1000) − 674 − 169 − 1000 + 500 + 355 = 5012
    assert.deepEqual(totals, {
      ...ZERO,
      sale_amount: 10000,
      return_amount: 2000,
      reversal_amount: 2000,
      fee_amount: 674,
      tax_amount: 169,
      holdback_amount: 1000,
      release_amount: 500,
      fee_refund_amount: 355,
      tax_refund_amount: 71,
      settlement_amount: 5012,
    });
    assert.equal(settlementOf(totals), 5012);
  });

  it('every other type goes its way: + correction + commission − TAX − charge + credit', () => {
    const totals = computeTotals(
      sums([
        ['SALE', 1000],
        ['CORRECTION', 50],
        ['COMMISSION', 20],
        ['TAX', 10],
        ['CHARGE', 30],
        ['CREDIT', 40],
        ['FEE', 100, 25],
      ]),
      0,
    );
    // 1000 + 50 + 20 − (10 + 25) − 30 + 40 − 100 = 945
    assert.equal(totals.fee_correction_amount, 50);
    assert.equal(totals.commission_amount, 20);
    assert.equal(totals.tax_amount, 35);
    assert.equal(totals.charge_amount, 30);
    assert.equal(totals.credit_amount, 40);
    assert.equal(totals.settlement_amount, 945);
    assert.equal(settlementOf(totals), 945);
  });

  it('debt is repaid first: in full when the period covers it, partly when it does not', () => {
    const full = computeTotals(mixed, 3000);
    assert.equal(full.opening_debt_balance_amount, 3000);
    assert.equal(full.repay_amount, 3000);
    assert.equal(full.settlement_amount, 2012);
    assert.equal(full.deposit_amount, 0);
    assert.equal(full.closing_debt_balance_amount, 0);
    assert.equal(settlementOf(full), full.settlement_amount);

    const partial = computeTotals(mixed, 8000);
    assert.equal(partial.repay_amount, 5012);
    assert.equal(partial.settlement_amount, 0);
    assert.equal(partial.closing_debt_balance_amount, 2988);
    assert.equal(settlementOf(partial), 0);

    // Exactly the debt: all of it repaid, nothing paid.
    const exact = computeTotals(mixed, 5012);
    assert.equal(exact.repay_amount, 5012);
    assert.equal(exact.settlement_amount, 0);
    assert.equal(exact.closing_debt_balance_amount, 0);
  });

  it('a negative period repays nothing and becomes a deposit on the debt', () => {
    const fees = sums([['FEE', 300, 75]]);
    const fresh = computeTotals(fees, 0);
    assert.equal(fresh.repay_amount, 0);
    assert.equal(fresh.deposit_amount, 375);
    assert.equal(fresh.settlement_amount, -375);
    assert.equal(fresh.closing_debt_balance_amount, 375);
    assert.equal(settlementOf(fresh), -375);

    const onDebt = computeTotals(fees, 100);
    assert.equal(onDebt.repay_amount, 0);
    assert.equal(onDebt.deposit_amount, 375);
    assert.equal(onDebt.closing_debt_balance_amount, 475);

    // A zero period changes nothing.
    const zero = computeTotals(sums([['HOLDBACK', 500], ['RELEASE', 500]]), 200);
    assert.equal(zero.repay_amount, 0);
    assert.equal(zero.deposit_amount, 0);
    assert.equal(zero.closing_debt_balance_amount, 200);
    assert.equal(zero.settlement_amount, 0);
  });

  it('debt carried across payouts: each opening is the previous closing, and closing = opening − repay + deposit', () => {
    const periods: [TypeSum[], { repay: number; deposit: number; settlement: number; closing: number }][] = [
      [sums([['FEE', 400, 100]]), { repay: 0, deposit: 500, settlement: -500, closing: 500 }],
      [sums([['RETURN', 200]]), { repay: 0, deposit: 200, settlement: -200, closing: 700 }],
      [sums([['SALE', 300]]), { repay: 300, deposit: 0, settlement: 0, closing: 400 }],
      [sums([['SALE', 1000]]), { repay: 400, deposit: 0, settlement: 600, closing: 0 }],
      [sums([['SALE', 1000]]), { repay: 0, deposit: 0, settlement: 1000, closing: 0 }],
    ];
    let debt = 0;
    for (const [i, [period, expected]] of periods.entries()) {
      const totals = computeTotals(period, debt);
      assert.equal(totals.opening_debt_balance_amount, debt, `payout ${i}`);
      assert.deepEqual(
        { repay: totals.repay_amount, deposit: totals.deposit_amount, settlement: totals.settlement_amount, closing: totals.closing_debt_balance_amount },
        expected,
        `payout ${i}`,
      );
      assert.equal(totals.closing_debt_balance_amount, totals.opening_debt_balance_amount - totals.repay_amount + totals.deposit_amount);
      assert.equal(settlementOf(totals), totals.settlement_amount, `payout ${i}`);
      debt = totals.closing_debt_balance_amount;
    }
  });

  it('settlementOf(totals) equals totals.settlement_amount for many random sums and debts', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const types = ['SALE', 'RETURN', 'REVERSAL', 'REVERSAL_MERCHANT_PROTECTION', 'FEE', 'FEE_REFUND', 'CORRECTION', 'COMMISSION', 'TAX', 'CHARGE', 'CREDIT', 'HOLDBACK', 'RELEASE'];
    for (let i = 0; i < 500; i++) {
      const entries = types.filter(() => rand(2) === 0).map((type): [string, number, number] => [type, rand(100_000), type === 'FEE' || type === 'FEE_REFUND' ? rand(25_000) : 0]);
      const debt = rand(3) === 0 ? 0 : rand(200_000);
      const totals = computeTotals(sums(entries), debt);
      assert.equal(settlementOf(totals), totals.settlement_amount, JSON.stringify({ entries, debt }));
      assert.equal(totals.closing_debt_balance_amount, debt - totals.repay_amount + totals.deposit_amount);
      assert.ok(totals.repay_amount >= 0 && totals.repay_amount <= debt);
      assert.ok(totals.deposit_amount >= 0);
      assert.ok(totals.closing_debt_balance_amount >= 0);
      assert.ok(totals.repay_amount === 0 || totals.deposit_amount === 0, 'never both');
    }
  });
});
