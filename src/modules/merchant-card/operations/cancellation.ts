/**
 * POST and GET /merchantcard/v3/orders/{order_id}/cancel-request (§7): a virtual-card order's
 * cancellation, asked for and decided later on the sandbox clock (`check_after`). Any card in use
 * rejects it (CARD_IN_USE); otherwise the cards are cancelled and Order Management gives the money
 * back: the settlement's capture refunded for what the cards held, and whatever authorization is
 * left released (or the order cancelled if nothing was captured).
 */
import type { Db } from '../../../platform/db/database.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import type { Reactions } from '../../../platform/reactions.js';
import { readSettingsIn } from '../../merchants/merchant.js';
import type { OperationContext } from '../../merchants/writes.js';
import { cancelOrder } from '../../order-management/operations/cancel-order.js';
import { lockOrder } from '../../order-management/operations/context.js';
import { createRefund } from '../../order-management/operations/create-refund.js';
import { releaseRemainingAuthorization } from '../../order-management/operations/release-remaining-authorization.js';
import { loadOrderRecord } from '../../order-management/order.repository.js';
import { noVirtualCardOrder } from '../errors.js';
import type { CancelRequestRecord } from '../merchant-card.js';
import { CANCEL_TRANSITIONS, CARD_TRANSITIONS, cancelCheckAfter, decideCancellation } from '../merchant-card.js';
import { cardsOf, dueCancelRequests, loadCancelRequest, saveCancelRequest, setCardStatus, settlementOfOrder } from '../merchant-card.repository.js';
import { presentCancelRequest } from '../schemas.js';
import { requireEnrolment } from './context.js';
import type { ClockGroup } from '../../../platform/clock.js';

/** The order's settlement, or 404 for an order that does not exist or has none (Klarna's wording). */
async function requireVirtualCardOrder(db: Db, ctx: Pick<OperationContext, 'sql' | 'merchantId'>, orderId: string, forUpdate: boolean) {
  const order = await loadOrderRecord(db, ctx.sql, ctx.merchantId, orderId, forUpdate);
  const settlement = order && (await settlementOfOrder(db, ctx.sql, ctx.merchantId, orderId, forUpdate));
  if (!order || !settlement) throw noVirtualCardOrder();
  return settlement;
}

/** Gives Order Management's money back for cancelled cards holding `amount`. */
async function unwindOrder(ctx: OperationContext, orderId: string, amount: number): Promise<void> {
  const order = await lockOrder(ctx, orderId);
  const refundable = Math.min(amount, order.captured_amount - order.refunded_amount);
  if (refundable > 0) await createRefund(ctx, orderId, { refunded_amount: refundable, description: 'Virtual card settlement cancelled' });
  const after = await lockOrder(ctx, orderId);
  if (after.status === 'PART_CAPTURED') await releaseRemainingAuthorization(ctx, orderId);
  else if (after.status === 'AUTHORIZED' && after.capture_count === 0) await cancelOrder(ctx, orderId);
}

/** Decides the order's request if it is pending and its time has come; returns it as it now is. */
export async function decideIfDue(ctx: OperationContext, orderId: string): Promise<CancelRequestRecord | undefined> {
  const request = await loadCancelRequest(ctx.db, ctx.sql, ctx.merchantId, orderId, true);
  if (!request || request.status !== 'PENDING' || request.check_after > ctx.now) return request;
  const settlement = await settlementOfOrder(ctx.db, ctx.sql, ctx.merchantId, orderId, true);
  const cards = settlement ? await cardsOf(ctx.sql, settlement.settlement_id) : [];
  const outcome = decideCancellation(cards);
  CANCEL_TRANSITIONS.assert(request.status, outcome.status);
  if (outcome.status === 'CANCELLED') {
    const open = cards.filter((c) => c.status === 'ISSUED');
    for (const card of open) {
      CARD_TRANSITIONS.assert(card.status, 'CANCELLED');
      await setCardStatus(ctx.sql, card.card_id, 'CANCELLED', null);
    }
    await unwindOrder(ctx, orderId, open.reduce((sum, c) => sum + c.amount, 0));
  }
  const decided: CancelRequestRecord = {
    ...request,
    status: outcome.status,
    reason_code: outcome.status === 'REJECTED' ? outcome.reason_code : null,
    reason_message: outcome.status === 'REJECTED' ? outcome.reason_message : null,
    decided_at: ctx.now,
  };
  await saveCancelRequest(ctx.sql, decided);
  return decided;
}

export async function requestCancel(ctx: OperationContext, orderId: string): Promise<WriteResult> {
  requireEnrolment(ctx.settings);
  await requireVirtualCardOrder(ctx.db, ctx, orderId, true);
  const request = await decideIfDue(ctx, orderId);
  if (request?.status === 'CANCELLED') return { status: 200, body: presentCancelRequest(request) };
  if (request?.status === 'PENDING') return { status: 202, body: presentCancelRequest(request) };
  if (request) CANCEL_TRANSITIONS.assert(request.status, 'PENDING');
  const pending: CancelRequestRecord = {
    order_id: orderId,
    merchant_id: ctx.merchantId,
    status: 'PENDING',
    reason_code: null,
    reason_message: null,
    requested_at: ctx.now,
    check_after: cancelCheckAfter(ctx.now, ctx.settings.merchant_card_cancel_minutes),
    decided_at: null,
  };
  await saveCancelRequest(ctx.sql, pending);
  return { status: 202, body: presentCancelRequest(pending) };
}

/** The order's request as it is (undefined: none was made); 404 for an order without a settlement. */
export async function readCancel(db: Db, merchantId: string, orderId: string): Promise<CancelRequestRecord | undefined> {
  await requireVirtualCardOrder(db, { sql: db.read, merchantId }, orderId, false);
  return loadCancelRequest(db, db.read, merchantId, orderId);
}

/**
 * The background step: every pending request whose time has come, each in its own transaction, as
 * the merchant's own write would decide it (Order Management's refund announced to every module).
 */
export async function decideDueCancellations(db: Db, group: ClockGroup, reactions: Reactions): Promise<void> {
  const { now } = group;
  for (const { order_id: orderId, merchant_id: merchantId } of await dueCancelRequests(db.read, group)) {
    await db.transaction(async (sql) => {
      const ctx: OperationContext = {
        db,
        sql,
        now,
        merchantId,
        settings: await readSettingsIn(sql, merchantId),
        // Only Location headers of the refund would use it, and nobody reads those here.
        publicUrl: '',
        announce: (type, subjectId, data) => reactions.announce(sql, { type, merchantId, subjectId, now, data }),
      };
      await decideIfDue(ctx, orderId);
    });
  }
}
