/** HPP session rows, in plain SQL on the hot-path layer; JSON parsed at the edge. */
import type { Sql } from '../../platform/db/sql.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';
import type { HppSessionRecord, HppStatus, PaymentKind } from './hpp-session.js';
import type { HppSessionsTable } from './tables.js';

const COLUMNS =
  'session_id, merchant_id, status, payment_kind, payment_id, page_code, distribution_token, options, merchant_urls, authorization_token, order_id, klarna_reference, customer, created_at, updated_at, expires_at';

function toRecord(row: HppSessionsTable): HppSessionRecord {
  return {
    ...row,
    status: row.status as HppStatus,
    payment_kind: row.payment_kind as PaymentKind,
    options: JSON.parse(row.options),
    merchant_urls: JSON.parse(row.merchant_urls),
    customer: row.customer === null ? null : JSON.parse(row.customer),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    expires_at: Number(row.expires_at),
  };
}

export async function insertHppSession(sql: Sql, session: HppSessionRecord): Promise<void> {
  await sql.run(`insert into hpp_sessions (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    session.session_id,
    session.merchant_id,
    session.status,
    session.payment_kind,
    session.payment_id,
    session.page_code,
    session.distribution_token,
    JSON.stringify(session.options),
    JSON.stringify(session.merchant_urls),
    session.authorization_token,
    session.order_id,
    session.klarna_reference,
    session.customer === null ? null : JSON.stringify(session.customer),
    session.created_at,
    session.updated_at,
    session.expires_at,
  ]);
}

/** The session, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadHppSession = ownedRowLoader<HppSessionsTable, HppSessionRecord>({ table: 'hpp_sessions', idColumn: 'session_id', columns: COLUMNS, toRecord });

/** The session a consumer's link names (its page code, distribution token or id), whoever the merchant. */
export async function findHppSessionByCode(sql: Sql, column: 'page_code' | 'distribution_token' | 'session_id', code: string): Promise<HppSessionRecord | undefined> {
  const row = await sql.get<HppSessionsTable>(`select ${COLUMNS} from hpp_sessions where ${column} = ?`, [code]);
  return row && toRecord(row);
}

/** The HPP sessions of one payment session, newest first (a Checkout order may have only one live). */
export async function hppSessionsOf(sql: Sql, merchantId: string, kind: PaymentKind, paymentId: string): Promise<HppSessionRecord[]> {
  const rows = await sql.all<HppSessionsTable>(
    `select ${COLUMNS} from hpp_sessions where merchant_id = ? and payment_kind = ? and payment_id = ? order by created_at desc`,
    [merchantId, kind, paymentId],
  );
  return rows.map(toRecord);
}

export async function saveHppSession(sql: Sql, session: HppSessionRecord): Promise<void> {
  await sql.run('update hpp_sessions set status = ?, authorization_token = ?, order_id = ?, klarna_reference = ?, customer = ?, updated_at = ? where session_id = ?', [
    session.status,
    session.authorization_token,
    session.order_id,
    session.klarna_reference,
    session.customer === null ? null : JSON.stringify(session.customer),
    session.updated_at,
    session.session_id,
  ]);
}
