/** Customer token rows, on the hot-path query layer; JSON columns parsed at the edge. */
import type { Sql } from '../../platform/db/sql.js';
import type { CustomerTokensTable } from './tables.js';
import type { CustomerTokenRecord, TokenPaymentMethodType, TokenStatus } from './token.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

const TOKEN_COLUMNS =
  'token_id, merchant_id, status, payment_method_type, purchase_country, purchase_currency, locale, description, intended_use, ' +
  'billing_address, shipping_address, customer, email, payment_details, source, source_id, created_at, updated_at';

function toToken(row: CustomerTokensTable): CustomerTokenRecord {
  return {
    ...row,
    status: row.status as TokenStatus,
    payment_method_type: row.payment_method_type as TokenPaymentMethodType,
    billing_address: parse(row.billing_address),
    shipping_address: parse(row.shipping_address),
    customer: parse(row.customer),
    payment_details: parse(row.payment_details),
    source: row.source as CustomerTokenRecord['source'],
  };
}

export async function insertCustomerToken(sql: Sql, token: CustomerTokenRecord): Promise<void> {
  await sql.run(`insert into customer_tokens (${TOKEN_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    token.token_id,
    token.merchant_id,
    token.status,
    token.payment_method_type,
    token.purchase_country,
    token.purchase_currency,
    token.locale,
    token.description,
    token.intended_use,
    json(token.billing_address),
    json(token.shipping_address),
    json(token.customer),
    token.email,
    json(token.payment_details),
    token.source,
    token.source_id,
    token.created_at,
    token.updated_at,
  ]);
}

/** The token, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadCustomerToken = ownedRowLoader<CustomerTokensTable, CustomerTokenRecord>({ table: 'customer_tokens', idColumn: 'token_id', columns: TOKEN_COLUMNS, toRecord: toToken });

export async function updateCustomerTokenStatus(sql: Sql, tokenId: string, status: TokenStatus, now: number): Promise<void> {
  await sql.run('update customer_tokens set status = ?, updated_at = ? where token_id = ?', [status, now, tokenId]);
}
