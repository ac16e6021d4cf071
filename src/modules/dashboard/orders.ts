/**
 * The orders list: a merchant's orders newest first, filtered, one page at a time. Paging is by
 * keyset (the last row's created_at and order_id), never OFFSET, and nothing counts the table, so a
 * page costs the same with a million orders (indexes of migrations/0010_dashboard.ts).
 */
import type { Db } from '../../platform/db/database.js';
import type { SqlParam } from '../../platform/db/sql.js';
import { FRAUD_STATUSES, ORDER_STATUSES } from '../order-management/order.js';
import type { FraudStatus, OrderStatus } from '../order-management/order.js';

export const PAGE_SIZE = 50;

export interface OrderFilter {
  status?: OrderStatus | undefined;
  fraud_status?: FraudStatus | undefined;
  currency?: string | undefined;
  /** Inclusive UTC days (YYYY-MM-DD). */
  from?: string | undefined;
  to?: string | undefined;
  /** An order id, Klarna reference or merchant reference, matched exactly. */
  q?: string | undefined;
  /** Where the previous page ended. */
  after?: { created_at: number; order_id: string } | undefined;
}

export interface OrderRow {
  order_id: string;
  status: string;
  fraud_status: string;
  purchase_currency: string;
  order_amount: number;
  captured_amount: number;
  refunded_amount: number;
  klarna_reference: string;
  merchant_reference1: string | null;
  created_at: number;
  expires_at: number;
}

const DAY_MS = 86_400_000;

/** Pure: a YYYY-MM-DD day's start (UTC, epoch ms), or undefined when it is not a date. */
export function dayStart(day: string | undefined): number | undefined {
  if (day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Pure: the cursor of a page's last row, and back. */
export const encodeCursor = (row: { created_at: number; order_id: string }): string => Buffer.from(`${row.created_at}:${row.order_id}`, 'utf8').toString('base64url');
export function decodeCursor(cursor: string | undefined): OrderFilter['after'] {
  if (!cursor || cursor.length > 400) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16}):(.{1,64})$/.exec(text);
  // PostgreSQL text cannot hold NUL.
  return match?.[1] && match[2] && !match[2].includes('\u0000') ? { created_at: Number(match[1]), order_id: match[2] } : undefined;
}

/** Pure: a query-string value as a filter value, or undefined (unknown values are dropped, not refused). */
export function readFilter(query: Record<string, string | undefined>): OrderFilter {
  const pick = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined => (allowed as readonly string[]).includes(value ?? '') ? (value as T) : undefined;
  const currency = query.currency && /^[A-Za-z]{3}$/.test(query.currency) ? query.currency.toUpperCase() : undefined;
  const q = query.q?.trim();
  return {
    status: pick(query.status, ORDER_STATUSES),
    fraud_status: pick(query.fraud_status, FRAUD_STATUSES),
    currency,
    from: dayStart(query.from) === undefined ? undefined : query.from,
    to: dayStart(query.to) === undefined ? undefined : query.to,
    q: q && q.length <= 255 && !q.includes('\u0000') ? q : undefined,
    after: decodeCursor(query.after),
  };
}

/** One page of the merchant's orders and whether there is another. */
export async function listOrders(db: Db, merchantId: string, filter: OrderFilter): Promise<{ rows: OrderRow[]; next: string | null }> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (filter.q) {
    // A search finds a handful of orders: one indexed lookup per column, each scoped to the merchant,
    // drives the query (with `merchant_id = ?` at the top the planner would read the merchant's
    // orders newest first and test each against the list).
    where.push(
      'order_id in (select order_id from orders where merchant_id = ? and order_id = ?' +
        ' union all select order_id from orders where merchant_id = ? and klarna_reference = ?' +
        ' union all select order_id from orders where merchant_id = ? and merchant_reference1 = ?' +
        ' union all select order_id from orders where merchant_id = ? and merchant_reference2 = ?)',
    );
    params.push(merchantId, filter.q, merchantId, filter.q, merchantId, filter.q, merchantId, filter.q);
  } else {
    where.push('merchant_id = ?');
    params.push(merchantId);
  }
  if (filter.status) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.fraud_status) {
    where.push('fraud_status = ?');
    params.push(filter.fraud_status);
  }
  if (filter.currency) {
    where.push('purchase_currency = ?');
    params.push(filter.currency);
  }
  const from = dayStart(filter.from);
  if (from !== undefined) {
    where.push('created_at >= ?');
    params.push(from);
  }
  const to = dayStart(filter.to);
  if (to !== undefined) {
    where.push('created_at < ?');
    params.push(to + DAY_MS);
  }
  if (filter.after) {
    // A row-value comparison is one range of the (created_at, order_id) index on both databases.
    where.push('(created_at, order_id) < (?, ?)');
    params.push(filter.after.created_at, filter.after.order_id);
  }
  const rows = await db.read.all<OrderRow>(
    `select order_id, status, fraud_status, purchase_currency, order_amount, captured_amount, refunded_amount, klarna_reference, merchant_reference1, created_at, expires_at
     from orders where ${where.join(' and ')} order by created_at desc, order_id desc limit ${PAGE_SIZE + 1}`,
    params,
  );
  const more = rows.length > PAGE_SIZE;
  const page = more ? rows.slice(0, PAGE_SIZE) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? encodeCursor(last) : null };
}
