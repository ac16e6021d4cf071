import type { Kysely } from 'kysely';
import { PostgresAdapter, sql } from 'kysely';

// Portable across SQLite and PostgreSQL: BIGINT is INTEGER affinity in SQLite.
export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('merchants')
    .addColumn('merchant_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('fraud_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('purchase_country', 'varchar(8)', (c) => c.notNull())
    .addColumn('purchase_currency', 'varchar(8)', (c) => c.notNull())
    .addColumn('locale', 'varchar(32)', (c) => c.notNull())
    .addColumn('order_amount', 'bigint', (c) => c.notNull())
    .addColumn('original_order_amount', 'bigint', (c) => c.notNull())
    .addColumn('captured_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('order_lines', 'text', (c) => c.notNull())
    .addColumn('merchant_reference1', 'varchar(255)')
    .addColumn('merchant_reference2', 'varchar(255)')
    .addColumn('merchant_data', 'text')
    .addColumn('klarna_reference', 'varchar(32)', (c) => c.notNull())
    .addColumn('customer', 'text')
    .addColumn('billing_address', 'text')
    .addColumn('shipping_address', 'text')
    .addColumn('initial_payment_method', 'text')
    .addColumn('selected_shipping_option', 'text')
    .addColumn('shipping_info', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('capture_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // The order as Order Management answers it, without its captures and refunds (each of those
    // rows holds its own), rewritten by every write: a stored copy for fast reads.
    .addColumn('document', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('orders_merchant_idx').on('orders').columns(['merchant_id', 'created_at']).execute();
  // The expiry sweep looks only at open orders.
  await db.schema
    .createIndex('orders_open_expiry_idx')
    .on('orders')
    .column('expires_at')
    .where(sql<boolean>`status in ('AUTHORIZED', 'PART_CAPTURED')`)
    .execute();

  await db.schema
    .createTable('captures')
    .addColumn('capture_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull().references('orders.order_id'))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('captured_amount', 'bigint', (c) => c.notNull())
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'varchar(255)')
    .addColumn('reference', 'varchar(255)')
    .addColumn('order_lines', 'text', (c) => c.notNull())
    .addColumn('shipping_info', 'text', (c) => c.notNull())
    .addColumn('billing_address', 'text')
    .addColumn('shipping_address', 'text')
    .addColumn('shipping_delay', 'bigint')
    .addColumn('due_date_extension_days', 'integer')
    .addColumn('due_date_extension_fee', 'bigint')
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    // Clustered by order (SQLite: WITHOUT ROWID), so a capture is one B-tree insert next to its
    // order's other captures. capture_id is a random UUID, found through its order.
    .addPrimaryKeyConstraint('captures_pk', ['order_id', 'seq'])
    .$call((table) => (isPostgres ? table : table.modifyEnd(sql`without rowid`)))
    .execute();

  await db.schema
    .createTable('refunds')
    .addColumn('refund_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull().references('orders.order_id'))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('reference', 'varchar(255)')
    .addColumn('order_lines', 'text', (c) => c.notNull())
    .addColumn('allocations', 'text', (c) => c.notNull())
    .addColumn('refunded_at', 'bigint', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refunds_order_idx').on('refunds').columns(['order_id', 'refunded_at']).execute();

  await db.schema
    .createTable('events')
    .addColumn('event_id', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_id', 'varchar(64)')
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_order_idx').on('events').columns(['merchant_id', 'order_id', 'event_id']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('idempotency_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['merchant_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();

  await db.schema
    .createTable('sandbox_clock')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('offset_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('sandbox_clock' as never).values({ id: 1, offset_ms: 0 } as never).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sandbox_clock', 'idempotency_keys', 'events', 'refunds', 'captures', 'orders', 'merchants']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
