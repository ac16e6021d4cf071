/**
 * HTTP Basic authentication of merchants. scrypt costs tens of milliseconds by design, so a verified
 * header is remembered (keyed by its SHA-256 digest, never the header itself) for a short time.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { verifyPassword } from '../passwords.js';

export const AUTH_CACHE_TTL_MS = 60_000;
export const AUTH_CACHE_MAX_ENTRIES = 10_000;
const MAX_AUTH_HEADER_LENGTH = 4096;

const digestOf = (header: string): string => createHash('sha256').update(header).digest('base64');

/** Who is calling. Settings are read where they are used, so a change is seen at once by every process. */
export interface AuthenticatedMerchant {
  readonly merchant_id: string;
  readonly username: string;
}

interface CacheEntry {
  merchant: AuthenticatedMerchant | null;
  expiresAt: number;
}

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly db: Db) {}

  /**
   * The remembered verdict for a header without waiting (the hot path): the merchant, null for
   * missing or known-wrong credentials, undefined when it has to be verified.
   */
  cached(header: string | undefined): AuthenticatedMerchant | null | undefined {
    if (header === undefined || header.length > MAX_AUTH_HEADER_LENGTH) return null;
    const entry = this.cache.get(digestOf(header));
    return entry && entry.expiresAt > Date.now() ? entry.merchant : undefined;
  }

  /** The merchant for an `Authorization` header, or null when it is missing or wrong. */
  async authenticate(header: string | undefined): Promise<AuthenticatedMerchant | null> {
    const known = this.cached(header);
    if (known !== undefined || header === undefined) return known ?? null;
    const digest = digestOf(header);
    const wallNow = Date.now();
    const merchant = await this.verify(header);
    if (this.cache.size >= AUTH_CACHE_MAX_ENTRIES) this.cache.clear();
    // Failures are cached too, so a client hammering wrong credentials costs one scrypt per TTL.
    this.cache.set(digest, { merchant, expiresAt: wallNow + AUTH_CACHE_TTL_MS });
    return merchant;
  }

  /** Drops every remembered verification, e.g. after credentials or settings change. */
  invalidate(): void {
    this.cache.clear();
  }

  private async verify(header: string): Promise<AuthenticatedMerchant | null> {
    // Klarna's clients send `Basic <base64>`; tolerate any case and extra spaces.
    const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
    if (!match?.[1]) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // No username holds NUL (PostgreSQL text cannot), and PostgreSQL refuses it as a query parameter.
    if (colon <= 0 || decoded.slice(0, colon).includes('\u0000')) return null;
    // Merchant accounts are the platform's (the `merchants` table); their settings are the modules'.
    const merchant = await this.db.read.get<{ merchant_id: string; username: string; password_hash: string }>(
      'select merchant_id, username, password_hash from merchants where username = ?',
      [decoded.slice(0, colon)],
    );
    if (!merchant) return null;
    const ok = await verifyPassword(decoded.slice(colon + 1), merchant.password_hash);
    return ok ? { merchant_id: merchant.merchant_id, username: merchant.username } : null;
  }
}
