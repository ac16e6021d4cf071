/**
 * The merchant dashboard (src/modules/dashboard): its sign-in sessions, kept in the database so that
 * every process of `serve --processes N` knows them, and the indexes its pages read through: orders
 * newest first with keyset paging (by status too), found by Klarna or merchant reference, Hosted
 * Payment Page sessions newest first (the other lists have their merchant/created index already), and
 * the cheap change marker of the live updates (the latest change of a merchant's orders and callbacks).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    // SHA-256 of the cookie's value (hex): the value itself is never stored.
    .addColumn('session_hash', 'varchar(64)', (c) => c.primaryKey())
    // The merchant whose data the session sees: the signed-in merchant, or the one the administrator
    // chose (null until they choose).
    .addColumn('merchant_id', 'varchar(64)')
    // 1 for the administrator of the configuration (KLARNA_LOCAL_DASHBOARD_ADMIN), who may choose any merchant.
    .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dashboard_sessions_expiry_idx').on('dashboard_sessions').column('expires_at').execute();

  await db.schema.createIndex('orders_dashboard_page_idx').on('orders').columns(['merchant_id', 'created_at', 'order_id']).execute();
  await db.schema.createIndex('orders_dashboard_status_idx').on('orders').columns(['merchant_id', 'status', 'created_at', 'order_id']).execute();
  // The other filters, each one range read newest first (a filter that matches few orders would otherwise read them all).
  await db.schema.createIndex('orders_dashboard_currency_idx').on('orders').columns(['merchant_id', 'purchase_currency', 'created_at', 'order_id']).execute();
  await db.schema.createIndex('orders_dashboard_fraud_idx').on('orders').columns(['merchant_id', 'fraud_status', 'created_at', 'order_id']).execute();
  await db.schema.createIndex('orders_klarna_reference_idx').on('orders').columns(['merchant_id', 'klarna_reference']).execute();
  await db.schema.createIndex('orders_merchant_reference1_idx').on('orders').columns(['merchant_id', 'merchant_reference1']).execute();
  await db.schema.createIndex('orders_merchant_reference2_idx').on('orders').columns(['merchant_id', 'merchant_reference2']).execute();
  await db.schema.createIndex('orders_updated_idx').on('orders').columns(['merchant_id', 'updated_at']).execute();
  await db.schema.createIndex('callbacks_merchant_updated_idx').on('callbacks').columns(['merchant_id', 'updated_at']).execute();
  await db.schema.createIndex('hpp_sessions_dashboard_page_idx').on('hpp_sessions').columns(['merchant_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    'hpp_sessions_dashboard_page_idx',
    'callbacks_merchant_updated_idx',
    'orders_updated_idx',
    'orders_merchant_reference2_idx',
    'orders_merchant_reference1_idx',
    'orders_klarna_reference_idx',
    'orders_dashboard_status_idx',
    'orders_dashboard_currency_idx',
    'orders_dashboard_fraud_idx',
    'orders_dashboard_page_idx',
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.dropTable('dashboard_sessions').ifExists().execute();
}
