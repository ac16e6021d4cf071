/**
 * The durable outbox of calls klarna-local makes to merchants. A callback is a row written in the
 * same transaction as the change that causes it, so it exists exactly when that change committed;
 * the dispatcher (dispatcher.ts) delivers it later, retrying on the kind's schedule, from whichever
 * process claims it first. A restart loses nothing: undelivered rows wait in the table.
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import type { CallOutcome } from './http-client.js';

export const CALLBACK_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** How one kind of callback is delivered. */
export interface DeliveryPolicy {
  /** Time allowed to open the connection. */
  connect_timeout_ms: number;
  /** Time allowed for the answer once connected. */
  response_timeout_ms: number;
  /** Waits before the 2nd, 3rd, … attempt; attempts in all = delays + 1. */
  retry_delays_ms: number[];
  /**
   * Keep to the schedule after a 2xx too, until a stop condition ends it (Checkout's push repeats
   * until the order is acknowledged or captured, whatever the merchant answered).
   */
  repeat_after_success?: boolean;
}

/**
 * A kind of callback, as the module that sends it declares it (platform/module.ts): its name, how it
 * is delivered, and when pending attempts are no longer wanted.
 */
export interface CallbackKind {
  readonly kind: string;
  readonly policy: DeliveryPolicy;
  /** Checked just before each attempt: true ends the callback. */
  readonly stopWhen?: StopCondition;
}

/** A callback row as the dispatcher claims it. */
export interface ClaimedCallback {
  callback_id: number;
  merchant_id: string;
  kind: string;
  order_id: string | null;
  session_id: string | null;
  url: string;
  body: string | null;
  attempts: number;
  policy: string;
  lease_until: number;
  last_status: number | null;
}

/** Decides, just before an attempt, that a callback is no longer wanted (e.g. push after acknowledgement). */
export type StopCondition = (sql: Sql, callback: ClaimedCallback) => Promise<boolean>;

/** Upper bound of a stored response body of an attempt (the rest is cut). */
export const MAX_STORED_RESPONSE_CHARS = 2000;

export interface NewCallback {
  merchant_id: string;
  kind: CallbackKind;
  order_id?: string | null;
  session_id?: string | null;
  url: string;
  /** JSON-serialisable body; undefined sends an empty POST. */
  body?: unknown;
  /** Server time (sandbox clock) of the first attempt. */
  due_at: number;
  now: number;
}

/** Writes a callback row in the caller's transaction; it is delivered once that commits. */
export async function enqueueCallback(sql: Sql, callback: NewCallback): Promise<void> {
  await sql.run(
    'insert into callbacks (merchant_id, kind, order_id, session_id, url, body, status, attempts, policy, next_attempt_at, created_at, updated_at) ' +
      "values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
    [
      callback.merchant_id,
      callback.kind.kind,
      callback.order_id ?? null,
      callback.session_id ?? null,
      callback.url,
      callback.body === undefined ? null : JSON.stringify(callback.body),
      JSON.stringify(callback.kind.policy),
      callback.due_at,
      callback.now,
      callback.now,
    ],
  );
}

/** The final status of a callback stopped early: delivered if the merchant ever answered 2xx, else cancelled. */
export const STOPPED_STATUS_SQL = "case when last_status between 200 and 299 then 'delivered' else 'cancelled' end";

/** Stops the pending callbacks of a kind for an order (e.g. push once the order is acknowledged). */
export async function stopPendingCallbacks(sql: Sql, merchantId: string, orderId: string, kind: CallbackKind, now: number): Promise<number> {
  return sql.run(
    `update callbacks set status = ${STOPPED_STATUS_SQL}, lease_until = null, finished_at = ?, updated_at = ? where merchant_id = ? and order_id = ? and kind = ? and status = 'pending'`,
    [now, now, merchantId, orderId, kind.kind],
  );
}

/**
 * Records a call made while someone waited for it (Checkout's address and validation calls): one
 * row with its single attempt, so the sandbox's event timeline shows it like any callback.
 */
export async function recordCall(
  db: Db,
  clock: Clock,
  call: { merchant_id: string; kind: CallbackKind; order_id: string; url: string; body: string; started_at: number; outcome: CallOutcome },
): Promise<void> {
  const { outcome } = call;
  await db.transaction(async (sql) => {
    const now = await clock.now(call.merchant_id, sql);
    const row = await sql.get<{ callback_id: number }>(
      'insert into callbacks (merchant_id, kind, order_id, session_id, url, body, status, attempts, policy, next_attempt_at, last_status, last_error, created_at, updated_at, finished_at) ' +
        'values (?, ?, ?, null, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) returning callback_id',
      [
        call.merchant_id,
        call.kind.kind,
        call.order_id,
        call.url,
        call.body,
        outcome.status !== null ? 'delivered' : 'failed',
        JSON.stringify(call.kind.policy),
        call.started_at,
        outcome.status,
        outcome.error,
        call.started_at,
        now,
        now,
      ],
    );
    await sql.run(
      'insert into callback_attempts (callback_id, attempt, started_at, duration_ms, response_status, response_body, error) values (?, 1, ?, ?, ?, ?, ?)',
      [Number(row?.callback_id), call.started_at, outcome.durationMs, outcome.status, outcome.body?.slice(0, MAX_STORED_RESPONSE_CHARS) ?? null, outcome.error],
    );
  });
}

/**
 * Replaces Klarna's URL placeholders (`{session.id}`, `{order.id}`, `{checkout.order.id}`) with their
 * values, URL-encoded; the rest of the URL, query string included, stays as the merchant wrote it.
 */
export function substitutePlaceholders(url: string, values: Record<string, string | undefined>): string {
  return url.replace(/\{([a-z.]+)\}/g, (match, name: string) => {
    const value = values[name];
    return value === undefined ? match : encodeURIComponent(value);
  });
}
