/**
 * Failed callbacks are counted on every /metrics scrape; without an index that count reads the whole
 * callbacks table (bodies included). The index holds only failed rows, so it stays small.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('callbacks_failed_idx')
    .on('callbacks')
    .column('finished_at')
    .where(sql<boolean>`status = 'failed'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('callbacks_failed_idx').ifExists().execute();
}
