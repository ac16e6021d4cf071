/**
 * The CSV reports (payout, or every payout of a period, with their transactions): one row per
 * transaction under a header of Klarna's column names, each row with its payout's reference, date
 * and totals, RFC 4180 quoting (csv-stringify). Amounts are decimals in the currency's major unit,
 * as Klarna's settlement files write them. The rows are streamed as the batches are read.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { toIso } from '../../../platform/clock.js';
import type { Totals } from '../settlement.js';
import type { PayoutRecord, TransactionRow } from '../settlement.repository.js';
import { presentTransaction } from '../schemas.js';
import type { Report } from './report.js';

/** Minor units as a decimal of the major unit: 123456 → "1234.56", −5 → "-0.05". */
export function decimal(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const TOTAL_COLUMNS: readonly (keyof Totals)[] = [
  'sale_amount',
  'return_amount',
  'reversal_amount',
  'fee_amount',
  'fee_correction_amount',
  'commission_amount',
  'tax_amount',
  'charge_amount',
  'credit_amount',
  'repay_amount',
  'holdback_amount',
  'release_amount',
  'fee_refund_amount',
  'tax_refund_amount',
  'deposit_amount',
  'opening_debt_balance_amount',
  'closing_debt_balance_amount',
  'settlement_amount',
];

const TRANSACTION_COLUMNS = [
  'type',
  'detailed_type',
  'amount',
  'vat_rate',
  'vat_amount',
  'order_id',
  'short_order_id',
  'capture_id',
  'refund_id',
  'capture_date',
  'sale_date',
  'merchant_reference1',
  'merchant_reference2',
  'merchant_capture_reference',
  'merchant_refund_reference',
  'purchase_country',
  'shipping_country',
  'initial_payment_method_type',
  'initial_number_of_installments',
  'reversal_reference',
  'klarna_comment',
] as const;

/** The header: the payout's columns, its totals (Klarna's `total_…` names), then the transaction's. */
export const CSV_COLUMNS: readonly string[] = [
  'merchant_id',
  'payment_reference',
  'payout_date',
  'currency_code',
  'merchant_settlement_type',
  ...TOTAL_COLUMNS.map((c) => `total_${c}`),
  ...TRANSACTION_COLUMNS,
];

function payoutCells(payout: PayoutRecord): string[] {
  return [
    payout.merchant_id,
    payout.payment_reference,
    toIso(payout.payout_date),
    payout.currency_code,
    payout.merchant_settlement_type,
    ...TOTAL_COLUMNS.map((c) => decimal(payout.totals[c])),
  ];
}

function transactionCells(row: TransactionRow, publicUrl: string): string[] {
  const t: Record<string, unknown> = presentTransaction(row, publicUrl);
  return TRANSACTION_COLUMNS.map((column) => {
    const value = t[column];
    if (value === undefined || value === null) return '';
    if (column === 'amount' || column === 'vat_amount') return decimal(value as number);
    return String(value);
  });
}

async function* rows(report: Report): AsyncGenerator<string[]> {
  const payouts = new Map(report.payouts.map((p) => [p.payment_reference, payoutCells(p)]));
  for await (const batch of report.transactions()) {
    for (const row of batch) {
      yield [...(payouts.get(row.payment_reference ?? '') ?? []), ...transactionCells(row, report.publicUrl)];
    }
  }
}

export function csvReport(report: Report): Readable {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS], eof: true, record_delimiter: 'windows' });
  // pipeline-like wiring: the generator is read only as fast as the client takes the file.
  const source = Readable.from(rows(report));
  source.on('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}
