/**
 * Queries for settlement transactions, payouts, schedules and disputes, in plain SQL on the
 * hot-path layer (platform/db/sql.ts). Every query is scoped to the merchant.
 */
import { randomBytes } from 'node:crypto';
import type { Sql, SqlParam } from '../../platform/db/sql.js';
import { newSequentialId } from '../../platform/ids.js';
import type { Booking, Totals, TypeSum } from './settlement.js';
import type { SettlementDisputesTable, SettlementPayoutsTable, SettlementTransactionsTable } from './tables.js';
import { inGroup } from '../../platform/clock.js';
import type { ClockGroup } from '../../platform/clock.js';

const BOOKING_COLUMNS = [
  'transaction_id',
  'merchant_id',
  'order_id',
  'currency_code',
  'type',
  'detailed_type',
  'amount',
  'vat_rate',
  'vat_amount',
  'capture_id',
  'refund_id',
  'capture_date',
  'sale_date',
  'short_order_id',
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
  'booked_at',
  'eligible_at',
] as const;

const insertTexts = new Map<number, string>();
function insertText(rows: number): string {
  let text = insertTexts.get(rows);
  if (!text) {
    const one = `(${BOOKING_COLUMNS.map(() => '?').join(', ')})`;
    text = `insert into settlement_transactions (${BOOKING_COLUMNS.join(', ')}) values ${Array.from({ length: rows }, () => one).join(', ')}`;
    insertTexts.set(rows, text);
  }
  return text;
}

/** Books transactions in the caller's transaction, in one statement. */
export async function insertBookings(sql: Sql, merchantId: string, bookings: readonly Booking[]): Promise<void> {
  if (bookings.length === 0) return;
  const params: SqlParam[] = [];
  for (const b of bookings) {
    const row: Record<(typeof BOOKING_COLUMNS)[number], SqlParam> = { ...b, transaction_id: newSequentialId(), merchant_id: merchantId };
    for (const column of BOOKING_COLUMNS) params.push(row[column]);
  }
  await sql.run(insertText(bookings.length), params);
}

/** The merchant's percentage fees on the order not yet given back (what a fee refund may return at most). */
export async function percentageFeesLeft(sql: Sql, merchantId: string, orderId: string): Promise<number> {
  const row = await sql.get<{ charged: number | null; refunded: number | null }>(
    "select sum(case when detailed_type = 'PURCHASE_FEE_PERCENTAGE' then amount else 0 end) as charged, " +
      "sum(case when detailed_type = 'PURCHASE_FEE_PERCENTAGE_REFUND' then amount - coalesce(vat_amount, 0) else 0 end) as refunded " +
      'from settlement_transactions where merchant_id = ? and order_id = ?',
    [merchantId, orderId],
  );
  return Number(row?.charged ?? 0) - Number(row?.refunded ?? 0);
}

// Schedules.

/** Puts the merchant on the payout calendar (no-op when it is already). */
export async function ensureSchedule(sql: Sql, merchantId: string, nextPayoutAt: number): Promise<void> {
  await sql.run('insert into settlement_schedules (merchant_id, next_payout_at) values (?, ?) on conflict (merchant_id) do nothing', [merchantId, nextPayoutAt]);
}

export async function dueSchedules(sql: Sql, group: ClockGroup): Promise<string[]> {
  const scope = inGroup(group);
  const rows = await sql.all<{ merchant_id: string }>(`select merchant_id from settlement_schedules where next_payout_at <= ?${scope.text} order by next_payout_at`, [group.now, ...scope.params]);
  return rows.map((r) => r.merchant_id);
}

/** Locks the merchant's schedule row (PostgreSQL; SQLite's write transaction holds the lock). */
export async function lockSchedule(sql: Sql, forUpdate: string, merchantId: string): Promise<number | undefined> {
  const row = await sql.get<{ next_payout_at: number }>(`select next_payout_at from settlement_schedules where merchant_id = ?${forUpdate}`, [merchantId]);
  return row?.next_payout_at;
}

export async function setNextPayout(sql: Sql, merchantId: string, nextPayoutAt: number): Promise<void> {
  await sql.run('update settlement_schedules set next_payout_at = ? where merchant_id = ?', [nextPayoutAt, merchantId]);
}

// Payouts.

/** Currencies with transactions a payout at `cutoff` would pay. */
export async function payableCurrencies(sql: Sql, merchantId: string, cutoff: number): Promise<string[]> {
  const rows = await sql.all<{ currency_code: string }>(
    'select distinct currency_code from settlement_transactions where merchant_id = ? and payment_reference is null and eligible_at <= ? order by currency_code',
    [merchantId, cutoff],
  );
  return rows.map((r) => r.currency_code);
}

const FEE_TYPE_LIST = "('FEE', 'FEE_REFUND')";
const STREAM_FILTER = { all: '', sales: ` and type not in ${FEE_TYPE_LIST}`, fees: ` and type in ${FEE_TYPE_LIST}` } as const;

