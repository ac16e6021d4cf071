/**
 * The callback inspector's reads: a merchant's callbacks (the outbox, platform/outbox/callbacks.ts),
 * newest first, filtered by kind, status, order and session, each with every attempt: when it
 * started, how long it took, the merchant's answer (status and the start of its body) or the error.
 * Redelivery itself goes through the dispatcher (`CallbackDispatcher.deliverNow`).
 */
import type { CallbackStatus } from '../../platform/outbox/callbacks.js';
import { CALLBACK_STATUSES } from '../../platform/outbox/callbacks.js';
import type { Db } from '../../platform/db/database.js';

/** Request bodies longer than this are shown as an excerpt of this many characters. */
export const MAX_REQUEST_BODY_CHARS = 16 * 1024;
export const DEFAULT_CALLBACKS_PAGE = 20;
export const MAX_CALLBACKS_PAGE = 100;

export interface CallbackAttemptView {
  attempt: number;
  /** ISO 8601 with milliseconds, server time. */
  started_at: string;
  duration_ms: number;
  /** The merchant's status, or null when no answer came (refused, timed out, …). */
  response_status: number | null;
  /** The start of the merchant's answer (at most 2 000 characters are kept). */
  response_body: string | null;
  error: string | null;
}

export interface CallbackView {
  callback_id: string;
  kind: string;
  url: string;
  status: CallbackStatus;
  order_id: string | null;
  session_id: string | null;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** When the next attempt is due (pending callbacks). */
  next_attempt_at: string | null;
  /** The JSON body sent, or null when it is empty or too long (then see request_body_excerpt). */
  request_body: unknown;
  /** The first MAX_REQUEST_BODY_CHARS characters of a longer body; null otherwise. */
  request_body_excerpt: string | null;
  attempts: CallbackAttemptView[];
}

export interface CallbackFilter {
  kind?: string | undefined;
  status?: CallbackStatus | undefined;
  orderId?: string | undefined;
  sessionId?: string | undefined;
  /** Keyset: only callbacks older than this id. */
  before?: number | undefined;
}

interface CallbackRow {
  callback_id: number | string;
  kind: string;
  url: string;
  status: string;
  order_id: string | null;
  session_id: string | null;
  attempts: number;
  body: string | null;
  next_attempt_at: number | string;
  created_at: number | string;
  updated_at: number | string;
  finished_at: number | string | null;
}

export const isoMs = (ms: number | string): string => new Date(Number(ms)).toISOString();

function statusOf(value: string): CallbackStatus {
  return (CALLBACK_STATUSES as readonly string[]).includes(value) ? (value as CallbackStatus) : 'pending';
}

function requestBody(body: string | null): Pick<CallbackView, 'request_body' | 'request_body_excerpt'> {
  if (body === null) return { request_body: null, request_body_excerpt: null };
  if (body.length > MAX_REQUEST_BODY_CHARS) return { request_body: null, request_body_excerpt: body.slice(0, MAX_REQUEST_BODY_CHARS) };
  try {
    return { request_body: JSON.parse(body) as unknown, request_body_excerpt: null };
  } catch {
    return { request_body: null, request_body_excerpt: body };
  }
}

const CALLBACK_COLUMNS = ['callback_id', 'kind', 'url', 'status', 'order_id', 'session_id', 'attempts', 'body', 'next_attempt_at', 'created_at', 'updated_at', 'finished_at'] as const;

/** The attempts of some callbacks, by callback and in the order they were made. */
export async function attemptsOf(db: Db, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.kysely
    .selectFrom('callback_attempts')
    .select(['callback_id', 'attempt', 'started_at', 'duration_ms', 'response_status', 'response_body', 'error'])
    .where('callback_id', 'in', [...ids])
    .orderBy('callback_id')
    .orderBy('attempt')
    .execute();
}

async function withAttempts(db: Db, rows: CallbackRow[]): Promise<CallbackView[]> {
  const attempts = await attemptsOf(db, rows.map((c) => Number(c.callback_id)));
  const byCallback = new Map<number, CallbackAttemptView[]>();
  for (const a of attempts) {
    const id = Number(a.callback_id);
    let list = byCallback.get(id);
    if (!list) byCallback.set(id, (list = []));
    list.push({
      attempt: Number(a.attempt),
      started_at: isoMs(a.started_at),
      duration_ms: Number(a.duration_ms),
      response_status: a.response_status === null ? null : Number(a.response_status),
      response_body: a.response_body,
      error: a.error,
    });
  }
  return rows.map((c) => {
    const status = statusOf(c.status);
    return {
      callback_id: String(c.callback_id),
      kind: c.kind,
      url: c.url,
      status,
      order_id: c.order_id,
      session_id: c.session_id,
      attempt_count: Number(c.attempts),
      created_at: isoMs(c.created_at),
      updated_at: isoMs(c.updated_at),
      finished_at: c.finished_at === null ? null : isoMs(c.finished_at),
      next_attempt_at: status === 'pending' ? isoMs(c.next_attempt_at) : null,
      ...requestBody(c.body),
      attempts: byCallback.get(Number(c.callback_id)) ?? [],
    };
  });
}

/** A page of the merchant's callbacks, newest first; `more` when older ones follow. */
export async function listCallbacks(db: Db, merchantId: string, filter: CallbackFilter, page: { size: number; offset: number }): Promise<{ callbacks: CallbackView[]; more: boolean }> {
  let query = db.kysely.selectFrom('callbacks').select(CALLBACK_COLUMNS).where('merchant_id', '=', merchantId);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
  if (filter.before !== undefined) query = query.where('callback_id', '<', filter.before);
  const rows = (await query
    .orderBy('callback_id', 'desc')
    .limit(page.size + 1)
    .offset(page.offset)
    .execute()) as CallbackRow[];
  const more = rows.length > page.size;
  return { callbacks: await withAttempts(db, rows.slice(0, page.size)), more };
}

/** One of the merchant's callbacks; undefined for an unknown id or another merchant's. */
export async function findCallback(db: Db, merchantId: string, callbackId: number): Promise<CallbackView | undefined> {
  const row = (await db.kysely.selectFrom('callbacks').select(CALLBACK_COLUMNS).where('merchant_id', '=', merchantId).where('callback_id', '=', callbackId).executeTakeFirst()) as
    | CallbackRow
    | undefined;
  if (!row) return undefined;
  return (await withAttempts(db, [row]))[0];
}

/** Every callback of an order or a session (oldest first, at most `limit`), for the timeline. */
export async function callbacksOf(db: Db, merchantId: string, filter: { orderId?: string; sessionId?: string }, limit: number): Promise<CallbackView[]> {
  let query = db.kysely.selectFrom('callbacks').select(CALLBACK_COLUMNS).where('merchant_id', '=', merchantId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
  const rows = (await query.orderBy('callback_id').limit(limit).execute()) as CallbackRow[];
  return withAttempts(db, rows);
}

/** A callback id from a path segment: a positive integer that fits a BIGINT; anything else names no callback. */
export function parseCallbackId(value: string): number | undefined {
  if (!/^[1-9]\d{0,14}$/.test(value)) return undefined;
  return Number(value);
}
