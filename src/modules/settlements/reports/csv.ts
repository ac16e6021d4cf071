/**
 * The CSV reports (payout, or every payout of a period, with their transactions): one row per
 * transaction under a header of Klarna's column names, each row with its payout's reference, date
 * and totals, RFC 4180 (CRLF records; a field with a comma, a quote or any line break is quoted,
 * quotes doubled). Amounts are decimals in the currency's major unit, as Klarna's settlement files
 * write them. The rows are streamed as the batches are read, no faster than the client takes them.
 */
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import { toIso } from '../../../platform/clock.js';
import type { Totals } from '../settlement.js';
import type { PayoutRecord, TransactionRow } from '../settlement.repository.js';
import { presentTransaction } from '../schemas.js';
import { decimal } from './format.js';
import type { Report } from './report.js';

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

/** csv-stringify's options: CRLF records, and RFC 4180's quoting of any line break (alone, it quotes only CRLF, not a bare LF or CR). */
const FORMAT = { record_delimiter: 'windows', quoted_match: /[\r\n]/, eof: true } as const;
/** Records per chunk of the file (about 40 KB): few writes to the socket, little held at a time. */
const CHUNK_RECORDS = 100;

async function* chunks(report: Report): AsyncGenerator<Buffer> {
  yield Buffer.from(stringify([[...CSV_COLUMNS]], FORMAT));
  const payouts = new Map(report.payouts.map((p) => [p.payment_reference, payoutCells(p)]));
  const record = (row: TransactionRow): string[] => {
    const payout = payouts.get(row.payment_reference ?? '');
    // Cells are positional: a row without its payout's cells would shift every column.
    if (!payout) throw new Error(`transaction ${row.seq} belongs to no payout of the report (${row.payment_reference ?? 'unpaid'})`);
    return [...payout, ...transactionCells(row, report.publicUrl)];
  };
  for await (const batch of report.transactions()) {
    for (let i = 0; i < batch.length; i += CHUNK_RECORDS) yield Buffer.from(stringify(batch.slice(i, i + CHUNK_RECORDS).map(record), FORMAT));
    // Let other requests run between batches, however fast the client reads.
    await nextTurn();
  }
}

/**
 * The CSV as a byte stream. Nothing is read before the client reads, and no more than the
 * stream's 64 KiB ahead of it (Readable.from asks for the next chunk only while there is room); an
 * error while reading destroys the stream with that error, and a client that goes away (the stream
 * destroyed) ends the reading of the batches.
 */
export function csvReport(report: Report): Readable {
  return Readable.from(chunks(report), { objectMode: false, highWaterMark: 64 * 1024 });
}
