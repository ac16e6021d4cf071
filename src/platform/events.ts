/**
 * What the server did toward the shopper and the merchant that has no row of its own (send-outs,
 * due-date extensions, later callbacks), recorded in the same transaction as the change that caused
 * it. Orders, captures and refunds are their own record; the sandbox events API merges them in.
 */
import type { Executor } from './db/database.js';
import type { Sql } from './db/sql.js';

export async function recordEvent(
  sql: Sql,
  event: { merchant_id: string; order_id: string | null; type: string; payload: Record<string, unknown>; created_at: number },
): Promise<void> {
  await sql.run('insert into events (merchant_id, order_id, type, payload, created_at) values (?, ?, ?, ?, ?)', [
    event.merchant_id,
    event.order_id,
    event.type,
    JSON.stringify(event.payload),
    event.created_at,
  ]);
}

export interface EventView {
  event_id: string;
  order_id: string | null;
  type: string;
  created_at: number;
  payload: Record<string, unknown>;
}

export const MAX_EVENTS_PAGE = 1000;

export async function listEvents(executor: Executor, merchantId: string, orderId: string | undefined): Promise<EventView[]> {
  let query = executor.selectFrom('events').select(['event_id', 'order_id', 'type', 'created_at', 'payload']).where('merchant_id', '=', merchantId);
  if (orderId !== undefined) query = query.where('order_id', '=', orderId);
  const rows = await query.orderBy('event_id').limit(MAX_EVENTS_PAGE).execute();
  return rows.map((r) => ({ ...r, event_id: `event:${r.event_id}`, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}
