/** POST /checkout/v3/orders/{order_id} (§2.1): a partial update, only while incomplete (403 READ_ONLY_ORDER). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import type { CheckoutData, CheckoutRecord } from '../checkout-order.js';
import { checkoutErrors, isReadOnly, normalize, touch } from '../checkout-order.js';
import { saveCheckoutOrder } from '../checkout.repository.js';
import { badFields, merchantOrderNotFound, readOnlyOrder } from '../errors.js';
import type { CheckoutCreateBody, CheckoutUpdateBody } from '../schemas.js';
import type { CheckoutContext } from './context.js';
import { loadLiveOrder, presentOrder } from './context.js';

/** Pure: present properties replace the stored ones; the whole order must still keep Klarna's rules. */
export function decideUpdate(order: CheckoutRecord, body: CheckoutUpdateBody | undefined): CheckoutData {
  if (isReadOnly(order)) throw readOnlyOrder();
  const data = normalize({ ...order.data, ...(body ?? {}) } as CheckoutCreateBody);
  const errors = checkoutErrors(data);
  if (errors.length > 0) throw badFields(errors);
  return data;
}

export async function updateCheckoutOrder(ctx: CheckoutContext, merchantName: string, orderId: string, body: CheckoutUpdateBody | undefined): Promise<WriteResult> {
  const order = await loadLiveOrder(ctx.db, ctx.sql, ctx.merchantId, orderId, ctx.now, { lock: true, notFound: merchantOrderNotFound });
  order.data = decideUpdate(order, body);
  touch(order, ctx.now);
  await saveCheckoutOrder(ctx.sql, order);
  return { status: 200, body: presentOrder(ctx, order, merchantName) };
}
