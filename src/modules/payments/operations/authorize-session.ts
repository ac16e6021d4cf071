/**
 * The shopper's side of a Payments purchase: what Klarna's widget does when the shopper approves
 * (`Klarna.Payments.authorize`). Reached through POST /sandbox/v1/payments/sessions/{id}/authorize
 * (merchant credentials) and through klarna-local's own widget (the session's client_token).
 *
 * The shopper's e-mail decides the outcome (kernel/test-data.ts). An approval issues an
 * authorization token valid 60 minutes that freezes the session's data and the shopper's details,
 * stores the shopper on the session (shared on read from now on), and queues the authorization
 * callback to `merchant_urls.authorization` with `{authorization_token, session_id}`.
 */
import { newId } from '../../../platform/ids.js';
import { enqueueCallback, substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import { AUTHORIZATION_CALLBACK } from '../callbacks.js';
import { shopperOutcome } from '../../../kernel/test-data.js';
import { badFields } from '../errors.js';
import type { AuthorizeBody, PaymentsAddress } from '../schemas.js';
import type { AuthorizationRecord, SessionData, Shopper } from '../session.js';
import { AUTHORIZATION_LIFETIME_MS, sessionDataErrors } from '../session.js';
import { insertAuthorization, saveSession } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { lockOpenSession } from './context.js';
import { toSessionData } from './create-session.js';

export interface AuthorizeResult {
  approved: boolean;
  show_form: boolean;
  finalize_required: boolean;
  authorization_token?: string;
  fraud_status?: 'ACCEPTED' | 'PENDING';
}

/** A shopper for a market when nobody gave an address: Klarna's default approved test person. */
export function defaultTestAddress(country: string): PaymentsAddress {
  const cc = country.toLowerCase();
  return {
    given_name: `Testperson-${cc}`,
    family_name: 'Approved',
    email: `customer@email.${cc}`,
    street_address: 'Teststreet 1',
    postal_code: '12345',
    city: 'Testcity',
    country: country.toUpperCase(),
    phone: '+10000000000',
  };
}

const ORDER_FIELDS = [
  'order_amount',
  'order_tax_amount',
  'order_lines',
  'purchase_currency',
  'purchase_country',
  'locale',
  'merchant_reference1',
  'merchant_reference2',
] as const;

export async function authorizeSession(ctx: PaymentsContext, sessionId: string, input: AuthorizeBody): Promise<AuthorizeResult> {
  const session = await lockOpenSession(ctx, sessionId);

  // Order data given with authorize() updates the session first, under the same rules as an update.
  const changes: Partial<SessionData> = {};
  for (const field of ORDER_FIELDS) {
    if (input[field] !== undefined) Object.assign(changes, { [field]: input[field] });
  }
  const data = toSessionData({ ...session.data, ...changes });
  const errors = sessionDataErrors(data);
  const categories = ctx.settings.payment_method_categories;
  const category = input.payment_method_category ?? categories[0] ?? 'klarna';
  if (!categories.includes(category)) errors.push('payment_method_category');
  if (errors.length > 0) throw badFields(errors);

  const given = { ...(data.billing_address ?? {}), ...(input.billing_address ?? {}) };
  const email = input.email ?? given.email ?? null;
  const billing: PaymentsAddress = Object.keys(given).length > 0 ? { ...given, ...(email !== null && { email }) } : defaultTestAddress(data.purchase_country);
  const shopper: Shopper = {
    email: email ?? billing.email ?? null,
    billing_address: billing,
    shipping_address: input.shipping_address ?? data.shipping_address ?? billing,
    customer: input.customer ?? data.customer ?? null,
    payment_method_category: category,
  };
  session.data = data;
  session.updated_at = ctx.now;

  const outcome = shopperOutcome(shopper.email);
  if (!outcome.approved) {
    await saveSession(ctx.sql, session);
    return { approved: false, show_form: outcome.show_form, finalize_required: false };
  }

  session.shopper = shopper;
  await saveSession(ctx.sql, session);
  const authorization: AuthorizationRecord = {
    authorization_token: newId(),
    session_id: session.session_id,
    merchant_id: ctx.merchantId,
    status: 'active',
    snapshot: { data, shopper, intent: session.intent },
    decision: outcome.fraud,
    order_id: null,
    order_request: null,
    order_response: null,
    customer_token_id: null,
    created_at: ctx.now,
    expires_at: ctx.now + AUTHORIZATION_LIFETIME_MS,
  };
  await insertAuthorization(ctx.sql, authorization);

  const callbackUrl = data.merchant_urls?.authorization;
  if (callbackUrl) {
    await enqueueCallback(ctx.sql, {
      merchant_id: ctx.merchantId,
      kind: AUTHORIZATION_CALLBACK,
      session_id: session.session_id,
      url: substitutePlaceholders(callbackUrl, { 'session.id': session.session_id }),
      body: { authorization_token: authorization.authorization_token, session_id: session.session_id },
      due_at: ctx.now,
      now: ctx.now,
    });
  }
  return {
    approved: true,
    show_form: true,
    finalize_required: false,
    authorization_token: authorization.authorization_token,
    fraud_status: outcome.fraud.fraud_status,
  };
}
