/** What every Order Management write receives, and the lock-and-load step they all start with. */
import type { OperationContext } from '../../merchants/writes.js';
import { noSuchOrder } from '../errors.js';
import { recordEvent } from '../../../platform/events.js';
import type { OrderAggregate, OrderRecord, OrderStatus } from '../order.js';
import { assertTransition, effectiveStatus } from '../order.js';
import { applyDueFraudDecision } from './fraud-decision.js';
import type { OrderChange } from '../order.repository.js';
import { loadCaptures, loadOrderRecord, loadRefunds, updateOrder } from '../order.repository.js';


/**
 * Locks the order row and loads it. A fraud decision that has come due is applied, and an order
 * whose authorization ran out is stored as EXPIRED, first, so the decision sees the same order a read
 * would.
 */
export async function lockOrder(ctx: OperationContext, orderId: string, action?: string): Promise<OrderRecord> {
  const order = await loadOrderRecord(ctx.db, ctx.sql, ctx.merchantId, orderId, true);
  if (!order) throw noSuchOrder(orderId, action);
  await applyDueFraudDecision(ctx.sql, order, ctx.now);
  const status = effectiveStatus(order, ctx.now);
  if (status !== order.status) {
    assertTransition(order.status, status);
    await updateOrder(ctx.sql, order, { status }, ctx.now);
    order.status = status;
  }
  return order;
}

/** `lockOrder`, plus the order's captures and refunds, for decisions that need them. */
export async function lockOrderWithRows(ctx: OperationContext, orderId: string, action?: string): Promise<OrderAggregate> {
  const order = await lockOrder(ctx, orderId, action);
  const captures = await loadCaptures(ctx.sql, order);
  const refunds = await loadRefunds(ctx.sql, order.order_id);
  return { ...order, captures, refunds };
}

export const orderUrl = (ctx: Pick<OperationContext, 'publicUrl'>, orderId: string): string =>
  `${ctx.publicUrl}/ordermanagement/v1/orders/${encodeURIComponent(orderId)}`;

/**
 * Stores a change of the locked order that changes its status, after checking the change against
 * the transition table, and records it as an event of the order (the sandbox's timeline).
 */
export async function changeOrder(
  ctx: OperationContext,
  order: OrderRecord,
  change: OrderChange & { status: OrderStatus },
  event: { type: string; payload: Record<string, unknown> },
): Promise<void> {
  assertTransition(order.status, change.status);
  await updateOrder(ctx.sql, order, change, ctx.now);
  await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: order.order_id, type: event.type, payload: event.payload, created_at: ctx.now });
}
