/**
 * A PENDING fraud status resolves on its own (test data, behaviour reference §1.4 and §9.1): at
 * `fraud_decision_at` the order becomes ACCEPTED or REJECTED and Klarna notifies
 * `merchant_urls.notification` with `{order_id, event_type, decided_at}`. Applied by whoever touches
 * the order first once it is due: a write (before it decides), the background sweep, or a sandbox
 * clock advance.
 */
import type { Db } from '../../../platform/db/database.js';
import type { Sql } from '../../../platform/db/sql.js';
import { toIso } from '../../../platform/clock.js';
import { enqueueCallback, substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import { FRAUD_NOTIFICATION } from '../callbacks.js';
import type { OrderRecord } from '../order.js';
import { assertTransition, isOpenStatus } from '../order.js';
import { loadOrderRecord, updateOrder } from '../order.repository.js';
import { inGroup } from '../../../platform/clock.js';
import type { ClockGroup } from '../../../platform/clock.js';

/** Event types of the notification, by decision (Klarna's current names, §1.4). */
export const FRAUD_EVENT_TYPES = { ACCEPTED: 'FRAUD_RISK_ACCEPTED', REJECTED: 'FRAUD_RISK_REJECTED' } as const;

/**
 * Applies the order's fraud decision if it is due; returns whether it did. A rejected order that is
 * still open is cancelled: its authorization is void (docs/fidelity.md).
 */
export async function applyDueFraudDecision(sql: Sql, order: OrderRecord, now: number): Promise<boolean> {
  if (order.fraud_status !== 'PENDING' || order.fraud_decision === null || order.fraud_decision_at === null) return false;
  if (order.fraud_decision_at > now) return false;
  const decision = order.fraud_decision;
  // The decision's own time (not when it is applied or delivered), so every retry carries the same value.
  const decidedAt = order.fraud_decision_at;
  const status = decision === 'REJECTED' && isOpenStatus(order.status) && order.captured_amount === 0 ? 'CANCELLED' : order.status;
  assertTransition(order.status, status);
  await updateOrder(sql, order, { fraud_status: decision, fraud_decision: null, fraud_decision_at: null, status }, now);
  const url = order.merchant_urls?.notification;
  if (url) {
    await enqueueCallback(sql, {
      merchant_id: order.merchant_id,
      kind: FRAUD_NOTIFICATION,
      order_id: order.order_id,
      url: substitutePlaceholders(url, { 'order.id': order.order_id, 'checkout.order.id': order.order_id }),
      // Klarna documents the decision time but not its key (§11.13): `decided_at` is klarna-local's name.
      body: { order_id: order.order_id, event_type: FRAUD_EVENT_TYPES[decision], decided_at: toIso(decidedAt) },
      due_at: now,
      now,
    });
  }
  return true;
}

/** Applies every due fraud decision (background sweep, clock advance); returns how many. */
export async function applyDueFraudDecisions(db: Db, group: ClockGroup): Promise<number> {
  const { now } = group;
  const scope = inGroup(group);
  const due = await db.read.all<{ order_id: string; merchant_id: string }>(
    `select order_id, merchant_id from orders where fraud_decision_at is not null and fraud_decision_at <= ?${scope.text} order by fraud_decision_at limit 500`,
    [now, ...scope.params],
  );
  let applied = 0;
  for (const { order_id, merchant_id } of due) {
    const done = await db.transaction(async (sql) => {
      const order = await loadOrderRecord(db, sql, merchant_id, order_id, true);
      return order ? applyDueFraudDecision(sql, order, now) : false;
    });
    if (done) applied++;
  }
  return applied;
}
