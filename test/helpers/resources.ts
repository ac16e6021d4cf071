/**
 * One of every kind of resource a merchant can own, made through the public API: an Order Management
 * order with a capture and a refund, a Payments session and its authorization, a customer token and
 * an open Checkout order, a payout and a dispute, and the Merchant Card Service's key, promise,
 * settlement, card and cancel request, and a finished callback. No merchant URL that would be called in the background is
 * given and nothing is left due on the clock, so the stored state stays still until a request changes it.
 */
import assert from 'node:assert/strict';
import { keyPair } from '../api/merchant-card/api-helpers.js';
import type { RequestOptions, TestApp } from './harness.js';
import { PUBLIC_URL, orderBody } from './harness.js';

export interface Resources {
  order_id: string;
  capture_id: string;
  refund_id: string;
  session_id: string;
  client_token: string;
  authorization_token: string;
  token_id: string;
  checkout_order_id: string;
  /** The checkout page token out of the order's html_snippet. */
  page_token: string;
  /** A Hosted Payment Page session on its own Payments session. */
  hpp_session_id: string;
  /** Its hosted page's code (the last segment of redirect_url) and its distribution token; the page is open (IN_PROGRESS). */
  hpp_page_code: string;
  hpp_distribution_token: string;
  /** A payout of the capture and the refund (built at once through the sandbox). */
  payment_reference: string;
  /** An open dispute on the capture. */
  dispute_id: string;
  /** The merchant's Merchant Card Service key (the public half of the tests' cached key pair). */
  card_key_id: string;
  /** An authorized order with an active card promise: what a settlement's body names. */
  promised_order_id: string;
  promise_id: string;
  /**
   * An order settled with one virtual card, that card in use, and the order's cancel request decided:
   * REJECTED (CARD_IN_USE). Reads of the request change nothing; a new request would be PENDING again.
   */
  card_order_id: string;
  card_settlement_id: string;
  card_id: string;
  /** A fault rule that matches no route (`/never/matched/*`), so it changes nothing the other requests do. */
  fault_id: string;
  /**
   * A finished callback: the validation call of a Checkout order (completed with its validation
   * required) to a port nothing listens on, recorded as failed; the order stays open. A redelivery
   * is refused by the connection at once.
   */
  callback_id: string;
}

export const CHECKOUT_LINES = [
  { type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 },
  { type: 'physical', reference: 'SKU-2', name: 'Socks', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
];

export function checkoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = 'https://merchant.invalid';
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 12500,
    order_tax_amount: 2500,
    order_lines: CHECKOUT_LINES,
    merchant_urls: { terms: `${base}/terms`, checkout: `${base}/checkout`, confirmation: `${base}/confirmation`, push: `${base}/push` },
    ...overrides,
  };
}

export function sandboxTokenBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    billing_address: { given_name: 'Testperson-se', family_name: 'Approved', email: 'customer@email.se', country: 'SE' },
    description: 'Monthly coffee',
    ...overrides,
  };
}

export function tokenOrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purchase_currency: 'SEK',
    order_amount: 12500,
    order_tax_amount: 2500,
    order_lines: CHECKOUT_LINES,
    ...overrides,
  };
}

/** The page token the checkout snippet's iframe carries. */
export function pageTokenOf(snippet: string): string {
  const src = /<iframe[^>]*\ssrc="([^"]+)"/.exec(snippet)?.[1];
  assert.ok(src, `an iframe src in ${snippet}`);
  const token = new URL(src.replaceAll('&amp;', '&')).searchParams.get('token');
  assert.ok(token, `a token in ${src}`);
  return token;
}

