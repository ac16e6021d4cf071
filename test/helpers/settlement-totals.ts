/**
 * A payout's totals worked out again from its listed transactions, as a merchant's reconciliation
 * would (Klarna's formula, behaviour reference §6), independently of the server's computeTotals.
 */
export interface ListedTransaction {
  type: string;
  amount: number;
  vat_amount?: number | null;
}

const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);

export function recomputeTotals(transactions: readonly ListedTransaction[], opening: number): Record<string, number> {
  const of = (type: string) => sum(transactions.filter((t) => t.type === type).map((t) => t.amount));
  const vatOf = (type: string) => sum(transactions.filter((t) => t.type === type).map((t) => t.vat_amount ?? 0));
  const totals = {
    sale_amount: of('SALE'),
    return_amount: of('RETURN'),
    reversal_amount: of('REVERSAL') - of('REVERSAL_MERCHANT_PROTECTION'),
    fee_amount: of('FEE'),
    fee_correction_amount: of('CORRECTION'),
    commission_amount: of('COMMISSION'),
    tax_amount: vatOf('FEE') + of('TAX'),
    charge_amount: of('CHARGE'),
    credit_amount: of('CREDIT'),
    holdback_amount: of('HOLDBACK'),
    release_amount: of('RELEASE'),
    fee_refund_amount: of('FEE_REFUND'),
    tax_refund_amount: vatOf('FEE_REFUND'),
  };
  const period =
    totals.sale_amount -
    totals.return_amount -
    totals.reversal_amount -
    totals.fee_amount +
    totals.fee_correction_amount +
    totals.commission_amount -
    totals.tax_amount -
    totals.charge_amount +
    totals.credit_amount -
    totals.holdback_amount +
    totals.release_amount +
    totals.fee_refund_amount;
  const repay = period > 0 ? Math.min(opening, period) : 0;
  const deposit = period < 0 ? -period : 0;
  return {
    ...totals,
    repay_amount: repay,
    deposit_amount: deposit,
    settlement_amount: period - repay,
    opening_debt_balance_amount: opening,
    closing_debt_balance_amount: opening - repay + deposit,
  };
}
