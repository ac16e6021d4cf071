/** What every Payments operation receives, and the lock-and-load steps they start with. */
import type { OperationContext } from '../../merchants/writes.js';
import { invalidAuthorizationToken, invalidSession, sessionCompleted } from '../errors.js';
import type { AuthorizationRecord, SessionRecord } from '../session.js';
import { isExpired } from '../session.js';
import { loadAuthorization, loadSession } from '../session.repository.js';
import { issueClientToken } from '../client-token.js';

export interface PaymentsContext extends OperationContext {
  /** Signs client tokens (src/platform/secrets.ts). */
  clientTokenKey: Buffer;
}

/** The session, locked; unknown, another merchant's and expired sessions all answer "Invalid session id". */
export async function lockSession(ctx: PaymentsContext, sessionId: string): Promise<SessionRecord> {
  const session = await loadSession(ctx.db, ctx.sql, ctx.merchantId, sessionId, true);
  if (!session || isExpired(session, ctx.now)) throw invalidSession();
  return session;
}

/** `lockSession`, refusing a session that already has its order (404 SESSION_COMPLETED). */
export async function lockOpenSession(ctx: PaymentsContext, sessionId: string): Promise<SessionRecord> {
  const session = await lockSession(ctx, sessionId);
  if (session.status === 'complete') throw sessionCompleted();
  return session;
}

/**
 * The authorization, locked. Unknown, another merchant's, cancelled and expired (60 minutes)
 * tokens answer "Invalid authorization token"; a consumed one is returned for the caller to judge.
 */
export async function lockAuthorization(ctx: PaymentsContext, token: string): Promise<AuthorizationRecord> {
  const authorization = await loadAuthorization(ctx.db, ctx.sql, ctx.merchantId, token, true);
  if (!authorization || authorization.status === 'cancelled') throw invalidAuthorizationToken();
  if (authorization.status === 'active' && isExpired(authorization, ctx.now)) throw invalidAuthorizationToken();
  return authorization;
}

export function clientTokenFor(key: Buffer, session: Pick<SessionRecord, 'session_id' | 'merchant_id' | 'created_at' | 'expires_at'>): string {
  return issueClientToken(key, {
    session_id: session.session_id,
    merchant_id: session.merchant_id,
    iat: Math.floor(session.created_at / 1000),
    exp: Math.floor(session.expires_at / 1000),
  });
}
