/** POST /checkout/v3/orders (§2.1): 201 with the order, its snippet and `Location`. */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import type { CheckoutData, CheckoutRecord } from '../checkout-order.js';
import { CHECKOUT_LIFETIME_MS, checkoutErrors, normalize } from '../checkout-order.js';
import { insertCheckoutOrder } from '../checkout.repository.js';
import { badFields } from '../errors.js';
import type { CheckoutCreateBody } from '../schemas.js';
import type { CheckoutContext } from './context.js';
import { checkoutOrderUrl, presentOrder } from './context.js';

/**
 * Pure: the order data as stored, or 400 BAD_VALUE naming every field that breaks Klarna's rules
 * (markets, arithmetic, merchant URLs, shipping options). Decided before the write, so a refused
 * create uses no idempotency key.
 */
export function decideCreate(body: CheckoutCreateBody): CheckoutData {
  const data = normalize(body);
  const errors = checkoutErrors(data);
  if (errors.length > 0) throw badFields(errors);
  return data;
}

export async function createCheckoutOrder(ctx: CheckoutContext, merchantName: string, data: CheckoutData): Promise<WriteResult> {
  const order: CheckoutRecord = {
    order_id: newId(),
    merchant_id: ctx.merchantId,
    status: 'checkout_incomplete',
    data,
    shopper: null,
    recurring_token: null,
    aborted_at: null,
    created_at: ctx.now,
    updated_at: ctx.now,
    completed_at: null,
    expires_at: ctx.now + CHECKOUT_LIFETIME_MS,
  };
  await insertCheckoutOrder(ctx.sql, order);
  return { status: 201, headers: { location: checkoutOrderUrl(ctx.publicUrl, order.order_id) }, body: presentOrder(ctx, order, merchantName) };
}
