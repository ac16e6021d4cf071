/**
 * Settlement rules, pure: which transactions a money event books, when they may be paid out, the
 * payout calendar, and Klarna's settlement arithmetic over a payout's transactions (behaviour
 * reference §6; where it is silent, docs/fidelity.md says what was chosen).
 */
import { MS_PER_DAY } from '../../platform/clock.js';
import type { Holdback, MerchantSettings, PayoutSchedule, SettlementType } from '../merchants/merchant.js';
import { WEEKDAYS } from '../merchants/merchant.js';
import type { CapturedFact, DueDateExtendedFact, OrderMoneyFacts, RefundedFact } from '../order-management/facts.js';

export const TRANSACTION_TYPES = [
  'COMMISSION',
  'SALE',
  'REVERSAL',
  'RETURN',
  'TAX',
  'FEE',
  'FEE_REFUND',
  'CORRECTION',
  'REVERSAL_MERCHANT_PROTECTION',
  'CHARGE',
  'CREDIT',
  'HOLDBACK',
  'RELEASE',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** The types a GROSS or GROSS_FEE merchant's fee payouts carry; everything else goes with the sales. */
export const FEE_TYPES: readonly TransactionType[] = ['FEE', 'FEE_REFUND'];

/** A transaction as booked, before it has a row id. */
export interface Booking {
  order_id: string;
  currency_code: string;
  type: TransactionType;
  detailed_type: string;
  amount: number;
  vat_rate: number | null;
  vat_amount: number | null;
  capture_id: string | null;
  refund_id: string | null;
  capture_date: number;
  sale_date: number;
  short_order_id: string | null;
  merchant_reference1: string | null;
  merchant_reference2: string | null;
  merchant_capture_reference: string | null;
  merchant_refund_reference: string | null;
  purchase_country: string;
  shipping_country: string | null;
  initial_payment_method_type: string | null;
  initial_number_of_installments: number | null;
  reversal_reference: string | null;
  klarna_comment: string | null;
  booked_at: number;
  eligible_at: number;
}

/** `amount × rate / 10 000`, rounded half up, in integers (rates are hundredths of a percent). */
export function applyRate(amount: number, rate: number): number {
  return Math.floor((amount * rate + 5000) / 10_000);
}

/** When something booked at `at` may be paid out: the schedule's delay later. */
export const eligibleFrom = (at: number, schedule: PayoutSchedule): number => at + schedule.delay_days * MS_PER_DAY;

type Settings = Pick<
  MerchantSettings,
  'settlement_fees' | 'settlement_fee_vat_rate' | 'settlement_fee_refund' | 'settlement_payout_schedule' | 'settlement_holdback'
>;

function base(order: OrderMoneyFacts, at: number, captureDate: number, schedule: PayoutSchedule) {
  return {
    order_id: order.order_id,
    currency_code: order.purchase_currency,
    vat_rate: null,
    vat_amount: null,
    capture_id: null,
    refund_id: null,
    capture_date: captureDate,
    sale_date: order.created_at,
    short_order_id: order.klarna_reference,
    merchant_reference1: order.merchant_reference1,
    merchant_reference2: order.merchant_reference2,
    merchant_capture_reference: null,
    merchant_refund_reference: null,
    purchase_country: order.purchase_country,
    shipping_country: order.shipping_country,
    initial_payment_method_type: order.initial_payment_method_type,
    initial_number_of_installments: order.initial_number_of_installments,
    reversal_reference: null,
    klarna_comment: null,
    booked_at: at,
    eligible_at: eligibleFrom(at, schedule),
  } satisfies Omit<Booking, 'type' | 'detailed_type' | 'amount'>;
}

/** A fee the merchant pays, with the VAT on it. */
function fee(rest: Omit<Booking, 'type' | 'detailed_type' | 'amount'>, detailedType: string, amount: number, vatRate: number): Booking {
  return { ...rest, type: 'FEE', detailed_type: detailedType, amount, vat_rate: vatRate, vat_amount: applyRate(amount, vatRate) };
}

/** The merchant's rolling reserve on a sale: held back with it, released `release_days` after the capture. */
function holdback(rest: Omit<Booking, 'type' | 'detailed_type' | 'amount'>, sale: number, reserve: Holdback, capturedAt: number): Booking[] {
  const amount = applyRate(sale, reserve.percentage);
  if (amount === 0) return [];
  const releaseAt = capturedAt + reserve.release_days * MS_PER_DAY;
  return [
    { ...rest, type: 'HOLDBACK', detailed_type: 'ROLLING_RESERVE', amount },
    { ...rest, type: 'RELEASE', detailed_type: 'ROLLING_RESERVE', amount, eligible_at: Math.max(rest.eligible_at, releaseAt) },
  ];
}

/** A capture: the SALE, the purchase fees (percentage and fixed, with VAT), and any holdback. */
export function bookCapture(event: CapturedFact, settings: Settings): Booking[] {
  const rest = { ...base(event.order, event.captured_at, event.captured_at, settings.settlement_payout_schedule), capture_id: event.capture_id, merchant_capture_reference: event.reference };
  const terms = settings.settlement_fees[event.order.purchase_currency];
  const vat = settings.settlement_fee_vat_rate;
  const bookings: Booking[] = [{ ...rest, type: 'SALE', detailed_type: 'PURCHASE', amount: event.captured_amount }];
  const percentage = terms ? applyRate(event.captured_amount, terms.percentage) : 0;
  if (percentage > 0) bookings.push(fee(rest, 'PURCHASE_FEE_PERCENTAGE', percentage, vat));
  if (terms && terms.fixed > 0) bookings.push(fee(rest, 'PURCHASE_FEE_FIXED', terms.fixed, vat));
  bookings.push(...holdback(rest, event.captured_amount, settings.settlement_holdback, event.captured_at));
  return bookings;
}

/**
 * A refund: the RETURN of the goods (the refund plus any return fee the merchant keeps), the return
 * fee as a sale of its own (detailed type RETURN_FEE), and, where the merchant's terms give fees
 * back, the percentage fee on what was refunded (gross: its VAT is refunded with it), never more
 * than the order's percentage fees not yet given back.
 */
export function bookRefund(event: RefundedFact, settings: Settings, percentageFeesLeft: number): Booking[] {
  const rest = {
    ...base(event.order, event.refunded_at, event.capture_date ?? event.refunded_at, settings.settlement_payout_schedule),
    refund_id: event.refund_id,
    merchant_refund_reference: event.reference,
  };
  const bookings: Booking[] = [{ ...rest, type: 'RETURN', detailed_type: 'PURCHASE_RETURN', amount: event.refunded_amount + event.return_fee }];
  if (event.return_fee > 0) bookings.push({ ...rest, type: 'SALE', detailed_type: 'RETURN_FEE', amount: event.return_fee });
  const terms = settings.settlement_fees[event.order.purchase_currency];
  if (settings.settlement_fee_refund && terms) {
    const net = Math.min(applyRate(event.refunded_amount, terms.percentage), percentageFeesLeft);
    if (net > 0) {
      const vatRate = settings.settlement_fee_vat_rate;
      const vat = applyRate(net, vatRate);
      bookings.push({ ...rest, type: 'FEE_REFUND', detailed_type: 'PURCHASE_FEE_PERCENTAGE_REFUND', amount: net + vat, vat_rate: vatRate, vat_amount: vat });
    }
  }
  return bookings;
}

/** A due-date extension: its fee, charged to the merchant (EXTEND_DUE_DATE_FEE). */
export function bookDueDateExtension(event: DueDateExtendedFact, settings: Settings): Booking[] {
  if (event.fee <= 0) return [];
  const rest = { ...base(event.order, event.extended_at, event.captured_at, settings.settlement_payout_schedule), capture_id: event.capture_id };
  return [{ ...fee(rest, 'EXTEND_DUE_DATE_FEE', event.fee, settings.settlement_fee_vat_rate), klarna_comment: `Due date extended by ${event.number_of_days} days` }];
}

export interface DisputeBooking {
  order: OrderMoneyFacts;
  capture_id: string;
  captured_at: number;
  reversal_reference: string;
  amount: number;
  merchant_protection: boolean;
}

/** A lost dispute: the REVERSAL of the disputed amount, and its refund by merchant protection when covered. */
export function bookLostDispute(dispute: DisputeBooking, at: number, settings: Settings): Booking[] {
  const rest = {
    ...base(dispute.order, at, dispute.captured_at, settings.settlement_payout_schedule),
    capture_id: dispute.capture_id,
    reversal_reference: dispute.reversal_reference,
  };
  const bookings: Booking[] = [{ ...rest, type: 'REVERSAL', detailed_type: 'REVERSAL', amount: dispute.amount }];
  if (dispute.merchant_protection) {
    bookings.push({ ...rest, type: 'REVERSAL_MERCHANT_PROTECTION', detailed_type: 'REVERSAL', amount: dispute.amount, klarna_comment: 'Covered by merchant protection' });
  }
  return bookings;
}

// The payout calendar: payouts happen at UTC midnights.

const dayOf = (ms: number): number => Math.floor(ms / MS_PER_DAY);

/** The first payout date strictly after `after`. */
export function nextPayoutDate(schedule: PayoutSchedule, after: number): number {
  let day = dayOf(after) + 1;
  switch (schedule.frequency) {
    case 'daily':
      break;
    case 'weekly': {
      // 1970-01-01 was a Thursday (weekday 4).
      const wanted = WEEKDAYS.indexOf(schedule.weekday);
      day += (wanted - ((day + 4) % 7) + 7) % 7;
      break;
    }
    case 'every_n_days':
      day += (schedule.interval_days - (day % schedule.interval_days)) % schedule.interval_days;
      break;
  }
  return day * MS_PER_DAY;
}

/** GROSS merchants pay their fees monthly: in the first payout of each calendar month. */
export function collectsFees(type: SettlementType, schedule: PayoutSchedule, payoutDate: number): boolean {
  if (type !== 'GROSS') return true;
  const date = new Date(payoutDate);
  const firstOfMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return nextPayoutDate(schedule, firstOfMonth - 1) === payoutDate;
}

/** Which payouts a payout date makes for one currency: all in one (NET), or sales and fees apart. */
export function payoutStreams(type: SettlementType, schedule: PayoutSchedule, payoutDate: number): { types: 'all' | 'sales' | 'fees' }[] {
  if (type === 'NET') return [{ types: 'all' }];
  return collectsFees(type, schedule, payoutDate) ? [{ types: 'sales' }, { types: 'fees' }] : [{ types: 'sales' }];
}

// The arithmetic.

export interface TypeSum {
  type: string;
  amount: number;
  vat_amount: number;
}

export interface Totals {
  commission_amount: number;
  repay_amount: number;
  sale_amount: number;
  holdback_amount: number;
  tax_amount: number;
  settlement_amount: number;
  fee_correction_amount: number;
  reversal_amount: number;
  release_amount: number;
  return_amount: number;
  fee_amount: number;
  charge_amount: number;
  credit_amount: number;
  fee_refund_amount: number;
  tax_refund_amount: number;
  deposit_amount: number;
  opening_debt_balance_amount: number;
  closing_debt_balance_amount: number;
}

/**
 * Klarna's settlement arithmetic over a payout's transactions, summed per type:
 * settlement = sale − return − reversal + reversal_merchant_protection − fee + fee_correction
 * + commission − tax − charge + credit − repay − holdback + release + fee_refund, where tax is the
 * VAT on the fees and reversal is reported net of merchant protection. Debt from earlier payouts is
 * repaid first; a negative period adds to it (deposit) and pays nothing.
 */
export function computeTotals(sums: readonly TypeSum[], openingDebt: number): Totals {
  const of = (type: TransactionType) => sums.filter((s) => s.type === type).reduce((n, s) => n + s.amount, 0);
  const vatOf = (type: TransactionType) => sums.filter((s) => s.type === type).reduce((n, s) => n + s.vat_amount, 0);
  const sale = of('SALE');
  const ret = of('RETURN');
  const reversal = of('REVERSAL') - of('REVERSAL_MERCHANT_PROTECTION');
  const feeAmount = of('FEE');
  const feeCorrection = of('CORRECTION');
  const commission = of('COMMISSION');
  const tax = vatOf('FEE') + of('TAX');
  const charge = of('CHARGE');
  const credit = of('CREDIT');
  const holdbackAmount = of('HOLDBACK');
  const release = of('RELEASE');
  const feeRefund = of('FEE_REFUND');
  const period = sale - ret - reversal - feeAmount + feeCorrection + commission - tax - charge + credit - holdbackAmount + release + feeRefund;
  const repay = period > 0 ? Math.min(openingDebt, period) : 0;
  const deposit = period < 0 ? -period : 0;
  return {
    commission_amount: commission,
    repay_amount: repay,
    sale_amount: sale,
    holdback_amount: holdbackAmount,
    tax_amount: tax,
    settlement_amount: period - repay,
    fee_correction_amount: feeCorrection,
    reversal_amount: reversal,
    release_amount: release,
    return_amount: ret,
    fee_amount: feeAmount,
    charge_amount: charge,
    credit_amount: credit,
    fee_refund_amount: feeRefund,
    tax_refund_amount: vatOf('FEE_REFUND'),
    deposit_amount: deposit,
    opening_debt_balance_amount: openingDebt,
    closing_debt_balance_amount: openingDebt - repay + deposit,
  };
}

/** The settlement the formula gives for totals (what tests and reports recompute). */
export function settlementOf(t: Omit<Totals, 'settlement_amount'>): number {
  return (
    t.sale_amount -
    t.return_amount -
    t.reversal_amount -
    t.fee_amount +
    t.fee_correction_amount +
    t.commission_amount -
    t.tax_amount -
    t.charge_amount +
    t.credit_amount -
    t.repay_amount -
    t.holdback_amount +
    t.release_amount +
    t.fee_refund_amount
  );
}
