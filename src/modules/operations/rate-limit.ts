/**
 * Klarna's rate limits, optionally (`--rate-limit playground|live`). Klarna counts requests per
 * merchant_id (not per credential) and per operation category, answers 429 TOO_MANY_REQUESTS once a
 * quota is used up, and tells the quota on every response in `X-Ratelimit-Limit`,
 * `X-Ratelimit-Remaining` and `X-Ratelimit-Reset` (behaviour reference §0.3, docs/fidelity.md
 * "Rate limits").
 *
 * One fixed one-second window per merchant and category, started by the first request after the
 * previous window ended. Once a category's quota is used up, Klarna refuses **all** the merchant's
 * requests until that window resets (lockout `merchant`, the default); lockout `category` refuses
 * only that category's requests (`--rate-limit-lockout`). Counts live in the process; under
 * `serve --processes N` the workers ask their primary, which counts for all of them. Separate `serve`
 * processes on their own ports count each for itself (sharing counts through the database would
 * cost a write per request).
 */
import type { RateLimitLockout, RateLimitMode } from '../../config.js';
import { answerWorkers } from '../../platform/cluster-ipc.js';
import { ApiError } from '../../platform/http/errors.js';

export const RATE_LIMIT_CATEGORIES = ['create-session', 'create-customer-token', 'other'] as const;
export type RateLimitCategory = (typeof RATE_LIMIT_CATEGORIES)[number];

/** Requests per second per merchant, by environment and category (docs/fidelity.md "Rate limits"). */
export const RATE_LIMITS: Readonly<Record<Exclude<RateLimitMode, 'off'>, Readonly<Record<RateLimitCategory, number>>>> = {
  live: { 'create-session': 40, 'create-customer-token': 40, other: 200 },
  playground: { 'create-session': 5, 'create-customer-token': 5, other: 50 },
};

const WINDOW_MS = 1000;

/**
 * The category of a route, or null when it is not limited: routes without merchant credentials
 * (shopper pages and their API, /healthz, /readyz, /metrics) and klarna-local's own /sandbox
 * controls, which have no counterpart at Klarna.
 */
export function rateLimitCategory(method: string, url: string, authenticated: boolean): RateLimitCategory | null {
  if (!authenticated || url.startsWith('/sandbox/')) return null;
  // Klarna's create-session category: Payments sessions and Hosted Payment Page sessions (§0.3).
  if (method === 'POST' && (url === '/payments/v1/sessions' || url === '/hpp/v1/sessions')) return 'create-session';
  if (method === 'POST' && url === '/payments/v1/authorizations/:authorization_token/customer-token') return 'create-customer-token';
  return 'other';
}

interface Window {
  endsAt: number;
  used: number;
}

interface MerchantWindows {
  /** One per category, indexed like RATE_LIMIT_CATEGORIES. */
  windows: Window[];
  /** Lockout `merchant`: until when every request is refused, and which category's quota ran out. */
  lockedUntil: number;
  lockedBy: RateLimitCategory;
}

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
  /** The category whose quota is used up (a refused request's own, or under lockout `merchant` another). */
  exhausted?: RateLimitCategory;
}

export class RateLimiter {
  private readonly merchants = new Map<string, MerchantWindows>();
  private readonly limitHeaders: Record<RateLimitCategory, string>;

  constructor(
    private readonly limits: Readonly<Record<RateLimitCategory, number>>,
    private readonly lockout: RateLimitLockout = 'merchant',
    private readonly now: () => number = Date.now,
  ) {
    this.limitHeaders = Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, quotaHeader(limits[c])])) as Record<RateLimitCategory, string>;
  }

  /** Counts one request; says whether it may proceed and which headers it gets. */
  take(merchantId: string, category: RateLimitCategory): RateLimitVerdict {
    let merchant = this.merchants.get(merchantId);
    if (!merchant) {
      merchant = { windows: RATE_LIMIT_CATEGORIES.map(() => ({ endsAt: 0, used: 0 })), lockedUntil: 0, lockedBy: category };
      this.merchants.set(merchantId, merchant);
    }
    const now = this.now();
    const seconds = (until: number) => Math.max(1, Math.ceil((until - now) / 1000));
    // Locked out by another category's quota: refused without being counted, until that window ends.
    if (now < merchant.lockedUntil) {
      return { allowed: false, exhausted: merchant.lockedBy, headers: rateLimitHeaders(this.limitHeaders[category], 0, seconds(merchant.lockedUntil), true) };
    }
    const window = merchant.windows[RATE_LIMIT_CATEGORIES.indexOf(category)] as Window;
    if (now >= window.endsAt) {
      window.endsAt = now + WINDOW_MS;
      window.used = 0;
    }
    const limit = this.limits[category];
    const allowed = window.used < limit;
    if (allowed) window.used += 1;
    else if (this.lockout === 'merchant') {
      merchant.lockedUntil = window.endsAt;
      merchant.lockedBy = category;
    }
    const headers = rateLimitHeaders(this.limitHeaders[category], limit - window.used, seconds(window.endsAt), !allowed);
    return allowed ? { allowed, headers } : { allowed, headers, exhausted: category };
  }
}

/** `X-Ratelimit-Limit`'s value: "<quota>, <quota>;w=<window seconds>", the form of Klarna's example. */
export const quotaHeader = (quota: number): string => `${quota}, ${quota};w=${WINDOW_MS / 1000}`;

/**
 * The headers of a limited response: the quota, what is left of it and when the window ends (whole
 * seconds, as Klarna's example); a refusal adds `Retry-After` with the same seconds.
 */
export function rateLimitHeaders(limit: string, remaining: number, resetSeconds: number, refused: boolean): Record<string, string> {
  const reset = String(resetSeconds);
  const headers: Record<string, string> = { 'x-ratelimit-limit': limit, 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': reset };
  if (refused) headers['retry-after'] = reset;
  return headers;
}

/** The primary's counts for all workers of `serve --processes N` (cluster-ipc topic). */
export const RATE_LIMIT_TOPIC = 'rate-limit';

export function serveClusterRateLimits(limits: Readonly<Record<RateLimitCategory, number>>, lockout: RateLimitLockout): void {
  const limiter = new RateLimiter(limits, lockout);
  answerWorkers(RATE_LIMIT_TOPIC, (payload) => {
    const { merchantId, category } = payload as { merchantId: string; category: RateLimitCategory };
    if (typeof merchantId !== 'string' || !RATE_LIMIT_CATEGORIES.includes(category)) throw new Error('malformed rate-limit question');
    return limiter.take(merchantId, category);
  });
}

export const tooManyRequests = (category: RateLimitCategory, exhausted: RateLimitCategory, headers: Record<string, string>) =>
  new ApiError(
    429,
    'TOO_MANY_REQUESTS',
    [
      exhausted === category
        ? `Rate limit exceeded for ${category} operations; retry after the number of seconds in Retry-After`
        : `Rate limit exceeded for ${exhausted} operations: every request is refused until its window resets; retry after the number of seconds in Retry-After`,
    ],
    headers,
  );
