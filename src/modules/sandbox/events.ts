/**
 * The sandbox's account of an order: the recorded events plus the facts that are rows of their own
 * (order created, captures, refunds), oldest first.
 */
import type { Db } from '../../platform/db/database.js';
import { attemptsOf } from './callbacks.js';
import type { EventView } from '../../platform/events.js';
import { MAX_EVENTS_PAGE, listEvents } from '../../platform/events.js';

/** Merchant callbacks (outbox rows) with every attempt, for an order or a Payments session. */
export async function callbackEvents(db: Db, merchantId: string, filter: { orderId?: string | undefined; sessionId?: string | undefined }): Promise<EventView[]> {
  let query = db.kysely
    .selectFrom('callbacks')
    .select(['callback_id', 'kind', 'order_id', 'session_id', 'url', 'body', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'created_at', 'finished_at'])
    .where('merchant_id', '=', merchantId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
  const callbacks = await query.orderBy('callback_id').limit(MAX_EVENTS_PAGE).execute();
  const attempts = await attemptsOf(db, callbacks.map((c) => Number(c.callback_id)));
  return callbacks.map((c) => ({
    event_id: `callback:${c.callback_id}`,
    order_id: c.order_id,
    type: `callback.${c.kind}`,
    created_at: c.created_at,
    payload: {
      callback_id: String(c.callback_id),
      kind: c.kind,
      session_id: c.session_id,
      url: c.url,
      request_body: c.body === null ? null : (JSON.parse(c.body) as unknown),
      status: c.status,
      next_attempt_at: c.status === 'pending' ? new Date(Number(c.next_attempt_at)).toISOString() : null,
      finished_at: c.finished_at === null ? null : new Date(Number(c.finished_at)).toISOString(),
      attempts: attempts
        .filter((a) => Number(a.callback_id) === Number(c.callback_id))
        .map((a) => ({
          attempt: a.attempt,
          started_at: new Date(Number(a.started_at)).toISOString(),
          duration_ms: a.duration_ms,
          response_status: a.response_status,
          response_body: a.response_body,
          error: a.error,
        })),
    },
  }));
}

export async function orderTimeline(db: Db, merchantId: string, orderId: string | undefined): Promise<EventView[]> {
  const [changes, callbacks] = await Promise.all([orderStateChanges(db, merchantId, orderId), callbackEvents(db, merchantId, { orderId })]);
  // Ties in time keep the order in which things happen: the order's own changes, then its callbacks.
  const ranked = [...changes.map((e, i) => ({ ...e, rank: i })), ...callbacks.map((e) => ({ ...e, rank: changes.length }))];
  ranked.sort((a, b) => a.created_at - b.created_at || a.rank - b.rank);
  return ranked.slice(0, MAX_EVENTS_PAGE).map(({ rank: _rank, ...event }) => event);
}

/**
 * What changed an order (or every order of the merchant), oldest first: its creation, captures and
 * refunds (rows of their own) and the recorded events (send-outs, acknowledgements, …).
 */
export async function orderStateChanges(db: Db, merchantId: string, orderId: string | undefined): Promise<EventView[]> {
  const byOrder = <QB extends { where(column: 'order_id', op: '=', value: string): QB }>(qb: QB): QB =>
    orderId === undefined ? qb : qb.where('order_id', '=', orderId);
  const [recorded, orders, captures, refunds] = await Promise.all([
    listEvents(db.kysely, merchantId, orderId),
    byOrder(db.kysely.selectFrom('orders').select(['order_id', 'original_order_amount', 'fraud_status', 'created_at']).where('merchant_id', '=', merchantId))
      .orderBy('created_at')
      .limit(MAX_EVENTS_PAGE)
      .execute(),
    byOrder(db.kysely.selectFrom('captures').select(['capture_id', 'order_id', 'captured_amount', 'captured_at', 'seq']).where('merchant_id', '=', merchantId))
      .orderBy('captured_at')
      .orderBy('seq')
      .limit(MAX_EVENTS_PAGE)
      .execute(),
    byOrder(db.kysely.selectFrom('refunds').select(['refund_id', 'order_id', 'refunded_amount', 'allocations', 'refunded_at']).where('merchant_id', '=', merchantId))
      .orderBy('refunded_at')
      .limit(MAX_EVENTS_PAGE)
      .execute(),
  ]);
  // Ties in time keep the order in which things happen: the order, its captures, refunds, the rest.
  const ranked: (EventView & { rank: number })[] = [
    ...orders.map((o) => ({
      rank: 0,
      event_id: `order:${o.order_id}`,
      order_id: o.order_id,
      type: 'order.created',
      created_at: o.created_at,
      payload: { order_amount: o.original_order_amount, fraud_status: o.fraud_status },
    })),
    ...captures.map((c) => ({
      rank: 1,
      event_id: `capture:${c.capture_id}`,
      order_id: c.order_id,
      type: 'capture.created',
      created_at: c.captured_at,
      payload: { capture_id: c.capture_id, captured_amount: c.captured_amount },
    })),
    ...refunds.map((r) => ({
      rank: 2,
      event_id: `refund:${r.refund_id}`,
      order_id: r.order_id,
      type: 'refund.created',
      created_at: r.refunded_at,
      payload: { refund_id: r.refund_id, refunded_amount: r.refunded_amount, allocations: JSON.parse(r.allocations) as unknown },
    })),
    ...recorded.map((e) => ({ ...e, rank: 3 })),
  ];
  ranked.sort((a, b) => a.created_at - b.created_at || a.rank - b.rank);
  return ranked.slice(0, MAX_EVENTS_PAGE).map(({ rank: _rank, ...event }) => event);
}
