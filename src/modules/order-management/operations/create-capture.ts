/** POST /orders/{order_id}/captures (§1.5). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import { lineTotalErrors, sumTotals } from '../../../kernel/order-lines.js';
import { badLines, captureNotAllowed } from '../errors.js';
import { ORDER_ACKNOWLEDGED, ORDER_CAPTURED, orderMoneyFacts } from '../facts.js';
import type { CapturedFact } from '../facts.js';
import { recordCaptureEmail } from '../messages.js';
import type { CaptureRecord, OrderRecord } from '../order.js';
import { assertTransition, statusAfterCapture } from '../order.js';
import { insertCapture, updateOrder } from '../order.repository.js';
import type { CaptureBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder, orderUrl } from './context.js';

/** Pure: refuses the capture with Klarna's reason, or returns nothing. */
export function decideCapture(order: OrderRecord, body: CaptureBody, shippingDelayEnabled: boolean): void {
  const id = order.order_id;
  switch (order.status) {
    case 'CANCELLED':
      throw captureNotAllowed(`Order ${id} is cancelled. Capture not possible.`);
    case 'EXPIRED':
      throw captureNotAllowed(`Order ${id} is expired. Capture not possible.`);
    case 'CAPTURED':
      throw captureNotAllowed(`Order ${id} is fully captured. Capture not possible.`);
    case 'CLOSED':
      throw captureNotAllowed(`Order ${id} is closed. Capture not possible.`);
    case 'AUTHORIZED':
    case 'PART_CAPTURED':
      break;
  }
  if (order.fraud_status === 'PENDING') throw captureNotAllowed(`Order ${id} is pending a fraud review. Capture not possible.`);
  if (order.fraud_status === 'REJECTED') throw captureNotAllowed(`Order ${id} was rejected by fraud review. Capture not possible.`);
  if (body.captured_amount <= 0) throw captureNotAllowed('Captured amount must be greater than 0. Capture not possible.');
  if (body.captured_amount > order.order_amount - order.captured_amount) {
    throw captureNotAllowed('Captured amount is higher than the remaining authorized amount. Capture not possible.');
  }
  if ((body.shipping_delay ?? 0) > 0 && !shippingDelayEnabled) {
    throw captureNotAllowed('shipping_delay greater than 0 is not enabled for this merchant. Capture not possible.');
  }
  if (body.order_lines && body.order_lines.length > 0) {
    const errors = lineTotalErrors(body.order_lines);
    if (sumTotals(body.order_lines) !== body.captured_amount) errors.push('order_lines (the sum of total_amount must equal captured_amount)');
    if (errors.length > 0) throw badLines(...errors);
  }
}

export async function createCapture(ctx: OperationContext, orderId: string, body: CaptureBody): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, 'Capture not possible.');
  decideCapture(order, body, ctx.settings.shipping_delay_enabled);

  const seq = order.capture_count + 1;
  const capture: CaptureRecord = {
    capture_id: newId(),
    seq,
    klarna_reference: `${order.klarna_reference}-${seq}`,
    captured_amount: body.captured_amount,
    refunded_amount: 0,
    description: body.description ?? null,
    reference: body.reference ?? null,
    order_lines: body.order_lines ?? [],
    shipping_info: body.shipping_info ?? [],
    // The capture inherits the order's addresses as they are at capture time (§1.2).
    billing_address: order.billing_address,
    shipping_address: order.shipping_address,
    due_date_extension_days: null,
    due_date_extension_fee: null,
    captured_at: ctx.now,
  };
  const capturedAmount = order.captured_amount + capture.captured_amount;
  const status = statusAfterCapture(order.order_amount, capturedAmount);
  assertTransition(order.status, status);

  const wasUnacknowledged = order.acknowledged_at === null;
  await insertCapture(ctx.sql, order.order_id, ctx.merchantId, capture, body.shipping_delay ?? null);
  await updateOrder(
    ctx.sql,
    order,
    {
      status,
      captured_amount: capturedAmount,
      capture_count: seq,
      // A capture counts as an acknowledgement (§1.3).
      ...(order.acknowledged_at === null && { acknowledged_at: ctx.now }),
    },
    ctx.now,
  );
  // The first capture acknowledges the order (§1.3).
  if (wasUnacknowledged) await ctx.announce(ORDER_ACKNOWLEDGED, order.order_id);
  const captured: CapturedFact = {
    order: orderMoneyFacts(order),
    capture_id: capture.capture_id,
    captured_amount: capture.captured_amount,
    reference: capture.reference,
    captured_at: capture.captured_at,
  };
  await ctx.announce(ORDER_CAPTURED, order.order_id, captured);
  // Klarna e-mails the shopper the invoice or payment instruction (kept in the sandbox's inbox).
  await recordCaptureEmail(ctx.sql, order, capture, 'order.capture', ctx.now);
  const location = `${orderUrl(ctx, order.order_id)}/captures/${capture.capture_id}`;
  return { status: 201, headers: { location, 'capture-id': capture.capture_id } };
}
