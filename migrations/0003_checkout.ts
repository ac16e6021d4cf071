/** Checkout v3 orders, from creation until they complete (the purchase then lives on in `orders`). */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('checkout_orders')
    .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('merchant_id', 'varchar(64)', (c) => c.notNull().references('merchants.merchant_id'))
    // checkout_incomplete | checkout_complete
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    // JSON: the order as the merchant set it (create and updates, merged), without read-only fields.
    .addColumn('data', 'text', (c) => c.notNull())
    // JSON: what the shopper entered (e-mail, addresses, customer, selected shipping option).
    .addColumn('shopper', 'text')
    .addColumn('recurring_token', 'varchar(64)')
    .addColumn('aborted_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    // 48 hours after the last merchant update or shopper interaction, while incomplete.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('checkout_orders_merchant_idx').on('checkout_orders').columns(['merchant_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('checkout_orders').ifExists().execute();
}
