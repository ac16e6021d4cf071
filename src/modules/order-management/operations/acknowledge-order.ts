/**
 * POST /orders/{order_id}/acknowledge (§1.7). Announces `order.acknowledged` (Checkout's push retries
 * end with it). Repeating it is a no-op 204.
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { ORDER_ACKNOWLEDGED } from '../facts.js';
import { updateOrder } from '../order.repository.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

export async function acknowledgeOrder(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Order cannot be acknowledged.');
  if (order.acknowledged_at === null) {
    await updateOrder(ctx.sql, order, { acknowledged_at: ctx.now }, ctx.now);
    await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: order.order_id, type: 'order.acknowledged', payload: {}, created_at: ctx.now });
    await ctx.announce(ORDER_ACKNOWLEDGED, order.order_id);
  }
  return { status: 204 };
}
