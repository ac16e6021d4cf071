/**
 * Findings read from the request journal alone: how the merchant's code calls Klarna (keys,
 * retries, refused arithmetic, bursts). Pure functions of the calls, oldest first; the thresholds
 * are docs/fidelity.md's ("Integration report").
 */
import { RATE_LIMITS, rateLimitCategory } from '../operations/rate-limit.js';
import type { RateLimitCategory } from '../operations/rate-limit.js';
import { isoMs } from '../sandbox/callbacks.js';
import type { Example, FindingCode, Seen } from './findings.js';
import { Tally } from './findings.js';
import type { JournalCall } from './journal.js';

/** A write sent again within this long after an answer counts as a retry of it. */
export const RETRY_WINDOW_MS = 10 * 60_000;
/** The least a backoff waits before the first retry; each further retry at least twice as long, up to MAX_BACKOFF_MS. */
export const FIRST_RETRY_MIN_MS = 1000;
export const MAX_BACKOFF_MS = 60_000;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Klarna accepts `Klarna-Idempotency-Key` on every Order Management write and on Customer Token's create order. */
export function takesIdempotencyKey(method: string, route: string): boolean {
  if (method === 'POST' && route === '/customer-token/v1/tokens/:customerToken/order') return true;
  return (method === 'POST' || method === 'PATCH') && route.startsWith('/ordermanagement/v1/orders/:order_id');
}

/** Worth retrying: a dropped connection (status 0), 429 and 5xx. */
export const isRetryable = (status: number): boolean => status === 0 || status === 429 || status >= 500;
/** A refusal the same request will get again: 4xx but 401 (credentials), 408 (timeout), 409 (conflict, retryable) and 429. */
export const isClientError = (status: number): boolean => status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 409 && status !== 429;

export function callExample(call: JournalCall, detail: string): Example {
  return {
    at: isoMs(call.created_at),
    method: call.method,
    path: call.path,
    correlation_id: call.correlation_id,
    order_id: call.order_id,
    session_id: call.session_id,
    detail,
  };
}

const keyName = (key: string | null): string => (key === null ? 'no key' : `key "${key}"`);
const answerName = (status: number): string => (status === 0 ? 'a dropped connection' : String(status));

/** NO_IDEMPOTENCY_KEY: writes that take a key, sent without one. */
export function missingKeys(calls: readonly JournalCall[]): Seen {
  const tally = new Tally();
  for (const call of calls) {
    if (call.idempotency_key === null && takesIdempotencyKey(call.method, call.route)) tally.add(callExample(call, `${call.method} ${call.route} without Klarna-Idempotency-Key`));
  }
  return tally.seen;
}

/**
 * NEW_KEY_ON_RETRY, NO_BACKOFF and RETRIED_CLIENT_ERROR: the merchant's calls grouped by method and
 * path, each compared with the previous one of its group. A call is a retry of the previous when it
 * follows within RETRY_WINDOW_MS with the same body (a call refused before its body was read, as a
 * fault rule's, matches any body).
 */
export function retries(calls: readonly JournalCall[]): Record<'NEW_KEY_ON_RETRY' | 'NO_BACKOFF' | 'RETRIED_CLIENT_ERROR', Seen> {
  const newKey = new Tally();
  const noBackoff = new Tally();
  const clientError = new Tally();
  const last = new Map<string, { call: JournalCall; failures: number }>();
  for (const call of calls) {
    const group = `${call.method} ${call.path}`;
    const previous = last.get(group);
    let failures = isRetryable(call.status) ? 1 : 0;
    if (previous && call.created_at - previous.call.created_at <= RETRY_WINDOW_MS) {
      const before = previous.call;
      const gap = call.created_at - before.created_at;
      const write = WRITES.has(call.method);
      const sameBody = !write || before.body_hash === null || call.body_hash === null || before.body_hash === call.body_hash;
      if (isRetryable(before.status) && sameBody) {
        const attempt = previous.failures;
        failures = isRetryable(call.status) ? attempt + 1 : 0;
        if (write && takesIdempotencyKey(call.method, call.route) && call.idempotency_key !== before.idempotency_key) {
          newKey.add(callExample(call, `retried ${gap} ms after ${answerName(before.status)} with ${keyName(call.idempotency_key)}; the first attempt had ${keyName(before.idempotency_key)}`));
        }
        const least = Math.min(MAX_BACKOFF_MS, FIRST_RETRY_MIN_MS * 2 ** (attempt - 1));
        if (gap < least) noBackoff.add(callExample(call, `retry ${attempt} sent ${gap} ms after ${answerName(before.status)} (a backoff waits at least ${least} ms)`));
      } else if (write && isClientError(before.status) && before.body_hash !== null && before.body_hash === call.body_hash) {
        clientError.add(callExample(call, `the same request sent again ${gap} ms after ${before.status}${before.error_code ? ` ${before.error_code}` : ''}`));
      }
    }
    last.set(group, { call, failures });
  }
  return { NEW_KEY_ON_RETRY: newKey.seen, NO_BACKOFF: noBackoff.seen, RETRIED_CLIENT_ERROR: clientError.seen };
}

