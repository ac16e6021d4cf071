/** POST /orders/{id}/shipping-info and /orders/{id}/captures/{cid}/shipping-info: append (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { notAllowed } from '../errors.js';
import { updateCapture, updateOrder } from '../order.repository.js';
import type { ShippingInfoBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder, lockOrderWithRows } from './context.js';
import { findCaptureOrThrow } from './read-order.js';

/** Shipping info kept per order or capture; appends past it are refused rather than grown forever. */
export const MAX_STORED_SHIPPING_INFO = 1000;

export async function addOrderShippingInfo(ctx: OperationContext, orderId: string, body: ShippingInfoBody): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Shipping info cannot be added.');
  const shippingInfo = [...order.shipping_info, ...body.shipping_info];
  if (shippingInfo.length > MAX_STORED_SHIPPING_INFO) throw notAllowed(`An order holds at most ${MAX_STORED_SHIPPING_INFO} shipping info items.`);
  await updateOrder(ctx.sql, order, { shipping_info: shippingInfo }, ctx.now);
  return { status: 204 };
}

export async function addCaptureShippingInfo(
  ctx: OperationContext,
  orderId: string,
  captureId: string,
  body: ShippingInfoBody,
): Promise<WriteResult> {
  const action = `Shipping info cannot be added to capture ${captureId}.`;
  const order = await lockOrderWithRows(ctx, orderId, action);
  const capture = findCaptureOrThrow(order, captureId, action);
  const shippingInfo = [...capture.shipping_info, ...body.shipping_info];
  if (shippingInfo.length > MAX_STORED_SHIPPING_INFO) throw notAllowed(`A capture holds at most ${MAX_STORED_SHIPPING_INFO} shipping info items.`);
  await updateCapture(ctx.sql, order.order_id, capture, { shipping_info: shippingInfo });
  return { status: 204 };
}
