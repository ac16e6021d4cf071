/**
 * Merchant Card Service: the merchants' enrolled public keys, card promises, settlements with
 * their virtual cards, and cancel requests.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('merchant_card_keys')
    .addColumn('key_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // JSON: the public JWK as enrolled (kty, n, e and kid/alg/use when given).
    .addColumn('jwk', 'text', (c) => c.notNull())
    // RFC 7638 SHA-256 thumbprint: the same key enrolled twice is found by it.
    .addColumn('thumbprint', 'varchar(64)', (c) => c.notNull())
    .addColumn('bits', 'integer', (c) => c.notNull())
    // ACTIVE | REVOKED
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('merchant_card_keys_merchant_idx').on('merchant_card_keys').columns(['merchant_id', 'thumbprint']).execute();

  await db.schema
    .createTable('merchant_card_promises')
    .addColumn('promise_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
    // JSON: the card specifications as asked ({amount, currency, reference, fund_amount?}[]).
    .addColumn('cards', 'text', (c) => c.notNull())
    // ACTIVE | INVALIDATED (a newer promise for the order) | SETTLED; expiry is read from expires_at.
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('merchant_card_promises_order_idx').on('merchant_card_promises').columns(['merchant_id', 'order_id']).execute();

  await db.schema
    .createTable('merchant_card_settlements')
    .addColumn('settlement_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // One settlement per order.
    .addColumn('order_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('promise_id', 'varchar(64)')
    // The Order Management capture the settlement made.
    .addColumn('capture_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('merchant_card_cards')
    .addColumn('card_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('settlement_id', 'varchar(64)', (c) => c.notNull().references('merchant_card_settlements.settlement_id'))
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull())
    // Position in the settlement's cards (the promise's order).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('reference', 'varchar(255)', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'varchar(3)', (c) => c.notNull())
    .addColumn('brand', 'varchar(16)', (c) => c.notNull())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    // The card data, only ever sent encrypted under a merchant key (test numbers: never real cards).
    .addColumn('pan', 'varchar(19)', (c) => c.notNull())
    .addColumn('expiry_date', 'varchar(5)', (c) => c.notNull())
    .addColumn('cvv', 'varchar(4)', (c) => c.notNull())
    // ISSUED | USED | CANCELLED
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('merchant_card_cards_settlement_idx').on('merchant_card_cards').columns(['settlement_id', 'seq']).execute();

  await db.schema
    .createTable('merchant_card_cancel_requests')
    .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // PENDING | CANCELLED | REJECTED
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // CARD_IN_USE | OTHER, when REJECTED.
    .addColumn('reason_code', 'varchar(32)')
    .addColumn('reason_message', 'varchar(255)')
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('check_after', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .execute();
  await db.schema.createIndex('merchant_card_cancel_due_idx').on('merchant_card_cancel_requests').columns(['status', 'check_after']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['merchant_card_cancel_requests', 'merchant_card_cards', 'merchant_card_settlements', 'merchant_card_promises', 'merchant_card_keys']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
