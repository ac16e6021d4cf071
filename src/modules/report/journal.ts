/**
 * What the report reads of the request journal (the API call log, src/modules/sandbox/api-calls.ts):
 * a merchant's calls since a time, oldest first, as plain values.
 */
import type { Db } from '../../platform/db/database.js';
import { flushApiCalls } from '../sandbox/api-calls.js';
import '../sandbox/tables.js';

export interface JournalCall {
  call_id: number;
  method: string;
  path: string;
  route: string;
  /** 0: the server answered nothing (a dropped connection). */
  status: number;
  correlation_id: string;
  /** Server time (the merchant's clock) when the request arrived. */
  created_at: number;
  order_id: string | null;
  session_id: string | null;
  idempotency_key: string | null;
  body_hash: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** The journal holds at most this many calls a merchant (the call log's cap); the report reads no more. */
export const MAX_JOURNAL_CALLS = 20_000;

export async function journalSince(db: Db, merchantId: string, since: number): Promise<JournalCall[]> {
  // What this process still holds in its buffer is written first (read-your-own-calls).
  await flushApiCalls(db);
  const rows = await db.read.all<JournalCall>(
    'select call_id, method, path, route, status, correlation_id, created_at, order_id, session_id, idempotency_key, body_hash, error_code, error_message ' +
      'from api_calls where merchant_id = ? and created_at >= ? order by call_id desc limit ?',
    [merchantId, since, MAX_JOURNAL_CALLS],
  );
  return rows.reverse().map((r) => ({ ...r, call_id: Number(r.call_id), status: Number(r.status), created_at: Number(r.created_at) }));
}
