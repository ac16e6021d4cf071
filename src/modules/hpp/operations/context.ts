/**
 * What every HPP operation shares: the context (Payments' pipeline, since approving authorizes the
 * Payments session), finding a live session, the payment session behind it, and a status change
 * with its callback.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../platform/db/database.js';
import type { Sql } from '../../../platform/db/sql.js';
import { enqueueCallback } from '../../../platform/outbox/callbacks.js';
import { isExpired as checkoutExpired } from '../../checkout/checkout-order.js';
import { loadCheckoutOrder } from '../../checkout/checkout.repository.js';
import type { PaymentsContext } from '../../payments/operations/context.js';
import { isExpired as sessionExpired } from '../../payments/session.js';
import { loadSession } from '../../payments/session.repository.js';
import { STATUS_UPDATE_CALLBACK } from '../callbacks.js';
import { sessionExpired as hppSessionExpired, sessionNotFound } from '../errors.js';
import type { HppSessionRecord, HppStatus, PaymentState } from '../hpp-session.js';
import { HPP_TRANSITIONS, fillPlaceholders, isEnded, presentHppSession } from '../hpp-session.js';
import { loadHppSession, saveHppSession } from '../hpp-session.repository.js';

/** HPP writes run in Payments' pipeline: approving authorizes the Payments session (client-token key, callbacks). */
export type HppContext = PaymentsContext;

/** Where the payment session behind an HPP session stands. */
export async function paymentStateOf(db: Db, sql: Sql, session: Pick<HppSessionRecord, 'merchant_id' | 'payment_kind' | 'payment_id'>, now: number): Promise<PaymentState> {
  if (session.payment_kind === 'payments') {
    const payment = await loadSession(db, sql, session.merchant_id, session.payment_id);
    if (!payment || sessionExpired(payment, now)) return { ended: true, completed: false };
    return { ended: false, completed: payment.status === 'complete' };
  }
  const order = await loadCheckoutOrder(db, sql, session.merchant_id, session.payment_id);
  if (!order || checkoutExpired(order, now) || order.aborted_at !== null) return { ended: true, completed: order?.status === 'checkout_complete' };
  return { ended: false, completed: order.status === 'checkout_complete' };
}

/**
 * The session if it is not over: unknown (or another merchant's) and ended sessions are 404.
 * `afterPurchase`: its payment session was just completed through it (that does not end it).
 */
export async function loadLiveSession(db: Db, sql: Sql, merchantId: string, sessionId: string, now: number, lock: boolean, afterPurchase = false): Promise<HppSessionRecord> {
  const session = await loadHppSession(db, sql, merchantId, sessionId, lock);
  if (!session) throw sessionNotFound();
  const payment = await paymentStateOf(db, sql, session, now);
  if (isEnded(session, afterPurchase ? { ...payment, completed: false } : payment, now)) throw hppSessionExpired();
  return session;
}

/**
 * Stores a status change of a locked session (checked against HPP_TRANSITIONS) with what it brings
 * (authorization token, order), and queues `{event_id, session}` to `merchant_urls.status_update`.
 */
export async function changeStatus(sql: Sql, session: HppSessionRecord, to: HppStatus, now: number, changes: Partial<Pick<HppSessionRecord, 'authorization_token' | 'order_id' | 'klarna_reference' | 'customer'>> = {}): Promise<void> {
  HPP_TRANSITIONS.assert(session.status, to);
  Object.assign(session, changes, { status: to, updated_at: now });
  await saveHppSession(sql, session);
  const url = session.merchant_urls.status_update;
  if (url) {
    await enqueueCallback(sql, {
      merchant_id: session.merchant_id,
      kind: STATUS_UPDATE_CALLBACK,
      session_id: session.session_id,
      order_id: session.order_id,
      url: fillPlaceholders(url, { session_id: session.session_id, order_id: session.order_id }),
      body: { event_id: randomUUID(), session: presentHppSession(session) },
      due_at: now,
      now,
    });
  }
}