export async function createResources(t: TestApp, auth: RequestOptions['auth']): Promise<Resources> {
  const order = await t.createOrder({}, auth);
  const capture = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 5000 }, { auth });
  assert.equal(capture.status, 201, capture.body);
  const refund = await t.post(`/ordermanagement/v1/orders/${order.order_id}/refunds`, { refunded_amount: 1000 }, { auth });
  assert.equal(refund.status, 201, refund.body);

  const session = await t.post('/payments/v1/sessions', orderBody(), { auth });
  assert.equal(session.status, 200, session.body);
  const authorized = await t.post(`/sandbox/v1/payments/sessions/${session.json().session_id}/authorize`, {}, { auth });
  assert.equal(authorized.status, 200, authorized.body);

  const token = await t.post('/sandbox/v1/customer-tokens', sandboxTokenBody(), { auth });
  assert.equal(token.status, 201, token.body);

  const checkout = await t.post('/checkout/v3/orders', checkoutBody(), { auth });
  assert.equal(checkout.status, 201, checkout.body);

  const hostedSession = await t.post('/payments/v1/sessions', orderBody(), { auth });
  assert.equal(hostedSession.status, 200, hostedSession.body);
  const hpp = await t.post('/hpp/v1/sessions', { payment_session_url: `${PUBLIC_URL}/payments/v1/sessions/${hostedSession.json().session_id}` }, { auth });
  assert.equal(hpp.status, 201, hpp.body);
  // Opened, as a consumer's first look at the page would: reading the page then changes nothing stored.
  const opened = await t.post(`/sandbox/v1/hpp/sessions/${hpp.json().session_id}/open`, {}, { auth });
  assert.equal(opened.status, 200, opened.body);

  const payouts = await t.post('/sandbox/v1/settlements/payouts/run', { immediately: true }, { auth });
  assert.equal(payouts.status, 200, payouts.body);
  assert.equal(payouts.json().payouts.length, 1, payouts.body);
  const dispute = await t.post('/sandbox/v1/settlements/disputes', { order_id: order.order_id, capture_id: capture.headers['capture-id'] }, { auth });
  assert.equal(dispute.status, 201, dispute.body);

  const key = await t.post('/sandbox/v1/merchant-card/keys', keyPair().jwk, { auth });
  assert.equal(key.status, 201, key.body);
  const cardKeyId: string = key.json().key_id;
  const promisedOrder = await t.createOrder({}, auth);
  const promised = await t.post('/merchantcard/v3/promises', { order_id: promisedOrder.order_id, cards: [{ amount: 5000, currency: 'SEK', reference: 'seller-1' }] }, { auth });
  assert.equal(promised.status, 201, promised.body);
  const cardOrder = await t.createOrder({}, auth);
  const settlement = await t.post('/merchantcard/v3/settlements', { order_id: cardOrder.order_id, key_id: cardKeyId }, { auth });
  assert.equal(settlement.status, 201, settlement.body);
  const cardId: string = settlement.json().cards[0].card_id;
  const used = await t.post(`/sandbox/v1/merchant-card/cards/${cardId}/use`, undefined, { auth });
  assert.equal(used.status, 200, used.body);
  // With no wait set for the moment, the next read decides the cancel request: nothing is left pending on the clock.
  const cancelUrl = `/merchantcard/v3/orders/${cardOrder.order_id}/cancel-request`;
  assert.equal((await t.patch('/sandbox/v1/settings', { merchant_card_cancel_minutes: 0 }, { auth })).status, 200);
  const cancel = await t.post(cancelUrl, undefined, { auth });
  assert.equal(cancel.status, 202, cancel.body);
  const rejected = await t.request({ url: cancelUrl, auth });
  assert.equal(rejected.json().status, 'REJECTED', rejected.body);
  assert.equal((await t.patch('/sandbox/v1/settings', { merchant_card_cancel_minutes: 15 }, { auth })).status, 200);

  const validated = await t.post(
    '/checkout/v3/orders',
    checkoutBody({ merchant_urls: { ...(checkoutBody().merchant_urls as Record<string, string>), validation: 'http://127.0.0.1:9/validate' }, options: { require_validate_callback_success: true } }),
    { auth },
  );
  assert.equal(validated.status, 201, validated.body);
  const shopper = { email: 'customer@email.se', billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' } };
  const refusedCompletion = await t.post(`/sandbox/v1/checkout/orders/${validated.json().order_id}/complete`, shopper, { auth });
  assert.equal(refusedCompletion.json().status, 'validation_failed', refusedCompletion.body);
  const calls = await t.request({ url: `/sandbox/v1/callbacks?order_id=${validated.json().order_id}`, auth });
  assert.equal(calls.status, 200, calls.body);
  const callbackId: string | undefined = calls.json().callbacks[0]?.callback_id;
  assert.ok(callbackId, calls.body);

  const fault = await t.post('/sandbox/v1/faults', { method: 'GET', path: '/never/matched/*', status: 503, times: 1 }, { auth });
  assert.equal(fault.status, 201, fault.body);

  return {
    order_id: order.order_id,
    capture_id: String(capture.headers['capture-id']),
    refund_id: String(refund.headers['refund-id']),
    session_id: session.json().session_id,
    client_token: session.json().client_token,
    authorization_token: authorized.json().authorization_token,
    token_id: token.json().token_id,
    checkout_order_id: checkout.json().order_id,
    page_token: pageTokenOf(checkout.json().html_snippet),
    hpp_session_id: hpp.json().session_id,
    hpp_page_code: decodeURIComponent(new URL(hpp.json().redirect_url).pathname.split('/').pop() ?? ''),
    hpp_distribution_token: hpp.json().distribution_module.token,
    payment_reference: payouts.json().payouts[0].payment_reference,
    dispute_id: dispute.json().dispute_id,
    card_key_id: cardKeyId,
    promised_order_id: promisedOrder.order_id,
    promise_id: promised.json().promise_id,
    card_order_id: cardOrder.order_id,
    card_settlement_id: settlement.json().settlement_id,
    card_id: cardId,
    fault_id: fault.json().fault_id,
    callback_id: callbackId,
  };
}
