/**
 * The durable outbox of calls klarna-local makes to merchants. A callback is a row written in the
 * same transaction as the change that causes it, so it exists exactly when that change committed;
 * the dispatcher (dispatcher.ts) delivers it later, retrying on the kind's schedule, from whichever
 * process claims it first. A restart loses nothing: undelivered rows wait in the table.
 */
import type { Sql } from '../db/sql.js';
import { MS_PER_SECOND } from '../clock.js';

const MS_PER_MINUTE = 60 * MS_PER_SECOND;

export const CALLBACK_KINDS = [
  'payments.authorization',
  'order.notification',
  'checkout.push',
  'checkout.validation',
  'checkout.address_update',
  'checkout.country_change',
  'checkout.shipping_option_update',
] as const;
export type CallbackKind = (typeof CALLBACK_KINDS)[number];

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
 * Klarna's Payments authorization callback: 2 s to connect, 2 s to answer, 3 attempts in all with
 * exponential backoff from 1 s (behaviour reference §3.2).
 */
export const AUTHORIZATION_CALLBACK_POLICY: DeliveryPolicy = {
  connect_timeout_ms: 2 * MS_PER_SECOND,
  response_timeout_ms: 2 * MS_PER_SECOND,
  retry_delays_ms: [1 * MS_PER_SECOND, 2 * MS_PER_SECOND],
};

/**
 * The fraud-decision notification. Klarna documents no retry policy (reference §11.13); this one is
 * ours (docs/fidelity.md): 10 s timeouts; retries after 1, 5, 15 and 60 minutes, then every 4 hours,
 * 10 attempts in all over about 21 hours.
 */
export const NOTIFICATION_CALLBACK_POLICY: DeliveryPolicy = {
  connect_timeout_ms: 10 * MS_PER_SECOND,
  response_timeout_ms: 10 * MS_PER_SECOND,
  retry_delays_ms: [1, 5, 15, 60, 240, 240, 240, 240, 240].map((m) => m * MS_PER_MINUTE),
};

/**
 * Checkout's push (behaviour reference §2.3): an empty POST about 2 minutes after completion, then
 * after 5, 15, 30 and 60 minutes and every 4 hours until 48 hours have passed, until the order is
 * acknowledged or captured. Klarna was seen giving up reading after about 5 s.
 */
export const PUSH_FIRST_DELAY_MS = 2 * MS_PER_MINUTE;
export const PUSH_CALLBACK_POLICY: DeliveryPolicy = {
  connect_timeout_ms: 5 * MS_PER_SECOND,
  response_timeout_ms: 5 * MS_PER_SECOND,
  retry_delays_ms: pushDelays(),
  repeat_after_success: true,
};

function pushDelays(): number[] {
  const delays = [5, 15, 30, 60].map((m) => m * MS_PER_MINUTE);
  const total = 48 * 60 * MS_PER_MINUTE;
  let elapsed = delays.reduce((a, b) => a + b, 0);
  while (elapsed + 240 * MS_PER_MINUTE <= total) {
    delays.push(240 * MS_PER_MINUTE);
    elapsed += 240 * MS_PER_MINUTE;
  }
  return delays;
}

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
  policy: DeliveryPolicy;
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
      callback.kind,
      callback.order_id ?? null,
      callback.session_id ?? null,
      callback.url,
      callback.body === undefined ? null : JSON.stringify(callback.body),
      JSON.stringify(callback.policy),
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
    [now, now, merchantId, orderId, kind],
  );
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
