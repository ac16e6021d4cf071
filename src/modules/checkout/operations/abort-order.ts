/**
 * POST /checkout/v3/orders/{order_id}/abort (§2.1): the order can no longer be bought or changed; the
 * read still answers it. Aborting again answers the order (docs/fidelity.md).
 */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import type { CheckoutRecord } from '../checkout-order.js';
import { saveCheckoutOrder } from '../checkout.repository.js';
import { merchantOrderNotFound, readOnlyOrder } from '../errors.js';
import type { CheckoutContext } from './context.js';
import { loadLiveOrder, presentOrder } from './context.js';

/** Pure: whether the abort marks the order now (false: it already was); a completed order is 403 READ_ONLY_ORDER. */
export function decideAbort(order: CheckoutRecord): boolean {
  if (order.status !== 'checkout_incomplete') throw readOnlyOrder();
  return order.aborted_at === null;
}

export async function abortCheckoutOrder(ctx: CheckoutContext, merchantName: string, orderId: string): Promise<WriteResult> {
  const order = await loadLiveOrder(ctx.db, ctx.sql, ctx.merchantId, orderId, ctx.now, { lock: true, notFound: merchantOrderNotFound });
  if (decideAbort(order)) {
    order.aborted_at = ctx.now;
    order.updated_at = ctx.now;
    await saveCheckoutOrder(ctx.sql, order);
  }
  return { status: 200, body: presentOrder(ctx, order, merchantName) };
}
