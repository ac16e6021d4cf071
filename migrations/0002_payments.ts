/**
 * Payments sessions and their authorizations, customer tokens, the durable callback outbox, the
 * pending fraud decisions of orders, and the instance secret that signs client tokens.
 */
import type { Kysely } from 'kysely';
import { PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const serial = isPostgres ? 'bigserial' : 'integer';

  await db.schema
    .createTable('instance_secrets')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('payment_sessions')
    .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('intent', 'varchar(32)', (c) => c.notNull())
    // JSON: the session's order data as the merchant last set it. */
    .addColumn('data', 'text', (c) => c.notNull())
    // JSON: what the shopper gave at the last authorization (e-mail, addresses, customer, category). */
    .addColumn('shopper', 'text')
    .addColumn('order_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_sessions_merchant_idx').on('payment_sessions').columns(['merchant_id', 'created_at']).execute();

  await db.schema
    .createTable('payment_authorizations')
    .addColumn('authorization_token', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('payment_sessions.session_id'))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    // active | cancelled | consumed (an order was placed with it).
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // JSON: the session data and shopper details as authorized (create-order is checked against it).
    .addColumn('snapshot', 'text', (c) => c.notNull())
    // JSON: the decision (ACCEPTED | PENDING with its later outcome and delay).
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('order_id', 'varchar(64)')
    // Canonical JSON of the create-order body that consumed the token (a same-body retry replays).
    .addColumn('order_request', 'text')
    // JSON: the create-order answer, replayed to a same-body retry.
    .addColumn('order_response', 'text')
    .addColumn('customer_token_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_authorizations_session_idx').on('payment_authorizations').columns(['session_id', 'created_at']).execute();

  await db.schema
    .createTable('customer_tokens')
    .addColumn('token_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // ACTIVE | CANCELLED | SUSPENDED
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('payment_method_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('purchase_country', 'varchar(8)', (c) => c.notNull())
    .addColumn('purchase_currency', 'varchar(8)', (c) => c.notNull())
    .addColumn('locale', 'varchar(32)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('intended_use', 'varchar(32)')
    .addColumn('billing_address', 'text')
    .addColumn('shipping_address', 'text')
    .addColumn('customer', 'text')
    // The shopper's e-mail decides later token orders (test data, §9.1).
    .addColumn('email', 'varchar(255)')
    // JSON: card or direct_debit details as the read answers them.
    .addColumn('payment_details', 'text')
    // payments | checkout | sandbox
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('source_id', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customer_tokens_merchant_idx').on('customer_tokens').columns(['merchant_id', 'created_at']).execute();

  await db.schema
    .createTable('callbacks')
    .addColumn('callback_id', serial, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    // payments.authorization | order.notification | checkout.push …
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('order_id', 'varchar(64)')
    .addColumn('session_id', 'varchar(64)')
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON body, or null for an empty POST.
    .addColumn('body', 'text')
    // pending | delivered | failed | cancelled
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // JSON: the delivery policy (timeouts, delays between attempts, attempts in all).
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    // A process delivering the callback holds it until then (server time).
    .addColumn('lease_until', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('callbacks_due_idx')
    .on('callbacks')
    .column('next_attempt_at')
    .where(sql<boolean>`status = 'pending'`)
    .execute();
  await db.schema.createIndex('callbacks_order_idx').on('callbacks').columns(['merchant_id', 'order_id']).execute();
  await db.schema.createIndex('callbacks_session_idx').on('callbacks').columns(['merchant_id', 'session_id']).execute();

  await db.schema
    .createTable('callback_attempts')
    .addColumn('attempt_id', serial, (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('callback_id', 'bigint', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('callback_attempts_callback_idx').on('callback_attempts').columns(['callback_id', 'attempt']).execute();

  // A PENDING fraud status resolves at fraud_decision_at into fraud_decision (test data, §9.1).
  await db.schema.alterTable('orders').addColumn('fraud_decision', 'varchar(16)').execute();
  await db.schema.alterTable('orders').addColumn('fraud_decision_at', 'bigint').execute();
  // JSON merchant_urls of the purchase that created the order (notification, confirmation, push).
  await db.schema.alterTable('orders').addColumn('merchant_urls', 'text').execute();
  await db.schema
    .createIndex('orders_fraud_decision_idx')
    .on('orders')
    .column('fraud_decision_at')
    .where(sql<boolean>`fraud_decision_at is not null`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('orders_fraud_decision_idx').ifExists().execute();
  for (const column of ['merchant_urls', 'fraud_decision_at', 'fraud_decision']) {
    await db.schema.alterTable('orders').dropColumn(column).execute();
  }
  for (const table of ['callback_attempts', 'callbacks', 'customer_tokens', 'payment_authorizations', 'payment_sessions', 'instance_secrets']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
