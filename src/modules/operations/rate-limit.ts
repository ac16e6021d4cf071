/**
 * Klarna's rate limits, optionally (`--rate-limit playground|live`). Klarna counts requests per
 * merchant_id (not per credential) and per operation category, answers 429 TOO_MANY_REQUESTS once a
 * category's quota is used up, and tells the quota on every response in `X-Ratelimit-Limit`,
 * `X-Ratelimit-Remaining` and `X-Ratelimit-Reset` (behaviour reference §0.3, docs/fidelity.md
 * "Rate limits").
 *
 * One fixed one-second window per merchant and category, started by the first request after the
 * previous window ended: once the quota is used, every request of that category is refused until the
 * window ends, as Klarna describes. Counts live in the process; under `serve --processes N` the
 * workers ask their primary, which counts for all of them. Separate `serve` processes on their own
 * ports count each for itself (sharing counts through the database would cost a write per request).
 */
import type { RateLimitMode } from '../../config.js';
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
  if (method === 'POST' && url === '/payments/v1/sessions') return 'create-session';
  if (method === 'POST' && url === '/payments/v1/authorizations/:authorization_token/customer-token') return 'create-customer-token';
  return 'other';
}

interface Window {
  endsAt: number;
  used: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  /** Per merchant, one window per category (indexed like RATE_LIMIT_CATEGORIES). */
  private readonly windows = new Map<string, Window[]>();
  private readonly limitHeaders: Record<RateLimitCategory, string>;

  constructor(
    private readonly limits: Readonly<Record<RateLimitCategory, number>>,
    private readonly now: () => number = Date.now,
  ) {
    // "<quota>, <quota>;w=<window seconds>", the form of Klarna's example.
    this.limitHeaders = Object.fromEntries(RATE_LIMIT_CATEGORIES.map((c) => [c, `${limits[c]}, ${limits[c]};w=${WINDOW_MS / 1000}`])) as Record<RateLimitCategory, string>;
  }

  /** Counts one request; says whether it may proceed and which headers it gets. */
  take(merchantId: string, category: RateLimitCategory): RateLimitVerdict {
    let windows = this.windows.get(merchantId);
    if (!windows) {
      windows = RATE_LIMIT_CATEGORIES.map(() => ({ endsAt: 0, used: 0 }));
      this.windows.set(merchantId, windows);
    }
    const window = windows[RATE_LIMIT_CATEGORIES.indexOf(category)] as Window;
    const now = this.now();
    if (now >= window.endsAt) {
      window.endsAt = now + WINDOW_MS;
      window.used = 0;
    }
    const limit = this.limits[category];
    const allowed = window.used < limit;
    if (allowed) window.used += 1;
    // Every response tells the quota left and when the window ends (whole seconds, as Klarna's example).
    const headers = {
      'x-ratelimit-limit': this.limitHeaders[category],
      'x-ratelimit-remaining': String(limit - window.used),
      'x-ratelimit-reset': String(Math.max(1, Math.ceil((window.endsAt - now) / 1000))),
    };
    return { allowed, headers };
  }
}

/** The primary's counts for all workers of `serve --processes N` (cluster-ipc topic). */
export const RATE_LIMIT_TOPIC = 'rate-limit';

export function serveClusterRateLimits(limits: Readonly<Record<RateLimitCategory, number>>): void {
  const limiter = new RateLimiter(limits);
  answerWorkers(RATE_LIMIT_TOPIC, (payload) => {
    const { merchantId, category } = payload as { merchantId: string; category: RateLimitCategory };
    if (typeof merchantId !== 'string' || !RATE_LIMIT_CATEGORIES.includes(category)) throw new Error('malformed rate-limit question');
    return limiter.take(merchantId, category);
  });
}

export const tooManyRequests = (category: RateLimitCategory, headers: Record<string, string>) =>
  new ApiError(429, 'TOO_MANY_REQUESTS', [`Rate limit exceeded for ${category} operations; retry after the number of seconds in X-Ratelimit-Reset`], headers);
