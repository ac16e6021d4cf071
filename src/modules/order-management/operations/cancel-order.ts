/** POST /orders/{order_id}/cancel: only without captures (§1.3). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { cancelNotAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import type { OperationContext } from '../../merchants/writes.js';
import { changeOrder, lockOrder } from './context.js';

export function decideCancel(order: OrderRecord): void {
  if (order.capture_count > 0) throw cancelNotAllowed('Order has previous captures. Cancel not possible.');
  if (order.status !== 'AUTHORIZED') throw cancelNotAllowed(`Order is ${order.status.toLowerCase()}. Cancel not possible.`);
}

export async function cancelOrder(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Cancel not possible.');
  decideCancel(order);
  await changeOrder(ctx, order, { status: 'CANCELLED' }, { type: 'order.cancelled', payload: {} });
  return { status: 204 };
}
