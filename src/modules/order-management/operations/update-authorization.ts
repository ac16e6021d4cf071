/** PATCH /orders/{order_id}/authorization: new amount and lines (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { lineTotalErrors, sumTotals } from '../../../kernel/order-lines.js';
import { badLines, notAllowed } from '../errors.js';
import type { OrderRecord, OrderStatus } from '../order.js';
import { INCREASE_ALLOWED_METHODS, closedAuthorizationReason, statusAfterCapture } from '../order.js';
import type { UpdateAuthorizationBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { changeOrder, lockOrder } from './context.js';

const SUFFIX = 'Order authorization cannot be updated.';

export function decideUpdateAuthorization(order: OrderRecord, body: UpdateAuthorizationBody): OrderStatus {
  const closed = closedAuthorizationReason(order.status);
  if (closed) throw notAllowed(`${closed} ${SUFFIX}`);
  const amount = body.order_amount;
  if (amount < order.captured_amount) {
    throw notAllowed(
      `Resulting authorization amount ${amount} cannot be less than the captured amount ${order.captured_amount} for order. ${SUFFIX}`,
    );
  }
  if (amount === 0) throw notAllowed(`Resulting authorization amount cannot be 0; cancel the order instead. ${SUFFIX}`);
  if (amount > order.order_amount) {
    const method = order.initial_payment_method?.type ?? 'OTHER';
    if (!INCREASE_ALLOWED_METHODS.has(method)) {
      throw notAllowed(`The authorization of an order paid with ${method} cannot be increased. ${SUFFIX}`);
    }
  }
  if (body.order_lines && body.order_lines.length > 0) {
    const errors = lineTotalErrors(body.order_lines);
    if (sumTotals(body.order_lines) !== amount) errors.push('order_lines (the sum of total_amount must equal order_amount)');
    if (errors.length > 0) throw badLines(...errors);
  }
  return order.captured_amount > 0 ? statusAfterCapture(amount, order.captured_amount) : 'AUTHORIZED';
}

export async function updateAuthorization(ctx: OperationContext, orderId: string, body: UpdateAuthorizationBody): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  const status = decideUpdateAuthorization(order, body);
  // Sent lines replace the order's lines; without lines the current lines are kept (docs/fidelity.md).
  const lines = body.order_lines && body.order_lines.length > 0 ? body.order_lines : undefined;
  await changeOrder(
    ctx,
    order,
    { order_amount: body.order_amount, status, ...(lines && { order_lines: lines }) },
    { type: 'authorization.updated', payload: { previous_order_amount: order.order_amount, order_amount: body.order_amount, description: body.description ?? null } },
  );
  return { status: 204 };
}
