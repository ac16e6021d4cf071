/**
 * Settlements: the transactions every money event books (captures, refunds, fees, disputes), the
 * payouts that pay them out, each merchant's payout schedule, and disputes on captures.
 */
import { PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const serial = (table: ReturnType<Kysely<unknown>['schema']['createTable']>) =>
    table.addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()));

  // Numbered in the order booked: listings and reports page through them by seq.
  await serial(db.schema.createTable('settlement_transactions'))
    .addColumn('transaction_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('currency_code', 'varchar(3)', (c) => c.notNull())
    // SALE | RETURN | FEE | FEE_REFUND | REVERSAL | REVERSAL_MERCHANT_PROTECTION | HOLDBACK | RELEASE | …
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('detailed_type', 'varchar(64)', (c) => c.notNull())
    // Minor units, never negative: the type says which way the money goes.
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('vat_rate', 'integer')
    .addColumn('vat_amount', 'bigint')
    .addColumn('capture_id', 'varchar(64)')
    .addColumn('refund_id', 'varchar(64)')
    .addColumn('capture_date', 'bigint', (c) => c.notNull())
    .addColumn('sale_date', 'bigint', (c) => c.notNull())
    .addColumn('short_order_id', 'varchar(64)')
    .addColumn('merchant_reference1', 'varchar(255)')
    .addColumn('merchant_reference2', 'varchar(255)')
    .addColumn('merchant_capture_reference', 'varchar(255)')
    .addColumn('merchant_refund_reference', 'varchar(255)')
    .addColumn('purchase_country', 'varchar(2)', (c) => c.notNull())
    .addColumn('shipping_country', 'varchar(2)')
    .addColumn('initial_payment_method_type', 'varchar(64)')
    .addColumn('initial_number_of_installments', 'integer')
    .addColumn('reversal_reference', 'varchar(128)')
    .addColumn('klarna_comment', 'varchar(255)')
    // When it was booked, and from when a payout may pay it (the schedule's delay after the event).
    .addColumn('booked_at', 'bigint', (c) => c.notNull())
    .addColumn('eligible_at', 'bigint', (c) => c.notNull())
    // Set once, by the payout that pays it.
    .addColumn('payment_reference', 'varchar(32)')
    .addColumn('payout_date', 'bigint')
    .execute();
  await db.schema.createIndex('settlement_transactions_unpaid_idx').on('settlement_transactions').columns(['merchant_id', 'payment_reference', 'eligible_at']).execute();
  await db.schema.createIndex('settlement_transactions_payout_idx').on('settlement_transactions').columns(['payment_reference', 'seq']).execute();
  await db.schema.createIndex('settlement_transactions_order_idx').on('settlement_transactions').columns(['merchant_id', 'order_id', 'seq']).execute();

  await serial(db.schema.createTable('settlement_payouts'))
    .addColumn('payment_reference', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('currency_code', 'varchar(3)', (c) => c.notNull())
    .addColumn('payout_date', 'bigint', (c) => c.notNull())
    .addColumn('merchant_settlement_type', 'varchar(16)', (c) => c.notNull())
    // JSON: the totals, each in minor units (Klarna's Totals object).
    .addColumn('totals', 'text', (c) => c.notNull())
    .addColumn('closing_debt_balance_amount', 'bigint', (c) => c.notNull())
    .addColumn('transaction_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('settlement_payouts_merchant_idx').on('settlement_payouts').columns(['merchant_id', 'payout_date']).execute();

  // The next payout date of each merchant with bookings; the runner locks the row while it pays out.
  await db.schema
    .createTable('settlement_schedules')
    .addColumn('merchant_id', 'varchar(64)', (c) => c.primaryKey().references('merchants.merchant_id'))
    .addColumn('next_payout_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('settlement_disputes')
    .addColumn('dispute_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('capture_id', 'varchar(64)', (c) => c.notNull())
    // The dispute's KRN (the settlement files' reversal_reference).
    .addColumn('reversal_reference', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('reason', 'varchar(64)', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    // OPEN | WON | LOST
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('merchant_protection', 'integer', (c) => c.notNull())
    // JSON: what the REVERSAL needs of the order and the capture (OrderMoneyFacts and the capture).
    .addColumn('booking', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    // Test-data disputes decide themselves then (lost); null for disputes opened through the sandbox.
    .addColumn('decide_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .execute();
  await db.schema.createIndex('settlement_disputes_order_idx').on('settlement_disputes').columns(['merchant_id', 'order_id']).execute();
  await db.schema.createIndex('settlement_disputes_due_idx').on('settlement_disputes').columns(['status', 'decide_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['settlement_disputes', 'settlement_schedules', 'settlement_payouts', 'settlement_transactions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
