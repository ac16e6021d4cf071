/** POST /orders/{order_id}/acknowledge: stops Checkout push retries (§1.7). Repeating it is a no-op 204. */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { stopPendingCallbacks } from '../../../platform/outbox/callbacks.js';
import { updateOrder } from '../order.repository.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

export async function acknowledgeOrder(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Order cannot be acknowledged.');
  if (order.acknowledged_at === null) {
    await updateOrder(ctx.sql, order, { acknowledged_at: ctx.now }, ctx.now);
    await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: order.order_id, type: 'order.acknowledged', payload: {}, created_at: ctx.now });
    // The push retries of a Checkout order end with its acknowledgement (§2.3).
    await stopPendingCallbacks(ctx.sql, ctx.merchantId, order.order_id, 'checkout.push', ctx.now);
  }
  return { status: 204 };
}
