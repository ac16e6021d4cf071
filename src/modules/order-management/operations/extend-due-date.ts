/** GET …/extend-due-date-options and PATCH …/extend-due-date, per capture, pay-later only (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { notAllowed } from '../errors.js';
import { CAPTURE_DUE_DATE_EXTENDED, orderMoneyFacts } from '../facts.js';
import type { DueDateExtendedFact } from '../facts.js';
import { dueDateOptions } from '../order.js';
import { updateCapture } from '../order.repository.js';
import type { ExtendDueDateBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrderWithRows } from './context.js';
import { findCaptureOrThrow } from './read-order.js';

export async function extendDueDate(ctx: OperationContext, orderId: string, captureId: string, body: ExtendDueDateBody): Promise<WriteResult> {
  const action = `Due date cannot be extended for capture ${captureId}.`;
  const order = await lockOrderWithRows(ctx, orderId, action);
  const capture = findCaptureOrThrow(order, captureId, action);
  const options = dueDateOptions(order, capture, ctx.settings);
  if (options.length === 0) throw notAllowed(`No due date extension is possible for this capture. ${action}`);
  const chosen = options.find((o) => o.number_of_days === body.number_of_days);
  if (!chosen) {
    throw notAllowed(`${body.number_of_days} days is not an available option (${options.map((o) => o.number_of_days).join(', ')}). ${action}`);
  }
  await updateCapture(ctx.sql, order.order_id, capture, { due_date_extension_days: chosen.number_of_days, due_date_extension_fee: chosen.amount });
  await recordEvent(ctx.sql, {
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    type: 'capture.due_date_extended',
    payload: { capture_id: capture.capture_id, number_of_days: chosen.number_of_days, fee: chosen.amount, currency: order.purchase_currency },
    created_at: ctx.now,
  });
  const extended: DueDateExtendedFact = {
    order: orderMoneyFacts(order),
    capture_id: capture.capture_id,
    captured_at: capture.captured_at,
    number_of_days: chosen.number_of_days,
    fee: chosen.amount,
    extended_at: ctx.now,
  };
  await ctx.announce(CAPTURE_DUE_DATE_EXTENDED, order.order_id, extended);
  return { status: 204 };
}
