/** POST /orders/{order_id}/cancel: only without captures (§1.3). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { cancelNotAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import { assertTransition } from '../order.js';
import { updateOrder } from '../order.repository.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

export function decideCancel(order: OrderRecord): void {
  if (order.capture_count > 0) throw cancelNotAllowed('Order has previous captures. Cancel not possible.');
  if (order.status !== 'AUTHORIZED') throw cancelNotAllowed(`Order is ${order.status.toLowerCase()}. Cancel not possible.`);
}

export async function cancelOrder(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Cancel not possible.');
  decideCancel(order);
  assertTransition(order.status, 'CANCELLED');
  await updateOrder(ctx.sql, order, { status: 'CANCELLED' }, ctx.now);
  await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: order.order_id, type: 'order.cancelled', payload: {}, created_at: ctx.now });
  return { status: 204 };
}
