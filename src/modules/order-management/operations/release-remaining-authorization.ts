/** POST /orders/{order_id}/release-remaining-authorization (§1.7; resulting status: docs/fidelity.md). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { notAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import { closedAuthorizationReason } from '../order.js';
import type { OperationContext } from '../../merchants/writes.js';
import { changeOrder, lockOrder } from './context.js';

const SUFFIX = 'Remaining authorization cannot be released.';

/** Pure: only a part-captured order has a remaining authorization to release. */
export function decideRelease(order: OrderRecord): void {
  const closed = closedAuthorizationReason(order.status);
  if (closed) throw notAllowed(`${closed} ${SUFFIX}`);
  if (order.status === 'AUTHORIZED') throw notAllowed(`Order has no captures; cancel the order instead. ${SUFFIX}`);
}

export async function releaseRemainingAuthorization(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  decideRelease(order);
  const status = ctx.settings.release_remaining_status;
  // The authorization shrinks to what was captured; original_order_amount keeps the first amount.
  await changeOrder(ctx, order, { status, order_amount: order.captured_amount }, { type: 'authorization.released', payload: { released_amount: order.order_amount - order.captured_amount, status } });
  return { status: 204 };
}
