/**
 * Hosted Payment Page sessions, and the messages klarna-local would send to shoppers (HPP links by
 * e-mail and SMS, Order Management's capture e-mails), kept for the sandbox's inbox.
 */
import { PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hpp_sessions')
    .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // WAITING | IN_PROGRESS | COMPLETED | FAILED | BACK | ERROR | CANCELLED | DISABLED
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    // payments | checkout: which kind of payment session the page hosts
    .addColumn('payment_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('payment_id', 'varchar(64)', (c) => c.notNull())
    // The capability in the shopper's link (redirect_url, qr_code_url).
    .addColumn('page_code', 'varchar(64)', (c) => c.notNull().unique())
    // distribution_module.token, also the access_id of a `token` distribution.
    .addColumn('distribution_token', 'varchar(64)', (c) => c.notNull())
    // JSON: options and merchant_urls as the merchant gave them.
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('merchant_urls', 'text', (c) => c.notNull())
    .addColumn('authorization_token', 'varchar(64)')
    .addColumn('order_id', 'varchar(64)')
    .addColumn('klarna_reference', 'varchar(32)')
    // JSON: the shopper's customer details once given.
    .addColumn('customer', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // One hour before the payment session's expiry.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hpp_sessions_payment_idx').on('hpp_sessions').columns(['merchant_id', 'payment_kind', 'payment_id']).execute();

  // Numbered in the order written, so the inbox lists messages as they were sent.
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('messages')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('message_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // What it is: hpp.link, order.capture, order.send_out, …
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    // email | sms
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    // JSON array of the links in the body.
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('order_id', 'varchar(64)')
    .addColumn('session_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_merchant_idx').on('messages').columns(['merchant_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('messages').ifExists().execute();
  await db.schema.dropTable('hpp_sessions').ifExists().execute();
}
