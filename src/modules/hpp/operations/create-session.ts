/**
 * POST /hpp/v1/sessions (§5.1, §5.2): a hosted page for a Payments session or a Checkout order of
 * the same merchant. 201 with the session's URLs. The session expires one hour before its payment
 * session; a Payments session may have several, a Checkout order one live at a time.
 */
import { randomBytes } from 'node:crypto';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import { isExpired as checkoutExpired } from '../../checkout/checkout-order.js';
import { loadCheckoutOrder } from '../../checkout/checkout.repository.js';
import { isExpired as sessionExpired } from '../../payments/session.js';
import { loadSession } from '../../payments/session.repository.js';
import { badFields, paymentSessionExpired, paymentSessionNotFound } from '../errors.js';
import type { HppSessionRecord, PaymentKind } from '../hpp-session.js';
import { EXPIRY_MARGIN_MS, isEnded, isFinal, parsePaymentSessionUrl, sessionUrls } from '../hpp-session.js';
import { hppSessionsOf, insertHppSession } from '../hpp-session.repository.js';
import type { HppCreateBody } from '../schemas.js';
import type { HppContext } from './context.js';
import { paymentStateOf } from './context.js';
import { toIso } from '../../../platform/clock.js';

/** An absolute http(s) URL, placeholders (`{{session_id}}`) allowed. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value.replace(/\{\{[a-z_]+\}\}/g, 'x'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Pure: the payment session the body names, or 400 BAD_VALUE naming every bad field: a
 * `payment_session_url` that is not a Payments session or Checkout order URL of this server or of
 * Klarna's API hosts, merchant URLs and image URLs that are not absolute http(s) URLs.
 */
export function decideCreate(body: HppCreateBody, localHosts: readonly string[]): { kind: PaymentKind; id: string } {
  const errors: string[] = [];
  const target = parsePaymentSessionUrl(body.payment_session_url, localHosts);
  if (!target) errors.push('payment_session_url');
  for (const [name, value] of Object.entries(body.merchant_urls ?? {})) {
    if (typeof value === 'string' && !isHttpUrl(value)) errors.push(`merchant_urls.${name}`);
  }
  const options = body.options ?? {};
  if (options.logo_url !== undefined && !isHttpUrl(options.logo_url)) errors.push('options.logo_url');
  (options.background_images ?? []).forEach((image, i) => {
    if (!isHttpUrl(image.url)) errors.push(`options.background_images[${i}].url`);
  });
  if (options.payment_method_category !== undefined && options.payment_method_categories !== undefined) errors.push('options.payment_method_category');
  if (errors.length > 0 || !target) throw badFields(errors);
  return target;
}

/** A capability for a shopper's link: 128 random bits, URL-safe. */
const capability = (): string => randomBytes(16).toString('base64url');

export async function createHppSession(ctx: HppContext, body: HppCreateBody, target: { kind: PaymentKind; id: string }): Promise<WriteResult> {
  const paymentExpiresAt = await lockPaymentSession(ctx, target);
  const session: HppSessionRecord = {
    session_id: newId(),
    merchant_id: ctx.merchantId,
    status: 'WAITING',
    payment_kind: target.kind,
    payment_id: target.id,
    page_code: capability(),
    distribution_token: capability(),
    options: body.options ?? {},
    merchant_urls: body.merchant_urls ?? {},
    authorization_token: null,
    order_id: null,
    klarna_reference: null,
    customer: null,
    created_at: ctx.now,
    updated_at: ctx.now,
    expires_at: paymentExpiresAt - EXPIRY_MARGIN_MS,
  };
  await insertHppSession(ctx.sql, session);
  const urls = sessionUrls(ctx.publicUrl, session);
  return { status: 201, headers: { location: urls.session_url }, body: { session_id: session.session_id, ...urls, expires_at: toIso(session.expires_at) } };
}

/**
 * The payment session, locked, if a page can host it; its expiry. Unknown and other merchants'
 * sessions are 404 "Payment session not found"; one that has expired, or has less than the hour's
 * margin left, 404 "Payment session has expired"; one already completed, 400; a Checkout order that
 * already has a live HPP session, 400 (§5.3).
 */
async function lockPaymentSession(ctx: HppContext, target: { kind: PaymentKind; id: string }): Promise<number> {
  let expiresAt: number;
  if (target.kind === 'payments') {
    const payment = await loadSession(ctx.db, ctx.sql, ctx.merchantId, target.id, true);
    if (!payment) throw paymentSessionNotFound();
    if (sessionExpired(payment, ctx.now)) throw paymentSessionExpired();
    if (payment.status === 'complete') throw badFields(['payment_session_url (the Payments session is already completed)']);
    expiresAt = payment.expires_at;
  } else {
    const order = await loadCheckoutOrder(ctx.db, ctx.sql, ctx.merchantId, target.id, true);
    if (!order) throw paymentSessionNotFound();
    if (checkoutExpired(order, ctx.now)) throw paymentSessionExpired();
    if (order.status !== 'checkout_incomplete' || order.aborted_at !== null) throw badFields(['payment_session_url (the Checkout order is complete or aborted)']);
    const state = await paymentStateOf(ctx.db, ctx.sql, { merchant_id: ctx.merchantId, payment_kind: 'checkout', payment_id: target.id }, ctx.now);
    const live = (await hppSessionsOf(ctx.sql, ctx.merchantId, 'checkout', target.id)).find((s) => !isFinal(s.status) && !isEnded(s, state, ctx.now));
    if (live) throw badFields([`payment_session_url (the Checkout order already has the HPP session ${live.session_id})`]);
    expiresAt = order.expires_at;
  }
  if (expiresAt - EXPIRY_MARGIN_MS <= ctx.now) throw paymentSessionExpired();
  return expiresAt;
}
