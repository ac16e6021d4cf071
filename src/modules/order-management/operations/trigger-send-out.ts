/** POST /orders/{id}/captures/{cid}/trigger-send-out: re-sends the invoice or payment instruction (§1.7) to the sandbox's inbox. */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrderWithRows } from './context.js';
import { findCaptureOrThrow } from './read-order.js';
import { recordCaptureEmail, shopperEmail } from '../messages.js';

export async function triggerSendOut(ctx: OperationContext, orderId: string, captureId: string): Promise<WriteResult> {
  const action = `Send out cannot be triggered for capture ${captureId}.`;
  const order = await lockOrderWithRows(ctx, orderId, action);
  const capture = findCaptureOrThrow(order, captureId, action);
  const recipient = shopperEmail(order);
  // The capture's e-mail again (in the sandbox's inbox), and the send-out on the order's timeline.
  await recordCaptureEmail(ctx.sql, order, capture, 'order.send_out', ctx.now);
  await recordEvent(ctx.sql, {
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    type: 'capture.send_out',
    payload: { capture_id: capture.capture_id, klarna_reference: capture.klarna_reference, channel: 'email', recipient },
    created_at: ctx.now,
  });
  return { status: 204 };
}
