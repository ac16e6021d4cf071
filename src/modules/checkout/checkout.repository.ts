/** Checkout order rows, in plain SQL on the hot-path layer; JSON parsed at the edge. */
import type { Sql } from '../../platform/db/sql.js';
import type { CheckoutOrdersTable } from './tables.js';
import type { CheckoutRecord, CheckoutStatus } from './checkout-order.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';

const COLUMNS = 'order_id, merchant_id, status, data, shopper, recurring_token, aborted_at, created_at, updated_at, completed_at, expires_at';

function toRecord(row: CheckoutOrdersTable): CheckoutRecord {
  return { ...row, status: row.status as CheckoutStatus, data: JSON.parse(row.data), shopper: row.shopper === null ? null : JSON.parse(row.shopper) };
}

export async function insertCheckoutOrder(sql: Sql, order: CheckoutRecord): Promise<void> {
  await sql.run(`insert into checkout_orders (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    order.order_id,
    order.merchant_id,
    order.status,
    JSON.stringify(order.data),
    order.shopper === null ? null : JSON.stringify(order.shopper),
    order.recurring_token,
    order.aborted_at,
    order.created_at,
    order.updated_at,
    order.completed_at,
    order.expires_at,
  ]);
}

/** The order, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadCheckoutOrder = ownedRowLoader<CheckoutOrdersTable, CheckoutRecord>({ table: 'checkout_orders', idColumn: 'order_id', columns: COLUMNS, toRecord });

export async function saveCheckoutOrder(sql: Sql, order: CheckoutRecord): Promise<void> {
  await sql.run(
    'update checkout_orders set status = ?, data = ?, shopper = ?, recurring_token = ?, aborted_at = ?, updated_at = ?, completed_at = ?, expires_at = ? where order_id = ?',
    [
      order.status,
      JSON.stringify(order.data),
      order.shopper === null ? null : JSON.stringify(order.shopper),
      order.recurring_token,
      order.aborted_at,
      order.updated_at,
      order.completed_at,
      order.expires_at,
      order.order_id,
    ],
  );
}
