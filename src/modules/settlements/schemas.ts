/**
 * Settlements v1: the query parameters of the 8 operations (read as strings: Klarna's rules for
 * sizes and dates are checked by query.ts) and the mapping from stored rows to Klarna's Payout,
 * PayoutSummary and Transaction objects.
 */
import { Type } from 'typebox';
import { toIso } from '../../platform/clock.js';
import { StringEnum } from '../../kernel/schemas.js';
import { DISPUTE_REASONS } from './disputes.js';
import type { Totals } from './settlement.js';
import type { PayoutRecord, TransactionRow } from './settlement.repository.js';

const opt = Type.Optional;
const text = (maxLength = 255) => Type.String({ maxLength });

export const PayoutsQuery = Type.Object({
  start_date: opt(text(64)),
  end_date: opt(text(64)),
  currency_code: opt(text(16)),
  size: opt(text(16)),
  offset: opt(text(16)),
});
export const SummaryQuery = Type.Object({ start_date: text(64), end_date: text(64), currency_code: opt(text(16)) });
export const PeriodQuery = Type.Object({ start_date: text(64), end_date: text(64) });
export const PayoutParams = Type.Object({ payment_reference: Type.String() });
export const PaymentReferenceQuery = Type.Object({ payment_reference: text() });
export const TransactionsQuery = Type.Object({
  payment_reference: opt(text()),
  order_id: opt(text()),
  size: opt(text(16)),
  offset: opt(text(16)),
});

