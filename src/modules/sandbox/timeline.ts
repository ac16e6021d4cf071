/**
 * Everything that happened to an order or a session, in time order: the merchant's API calls about
 * it (the API call log, api-calls.ts), its state changes, the callbacks sent about it with each
 * attempt, the messages the shopper would have received, and, for an order, its settlement
 * transactions and Merchant Card Service promises and settlements. `GET /sandbox/v1/timeline`
 * answers it as JSON; the dashboard calls `orderTimeline` and `sessionTimeline` directly.
 *
 * Times are server times (the sandbox clock), as ISO 8601 with milliseconds. Entries with the same
 * time keep the order in which things happen: the call, the change it made, the callback it queued,
 * the message, the bookings, then the attempts. Each source gives at most MAX_PER_SOURCE entries
 * (of API calls, the newest).
 */
import type { Db } from '../../platform/db/database.js';
import type { MessageChannel } from '../../platform/messages.js';
import { listMessages } from '../../platform/messages.js';
import { flushApiCalls } from './api-calls.js';
import type { CallbackAttemptView, CallbackView } from './callbacks.js';
import { callbacksOf, isoMs } from './callbacks.js';
import { orderStateChanges } from './events.js';
import './tables.js';

export const MAX_PER_SOURCE = 1000;

/** A request the merchant made about the order or session (never its body or credentials). */
export interface ApiCallEntry {
  at: string;
  kind: 'api_call';
  call_id: string;
  method: string;
  /** Without the query string. */
  path: string;
  /** The route pattern, e.g. `/ordermanagement/v1/orders/:order_id/captures`. */
  route: string;
  status: number;
  correlation_id: string;
  duration_ms: number;
  order_id: string | null;
  session_id: string | null;
  /** Another id the call concerns (a capture, refund, token, …). */
  resource_id: string | null;
}

/**
 * A change of state: `order.created`, `capture.created`, `refund.created`, the recorded events
 * (`order.acknowledged`, send-outs, due-date extensions, …), `checkout_order.created|completed|aborted`,
 * `payment_session.created`, `authorization.created`, `hpp_session.created`.
 */
export interface StateChangeEntry {
  at: string;
  kind: 'state_change';
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
}

/** A callback queued to the merchant: what it sends, where, and how it stands now. */
export interface CallbackEntry {
  at: string;
  kind: 'callback';
  callback_id: string;
  callback_kind: string;
  url: string;
  status: CallbackView['status'];
  attempt_count: number;
  request_body: unknown;
  request_body_excerpt: string | null;
}

/** One delivery attempt of a callback: when, how long, and what the merchant answered. */
export interface CallbackAttemptEntry {
  at: string;
  kind: 'callback_attempt';
  callback_id: string;
  callback_kind: string;
  url: string;
  attempt: CallbackAttemptView;
}

/** A message the shopper would have received (the sandbox inbox). */
export interface MessageEntry {
  at: string;
  kind: 'message';
  message_id: string;
  message_kind: string;
  channel: MessageChannel;
  recipient: string;
  subject: string | null;
  body: string;
  links: string[];
}

/** A Settlements transaction booked for the order. */
export interface SettlementTransactionEntry {
  at: string;
  kind: 'settlement_transaction';
  type: string;
  detailed_type: string;
  amount: number;
  currency_code: string;
  capture_id: string | null;
  refund_id: string | null;
  payment_reference: string | null;
  payout_date: string | null;
}

/** A Merchant Card Service promise or settlement (virtual cards) for the order. */
export interface CardEntry {
  at: string;
  kind: 'card_promise' | 'card_settlement';
  id: string;
  promise_id: string | null;
  capture_id: string | null;
}

export type TimelineEntry = ApiCallEntry | StateChangeEntry | CallbackEntry | CallbackAttemptEntry | MessageEntry | SettlementTransactionEntry | CardEntry;
export type TimelineEntryKind = TimelineEntry['kind'];

/** The order among entries of the same time. */
const RANK: Record<TimelineEntryKind, number> = {
  api_call: 0,
  state_change: 1,
  callback: 2,
  message: 3,
  settlement_transaction: 4,
  card_promise: 5,
  card_settlement: 6,
  callback_attempt: 7,
};

type Timed = { ms: number; seq: number; entry: TimelineEntry };

