/** Shared data for the checkout page tests: a valid Checkout order, and the page token out of its snippet. */
import assert from 'node:assert/strict';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { LINES, SHOPPER, checkoutBody as apiCheckoutBody } from '../checkout/helpers.js';

// The cart and the shopper are the Checkout API tests'; the URLs and shipping options are the page's own.
export { LINES };

export const SHIPPING_OPTIONS = [
  { id: 'standard', name: 'Standard delivery', description: '3-5 days', price: 0, tax_amount: 0, tax_rate: 2500, preselected: true, shipping_method: 'Home' },
  { id: 'express', name: 'Express delivery', promo: 'Tomorrow', price: 4900, tax_amount: 980, tax_rate: 2500, shipping_method: 'Home' },
];

export function merchantUrls(base: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    terms: `${base}/terms`,
    checkout: `${base}/checkout?order_id={checkout.order.id}`,
    confirmation: `${base}/confirmation?order_id={checkout.order.id}`,
    push: `${base}/push?order_id={checkout.order.id}`,
    ...extra,
  };
}

/** The Checkout API tests' order, with the page's own merchant URLs. */
export function checkoutBody(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return apiCheckoutBody(base, { merchant_urls: merchantUrls(base), ...overrides });
}

export const BILLING = SHOPPER.billing_address;

/** The page token the merchant's snippet carries (the iframe's `token` parameter). */
export function tokenOf(snippet: string): string {
  const src = /<iframe[^>]*\ssrc="([^"]+)"/.exec(snippet)?.[1];
  assert.ok(src, `an iframe src in ${snippet}`);
  const token = new URL(src).searchParams.get('token');
  assert.ok(token, `a token in ${src}`);
  return token;
}

export interface CreatedCheckout {
  order_id: string;
  token: string;
  order: Record<string, unknown>;
}

export async function createCheckout(t: TestApp, base: string, overrides: Record<string, unknown> = {}): Promise<CreatedCheckout> {
  const res = await t.post('/checkout/v3/orders', checkoutBody(base, overrides));
  assert.equal(res.status, 201, res.body);
  const order = res.json<Record<string, unknown> & { order_id: string; html_snippet: string }>();
  return { order_id: order.order_id, token: tokenOf(order.html_snippet), order };
}

export function assertError(res: TestResponse, status: number, errorCode: string, message?: RegExp): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, errorCode, res.body);
  if (message) assert.match(res.json().error_messages.join(' '), message);
}

/** The page's JSON API: no merchant credentials, only the token. */
export function pageApi(t: TestApp) {
  return {
    order: (token: string) => t.get(`/checkout/v3/page/api/order?token=${encodeURIComponent(token)}`, null),
    details: (body: Record<string, unknown>) => t.post('/checkout/v3/page/api/details', body, { auth: null }),
    shippingOption: (body: Record<string, unknown>) => t.post('/checkout/v3/page/api/shipping-option', body, { auth: null }),
    complete: (body: Record<string, unknown>) => t.post('/checkout/v3/page/api/complete', body, { auth: null }),
  };
}