// The sandbox's controls.
export const PayoutRunBody = Type.Object({ immediately: opt(Type.Boolean()) }, { additionalProperties: false });
export const DisputeBody = Type.Object(
  {
    order_id: Type.String({ maxLength: 255 }),
    capture_id: Type.String({ maxLength: 255 }),
    reason: opt(StringEnum(DISPUTE_REASONS)),
    amount: opt(Type.Integer({ minimum: 1, maximum: 200_000_000 })),
    merchant_protection: opt(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const DisputeParams = Type.Object({ dispute_id: Type.String() });
export const DisputeOutcomeBody = Type.Object({ merchant_protection: opt(Type.Boolean()) }, { additionalProperties: false });
export const DisputesQuery = Type.Object({ order_id: text() });

/** A payout's totals in minor units (Klarna's Payout.totals). */
const Totals = Type.Object({
  commission_amount: Type.Integer(),
  repay_amount: Type.Integer(),
  sale_amount: Type.Integer(),
  holdback_amount: Type.Integer(),
  tax_amount: Type.Integer(),
  settlement_amount: Type.Integer(),
  fee_correction_amount: Type.Integer(),
  reversal_amount: Type.Integer(),
  release_amount: Type.Integer(),
  return_amount: Type.Integer(),
  fee_amount: Type.Integer(),
  charge_amount: Type.Integer(),
  credit_amount: Type.Integer(),
  fee_refund_amount: Type.Integer(),
  tax_refund_amount: Type.Integer(),
  deposit_amount: Type.Integer(),
  opening_debt_balance_amount: Type.Integer(),
  closing_debt_balance_amount: Type.Integer(),
});

/** A payout as Klarna's Settlements API answers it (presentPayout). */
export const PayoutResponse = Type.Object({
  totals: Totals,
  payment_reference: Type.String(),
  payout_date: Type.String(),
  currency_code: Type.String(),
  merchant_settlement_type: Type.String(),
  merchant_id: Type.String(),
  /** The URL of the payout's transactions. */
  transactions: Type.String(),
});
/** `POST /sandbox/v1/settlements/payouts/run`: the payouts it built. */
export const PayoutRunResponse = Type.Object({ payouts: Type.Array(PayoutResponse) });

/** A dispute on a capture (presentDispute); `decides_at` when test data set a decision date, `decided_at` once WON or LOST. */
export const DisputeResponse = Type.Object({
  dispute_id: Type.String(),
  order_id: Type.String(),
  capture_id: Type.String(),
  reversal_reference: Type.String(),
  reason: Type.String(),
  amount: Type.Integer(),
  /** OPEN, WON or LOST. */
  status: Type.String(),
  merchant_protection: Type.Boolean(),
  opened_at: Type.String(),
  decides_at: opt(Type.String()),
  decided_at: opt(Type.String()),
});
export const DisputesResponse = Type.Object({ disputes: Type.Array(DisputeResponse) });

export const settlementsUrl = (publicUrl: string) => `${publicUrl}/settlements/v1`;

export function presentPayout(payout: PayoutRecord, publicUrl: string) {
  const base = settlementsUrl(publicUrl);
  return {
    totals: payout.totals,
    payment_reference: payout.payment_reference,
    payout_date: toIso(payout.payout_date),
    currency_code: payout.currency_code,
    merchant_settlement_type: payout.merchant_settlement_type,
    merchant_id: payout.merchant_id,
    transactions: `${base}/transactions?payment_reference=${encodeURIComponent(payout.payment_reference)}`,
  };
}

/** The types whose rows name their capture; the others carry an empty capture_id, as Klarna's files do. */
const WITH_CAPTURE = new Set(['SALE', 'FEE']);

export function presentTransaction(row: TransactionRow, publicUrl: string) {
  const optional = (name: string, value: string | number | null) => (value === null ? {} : { [name]: value });
  return {
    amount: row.amount,
    capture_id: WITH_CAPTURE.has(row.type) ? (row.capture_id ?? '') : '',
    ...optional('merchant_reference1', row.merchant_reference1),
    sale_date: toIso(row.sale_date),
    type: row.type,
    capture_date: toIso(row.capture_date),
    ...optional('payment_reference', row.payment_reference),
    order_id: row.order_id,
    ...(row.payment_reference !== null && { payout: `${settlementsUrl(publicUrl)}/payouts/${encodeURIComponent(row.payment_reference)}` }),
    ...optional('refund_id', row.refund_id),
    ...optional('short_order_id', row.short_order_id),
    ...optional('merchant_reference2', row.merchant_reference2),
    currency_code: row.currency_code,
    purchase_country: row.purchase_country,
    ...optional('vat_rate', row.vat_rate),
    ...optional('vat_amount', row.vat_amount),
    ...optional('shipping_country', row.shipping_country),
    ...optional('initial_payment_method_type', row.initial_payment_method_type),
    ...optional('initial_number_of_installments', row.initial_number_of_installments),
    ...optional('merchant_capture_reference', row.merchant_capture_reference),
    ...optional('merchant_refund_reference', row.merchant_refund_reference),
    detailed_type: row.detailed_type,
    ...optional('klarna_comment', row.klarna_comment),
    ...optional('reversal_reference', row.reversal_reference),
  };
}

/** The summary of one currency's payouts over a period: their totals added up. */
export function presentSummary(currency: string, payouts: readonly PayoutRecord[]) {
  const sum = (key: keyof Totals) => payouts.reduce((n, p) => n + p.totals[key], 0);
  const dates = payouts.map((p) => p.payout_date);
  return {
    summary_total_fee_correction_amount: sum('fee_correction_amount'),
    summary_payout_date_start: toIso(Math.min(...dates)),
    summary_total_release_amount: sum('release_amount'),
    summary_settlement_currency: currency,
    summary_payout_date_end: toIso(Math.max(...dates)),
    summary_total_tax_amount: sum('tax_amount'),
    summary_total_settlement_amount: sum('settlement_amount'),
    summary_total_holdback_amount: sum('holdback_amount'),
    summary_total_reversal_amount: sum('reversal_amount'),
    summary_total_return_amount: sum('return_amount'),
    summary_total_fee_amount: sum('fee_amount'),
    summary_total_commission_amount: sum('commission_amount'),
    summary_total_sale_amount: sum('sale_amount'),
    summary_total_repay_amount: sum('repay_amount'),
  };
}

/** The period's payouts per currency, currencies in alphabetical order. */
export function summariesOf(payouts: readonly PayoutRecord[]) {
  const byCurrency = new Map<string, PayoutRecord[]>();
  for (const p of payouts) byCurrency.set(p.currency_code, [...(byCurrency.get(p.currency_code) ?? []), p]);
  return [...byCurrency.keys()].sort().map((currency) => presentSummary(currency, byCurrency.get(currency) ?? []));
}