function sorted(items: { ms: number; entry: TimelineEntry }[]): TimelineEntry[] {
  const timed: Timed[] = items.map((item, seq) => ({ ...item, seq }));
  timed.sort((a, b) => a.ms - b.ms || RANK[a.entry.kind] - RANK[b.entry.kind] || a.seq - b.seq);
  return timed.map((t) => t.entry);
}

async function apiCalls(db: Db, merchantId: string, column: 'order_id' | 'session_id', id: string): Promise<{ ms: number; entry: ApiCallEntry }[]> {
  await flushApiCalls(db);
  const rows = await db.kysely
    .selectFrom('api_calls')
    .select(['call_id', 'method', 'path', 'route', 'status', 'correlation_id', 'duration_ms', 'created_at', 'order_id', 'session_id', 'resource_id'])
    .where('merchant_id', '=', merchantId)
    .where(column, '=', id)
    .orderBy('created_at', 'desc')
    .orderBy('call_id', 'desc')
    .limit(MAX_PER_SOURCE)
    .execute();
  return rows.reverse().map((r) => ({
    ms: Number(r.created_at),
    entry: {
      at: isoMs(r.created_at),
      kind: 'api_call',
      call_id: String(r.call_id),
      method: r.method,
      path: r.path,
      route: r.route,
      status: Number(r.status),
      correlation_id: r.correlation_id,
      duration_ms: Number(r.duration_ms),
      order_id: r.order_id,
      session_id: r.session_id,
      resource_id: r.resource_id,
    },
  }));
}

function callbackEntries(callbacks: CallbackView[]): { ms: number; entry: TimelineEntry }[] {
  return callbacks.flatMap((c) => [
    {
      ms: Date.parse(c.created_at),
      entry: {
        at: c.created_at,
        kind: 'callback' as const,
        callback_id: c.callback_id,
        callback_kind: c.kind,
        url: c.url,
        status: c.status,
        attempt_count: c.attempt_count,
        request_body: c.request_body,
        request_body_excerpt: c.request_body_excerpt,
      },
    },
    ...c.attempts.map((attempt) => ({
      ms: Date.parse(attempt.started_at),
      entry: { at: attempt.started_at, kind: 'callback_attempt' as const, callback_id: c.callback_id, callback_kind: c.kind, url: c.url, attempt },
    })),
  ]);
}

async function messageEntries(db: Db, merchantId: string, filter: { orderId?: string; sessionId?: string }): Promise<{ ms: number; entry: MessageEntry }[]> {
  const messages = await listMessages(db, merchantId, filter);
  return messages.map((m) => ({
    ms: m.created_at,
    entry: { at: isoMs(m.created_at), kind: 'message', message_id: m.message_id, message_kind: m.kind, channel: m.channel, recipient: m.recipient, subject: m.subject, body: m.body, links: m.links },
  }));
}

const change = (ms: number | string, eventId: string, type: string, payload: Record<string, unknown>): { ms: number; entry: StateChangeEntry } => ({
  ms: Number(ms),
  entry: { at: isoMs(ms), kind: 'state_change', event_id: eventId, type, payload },
});

