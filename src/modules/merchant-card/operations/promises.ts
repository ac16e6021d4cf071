/**
 * POST /merchantcard/v3/promises and GET …/promises/{promise_id} (§7): a promise of cards for an
 * authorized order; a new promise for the order invalidates the one before.
 */
import { toIso } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import type { OperationContext } from '../../merchants/writes.js';
import { promiseNotFound } from '../errors.js';
import type { PromiseRecord } from '../merchant-card.js';
import { PROMISE_TRANSITIONS, decidePromise, promiseExpiry } from '../merchant-card.js';
import { activePromiseOf, insertPromise, loadPromise, setPromiseStatus } from '../merchant-card.repository.js';
import type { PromiseBody } from '../schemas.js';
import { presentPromise } from '../schemas.js';
import { lockNamedOrder, requireEnrolment } from './context.js';

export async function createPromise(ctx: OperationContext, body: PromiseBody): Promise<WriteResult> {
  requireEnrolment(ctx.settings);
  const order = await lockNamedOrder(ctx, body.order_id);
  const cards = body.cards.map((c) => ({ amount: c.amount, currency: c.currency.toUpperCase(), reference: c.reference, ...(c.fund_amount !== undefined && { fund_amount: c.fund_amount }) }));
  decidePromise(order, cards, ctx.now);
  const previous = await activePromiseOf(ctx.sql, ctx.merchantId, order.order_id);
  if (previous) {
    PROMISE_TRANSITIONS.assert(previous.status, 'INVALIDATED');
    await setPromiseStatus(ctx.sql, previous.promise_id, 'INVALIDATED');
  }
  const promise: PromiseRecord = {
    promise_id: newId(),
    merchant_id: ctx.merchantId,
    order_id: order.order_id,
    cards,
    status: 'ACTIVE',
    created_at: ctx.now,
    expires_at: promiseExpiry(ctx.now, ctx.settings.merchant_card_promise_hours),
  };
  await insertPromise(ctx.sql, promise);
  const location = `${ctx.publicUrl}/merchantcard/v3/promises/${promise.promise_id}`;
  return { status: 201, headers: { location }, body: { promise_id: promise.promise_id, expires_at: toIso(promise.expires_at) } };
}

export async function readPromise(db: Db, merchantId: string, promiseId: string) {
  const promise = await loadPromise(db, db.read, merchantId, promiseId);
  if (!promise) throw promiseNotFound();
  return presentPromise(promise);
}