/** CAPTURE_WHILE_PENDING: captures refused because the order's fraud review was pending. */
export function capturesWhilePending(calls: readonly JournalCall[]): Seen {
  const tally = new Tally();
  for (const call of calls) {
    if (call.method === 'POST' && call.route === '/ordermanagement/v1/orders/:order_id/captures' && call.error_code === 'CAPTURE_NOT_ALLOWED' && /pending a fraud review/i.test(call.error_message ?? '')) {
      tally.add(callExample(call, call.error_message ?? 'capture refused: fraud review pending'));
    }
  }
  return tally.seen;
}

const ARITHMETIC = /\b(?:total_amount|total_tax_amount|total_discount_amount|order_amount|order_tax_amount|unit_price|tax_rate)\b/;

/** TAX_ROUNDING: BAD_VALUE refusals that name a line total, a tax amount or an order total. */
export function arithmeticRefusals(calls: readonly JournalCall[]): Seen {
  const tally = new Tally();
  for (const call of calls) {
    if (call.status === 400 && call.error_code === 'BAD_VALUE' && ARITHMETIC.test(call.error_message ?? '')) tally.add(callExample(call, call.error_message ?? 'BAD_VALUE'));
  }
  return tally.seen;
}

/** The completed Checkout orders' completion times, for the orders that were read through Checkout. */
export type CompletionTimes = ReadonlyMap<string, number>;

/** The Checkout reads the journal holds (200s of `GET /checkout/v3/orders/{id}`), by order. */
export function checkoutReads(calls: readonly JournalCall[]): JournalCall[] {
  return calls.filter((c) => c.method === 'GET' && c.route === '/checkout/v3/orders/:order_id' && c.status === 200 && c.order_id !== null);
}

/** CHECKOUT_READ_AFTER_COMPLETION: Checkout reads of an order after it was completed. */
export function readsAfterCompletion(reads: readonly JournalCall[], completedAt: CompletionTimes): Seen {
  const tally = new Tally();
  for (const call of reads) {
    const completed = completedAt.get(call.order_id ?? '');
    if (completed !== undefined && call.created_at > completed) {
      tally.add(callExample(call, `read ${Math.round((call.created_at - completed) / 1000)} s after the order was completed`));
    }
  }
  return tally.seen;
}

/**
 * RATE_ABOVE_LIVE_LIMIT: in each one-second window (Klarna's), the requests of a category beyond its
 * live limit. The count is of requests that would have got 429 in production; an example is the
 * first request over the limit in a window.
 */
export function ratesAboveLive(calls: readonly JournalCall[]): Seen {
  const tally = new Tally();
  const limits = RATE_LIMITS.live;
  let window = Number.NaN;
  const used = new Map<RateLimitCategory, number>();
  const reported = new Set<RateLimitCategory>();
  const windows: { category: RateLimitCategory; call: JournalCall; total: number }[] = [];
  const close = () => {
    for (const w of windows) w.total = used.get(w.category) ?? w.total;
    for (const w of windows) {
      const over = w.total - limits[w.category];
      tally.add(callExample(w.call, `${w.total} ${w.category} requests in one second (live limit ${limits[w.category]})`), over);
    }
    windows.length = 0;
    used.clear();
    reported.clear();
  };
  for (const call of calls) {
    if (call.status === 0) continue;
    const category = rateLimitCategory(call.method, call.route, true);
    if (category === null) continue;
    const second = Math.floor(call.created_at / 1000);
    if (second !== window) {
      close();
      window = second;
    }
    const n = (used.get(category) ?? 0) + 1;
    used.set(category, n);
    if (n > limits[category] && !reported.has(category)) {
      reported.add(category);
      windows.push({ category, call, total: n });
    }
  }
  close();
  return tally.seen;
}

export type CallFindingCode = Extract<FindingCode, 'NO_IDEMPOTENCY_KEY' | 'NEW_KEY_ON_RETRY' | 'RETRIED_CLIENT_ERROR' | 'NO_BACKOFF' | 'CAPTURE_WHILE_PENDING' | 'TAX_ROUNDING' | 'RATE_ABOVE_LIVE_LIMIT'>;

/** Every finding read from the calls alone. */
export function callFindings(calls: readonly JournalCall[]): Record<CallFindingCode, Seen> {
  return {
    NO_IDEMPOTENCY_KEY: missingKeys(calls),
    ...retries(calls),
    CAPTURE_WHILE_PENDING: capturesWhilePending(calls),
    TAX_ROUNDING: arithmeticRefusals(calls),
    RATE_ABOVE_LIVE_LIMIT: ratesAboveLive(calls),
  };
}
