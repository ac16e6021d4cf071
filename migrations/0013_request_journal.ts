/**
 * The API call log becomes the request journal the integration report reads
 * (src/modules/report/): for each call, the `Klarna-Idempotency-Key` it carried, a fingerprint of
 * its JSON body (to tell a retry of the same write from a new one; never the body itself), and for
 * a refusal its error code and first message. Calls answered with nothing at all (a dropped
 * connection) are rows with status 0.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_calls').addColumn('idempotency_key', 'varchar(255)').execute();
  await db.schema.alterTable('api_calls').addColumn('body_hash', 'varchar(32)').execute();
  await db.schema.alterTable('api_calls').addColumn('error_code', 'varchar(64)').execute();
  await db.schema.alterTable('api_calls').addColumn('error_message', 'varchar(500)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['error_message', 'error_code', 'body_hash', 'idempotency_key']) await db.schema.alterTable('api_calls').dropColumn(column).execute();
}