/** Gives the payout every payable transaction of the stream; returns how many it took. */
export async function assignToPayout(
  sql: Sql,
  merchantId: string,
  currency: string,
  cutoff: number,
  stream: keyof typeof STREAM_FILTER,
  paymentReference: string,
  payoutDate: number,
): Promise<number> {
  return sql.run(
    'update settlement_transactions set payment_reference = ?, payout_date = ? ' +
      `where merchant_id = ? and currency_code = ? and payment_reference is null and eligible_at <= ?${STREAM_FILTER[stream]}`,
    [paymentReference, payoutDate, merchantId, currency, cutoff],
  );
}

export async function sumsByType(sql: Sql, paymentReference: string): Promise<TypeSum[]> {
  const rows = await sql.all<{ type: string; amount: number | string; vat_amount: number | string }>(
    'select type, sum(amount) as amount, coalesce(sum(vat_amount), 0) as vat_amount from settlement_transactions where payment_reference = ? group by type',
    [paymentReference],
  );
  // PostgreSQL's sum(bigint) is numeric, which arrives as a string.
  return rows.map((r) => ({ type: r.type, amount: Number(r.amount), vat_amount: Number(r.vat_amount) }));
}

/** The debt the merchant carries in the currency: the closing balance of its latest payout. */
export async function openingDebt(sql: Sql, merchantId: string, currency: string): Promise<number> {
  const row = await sql.get<{ closing_debt_balance_amount: number }>(
    'select closing_debt_balance_amount from settlement_payouts where merchant_id = ? and currency_code = ? order by seq desc limit 1',
    [merchantId, currency],
  );
  return row?.closing_debt_balance_amount ?? 0;
}

export interface PayoutRecord {
  payment_reference: string;
  merchant_id: string;
  currency_code: string;
  payout_date: number;
  merchant_settlement_type: string;
  totals: Totals;
  transaction_count: number;
}

export async function insertPayout(sql: Sql, payout: PayoutRecord, now: number): Promise<void> {
  await sql.run(
    'insert into settlement_payouts (payment_reference, merchant_id, currency_code, payout_date, merchant_settlement_type, totals, closing_debt_balance_amount, transaction_count, created_at) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      payout.payment_reference,
      payout.merchant_id,
      payout.currency_code,
      payout.payout_date,
      payout.merchant_settlement_type,
      JSON.stringify(payout.totals),
      payout.totals.closing_debt_balance_amount,
      payout.transaction_count,
      now,
    ],
  );
}

/** A payment reference as it appears on the merchant's bank statement: 10 letters and digits. */
export function newPaymentReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

type PayoutRow = Omit<SettlementPayoutsTable, 'seq' | 'closing_debt_balance_amount' | 'created_at'>;
const PAYOUT_COLUMNS = 'payment_reference, merchant_id, currency_code, payout_date, merchant_settlement_type, totals, transaction_count';
const toPayout = (row: PayoutRow): PayoutRecord => ({ ...row, totals: JSON.parse(row.totals) as Totals });

export async function findPayout(sql: Sql, merchantId: string, paymentReference: string): Promise<PayoutRecord | undefined> {
  const row = await sql.get<PayoutRow>(`select ${PAYOUT_COLUMNS} from settlement_payouts where merchant_id = ? and payment_reference = ?`, [merchantId, paymentReference]);
  return row && toPayout(row);
}

export interface PayoutFilter {
  /** Inclusive start, exclusive end, epoch ms. */
  start?: number | undefined;
  end?: number | undefined;
  currency?: string | undefined;
}

function payoutWhere(merchantId: string, filter: PayoutFilter): { where: string; params: SqlParam[] } {
  let where = 'merchant_id = ?';
  const params: SqlParam[] = [merchantId];
  if (filter.start !== undefined) {
    where += ' and payout_date >= ?';
    params.push(filter.start);
  }
  if (filter.end !== undefined) {
    where += ' and payout_date < ?';
    params.push(filter.end);
  }
  if (filter.currency !== undefined) {
    where += ' and currency_code = ?';
    params.push(filter.currency);
  }
  return { where, params };
}

/** Newest first. */
export async function listPayouts(sql: Sql, merchantId: string, filter: PayoutFilter, page: { size: number; offset: number }): Promise<{ payouts: PayoutRecord[]; total: number }> {
  const { where, params } = payoutWhere(merchantId, filter);
  const count = await sql.get<{ n: number | string }>(`select count(*) as n from settlement_payouts where ${where}`, params);
  const rows = await sql.all<PayoutRow>(`select ${PAYOUT_COLUMNS} from settlement_payouts where ${where} order by payout_date desc, seq desc limit ? offset ?`, [
    ...params,
    page.size,
    page.offset,
  ]);
  return { payouts: rows.map(toPayout), total: Number(count?.n ?? 0) };
}

/** Every payout of the period, oldest first (summaries and their reports). */
export async function payoutsInPeriod(sql: Sql, merchantId: string, filter: PayoutFilter): Promise<PayoutRecord[]> {
  const { where, params } = payoutWhere(merchantId, filter);
  const rows = await sql.all<PayoutRow>(`select ${PAYOUT_COLUMNS} from settlement_payouts where ${where} order by payout_date, seq`, params);
  return rows.map(toPayout);
}

