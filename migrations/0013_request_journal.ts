/**
 * The API call log becomes the request journal the integration report reads
 * (src/modules/report/): for each call, the `Klarna-Idempotency-Key` it carried, a fingerprint of
 * its JSON body (to tell a retry of the same write from a new one; never the body itself), and for
 * a refusal its error code and first message. Calls answered with nothing at all (a dropped
 * connection) are rows with status 0. Calls are first written packed, one row per merchant and
 * flush (`api_call_batches`), and unpacked into `api_calls` by whoever reads that table.
 */
import type { Kysely } from 'kysely';
import { PostgresAdapter } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // Calls as written on the request path: one row per merchant and flush, the rows as a JSON array
  // (src/modules/sandbox/api-calls.ts), unpacked into api_calls by whoever reads that table.
  await db.schema
    .createTable('api_call_batches')
    .addColumn('batch_id', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addColumn('rows_json', 'text', (c) => c.notNull())
    // The merchant's clock offset when the batch was written: its rows' times are the wall clock's.
    .addColumn('offset_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_call_batches_merchant_idx').on('api_call_batches').columns(['merchant_id', 'batch_id']).execute();
  await db.schema.alterTable('api_calls').addColumn('idempotency_key', 'varchar(255)').execute();
  await db.schema.alterTable('api_calls').addColumn('body_hash', 'varchar(32)').execute();
  await db.schema.alterTable('api_calls').addColumn('error_code', 'varchar(64)').execute();
  await db.schema.alterTable('api_calls').addColumn('error_message', 'varchar(500)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_call_batches').ifExists().execute();
  for (const column of ['error_message', 'error_code', 'body_hash', 'idempotency_key']) await db.schema.alterTable('api_calls').dropColumn(column).execute();
}
