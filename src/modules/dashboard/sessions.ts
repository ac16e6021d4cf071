/**
 * Dashboard sign-in sessions. The cookie holds 256 random bits (base64url); the database holds only
 * their SHA-256, so a copy of the database signs nobody in. Each session has its own synchronizer
 * token for forms (CSRF), compared in constant time. Times are the wall clock: advancing the sandbox
 * clock signs nobody out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../platform/db/database.js';

export const SESSION_COOKIE = 'klarna_local_dashboard';
/** A session lasts a working day. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface DashboardSession {
  /** The merchant whose data the session sees; null for an administrator who has not chosen one. */
  merchant_id: string | null;
  /** The administrator of the configuration (KLARNA_LOCAL_DASHBOARD_ADMIN), who may choose any merchant. */
  admin: boolean;
  username: string;
  csrf_token: string;
  expires_at: number;
}

const hashOf = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Pure: whether a cookie value can be one this server handed out (43 base64url characters). */
export const isSessionValue = (value: string | undefined): value is string => value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);

/** Starts a session, a merchant's or the administrator's; returns the cookie's value (only ever sent to the browser). */
export async function createSession(
  db: Db,
  who: { merchant_id: string | null; username: string; admin?: boolean },
  now = Date.now(),
): Promise<{ value: string; session: DashboardSession }> {
  const value = randomBytes(32).toString('base64url');
  const session: DashboardSession = {
    merchant_id: who.merchant_id,
    admin: who.admin ?? false,
    username: who.username,
    csrf_token: randomBytes(32).toString('base64url'),
    expires_at: now + SESSION_TTL_MS,
  };
  await db.transaction(async (sql) => {
    // Expired sessions go as new ones come (cheap: an index on expires_at).
    await sql.run('delete from dashboard_sessions where expires_at <= ?', [now]);
    await sql.run('insert into dashboard_sessions (session_hash, merchant_id, admin, username, csrf_token, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)', [
      hashOf(value),
      session.merchant_id,
      session.admin ? 1 : 0,
      session.username,
      session.csrf_token,
      now,
      session.expires_at,
    ]);
  });
  return { value, session };
}

/** The live session a cookie value names, or undefined. */
export async function findSession(db: Db, value: string | undefined, now = Date.now()): Promise<DashboardSession | undefined> {
  if (!isSessionValue(value)) return undefined;
  const row = await db.read.get<Omit<DashboardSession, 'admin'> & { admin: number | string }>(
    'select merchant_id, admin, username, csrf_token, expires_at from dashboard_sessions where session_hash = ?',
    [hashOf(value)],
  );
  if (!row || Number(row.expires_at) <= now) return undefined;
  const admin = Number(row.admin) === 1;
  if (row.merchant_id === null && !admin) return undefined;
  return { merchant_id: row.merchant_id, admin, username: row.username, csrf_token: row.csrf_token, expires_at: Number(row.expires_at) };
}

/** The administrator's session now sees this merchant (only an administrator's session changes). */
export async function chooseMerchant(db: Db, value: string | undefined, merchantId: string): Promise<void> {
  if (!isSessionValue(value)) return;
  await db.transaction((sql) => sql.run('update dashboard_sessions set merchant_id = ? where session_hash = ? and admin = 1', [merchantId, hashOf(value)]));
}

/** Pure: whether the sign-in form's credentials are the configured administrator's (constant time). */
export function isAdmin(admin: { username: string; password: string } | null, username: string, password: string): boolean {
  if (!admin) return false;
  const same = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
  // Both compared, always: the time says nothing about which one differed.
  const user = same(admin.username, username);
  const pass = same(admin.password, password);
  return user && pass;
}

export async function deleteSession(db: Db, value: string | undefined): Promise<void> {
  if (!isSessionValue(value)) return;
  await db.transaction((sql) => sql.run('delete from dashboard_sessions where session_hash = ?', [hashOf(value)]));
}

/** Pure: whether a form's token is the session's (constant time; a missing one never is). */
export function csrfMatches(session: Pick<DashboardSession, 'csrf_token'>, sent: string | undefined): boolean {
  if (sent === undefined || sent === '') return false;
  const a = Buffer.from(session.csrf_token);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
