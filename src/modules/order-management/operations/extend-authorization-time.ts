/** POST /orders/{order_id}/extend-authorization-time (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { MS_PER_DAY } from '../../../platform/clock.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { notAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import { NO_EXTENSION_METHODS } from '../order.js';
import { updateOrder } from '../order.repository.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

const SUFFIX = 'Authorization time cannot be extended.';

/**
 * The new expiry: the end of the UTC day that lies one authorization period from now (so repeated
 * calls on one day give the same date: Jan 15 + 28 days → Feb 13, Klarna's example), never past
 * created_at + max_authorization_days and never earlier than the current expiry.
 */
export function decideExtendAuthorization(order: OrderRecord, settings: MerchantSettings, now: number): number {
  switch (order.status) {
    case 'EXPIRED':
      throw notAllowed(`Order is expired. ${SUFFIX}`);
    case 'CANCELLED':
      throw notAllowed(`Order is cancelled. ${SUFFIX}`);
    case 'CAPTURED':
      throw notAllowed(`Order is fully captured. ${SUFFIX}`);
    case 'CLOSED':
      throw notAllowed(`Order is closed. ${SUFFIX}`);
    case 'AUTHORIZED':
    case 'PART_CAPTURED':
      break;
  }
  const method = order.initial_payment_method?.type;
  if (method !== undefined && NO_EXTENSION_METHODS.has(method)) throw notAllowed(`Not available for payment method ${method}. ${SUFFIX}`);
  const cap = order.created_at + settings.max_authorization_days * MS_PER_DAY;
  if (now >= cap) throw notAllowed(`Order is older than ${settings.max_authorization_days} days. ${SUFFIX}`);
  const target = now + settings.authorization_period_days * MS_PER_DAY;
  const endOfDay = Math.floor(target / MS_PER_DAY) * MS_PER_DAY + MS_PER_DAY;
  return Math.max(order.expires_at, Math.min(endOfDay, cap));
}

export async function extendAuthorizationTime(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  const expiresAt = decideExtendAuthorization(order, ctx.settings, ctx.now);
  if (expiresAt !== order.expires_at) {
    await updateOrder(ctx.sql, order, { expires_at: expiresAt }, ctx.now);
    await recordEvent(ctx.sql, {
      merchant_id: ctx.merchantId,
      order_id: order.order_id,
      type: 'authorization.extended',
      payload: { previous_expires_at: new Date(order.expires_at).toISOString(), expires_at: new Date(expiresAt).toISOString() },
      created_at: ctx.now,
    });
  }
  return { status: 204 };
}
