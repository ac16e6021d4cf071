/**
 * POST /merchantcard/v3/settlements, GET …/settlements/{settlement_id} and GET
 * …/settlements/order/{order_id} (§7): the virtual cards of an authorized order, issued once and
 * captured in Order Management in the same transaction; their data encrypted for the key the
 * merchant names, anew at every answer.
 */
import type { Db } from '../../../platform/db/database.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import type { OperationContext } from '../../merchants/writes.js';
import { createCapture } from '../../order-management/operations/create-capture.js';
import { cardExpiry, cardHolder, issueCardNumber, issueCvv } from '../card-numbers.js';
import { orderNotSettleable, promiseNotAllowed, settlementNotFound } from '../errors.js';
import type { CardRecord, SettlementRecord } from '../merchant-card.js';
import { PROMISE_TRANSITIONS, cardAmount, decideSettlement, settlementExpiry } from '../merchant-card.js';
import { activePromiseOf, cardsOf, insertSettlement, loadPromise, loadSettlement, setPromiseStatus, settlementOfOrder } from '../merchant-card.repository.js';
import type { SettlementBody } from '../schemas.js';
import { presentSettlement } from '../schemas.js';
import { cardEncrypter, lockNamedOrder, requireEnrolment } from './context.js';

export const settlementUrl = (publicUrl: string, settlementId: string) => `${publicUrl}/merchantcard/v3/settlements/${settlementId}`;

export async function createSettlement(ctx: OperationContext, body: SettlementBody): Promise<WriteResult> {
  requireEnrolment(ctx.settings);
  const order = await lockNamedOrder(ctx, body.order_id);
  const encrypt = await cardEncrypter(ctx.db, ctx.sql, ctx.merchantId, body.key_id);
  const existing = await settlementOfOrder(ctx.db, ctx.sql, ctx.merchantId, order.order_id);
  if (existing) throw orderNotSettleable(`Order ${order.order_id} is already settled (settlement ${existing.settlement_id})`);
  // A named promise must be this order's; without one, the order's active promise is settled if it has one.
  let promise = body.promise_id === undefined ? await activePromiseOf(ctx.sql, ctx.merchantId, order.order_id) : await loadPromise(ctx.db, ctx.sql, ctx.merchantId, body.promise_id, true);
  if (body.promise_id !== undefined && (!promise || promise.order_id !== order.order_id)) throw promiseNotAllowed(`Bad value: promise_id (no promise ${body.promise_id} for order ${order.order_id})`);
  if (promise && body.promise_id === undefined && promise.expires_at <= ctx.now) promise = undefined;
  const specs = decideSettlement(order, promise, ctx.now);

  const settlementId = newId();
  const billing = order.billing_address;
  const holder = cardHolder(billing?.given_name ?? undefined, billing?.family_name ?? undefined);
  const cards: CardRecord[] = specs.map((spec, seq) => ({
    card_id: newId(),
    settlement_id: settlementId,
    merchant_id: ctx.merchantId,
    seq,
    reference: spec.reference,
    amount: cardAmount(spec),
    currency: spec.currency,
    brand: ctx.settings.merchant_card_brand,
    holder,
    pan: issueCardNumber(ctx.settings.merchant_card_brand),
    expiry_date: cardExpiry(ctx.now, ctx.settings.merchant_card_expiry_months),
    cvv: issueCvv(),
    status: 'ISSUED',
    used_at: null,
  }));
  // Klarna pays the merchant through the cards: the order is captured for what they hold.
  const captured = await createCapture(ctx, order.order_id, {
    captured_amount: cards.reduce((sum, c) => sum + c.amount, 0),
    description: `Virtual card settlement ${settlementId}`,
  });
  const settlement: SettlementRecord = {
    settlement_id: settlementId,
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    promise_id: promise?.promise_id ?? null,
    capture_id: String(captured.headers?.['capture-id']),
    created_at: ctx.now,
    expires_at: settlementExpiry(ctx.now, ctx.settings.merchant_card_settlement_hours),
  };
  await insertSettlement(ctx.sql, settlement, cards);
  if (promise) {
    PROMISE_TRANSITIONS.assert(promise.status, 'SETTLED');
    await setPromiseStatus(ctx.sql, promise.promise_id, 'SETTLED');
  }
  return { status: 201, headers: { location: settlementUrl(ctx.publicUrl, settlementId) }, body: presentSettlement(settlement, cards, encrypt) };
}

/** A settlement by its id or by its order's, its cards encrypted for the key given in `KeyId`. */
export async function readSettlement(db: Db, merchantId: string, by: { settlementId: string } | { orderId: string }, keyId: string) {
  const encrypt = await cardEncrypter(db, db.read, merchantId, keyId);
  const settlement = 'settlementId' in by ? await loadSettlement(db, db.read, merchantId, by.settlementId) : await settlementOfOrder(db, db.read, merchantId, by.orderId);
  if (!settlement) throw settlementNotFound();
  return presentSettlement(settlement, await cardsOf(db.read, settlement.settlement_id), encrypt);
}
