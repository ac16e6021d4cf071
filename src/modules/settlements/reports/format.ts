/**
 * What the report formats share: amounts as decimals of the major unit, dates, and the Totals
 * fields with the label and the sign each carries in Klarna's settlement arithmetic.
 */
import type { Totals } from '../settlement.js';

/** Minor units as a decimal of the major unit: 123456 → "1234.56", −5 → "-0.05". */
export function decimal(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The day of an epoch-ms time (UTC): 2024-01-31. */
export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * How a total enters the settlement amount (settlement.ts computeTotals): added, subtracted, or
 * shown for information (the VAT refunded with the fees is inside the fee refund; debts and
 * deposits are balances).
 */
export type Effect = '+' | '-' | '';

export interface TotalField {
  key: keyof Totals;
  label: string;
  effect: Effect;
}

const FIELDS: { [K in keyof Totals]: { label: string; effect: Effect } } = {
  sale_amount: { label: 'Sales', effect: '+' },
  return_amount: { label: 'Returns', effect: '-' },
  reversal_amount: { label: 'Reversals (net of merchant protection)', effect: '-' },
  fee_amount: { label: 'Fees', effect: '-' },
  fee_correction_amount: { label: 'Fee corrections', effect: '+' },
  commission_amount: { label: 'Commission', effect: '+' },
  tax_amount: { label: 'Tax (VAT on fees)', effect: '-' },
  charge_amount: { label: 'Charges', effect: '-' },
  credit_amount: { label: 'Credits', effect: '+' },
  repay_amount: { label: 'Debt repaid', effect: '-' },
  holdback_amount: { label: 'Holdback', effect: '-' },
  release_amount: { label: 'Holdback released', effect: '+' },
  fee_refund_amount: { label: 'Fee refunds (with their VAT)', effect: '+' },
  tax_refund_amount: { label: 'Of which VAT refunded on fees', effect: '' },
  deposit_amount: { label: 'Deposit (negative period, added to debt)', effect: '' },
  opening_debt_balance_amount: { label: 'Opening debt balance', effect: '' },
  closing_debt_balance_amount: { label: 'Closing debt balance', effect: '' },
  settlement_amount: { label: 'Settlement amount', effect: '' },
};

/** Every Totals field, in the order of the arithmetic, the settlement amount last. */
export const TOTAL_FIELDS: readonly TotalField[] = (Object.keys(FIELDS) as (keyof Totals)[]).map((key) => ({ key, ...FIELDS[key] }));

/**
 * The totals of several payouts of one currency, oldest first: the amounts added up, the opening
 * debt of the first and the closing debt of the last (balances do not add up).
 */
export function totalsOf(payouts: readonly { totals: Totals }[]): Totals {
  const sum = {} as Totals;
  for (const { key } of TOTAL_FIELDS) sum[key] = payouts.reduce((n, p) => n + p.totals[key], 0);
  sum.opening_debt_balance_amount = payouts[0]?.totals.opening_debt_balance_amount ?? 0;
  sum.closing_debt_balance_amount = payouts[payouts.length - 1]?.totals.closing_debt_balance_amount ?? 0;
  return sum;
}
