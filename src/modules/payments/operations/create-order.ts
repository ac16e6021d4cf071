/**
 * POST /payments/v1/authorizations/{authorization_token}/order (§3.2): the authorization becomes an
 * Order Management order, AUTHORIZED (captured at once with `auto_capture`), and the session
 * completes. The body must match what was authorized (409 naming the fields). A token places at
 * most one order: a retry with the same body gets the same answer, another body 409 (or, per the
 * merchant's settings, every second use 403 INVALID_OPERATION).
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import { shopperOutcome } from '../../../kernel/test-data.js';
import { placeOrder } from '../../order-management/operations/place-order.js';
import { badFields, completedWithDifferentBody, invalidOperation, notMatching, rejected, sessionCompleted, tokenConsumed } from '../errors.js';
import type { CreateOrderBody } from '../schemas.js';
import { AUTHORIZATION_TRANSITIONS, SESSION_TRANSITIONS, canonical, categoryDefinition, merchantUrlErrors, mismatchingFields, sessionDataErrors } from '../session.js';
import { loadSession, saveAuthorization, saveSession } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { lockAuthorization } from './context.js';
import { toSessionData } from './create-session.js';

export async function createOrderFromAuthorization(ctx: PaymentsContext, token: string, body: CreateOrderBody): Promise<WriteResult> {
  const authorization = await lockAuthorization(ctx, token);
  const request = JSON.stringify(canonical(body));
  if (authorization.status === 'consumed' && authorization.order_id !== null) {
    if (!ctx.settings.payments_replay_consumed_token) throw tokenConsumed();
    if (authorization.order_request !== request) throw completedWithDifferentBody();
    return { status: 200, body: JSON.parse(authorization.order_response ?? '{}') };
  }
  const session = await loadSession(ctx.db, ctx.sql, ctx.merchantId, authorization.session_id, true);
  if (!session || session.status === 'complete') throw sessionCompleted();
  const snapshot = authorization.snapshot;
  if (snapshot.intent === 'tokenize') throw invalidOperation('Not allowed to create order for intent tokenize');

  const data = toSessionData({ ...snapshot.data, ...body });
  const errors = [...sessionDataErrors(data), ...merchantUrlErrors(body.merchant_urls)];
  if (errors.length > 0) throw badFields(errors);
  // A declined shopper named in the body is refused as a credit decision, before any comparison.
  if (body.billing_address?.email !== undefined && !shopperOutcome(body.billing_address.email).approved) throw rejected();
  const mismatches = mismatchingFields(snapshot, body);
  if (mismatches.length > 0) throw notMatching(mismatches);

  const decision = authorization.decision;
  const category = categoryDefinition(snapshot.shopper.payment_method_category);
  const merchantUrls = body.merchant_urls ?? data.merchant_urls;
  const billing = { ...(snapshot.shopper.billing_address ?? {}), ...(body.billing_address ?? {}) };
  const shipping = { ...(snapshot.shopper.shipping_address ?? billing), ...(body.shipping_address ?? {}) };
  const customer = body.customer ?? snapshot.shopper.customer ?? undefined;
  const order = await placeOrder(ctx, {
    purchase_country: data.purchase_country,
    purchase_currency: data.purchase_currency,
    locale: data.locale,
    order_amount: data.order_amount,
    order_lines: data.order_lines,
    billing_address: billing,
    shipping_address: shipping,
    ...(customer?.date_of_birth !== undefined && { customer: { date_of_birth: customer.date_of_birth } }),
    merchant_reference1: body.merchant_reference1 ?? data.merchant_reference1,
    merchant_reference2: body.merchant_reference2 ?? data.merchant_reference2,
    merchant_data: body.merchant_data ?? data.merchant_data,
    fraud: decision,
    auto_capture: body.auto_capture,
    initial_payment_method: category.initial,
    merchant_urls: merchantUrls,
    source: 'payments',
  });

  const confirmation = merchantUrls?.confirmation;
  const response = {
    order_id: order.order_id,
    ...(confirmation && { redirect_url: substitutePlaceholders(confirmation, { 'order.id': order.order_id, 'session.id': session.session_id }) }),
    fraud_status: order.fraud_status,
    authorized_payment_method: category.authorized,
  };
  AUTHORIZATION_TRANSITIONS.assert(authorization.status, 'consumed');
  authorization.status = 'consumed';
  authorization.order_id = order.order_id;
  authorization.order_request = request;
  authorization.order_response = JSON.stringify(response);
  await saveAuthorization(ctx.sql, authorization);
  SESSION_TRANSITIONS.assert(session.status, 'complete');
  session.status = 'complete';
  session.order_id = order.order_id;
  session.updated_at = ctx.now;
  await saveSession(ctx.sql, session);
  return { status: 200, body: response };
}
