/**
 * The API call log: one row per request a merchant made (method, path, route, status, correlation id,
 * duration, server time, the order, session or other resource it concerns), written in batches by
 * each process (src/modules/sandbox/api-calls.ts) and capped per merchant. Never a body or a
 * credential. Also an index for the callback inspector's newest-first listing of a merchant's callbacks.
 */
import type { Kysely } from 'kysely';
import { PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('api_calls')
    .addColumn('call_id', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('method', 'varchar(16)', (c) => c.notNull())
    // Without the query string; secret path segments blanked as in the logs.
    .addColumn('path', 'text', (c) => c.notNull())
    // The route pattern, e.g. /ordermanagement/v1/orders/:order_id/captures.
    .addColumn('route', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('correlation_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    // Server time (sandbox clock) when the request arrived.
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('order_id', 'varchar(255)')
    .addColumn('session_id', 'varchar(255)')
    // Another id the call concerns: a capture, refund, token, promise, dispute, callback, …
    .addColumn('resource_id', 'varchar(255)')
    .execute();
  // The newest calls of a merchant, and the cap per merchant.
  await db.schema.createIndex('api_calls_merchant_idx').on('api_calls').columns(['merchant_id', 'call_id']).execute();
  await db.schema
    .createIndex('api_calls_order_idx')
    .on('api_calls')
    .columns(['merchant_id', 'order_id', 'created_at'])
    .where(sql<boolean>`order_id is not null`)
    .execute();
  await db.schema
    .createIndex('api_calls_session_idx')
    .on('api_calls')
    .columns(['merchant_id', 'session_id', 'created_at'])
    .where(sql<boolean>`session_id is not null`)
    .execute();
  await db.schema.createIndex('api_calls_time_idx').on('api_calls').column('created_at').execute();

  await db.schema.createIndex('callbacks_merchant_idx').on('callbacks').columns(['merchant_id', 'callback_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('callbacks_merchant_idx').ifExists().execute();
  await db.schema.dropTable('api_calls').ifExists().execute();
}
