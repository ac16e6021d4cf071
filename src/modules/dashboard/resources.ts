/**
 * The lists besides orders: Payments sessions, Checkout orders, Hosted Payment Page sessions,
 * customer tokens and payouts, each the merchant's own, newest first, one page at a time, found by
 * id. As with orders, paging is by keyset (the last row's time and id), never OFFSET, and nothing
 * counts the table: each list reads through an index that starts (merchant_id, time).
 */
import type { Db } from '../../platform/db/database.js';
import type { SqlParam } from '../../platform/db/sql.js';

export const LIST_PAGE_SIZE = 50;

/** How one list reads its table. Table and column names are constants of this file, never input. */
export interface ListSpec {
  table: string;
  /** The row's id: the tie-break of the keyset and what the search matches. */
  id: string;
  /** Newest first by this column. */
  time: string;
  columns: string;
}

export const LISTS = {
  'payments-sessions': { table: 'payment_sessions', id: 'session_id', time: 'created_at', columns: 'session_id, status, intent, data, order_id, created_at, expires_at' },
  'checkout-orders': { table: 'checkout_orders', id: 'order_id', time: 'created_at', columns: 'order_id, status, data, aborted_at, created_at, completed_at, expires_at' },
  'hpp-sessions': { table: 'hpp_sessions', id: 'session_id', time: 'created_at', columns: 'session_id, status, payment_kind, payment_id, order_id, klarna_reference, created_at, expires_at' },
  'customer-tokens': {
    table: 'customer_tokens',
    id: 'token_id',
    time: 'created_at',
    columns: 'token_id, status, payment_method_type, purchase_country, purchase_currency, description, email, source, created_at',
  },
  payouts: { table: 'settlement_payouts', id: 'payment_reference', time: 'payout_date', columns: 'payment_reference, currency_code, payout_date, merchant_settlement_type, totals, transaction_count' },
} as const satisfies Record<string, ListSpec>;
export type ListName = keyof typeof LISTS;

export interface PaymentSessionRow {
  session_id: string;
  status: string;
  intent: string;
  data: string;
  order_id: string | null;
  created_at: number;
  expires_at: number;
}
export interface CheckoutOrderRow {
  order_id: string;
  status: string;
  data: string;
  aborted_at: number | null;
  created_at: number;
  completed_at: number | null;
  expires_at: number;
}
export interface HppSessionRow {
  session_id: string;
  status: string;
  payment_kind: string;
  payment_id: string;
  order_id: string | null;
  klarna_reference: string | null;
  created_at: number;
  expires_at: number;
}
export interface CustomerTokenRow {
  token_id: string;
  status: string;
  payment_method_type: string;
  purchase_country: string;
  purchase_currency: string;
  description: string | null;
  email: string | null;
  source: string;
  created_at: number;
}
export interface PayoutRow {
  payment_reference: string;
  currency_code: string;
  payout_date: number;
  merchant_settlement_type: string;
  totals: string;
  transaction_count: number;
}

export interface ListRows {
  'payments-sessions': PaymentSessionRow;
  'checkout-orders': CheckoutOrderRow;
  'hpp-sessions': HppSessionRow;
  'customer-tokens': CustomerTokenRow;
  payouts: PayoutRow;
}

export interface ListQuery {
  /** An id, matched exactly. */
  q?: string | undefined;
  /** Where the previous page ended. */
  after?: { time: number; id: string } | undefined;
  /** The cursor as the query string carried it (for the pager). */
  cursor?: string | undefined;
}

/** Pure: an id from a URL or a form that can name a row: 1–255 characters, no NUL (PostgreSQL text cannot hold it). */
export const isIdLike = (value: string | undefined): value is string => value !== undefined && value.length >= 1 && value.length <= 255 && !value.includes('\u0000');

/** Pure: the cursor of a page's last row, and back. */
export const encodeListCursor = (time: number, id: string): string => Buffer.from(`${time}:${id}`, 'utf8').toString('base64url');
export function decodeListCursor(cursor: string | undefined): ListQuery['after'] {
  if (!cursor || cursor.length > 400) return undefined;
  const match = /^(\d{1,16}):(.{1,255})$/s.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] && match[2] && isIdLike(match[2]) ? { time: Number(match[1]), id: match[2] } : undefined;
}

/** Pure: a list's query string as a query (what is not understood is dropped, not refused). */
export function readListQuery(query: Record<string, string | undefined>): ListQuery {
  const q = query.q?.trim();
  const after = decodeListCursor(query.after);
  return { q: q && isIdLike(q) ? q : undefined, after, cursor: after ? query.after : undefined };
}

/** One page of the merchant's rows of a list, newest first, and the cursor of the next page (null: none). */
export async function listPage<N extends ListName>(db: Db, name: N, merchantId: string, query: ListQuery): Promise<{ rows: ListRows[N][]; next: string | null }> {
  const spec: ListSpec = LISTS[name];
  const where = ['merchant_id = ?'];
  const params: SqlParam[] = [merchantId];
  if (query.q) {
    where.push(`${spec.id} = ?`);
    params.push(query.q);
  }
  if (query.after) {
    where.push(`(${spec.time} < ? or (${spec.time} = ? and ${spec.id} < ?))`);
    params.push(query.after.time, query.after.time, query.after.id);
  }
  const rows = await db.read.all<ListRows[N] & Record<string, unknown>>(
    `select ${spec.columns} from ${spec.table} where ${where.join(' and ')} order by ${spec.time} desc, ${spec.id} desc limit ${LIST_PAGE_SIZE + 1}`,
    params,
  );
  const more = rows.length > LIST_PAGE_SIZE;
  const page = more ? rows.slice(0, LIST_PAGE_SIZE) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeListCursor(Number(last[spec.time]), String(last[spec.id])) : null };
}

/** Pure: stored JSON as an object, or an empty one (a page never fails on a row it cannot read). */
export function jsonObject(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Whether the merchant has an Order Management order of this id (a link to its page is only shown then). */
export async function orderExists(db: Db, merchantId: string, orderId: string | null | undefined): Promise<boolean> {
  if (!isIdLike(orderId ?? undefined)) return false;
  const row = await db.read.get<{ order_id: string }>('select order_id from orders where merchant_id = ? and order_id = ?', [merchantId, orderId ?? '']);
  return row !== undefined;
}
