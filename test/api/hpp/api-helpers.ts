/**
 * Shared by the Hosted Payment Page API tests: the payment sessions an HPP session is made for (a
 * Payments session, a Checkout order), creating HPP sessions, the consumer's sandbox actions, and
 * what the tests compare (error answers without their correlation id, stored rows).
 */
import assert from 'node:assert/strict';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { PUBLIC_URL, orderBody } from '../../helpers/harness.js';
import { SHOPPER, checkoutBody } from '../checkout/helpers.js';

export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const SHOP = 'https://shop.example';

export const paymentsUrl = (id: string, base = PUBLIC_URL): string => `${base}/payments/v1/sessions/${id}`;
export const checkoutUrl = (id: string, base = PUBLIC_URL): string => `${base}/checkout/v3/orders/${id}`;
export const hpp = (id: string, path = ''): string => `/hpp/v1/sessions/${encodeURIComponent(id)}${path}`;

/** The shopper's details a Checkout order needs to complete (Klarna's approved Swedish test person). */
export const CHECKOUT_SHOPPER = { email: SHOPPER.email, billing_address: { ...SHOPPER.billing_address, email: SHOPPER.email } };

export type ConsumerActionName = 'open' | 'approve' | 'decline' | 'back' | 'cancel';

export interface CreatedHpp {
  session_id: string;
  session_url: string;
  redirect_url: string;
  qr_code_url: string;
  distribution_url: string;
  expires_at: string;
  distribution_module: { token: string; standalone_url: string; generation_url: string };
  manual_identification_check_url: string;
}

export interface HppRead {
  session_id: string;
  status: string;
  updated_at: string;
  expires_at: string;
  authorization_token?: string;
  order_id?: string;
  klarna_reference?: string;
  customer?: Record<string, string>;
}

export interface ConsumerAnswer {
  status: string;
  redirect_url: string | null;
  session: HppRead;
}

/** A Payments session of the merchant (48 h), with the harness's order; its id. */
export async function paymentsSession(t: TestApp, overrides: Record<string, unknown> = {}, auth?: RequestOptions['auth']): Promise<string> {
  const res = await t.post('/payments/v1/sessions', orderBody(overrides), { auth });
  assert.equal(res.status, 200, res.body);
  return res.json<{ session_id: string }>().session_id;
}

/** A Checkout order of the merchant, incomplete; its id. */
export async function checkoutOrder(t: TestApp, overrides: Record<string, unknown> = {}, auth?: RequestOptions['auth']): Promise<string> {
  const res = await t.post('/checkout/v3/orders', checkoutBody(SHOP, overrides), { auth });
  assert.equal(res.status, 201, res.body);
  return res.json<{ order_id: string }>().order_id;
}

export function createHppRaw(t: TestApp, body: Record<string, unknown>, extra: Partial<RequestOptions> = {}): Promise<TestResponse> {
  return t.post('/hpp/v1/sessions', body, extra);
}

/** Creates an HPP session for a payment session URL; the 201's body. */
export async function createHpp(t: TestApp, paymentSessionUrl: string, extra: Record<string, unknown> = {}, auth?: RequestOptions['auth']): Promise<CreatedHpp> {
  const res = await createHppRaw(t, { payment_session_url: paymentSessionUrl, ...extra }, { auth });
  assert.equal(res.status, 201, res.body);
  return res.json<CreatedHpp>();
}

/** A fresh Payments session and an HPP session for it. */
export async function hppForPayments(t: TestApp, extra: Record<string, unknown> = {}, sessionOverrides: Record<string, unknown> = {}): Promise<CreatedHpp & { payment_id: string }> {
  const paymentId = await paymentsSession(t, sessionOverrides);
  return { ...(await createHpp(t, paymentsUrl(paymentId), extra)), payment_id: paymentId };
}

/** A fresh Checkout order and an HPP session for it. */
export async function hppForCheckout(t: TestApp, extra: Record<string, unknown> = {}, orderOverrides: Record<string, unknown> = {}): Promise<CreatedHpp & { payment_id: string }> {
  const orderId = await checkoutOrder(t, orderOverrides);
  return { ...(await createHpp(t, checkoutUrl(orderId), extra)), payment_id: orderId };
}

export function consumerRaw(t: TestApp, sessionId: string, action: ConsumerActionName, body?: Record<string, unknown>, auth?: RequestOptions['auth']): Promise<TestResponse> {
  return t.post(`/sandbox/v1/hpp/sessions/${encodeURIComponent(sessionId)}/${action}`, body, { auth });
}

/** A consumer's action that must succeed (200); its answer. */
export async function consumer(t: TestApp, sessionId: string, action: ConsumerActionName, body?: Record<string, unknown>): Promise<ConsumerAnswer> {
  const res = await consumerRaw(t, sessionId, action, body);
  assert.equal(res.status, 200, `${action}: ${res.body}`);
  return res.json<ConsumerAnswer>();
}

/** Reads an HPP session that must be readable. */
export async function readHpp(t: TestApp, sessionId: string): Promise<HppRead> {
  const res = await t.get(hpp(sessionId));
  assert.equal(res.status, 200, res.body);
  return res.json<HppRead>();
}

/** An error answer without what differs between any two answers (the correlation id). */
export function errorOf(res: TestResponse): { status: number; error_code: string; error_messages: string[]; content_type: string } {
  const body = res.json<{ error_code: string; error_messages: string[] }>();
  return { status: res.status, error_code: body.error_code, error_messages: body.error_messages, content_type: String(res.headers['content-type']) };
}

/** Every stored HPP session row, in a stable order (to show that a refusal stored or changed nothing). */
export async function hppRows(t: TestApp): Promise<unknown[]> {
  return t.db.kysely.selectFrom('hpp_sessions').selectAll().orderBy('session_id').execute();
}

/** The sandbox clock's current time, epoch ms. */
export async function sandboxNow(t: TestApp): Promise<number> {
  const res = await t.get('/sandbox/v1/clock');
  assert.equal(res.status, 200, res.body);
  return Date.parse(res.json<{ now: string }>().now);
}
