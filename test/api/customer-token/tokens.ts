/** Paths, bodies and helpers shared by the Customer Token API tests. */
import assert from 'node:assert/strict';
import type { RequestOptions, TestApp } from '../../helpers/harness.js';

export const SANDBOX_TOKENS = '/sandbox/v1/customer-tokens';
export const tokenPath = (tokenId: string, suffix = ''): string => `/customer-token/v1/tokens/${tokenId}${suffix}`;

export const SE_BILLING = {
  given_name: 'Testperson-se',
  family_name: 'Approved',
  email: 'customer@email.se',
  street_address: 'Stårgatan 1',
  postal_code: '12345',
  city: 'Ankeborg',
  country: 'SE',
  phone: '+46765260000',
};

export const US_BILLING = {
  given_name: 'John',
  family_name: 'Doe',
  street_address: '500 Howard St',
  postal_code: '94105',
  city: 'San Francisco',
  region: 'CA',
  country: 'US',
};

/** A sandbox token body for the Swedish market. */
export function tokenBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', billing_address: SE_BILLING, description: 'Monthly coffee', ...overrides };
}

export const SE_LINES = [
  { type: 'physical', reference: 'SUB-1', name: 'Coffee subscription', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
  { type: 'shipping_fee', reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
];

/** A valid token order for a Swedish token: two lines, 25% VAT. */
export function tokenOrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_currency: 'SEK',
    order_amount: 12500,
    order_tax_amount: 2500,
    order_lines: SE_LINES,
    merchant_reference1: 'SUB-2026-11',
    merchant_reference2: 'customer-42',
    merchant_data: '{"plan":"monthly"}',
    ...overrides,
  };
}

/** A valid token order for a US token: sales tax travels as its own line (§0.5, US mode). */
export function usTokenOrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_currency: 'USD',
    order_amount: 10875,
    order_tax_amount: 875,
    order_lines: [
      { type: 'physical', reference: 'SKU-1', name: 'Sneakers', quantity: 2, unit_price: 5000, total_amount: 10000 },
      { type: 'sales_tax', name: 'Sales Tax', quantity: 1, unit_price: 875, total_amount: 875 },
    ],
    ...overrides,
  };
}

/** Creates a token through the sandbox; returns its sandbox view (token_id, status, …). */
export async function createToken(t: TestApp, overrides: Record<string, unknown> = {}, auth?: RequestOptions['auth']): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await t.post(SANDBOX_TOKENS, tokenBody(overrides), { ...(auth && { auth }) });
  assert.equal(res.status, 201, `sandbox token creation failed: ${res.body}`);
  return res.json();
}

export async function setSandboxStatus(t: TestApp, tokenId: string, status: string): Promise<void> {
  const res = await t.post(`${SANDBOX_TOKENS}/${tokenId}/status`, { status });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json().status, status);
}

export async function orderCount(t: TestApp): Promise<number> {
  const row = await t.db.kysely.selectFrom('orders').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function tokenStatus(t: TestApp, tokenId: string): Promise<string> {
  const res = await t.get(tokenPath(tokenId));
  assert.equal(res.status, 200, res.body);
  return res.json().status;
}
