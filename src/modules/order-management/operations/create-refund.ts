/** POST /orders/{order_id}/refunds (§1.6), with return fees and allocation to captures. */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import { lineTotalErrors, sumTotals } from '../../../kernel/order-lines.js';
import type { OrderLine } from '../../../kernel/schemas.js';
import { badLines, refundNotAllowed } from '../errors.js';
import type { CaptureRecord, OrderAggregate, RefundAllocation, RefundRecord } from '../order.js';
import { RETURN_FEE_COUNTRIES } from '../order.js';
import { ORDER_REFUNDED, orderMoneyFacts } from '../facts.js';
import type { RefundedFact } from '../facts.js';
import { insertRefund, updateCapture, updateOrder } from '../order.repository.js';
import type { RefundBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrderWithRows, orderUrl } from './context.js';

export function decideRefund(order: OrderAggregate, body: RefundBody): void {
  if (order.captures.length === 0) throw refundNotAllowed('Order has no captures. Refund not possible.');
  const refundable = order.captured_amount - order.refunded_amount;
  if (refundable <= 0) throw refundNotAllowed('Order is fully refunded. Refund not possible.');
  if (body.refunded_amount <= 0) throw refundNotAllowed('Refunded amount must be greater than 0. Refund not possible.');
  if (body.refunded_amount > refundable) {
    throw refundNotAllowed('Refunded amount is higher than the captured amount minus already refunded amount. Refund not possible.');
  }
  const lines = body.order_lines ?? [];
  if (lines.length === 0) return;
  const errors = lineTotalErrors(lines);
  lines.forEach((line, i) => {
    if (line.type === 'return_fee' && line.total_amount > 0) errors.push(`order_lines[${i}].total_amount (a return_fee line must be negative)`);
  });
  if (sumTotals(lines) !== body.refunded_amount) errors.push('order_lines (the sum of total_amount must equal refunded_amount)');
  if (errors.length > 0) throw badLines(...errors);
  if (lines.some((l) => l.type === 'return_fee')) decideReturnFee(order);
}

/** Return fees: only after one single full capture, and only in some countries (§1.6). */
function decideReturnFee(order: OrderAggregate): void {
  if (!RETURN_FEE_COUNTRIES.has(order.purchase_country.toUpperCase())) {
    throw refundNotAllowed(`Return fees are not available for purchase country ${order.purchase_country}. Refund not possible.`);
  }
  const [only, ...others] = order.captures;
  if (!only || others.length > 0 || only.captured_amount !== order.order_amount) {
    throw refundNotAllowed('Return fees require the order to be captured in one single full capture. Refund not possible.');
  }
}

/**
 * Allocation to captures (Klarna matches line `reference`s; the exact algorithm is undocumented,
 * see docs/fidelity.md): first each refund line goes to the oldest captures that carry a line with
 * the same reference, then whatever is left goes to the oldest captures with room, oldest first.
 */
export function allocateRefund(captures: readonly CaptureRecord[], amount: number, lines: readonly OrderLine[]): RefundAllocation[] {
  const room = new Map(captures.map((c) => [c.capture_id, c.captured_amount - c.refunded_amount]));
  const allocated = new Map<string, number>();
  const take = (captureId: string, wanted: number): number => {
    const available = room.get(captureId) ?? 0;
    const taken = Math.min(available, wanted);
    if (taken > 0) {
      room.set(captureId, available - taken);
      allocated.set(captureId, (allocated.get(captureId) ?? 0) + taken);
    }
    return taken;
  };
  let left = amount;
  for (const line of lines) {
    if (!line.reference || line.total_amount <= 0) continue;
    let lineLeft = Math.min(line.total_amount, left);
    for (const capture of captures) {
      if (lineLeft <= 0) break;
      if (!capture.order_lines.some((l) => l.reference === line.reference)) continue;
      const taken = take(capture.capture_id, lineLeft);
      lineLeft -= taken;
      left -= taken;
    }
  }
  for (const capture of captures) {
    if (left <= 0) break;
    left -= take(capture.capture_id, left);
  }
  if (left !== 0) throw new Error(`refund allocation left ${left} unallocated`);
  return captures.filter((c) => allocated.has(c.capture_id)).map((c) => ({ capture_id: c.capture_id, amount: allocated.get(c.capture_id) ?? 0 }));
}

export async function createRefund(ctx: OperationContext, orderId: string, body: RefundBody): Promise<WriteResult> {
  const order = await lockOrderWithRows(ctx, orderId, 'Refund not possible.');
  decideRefund(order, body);

  const lines = body.order_lines ?? [];
  const refund: RefundRecord = {
    refund_id: newId(),
    refunded_amount: body.refunded_amount,
    description: body.description ?? null,
    reference: body.reference ?? null,
    order_lines: lines,
    allocations: allocateRefund(order.captures, body.refunded_amount, lines),
    refunded_at: ctx.now,
  };
  await insertRefund(ctx.sql, order.order_id, ctx.merchantId, refund);
  for (const allocation of refund.allocations) {
    const capture = order.captures.find((c) => c.capture_id === allocation.capture_id);
    if (!capture) throw new Error('allocation to an unknown capture');
    await updateCapture(ctx.sql, order.order_id, capture, { refunded_amount: capture.refunded_amount + allocation.amount });
  }
  // Refunds never change the order status (§1.3: OM has no REFUNDED status).
  await updateOrder(ctx.sql, order, { refunded_amount: order.refunded_amount + refund.refunded_amount }, ctx.now);
  const first = order.captures.find((c) => c.capture_id === refund.allocations[0]?.capture_id);
  const refunded: RefundedFact = {
    order: orderMoneyFacts(order),
    refund_id: refund.refund_id,
    refunded_amount: refund.refunded_amount,
    return_fee: -lines.filter((l) => l.type === 'return_fee').reduce((sum, l) => sum + l.total_amount, 0),
    reference: refund.reference,
    capture_id: first?.capture_id ?? null,
    capture_date: first?.captured_at ?? null,
    refunded_at: refund.refunded_at,
  };
  await ctx.announce(ORDER_REFUNDED, order.order_id, refunded);
  const location = `${orderUrl(ctx, order.order_id)}/refunds/${refund.refund_id}`;
  return { status: 201, headers: { location, 'refund-id': refund.refund_id } };
}
