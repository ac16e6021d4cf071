/**
 * Fault injection (sandbox): each merchant's rules that make its calls, or the callbacks sent to it,
 * fail on purpose. `remaining` is counted down by a conditional update, so processes sharing the
 * database never inject more than `times`.
 */
import { PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('faults')
    // Numbered in the order created: rules are tried, and listed, in this order.
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('fault_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // api | callbacks
    .addColumn('target', 'varchar(16)', (c) => c.notNull())
    // api: the HTTP method (null: any) and the path pattern (`*` = one segment).
    .addColumn('method', 'varchar(8)')
    .addColumn('path', 'varchar(1000)')
    // callbacks: the callback kind (null: any) and the effect (timeout | refuse | status).
    .addColumn('callback_kind', 'varchar(64)')
    .addColumn('effect', 'varchar(16)')
    .addColumn('status', 'integer')
    .addColumn('error_code', 'varchar(64)')
    // JSON array of strings.
    .addColumn('error_messages', 'text')
    .addColumn('delay_ms', 'integer', (c) => c.notNull())
    .addColumn('drop_connection', 'integer', (c) => c.notNull())
    // null: no limit on the number of injections.
    .addColumn('times', 'integer')
    .addColumn('remaining', 'integer')
    // null: every matching call (else the probability per matching call).
    .addColumn('share', 'double precision')
    .addColumn('injected', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('faults_merchant_idx').on('faults').columns(['merchant_id', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('faults').execute();
}
