/**
 * POST /payments/v1/authorizations/{authorization_token}/customer-token (§3.2): turns an
 * authorization of a `tokenize` or `buy_and_tokenize` session into a customer token (Customer Token
 * API). For `buy_and_tokenize` the merchant also places the order with the same authorization
 * token, in either order; a `tokenize` session completes here. A second call with the same
 * authorization answers the same token.
 */
import { badValue } from '../../../platform/http/errors.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import type { CustomerTokenRecord } from '../../customer-token/token.js';
import { newCustomerToken } from '../../customer-token/token.js';
import { insertCustomerToken, loadCustomerToken } from '../../customer-token/token.repository.js';
import { invalidOperation, notMatching, sessionCompleted } from '../errors.js';
import type { CustomerTokenBody, PaymentsAddress } from '../schemas.js';
import type { AuthorizationRecord } from '../session.js';
import { SESSION_TRANSITIONS, categoryDefinition } from '../session.js';
import { loadSession, saveAuthorization, saveSession } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { lockAuthorization } from './context.js';

function tokenResponse(token: CustomerTokenRecord, authorization: AuthorizationRecord) {
  const confirmation = authorization.snapshot.data.merchant_urls?.confirmation;
  const customer = token.customer ?? {};
  return {
    token_id: token.token_id,
    ...(confirmation && {
      redirect_url: substitutePlaceholders(confirmation, { 'session.id': authorization.session_id, 'order.id': authorization.order_id ?? undefined }),
    }),
    ...(token.billing_address && { billing_address: token.billing_address }),
    customer: {
      ...(customer.date_of_birth !== undefined && { date_of_birth: customer.date_of_birth }),
      ...(customer.gender !== undefined && { gender: customer.gender }),
    },
    payment_method_reference: token.token_id,
  };
}

export async function generateCustomerToken(ctx: PaymentsContext, authorizationToken: string, body: CustomerTokenBody): Promise<WriteResult> {
  const authorization = await lockAuthorization(ctx, authorizationToken);
  if (authorization.customer_token_id !== null) {
    const existing = await loadCustomerToken(ctx.db, ctx.sql, ctx.merchantId, authorization.customer_token_id);
    if (existing) return { status: 200, body: tokenResponse(existing, authorization) };
  }
  const snapshot = authorization.snapshot;
  if (snapshot.intent === 'buy') throw invalidOperation('Not allowed to create customer token for intent buy');
  const session = await loadSession(ctx.db, ctx.sql, ctx.merchantId, authorization.session_id, true);
  if (!session) throw sessionCompleted();
  // A tokenize-only session completes with its token; buy_and_tokenize completes with its order.
  if (session.status === 'complete' && snapshot.intent === 'tokenize') throw sessionCompleted();

  const billing: PaymentsAddress = { ...(snapshot.shopper.billing_address ?? {}), ...(body.billing_address ?? {}) };
  const country = body.purchase_country.toUpperCase();
  if (billing.country !== undefined && billing.country.toUpperCase() !== country) {
    throw badValue('Bad value: purchase_country (must match the billing address country)');
  }
  const mismatches: string[] = [];
  if (country !== snapshot.data.purchase_country) mismatches.push('purchase_country');
  if (body.purchase_currency.toUpperCase() !== snapshot.data.purchase_currency) mismatches.push('purchase_currency');
  if (mismatches.length > 0) throw notMatching(mismatches);

  const type = categoryDefinition(snapshot.shopper.payment_method_category).token_type;
  const customer = body.customer ?? snapshot.shopper.customer;
  const token = newCustomerToken(
    {
      merchant_id: ctx.merchantId,
      payment_method_type: type,
      purchase_country: country,
      purchase_currency: body.purchase_currency,
      locale: body.locale,
      description: body.description,
      intended_use: body.intended_use,
      billing_address: billing,
      shipping_address: snapshot.shopper.shipping_address,
      customer: customer
        ? {
            ...(customer.date_of_birth !== undefined && { date_of_birth: customer.date_of_birth }),
            ...(customer.gender !== undefined && { gender: customer.gender }),
            ...(customer.type !== undefined && { type: customer.type }),
          }
        : null,
      email: snapshot.shopper.email,
      source: 'payments',
      source_id: authorization.authorization_token,
    },
    ctx.now,
  );
  await insertCustomerToken(ctx.sql, token);
  authorization.customer_token_id = token.token_id;
  await saveAuthorization(ctx.sql, authorization);
  if (snapshot.intent === 'tokenize' && session.status === 'incomplete') {
    SESSION_TRANSITIONS.assert(session.status, 'complete');
    session.status = 'complete';
    session.updated_at = ctx.now;
    await saveSession(ctx.sql, session);
  }
  return { status: 200, body: tokenResponse(token, authorization) };
}
