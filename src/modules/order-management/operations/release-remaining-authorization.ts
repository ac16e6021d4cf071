/** POST /orders/{order_id}/release-remaining-authorization (§1.7; resulting status: docs/fidelity.md). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { notAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import { assertTransition } from '../order.js';
import { updateOrder } from '../order.repository.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

const SUFFIX = 'Remaining authorization cannot be released.';

export function decideRelease(order: OrderRecord): void {
  switch (order.status) {
    case 'AUTHORIZED':
      throw notAllowed(`Order has no captures; cancel the order instead. ${SUFFIX}`);
    case 'CAPTURED':
      throw notAllowed(`Order is fully captured. ${SUFFIX}`);
    case 'CANCELLED':
      throw notAllowed(`Order is cancelled. ${SUFFIX}`);
    case 'EXPIRED':
      throw notAllowed(`Order is expired. ${SUFFIX}`);
    case 'CLOSED':
      throw notAllowed(`Order is closed. ${SUFFIX}`);
    case 'PART_CAPTURED':
      return;
  }
}

export async function releaseRemainingAuthorization(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  decideRelease(order);
  const status = ctx.settings.release_remaining_status;
  assertTransition(order.status, status);
  // The authorization shrinks to what was captured; original_order_amount keeps the first amount.
  await updateOrder(ctx.sql, order, { status, order_amount: order.captured_amount }, ctx.now);
  await recordEvent(ctx.sql, {
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    type: 'authorization.released',
    payload: { released_amount: order.order_amount - order.captured_amount, status },
    created_at: ctx.now,
  });
  return { status: 204 };
}
