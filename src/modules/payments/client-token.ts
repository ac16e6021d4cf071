/**
 * `client_token`: what the merchant hands to the shopper's browser. Like Klarna's it is a signed,
 * JWT-shaped string; here it is HS256 over `{session_id, merchant_id, iat, exp}` with a secret of
 * this installation, so the widget can act for exactly one session and nothing else, and a token
 * of another installation or a tampered one is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'klarna-local' })).toString('base64url');

export interface ClientTokenClaims {
  session_id: string;
  merchant_id: string;
  /** Seconds since the epoch (server time). */
  iat: number;
  exp: number;
}

const sign = (key: Buffer, input: string): string => createHmac('sha256', key).update(input).digest('base64url');

export function issueClientToken(key: Buffer, claims: ClientTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${sign(key, `${HEADER}.${payload}`)}`;
}

/** The claims of a token this installation issued, or null for anything else. Expiry is the caller's. */
export function verifyClientToken(key: Buffer, token: string): ClientTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(key, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<ClientTokenClaims>;
    if (typeof claims.session_id !== 'string' || typeof claims.merchant_id !== 'string') return null;
    return claims as ClientTokenClaims;
  } catch {
    return null;
  }
}
