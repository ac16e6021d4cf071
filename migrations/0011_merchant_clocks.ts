/**
 * Each merchant's own sandbox clock: its offset from the server clock (`sandbox_clock`), so one
 * merchant's time travel moves only its own orders, sessions, callbacks and payouts. A merchant's
 * "now" is the wall clock plus the server offset plus its own.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('merchants')
    .addColumn('clock_offset_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('merchants').dropColumn('clock_offset_ms').execute();
}
