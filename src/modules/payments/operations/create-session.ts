/** POST /payments/v1/sessions (§3.1, §3.2): 200 with session_id, client_token and the categories. */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import { badFields } from '../errors.js';
import type { SessionCreateBody } from '../schemas.js';
import type { SessionData, SessionRecord } from '../session.js';
import { DEFAULT_LOCALE, SESSION_LIFETIME_MS, merchantUrlErrors, paymentMethodCategories, sessionDataErrors } from '../session.js';
import { insertSession } from '../session.repository.js';
import type { PaymentsContext } from './context.js';
import { clientTokenFor } from './context.js';

/** The body as stored: defaults filled in, country and currency in upper case. */
export function toSessionData(body: Omit<SessionCreateBody, 'intent'>): SessionData {
  return {
    ...body,
    purchase_country: body.purchase_country.toUpperCase(),
    purchase_currency: body.purchase_currency.toUpperCase(),
    locale: body.locale ?? DEFAULT_LOCALE,
    order_tax_amount: body.order_tax_amount ?? 0,
  };
}

export async function createSession(ctx: PaymentsContext, body: SessionCreateBody): Promise<WriteResult> {
  const { intent, ...rest } = body;
  const data = toSessionData(rest);
  const errors = [...sessionDataErrors(data), ...merchantUrlErrors(data.merchant_urls)];
  if (errors.length > 0) throw badFields(errors);
  const session: SessionRecord = {
    session_id: newId(),
    merchant_id: ctx.merchantId,
    status: 'incomplete',
    intent: intent ?? 'buy',
    data,
    shopper: null,
    order_id: null,
    created_at: ctx.now,
    updated_at: ctx.now,
    expires_at: ctx.now + SESSION_LIFETIME_MS,
  };
  await insertSession(ctx.sql, session);
  return {
    status: 200,
    body: {
      session_id: session.session_id,
      client_token: clientTokenFor(ctx.clientTokenKey, session),
      payment_method_categories: paymentMethodCategories(ctx.settings.payment_method_categories, ctx.publicUrl),
    },
  };
}
