/** Payments sessions and authorizations, in plain SQL on the hot-path layer; JSON parsed at the edge. */
import type { Sql } from '../../platform/db/sql.js';
import type { PaymentAuthorizationsTable, PaymentSessionsTable } from './tables.js';
import type { AuthorizationRecord, AuthorizationStatus, SessionRecord, SessionStatus } from './session.js';
import type { Intent } from './schemas.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';

const SESSION_COLUMNS = 'session_id, merchant_id, status, intent, data, shopper, order_id, created_at, updated_at, expires_at';
const AUTHORIZATION_COLUMNS =
  'authorization_token, session_id, merchant_id, status, snapshot, decision, order_id, order_request, order_response, customer_token_id, created_at, expires_at';

function toSession(row: PaymentSessionsTable): SessionRecord {
  return {
    ...row,
    status: row.status as SessionStatus,
    intent: row.intent as Intent,
    data: JSON.parse(row.data),
    shopper: row.shopper === null ? null : JSON.parse(row.shopper),
  };
}

function toAuthorization(row: PaymentAuthorizationsTable): AuthorizationRecord {
  return { ...row, status: row.status as AuthorizationStatus, snapshot: JSON.parse(row.snapshot), decision: JSON.parse(row.decision) };
}

export async function insertSession(sql: Sql, session: SessionRecord): Promise<void> {
  await sql.run(`insert into payment_sessions (${SESSION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    session.session_id,
    session.merchant_id,
    session.status,
    session.intent,
    JSON.stringify(session.data),
    session.shopper === null ? null : JSON.stringify(session.shopper),
    session.order_id,
    session.created_at,
    session.updated_at,
    session.expires_at,
  ]);
}

/** The session, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadSession = ownedRowLoader<PaymentSessionsTable, SessionRecord>({ table: 'payment_sessions', idColumn: 'session_id', columns: SESSION_COLUMNS, toRecord: toSession });

export async function saveSession(sql: Sql, session: SessionRecord): Promise<void> {
  await sql.run('update payment_sessions set status = ?, intent = ?, data = ?, shopper = ?, order_id = ?, updated_at = ? where session_id = ?', [
    session.status,
    session.intent,
    JSON.stringify(session.data),
    session.shopper === null ? null : JSON.stringify(session.shopper),
    session.order_id,
    session.updated_at,
    session.session_id,
  ]);
}

export async function insertAuthorization(sql: Sql, authorization: AuthorizationRecord): Promise<void> {
  await sql.run(`insert into payment_authorizations (${AUTHORIZATION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    authorization.authorization_token,
    authorization.session_id,
    authorization.merchant_id,
    authorization.status,
    JSON.stringify(authorization.snapshot),
    JSON.stringify(authorization.decision),
    authorization.order_id,
    authorization.order_request,
    authorization.order_response,
    authorization.customer_token_id,
    authorization.created_at,
    authorization.expires_at,
  ]);
}

/** The authorization, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadAuthorization = ownedRowLoader<PaymentAuthorizationsTable, AuthorizationRecord>({
  table: 'payment_authorizations',
  idColumn: 'authorization_token',
  columns: AUTHORIZATION_COLUMNS,
  toRecord: toAuthorization,
});

export async function saveAuthorization(sql: Sql, authorization: AuthorizationRecord): Promise<void> {
  await sql.run(
    'update payment_authorizations set status = ?, order_id = ?, order_request = ?, order_response = ?, customer_token_id = ? where authorization_token = ?',
    [
      authorization.status,
      authorization.order_id,
      authorization.order_request,
      authorization.order_response,
      authorization.customer_token_id,
      authorization.authorization_token,
    ],
  );
}

/** The newest authorization of the session that can still become an order, if any. */
export async function latestActiveAuthorization(sql: Sql, sessionId: string, now: number): Promise<string | null> {
  const row = await sql.get<{ authorization_token: string }>(
    "select authorization_token from payment_authorizations where session_id = ? and status = 'active' and expires_at > ? order by created_at desc limit 1",
    [sessionId, now],
  );
  return row?.authorization_token ?? null;
}