// Transactions.

export type TransactionRow = Omit<SettlementTransactionsTable, 'transaction_id' | 'merchant_id' | 'booked_at' | 'eligible_at'>;
const TRANSACTION_COLUMNS =
  'seq, order_id, currency_code, type, detailed_type, amount, vat_rate, vat_amount, capture_id, refund_id, capture_date, sale_date, short_order_id, ' +
  'merchant_reference1, merchant_reference2, merchant_capture_reference, merchant_refund_reference, purchase_country, shipping_country, ' +
  'initial_payment_method_type, initial_number_of_installments, reversal_reference, klarna_comment, payment_reference, payout_date';

export interface TransactionFilter {
  paymentReference?: string | undefined;
  orderId?: string | undefined;
}

function transactionWhere(merchantId: string, filter: TransactionFilter): { where: string; params: SqlParam[] } {
  let where = 'merchant_id = ?';
  const params: SqlParam[] = [merchantId];
  if (filter.paymentReference !== undefined) {
    where += ' and payment_reference = ?';
    params.push(filter.paymentReference);
  }
  if (filter.orderId !== undefined) {
    where += ' and order_id = ?';
    params.push(filter.orderId);
  }
  return { where, params };
}

/** In booking order. */
export async function listTransactions(
  sql: Sql,
  merchantId: string,
  filter: TransactionFilter,
  page: { size: number; offset: number },
): Promise<{ transactions: TransactionRow[]; total: number }> {
  const { where, params } = transactionWhere(merchantId, filter);
  const count = await sql.get<{ n: number | string }>(`select count(*) as n from settlement_transactions where ${where}`, params);
  const rows = await sql.all<TransactionRow>(`select ${TRANSACTION_COLUMNS} from settlement_transactions where ${where} order by seq limit ? offset ?`, [
    ...params,
    page.size,
    page.offset,
  ]);
  return { transactions: rows, total: Number(count?.n ?? 0) };
}

/**
 * Every transaction of the payouts, in payout order and booking order within each, read in batches
 * by keyset so a report of any size holds one batch at a time.
 */
export async function* transactionsOfPayouts(sql: Sql, merchantId: string, paymentReferences: readonly string[], batchSize = 1000): AsyncGenerator<TransactionRow[]> {
  for (const reference of paymentReferences) {
    let after = 0;
    for (;;) {
      const rows = await sql.all<TransactionRow>(
        `select ${TRANSACTION_COLUMNS} from settlement_transactions where merchant_id = ? and payment_reference = ? and seq > ? order by seq limit ?`,
        [merchantId, reference, after, batchSize],
      );
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) break;
      after = rows[rows.length - 1]?.seq ?? after;
    }
  }
}

// Disputes.

export type DisputeRow = SettlementDisputesTable;
const DISPUTE_COLUMNS =
  'dispute_id, merchant_id, order_id, capture_id, reversal_reference, reason, amount, status, merchant_protection, booking, opened_at, decide_at, decided_at';

export async function insertDispute(sql: Sql, dispute: DisputeRow): Promise<void> {
  await sql.run(`insert into settlement_disputes (${DISPUTE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    dispute.dispute_id,
    dispute.merchant_id,
    dispute.order_id,
    dispute.capture_id,
    dispute.reversal_reference,
    dispute.reason,
    dispute.amount,
    dispute.status,
    dispute.merchant_protection,
    dispute.booking,
    dispute.opened_at,
    dispute.decide_at,
    dispute.decided_at,
  ]);
}

export async function findDispute(sql: Sql, forUpdate: string, merchantId: string, disputeId: string): Promise<DisputeRow | undefined> {
  return sql.get<DisputeRow>(`select ${DISPUTE_COLUMNS} from settlement_disputes where merchant_id = ? and dispute_id = ?${forUpdate}`, [merchantId, disputeId]);
}

export async function disputesOfOrder(sql: Sql, merchantId: string, orderId: string): Promise<DisputeRow[]> {
  return sql.all<DisputeRow>(`select ${DISPUTE_COLUMNS} from settlement_disputes where merchant_id = ? and order_id = ? order by opened_at, dispute_id`, [merchantId, orderId]);
}

export async function decideDispute(sql: Sql, disputeId: string, status: 'WON' | 'LOST', at: number, merchantProtection: number): Promise<void> {
  await sql.run("update settlement_disputes set status = ?, decided_at = ?, merchant_protection = ? where dispute_id = ? and status = 'OPEN'", [status, at, merchantProtection, disputeId]);
}

/** Open disputes whose decision date has come (test data), across merchants. */
export async function dueDisputes(sql: Sql, group: ClockGroup): Promise<{ dispute_id: string; merchant_id: string }[]> {
  const scope = inGroup(group);
  return sql.all(`select dispute_id, merchant_id from settlement_disputes where status = 'OPEN' and decide_at is not null and decide_at <= ?${scope.text} order by decide_at`, [
    group.now,
    ...scope.params,
  ]);
}
