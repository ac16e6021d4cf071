/**
 * The sandbox's account of an order: the recorded events plus the facts that are rows of their own
 * (order created, captures, refunds), oldest first.
 */
import type { Db } from '../../platform/db/database.js';
import type { EventView } from '../../platform/events.js';
import { MAX_EVENTS_PAGE, listEvents } from '../../platform/events.js';

export async function orderTimeline(db: Db, merchantId: string, orderId: string | undefined): Promise<EventView[]> {
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
