/**
 * Timed behaviour that is due: orders whose authorization ran out expire, pending fraud decisions
 * are taken (and their notifications queued), and due callbacks are sent. Run by the background
 * sweep of every process and at once by a sandbox clock advance.
 */
import type { Db } from '../platform/db/database.js';
import type { CallbackDispatcher } from '../platform/outbox/dispatcher.js';
import { expireDueOrders } from './order-management/order.repository.js';
import { applyDueFraudDecisions } from './order-management/operations/fraud-decision.js';

export async function applyDueWork(db: Db, now: number): Promise<void> {
  await expireDueOrders(db.kysely, now);
  await applyDueFraudDecisions(db, now);
}

/** Applies what is due and waits until the callbacks due by then have been attempted. */
export async function runDueWorkNow(db: Db, dispatcher: CallbackDispatcher, now: number): Promise<void> {
  await applyDueWork(db, now);
  await dispatcher.runOnce();
}