/** Everything that happened to one of the merchant's orders (Order Management or Checkout order id), oldest first. */
export async function orderTimeline(db: Db, merchantId: string, orderId: string): Promise<TimelineEntry[]> {
  const [calls, changes, checkout, callbacks, messages, transactions, promises, cardSettlements] = await Promise.all([
    apiCalls(db, merchantId, 'order_id', orderId),
    orderStateChanges(db, merchantId, orderId),
    db.kysely
      .selectFrom('checkout_orders')
      .select(['status', 'created_at', 'completed_at', 'aborted_at'])
      .where('merchant_id', '=', merchantId)
      .where('order_id', '=', orderId)
      .executeTakeFirst(),
    callbacksOf(db, merchantId, { orderId }, MAX_PER_SOURCE),
    messageEntries(db, merchantId, { orderId }),
    db.kysely
      .selectFrom('settlement_transactions')
      .select(['seq', 'type', 'detailed_type', 'amount', 'currency_code', 'capture_id', 'refund_id', 'payment_reference', 'payout_date', 'booked_at'])
      .where('merchant_id', '=', merchantId)
      .where('order_id', '=', orderId)
      .orderBy('seq')
      .limit(MAX_PER_SOURCE)
      .execute(),
    db.kysely
      .selectFrom('merchant_card_promises')
      .select(['promise_id', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .where('order_id', '=', orderId)
      .limit(MAX_PER_SOURCE)
      .execute(),
    db.kysely
      .selectFrom('merchant_card_settlements')
      .select(['settlement_id', 'promise_id', 'capture_id', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .where('order_id', '=', orderId)
      .limit(MAX_PER_SOURCE)
      .execute(),
  ]);
  const items: { ms: number; entry: TimelineEntry }[] = [
    ...calls,
    ...changes.map((e) => change(e.created_at, e.event_id, e.type, e.payload)),
    ...callbackEntries(callbacks),
    ...messages,
    ...transactions.map((t) => ({
      ms: Number(t.booked_at),
      entry: {
        at: isoMs(t.booked_at),
        kind: 'settlement_transaction' as const,
        type: t.type,
        detailed_type: t.detailed_type,
        amount: Number(t.amount),
        currency_code: t.currency_code,
        capture_id: t.capture_id,
        refund_id: t.refund_id,
        payment_reference: t.payment_reference,
        payout_date: t.payout_date === null ? null : isoMs(t.payout_date),
      },
    })),
    ...promises.map((p) => ({ ms: Number(p.created_at), entry: { at: isoMs(p.created_at), kind: 'card_promise' as const, id: p.promise_id, promise_id: p.promise_id, capture_id: null } })),
    ...cardSettlements.map((s) => ({
      ms: Number(s.created_at),
      entry: { at: isoMs(s.created_at), kind: 'card_settlement' as const, id: s.settlement_id, promise_id: s.promise_id, capture_id: s.capture_id },
    })),
  ];
  if (checkout) {
    items.push(change(checkout.created_at, `checkout_order:${orderId}`, 'checkout_order.created', { status_now: checkout.status }));
    if (checkout.completed_at !== null) items.push(change(checkout.completed_at, `checkout_order:${orderId}:completed`, 'checkout_order.completed', {}));
    if (checkout.aborted_at !== null) items.push(change(checkout.aborted_at, `checkout_order:${orderId}:aborted`, 'checkout_order.aborted', {}));
  }
  return sorted(items);
}

/** Everything that happened to one of the merchant's sessions (Payments or Hosted Payment Page session id), oldest first. */
export async function sessionTimeline(db: Db, merchantId: string, sessionId: string): Promise<TimelineEntry[]> {
  const [calls, payment, authorizations, hosted, callbacks, messages] = await Promise.all([
    apiCalls(db, merchantId, 'session_id', sessionId),
    db.kysely
      .selectFrom('payment_sessions')
      .select(['status', 'intent', 'order_id', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst(),
    db.kysely
      .selectFrom('payment_authorizations')
      .select(['status', 'order_id', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .where('session_id', '=', sessionId)
      .orderBy('created_at')
      .limit(MAX_PER_SOURCE)
      .execute(),
    db.kysely
      .selectFrom('hpp_sessions')
      .select(['status', 'payment_kind', 'payment_id', 'order_id', 'created_at'])
      .where('merchant_id', '=', merchantId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst(),
    callbacksOf(db, merchantId, { sessionId }, MAX_PER_SOURCE),
    messageEntries(db, merchantId, { sessionId }),
  ]);
  const items: { ms: number; entry: TimelineEntry }[] = [...calls, ...callbackEntries(callbacks), ...messages];
  if (payment) items.push(change(payment.created_at, `payment_session:${sessionId}`, 'payment_session.created', { intent: payment.intent, status_now: payment.status, order_id: payment.order_id }));
  authorizations.forEach((a, i) => items.push(change(a.created_at, `authorization:${sessionId}:${i + 1}`, 'authorization.created', { status_now: a.status, order_id: a.order_id })));
  if (hosted) {
    items.push(
      change(hosted.created_at, `hpp_session:${sessionId}`, 'hpp_session.created', {
        payment_kind: hosted.payment_kind,
        payment_id: hosted.payment_id,
        status_now: hosted.status,
        order_id: hosted.order_id,
      }),
    );
  }
  return sorted(items);
}
