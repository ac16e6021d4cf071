/**
 * `Klarna-Idempotency-Key` (Klarna §0.4): scoped to the merchant, only the key matters (the body of a
 * retry is disregarded), the first request's final response is replayed for 24 hours. The key row is
 * inserted first in the same transaction as the effect, so a concurrent duplicate blocks on it
 * (PostgreSQL unique index; SQLite write lock) and then replays the committed response: a request
 * with a given key never runs twice.
 */
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import { MS_PER_HOUR } from '../clock.js';
import type { Clock, ClockGroup } from '../clock.js';
import { ApiError, badRequest, envelope } from './errors.js';

export const IDEMPOTENCY_WINDOW_MS = 24 * MS_PER_HOUR;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Status stored while the first request is still running (never visible outside its transaction). */
const IN_FLIGHT_STATUS = 0;

export interface WriteResult {
  status: number;
  headers?: Record<string, string>;
  /** A JSON-serialisable body, or undefined for an empty 201/204. */
  body?: unknown;
}

export interface WriteContext {
  sql: Sql;
  /** Server time at the start of the transaction (sandbox offset included). */
  now: number;
  /** The merchant's settings as stored (JSON text), read in the same statement as the time. */
  settingsJson: string;
}

export interface WriteOptions {
  merchantId: string;
  idempotencyKey: string | undefined;
  correlationId: string;
  /** Whether a refusal (4xx ApiError) is stored and replayed like a success, from the settings. */
  replayErrors: (settingsJson: string) => boolean;
}

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') return undefined;
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badRequest(`Klarna-Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}

/** Runs one write operation in one transaction, with Klarna's idempotency semantics. */
export async function runWrite(
  db: Db,
  clock: Clock,
  options: WriteOptions,
  operation: (ctx: WriteContext) => Promise<WriteResult>,
): Promise<WriteResult> {
  return db.transaction(async (sql) => {
    // The merchant's time (server offset plus its own) and its settings, in one statement.
    const start = await sql.get<{ offset_ms: number; settings: string }>(
      'select c.offset_ms + m.clock_offset_ms as offset_ms, m.settings from sandbox_clock c, merchants m where c.id = 1 and m.merchant_id = ?',
      [options.merchantId],
    );
    if (!start) throw new Error(`no clock or no merchant ${options.merchantId}`);
    const now = clock.wallClock() + Number(start.offset_ms);
    const settingsJson = start.settings;
    const key = options.idempotencyKey;
    if (key === undefined) return operation({ sql, now, settingsJson });

    const replay = await claimKey(sql, options.merchantId, key, now);
    if (replay) return withCorrelationId(replay, options.correlationId);

    await sql.exec('savepoint idempotent_operation');
    let result: WriteResult;
    try {
      result = await operation({ sql, now, settingsJson });
    } catch (error) {
      if (!(error instanceof ApiError) || !options.replayErrors(settingsJson) || error.statusCode >= 500) throw error;
      // Undo whatever the refused operation touched, but keep the key with its answer.
      await sql.exec('rollback to savepoint idempotent_operation');
      // A refusal Klarna answers without a body (Checkout's 404) is replayed without one.
      result = { status: error.statusCode, headers: { ...error.headers }, body: error.page?.type === null ? undefined : envelope(error, options.correlationId) };
    }
    await sql.run('update idempotency_keys set status_code = ?, headers = ?, body = ? where merchant_id = ? and idempotency_key = ?', [
      result.status,
      JSON.stringify(result.headers ?? {}),
      result.body === undefined ? null : JSON.stringify(result.body),
      options.merchantId,
      key,
    ]);
    return result;
  });
}

/** Inserts the key, or returns the stored response of the request that used it first. */
async function claimKey(sql: Sql, merchantId: string, key: string, now: number): Promise<WriteResult | null> {
  const inserted = await sql.run(
    'insert into idempotency_keys (merchant_id, idempotency_key, created_at, status_code, headers, body) values (?, ?, ?, ?, ?, null) ' +
      'on conflict (merchant_id, idempotency_key) do nothing',
    [merchantId, key, now, IN_FLIGHT_STATUS, '{}'],
  );
  if (inserted === 1) return null;

  const stored = await sql.get<{ created_at: number; status_code: number; headers: string; body: string | null }>(
    'select created_at, status_code, headers, body from idempotency_keys where merchant_id = ? and idempotency_key = ?',
    [merchantId, key],
  );
  if (!stored) throw new Error('idempotency key vanished after a conflicting insert');
  if (stored.created_at + IDEMPOTENCY_WINDOW_MS <= now || stored.status_code === IN_FLIGHT_STATUS) {
    // The window has passed: the key is fresh again.
    await sql.run('update idempotency_keys set created_at = ?, status_code = ?, headers = ?, body = null where merchant_id = ? and idempotency_key = ?', [
      now,
      IN_FLIGHT_STATUS,
      '{}',
      merchantId,
      key,
    ]);
    return null;
  }
  return {
    status: stored.status_code,
    headers: JSON.parse(stored.headers) as Record<string, string>,
    body: stored.body === null ? undefined : (JSON.parse(stored.body) as unknown),
  };
}

/** A replayed error carries this request's correlation id, so header and body agree. */
function withCorrelationId(result: WriteResult, correlationId: string): WriteResult {
  const body = result.body;
  if (body !== null && typeof body === 'object' && 'correlation_id' in body) {
    return { ...result, body: { ...body, correlation_id: correlationId } };
  }
  return result;
}

export async function deleteExpiredIdempotencyKeys(db: Db, group: ClockGroup): Promise<void> {
  await db.kysely
    .deleteFrom('idempotency_keys')
    .where('created_at', '<=', group.now - IDEMPOTENCY_WINDOW_MS)
    .$if(group.merchantIds !== undefined, (q) => q.where('merchant_id', 'in', group.merchantIds?.length ? group.merchantIds : ['']))
    .execute();
}
