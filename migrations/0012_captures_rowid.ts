/**
 * SQLite only: captures in an ordinary rowid table. 0001 clustered them by order in a WITHOUT ROWID
 * table, whose rows SQLite keeps in index B-tree cells of at most about a quarter of a page: a
 * capture row (its stored document, addresses and lines, ~1.1 KB) did not fit, so every capture
 * spilled into an overflow page of its own and a capture stored ~4.7 KB and wrote two more pages to
 * the WAL. In a rowid table the row stays on its leaf page (up to ~4 KB), captures are appended in
 * the order they are made, and (order_id, seq) stays the primary key through its index.
 * PostgreSQL's tables are heaps already: nothing changes there.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely } from 'kysely';

const COLUMNS =
  'capture_id, order_id, merchant_id, seq, captured_amount, refunded_amount, description, reference, order_lines, ' +
  'shipping_info, billing_address, shipping_address, shipping_delay, due_date_extension_days, due_date_extension_fee, captured_at, document';

async function rebuild(db: Kysely<unknown>, withoutRowid: boolean): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await db.schema
    .createTable('captures_rebuilt')
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
    .addPrimaryKeyConstraint('captures_pk', ['order_id', 'seq'])
    .$call((table) => (withoutRowid ? table.modifyEnd(sql`without rowid`) : table))
    .execute();
  // Oldest first, so the rowids follow the order the captures were made in.
  await sql`insert into captures_rebuilt (${sql.raw(COLUMNS)}) select ${sql.raw(COLUMNS)} from captures order by captured_at, order_id, seq`.execute(db);
  await db.schema.dropTable('captures').execute();
  await db.schema.alterTable('captures_rebuilt').renameTo('captures').execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, false);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rebuild(db, true);
}
