/**
 * Findings read from what the server stores: orders, Checkout orders, Payments sessions, and the
 * callbacks sent to the merchant with each attempt. Each query is bounded (MAX_ROWS) and reads only
 * the merchant's rows made since the report's start.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { SHIPPING_CALLBACK_TIMEOUTS, VALIDATION_TIMEOUTS } from '../checkout/callbacks.js';
import { isoMs } from '../sandbox/callbacks.js';
import type { FindingCode, Seen } from './findings.js';
import { MAX_EXAMPLES, Tally } from './findings.js';

/** Rows a query of the report reads at most. */
export const MAX_ROWS = 50_000;
/** A part-captured order whose last capture is older than this, still open, counts as left open. */
export const REMAINING_OPEN_AFTER_MS = 7 * MS_PER_DAY;
/** A Payments session untouched for this long after its creation counts as abandoned. */
export const SESSION_ABANDONED_AFTER_MS = MS_PER_HOUR;
/** A synchronous callback answering in this share of its timeout or later is slow. */
export const SLOW_SHARE = 0.8;

/** The calls Checkout makes while the shopper waits, with the time Klarna gives each. */
export const SYNCHRONOUS_CALLBACKS: Readonly<Record<string, number>> = {
  'checkout.validation': VALIDATION_TIMEOUTS.response_timeout_ms,
  'checkout.address_update': SHIPPING_CALLBACK_TIMEOUTS.response_timeout_ms,
  'checkout.country_change': SHIPPING_CALLBACK_TIMEOUTS.response_timeout_ms,
  'checkout.shipping_option_update': SHIPPING_CALLBACK_TIMEOUTS.response_timeout_ms,
};
/** What a synchronous callback may answer: 2xx, a redirect (deny and send the shopper there), 400 (an error shown to the shopper). */
const SYNCHRONOUS_ANSWERS = (status: number): boolean => (status >= 200 && status < 300) || [301, 302, 303, 307, 308].includes(status) || status === 400;

const num = (v: number | string | null): number => Number(v ?? 0);

interface AttemptRow {
  callback_id: number | string;
  kind: string;
  order_id: string | null;
  session_id: string | null;
  url: string;
  attempt: number | string;
  started_at: number | string;
  duration_ms: number | string;
  response_status: number | string | null;
  error: string | null;
}

const callbackExample = (row: AttemptRow, detail: string) => ({
  at: isoMs(row.started_at),
  method: 'POST',
  path: row.url,
  correlation_id: null,
  order_id: row.order_id,
  session_id: row.session_id,
  detail,
});

/** CALLBACK_FAILING and SLOW_CALLBACK, from every attempt made since `since`. */
export async function callbackFindings(db: Db, merchantId: string, since: number): Promise<Record<'CALLBACK_FAILING' | 'SLOW_CALLBACK', Seen>> {
  const rows = await db.read.all<AttemptRow>(
    'select c.callback_id, c.kind, c.order_id, c.session_id, c.url, a.attempt, a.started_at, a.duration_ms, a.response_status, a.error ' +
      'from callback_attempts a join callbacks c on c.callback_id = a.callback_id where c.merchant_id = ? and a.started_at >= ? order by a.started_at, a.attempt_id limit ?',
    [merchantId, since, MAX_ROWS],
  );
  const failing = new Tally();
  const slow = new Tally();
  for (const row of rows) {
    const status = row.response_status === null ? null : num(row.response_status);
    const timeout = SYNCHRONOUS_CALLBACKS[row.kind];
    const answered = status !== null && (timeout !== undefined ? SYNCHRONOUS_ANSWERS(status) : status >= 200 && status < 300);
    const name = `${row.kind} attempt ${num(row.attempt)}`;
    if (!answered) failing.add(callbackExample(row, status === null ? `${name}: no answer (${row.error ?? 'error'})` : `${name}: answered ${status}`));
    if (timeout !== undefined) {
      const ms = Math.round(num(row.duration_ms));
      // The attempt keeps the client's error text (`23: The operation was aborted due to timeout`,
      // `UND_ERR_HEADERS_TIMEOUT: Headers Timeout Error`, …), never the bare word `timeout`.
      const timedOut = status === null && /timeout/i.test(row.error ?? '');
      if (timedOut || ms >= timeout * SLOW_SHARE) slow.add(callbackExample(row, `${name}: ${timedOut ? 'no answer within' : `answered in ${ms} ms of`} its ${timeout} ms`));
    }
  }
  return { CALLBACK_FAILING: failing.seen, SLOW_CALLBACK: slow.seen };
}

/** ORDER_NOT_ACKNOWLEDGED: completed Checkout orders pushed at least once, never acknowledged, captured or cancelled. */
export async function unacknowledgedOrders(db: Db, merchantId: string, since: number): Promise<Seen> {
  const rows = await db.read.all<{ order_id: string; completed_at: number | string; pushes: number | string; first_push: number | string }>(
    'select o.order_id, co.completed_at, count(*) as pushes, min(a.started_at) as first_push ' +
      'from checkout_orders co join orders o on o.merchant_id = co.merchant_id and o.order_id = co.order_id ' +
      "join callbacks c on c.merchant_id = co.merchant_id and c.order_id = co.order_id and c.kind = 'checkout.push' " +
      'join callback_attempts a on a.callback_id = c.callback_id ' +
      "where co.merchant_id = ? and co.status = 'checkout_complete' and co.completed_at >= ? and o.acknowledged_at is null and o.capture_count = 0 and o.status <> 'CANCELLED' " +
      'group by o.order_id, co.completed_at order by co.completed_at limit ?',
    [merchantId, since, MAX_ROWS],
  );
  const tally = new Tally();
  for (const row of rows) {
    tally.add({
      at: isoMs(row.completed_at),
      method: null,
      path: null,
      correlation_id: null,
      order_id: row.order_id,
      session_id: null,
      detail: `completed ${isoMs(row.completed_at)}; ${num(row.pushes)} push attempt(s) since ${isoMs(row.first_push)}, never acknowledged or captured`,
    });
  }
  return tally.seen;
}

interface OrderRow {
  order_id: string;
  status: string;
  order_amount: number | string;
  captured_amount: number | string;
  expires_at: number | string;
  last_capture: number | string | null;
  purchase_currency: string;
}

/** AUTHORIZATION_EXPIRED_UNCAPTURED and REMAINING_NOT_RELEASED: open authorizations with money left, by how they stand at `now`. */
export async function openAuthorizations(db: Db, merchantId: string, since: number, now: number): Promise<Record<'AUTHORIZATION_EXPIRED_UNCAPTURED' | 'REMAINING_NOT_RELEASED', Seen>> {
  const rows = await db.read.all<OrderRow>(
    'select o.order_id, o.status, o.order_amount, o.captured_amount, o.expires_at, o.purchase_currency, ' +
      '(select max(c.captured_at) from captures c where c.merchant_id = o.merchant_id and c.order_id = o.order_id) as last_capture ' +
      "from orders o where o.merchant_id = ? and o.created_at >= ? and o.status in ('AUTHORIZED', 'PART_CAPTURED', 'EXPIRED') and o.order_amount > o.captured_amount " +
      'order by o.created_at limit ?',
    [merchantId, since, MAX_ROWS],
  );
  const expired = new Tally();
  const open = new Tally();
  for (const row of rows) {
    const left = num(row.order_amount) - num(row.captured_amount);
    const example = (at: number, detail: string) => ({ at: isoMs(at), method: null, path: null, correlation_id: null, order_id: row.order_id, session_id: null, detail });
    const expiresAt = num(row.expires_at);
    if (row.status === 'EXPIRED' || expiresAt <= now) {
      expired.add(example(expiresAt, `expired ${isoMs(expiresAt)} with ${left} (minor units of ${row.purchase_currency}) of ${num(row.order_amount)} uncaptured`));
    } else if (row.last_capture !== null && num(row.captured_amount) > 0 && now - num(row.last_capture) >= REMAINING_OPEN_AFTER_MS) {
      const days = Math.floor((now - num(row.last_capture)) / MS_PER_DAY);
      open.add(example(num(row.last_capture), `last capture ${days} days ago; ${left} (minor units of ${row.purchase_currency}) still authorized`));
    }
  }
  return { AUTHORIZATION_EXPIRED_UNCAPTURED: expired.seen, REMAINING_NOT_RELEASED: open.seen };
}

/** SESSION_ABANDONED: Payments sessions never updated, authorized or used by a Hosted Payment Page, an hour after their creation. */
export async function abandonedSessions(db: Db, merchantId: string, since: number, now: number): Promise<Seen> {
  const rows = await db.read.all<{ session_id: string; created_at: number | string }>(
    "select s.session_id, s.created_at from payment_sessions s where s.merchant_id = ? and s.created_at >= ? and s.created_at <= ? and s.status = 'incomplete' " +
      'and s.updated_at = s.created_at and s.order_id is null ' +
      'and not exists (select 1 from payment_authorizations a where a.session_id = s.session_id) ' +
      'and not exists (select 1 from hpp_sessions h where h.merchant_id = s.merchant_id and h.payment_id = s.session_id) ' +
      'order by s.created_at limit ?',
    [merchantId, since, now - SESSION_ABANDONED_AFTER_MS, MAX_ROWS],
  );
  const tally = new Tally();
  for (const row of rows) {
    tally.add({ at: isoMs(row.created_at), method: 'POST', path: '/payments/v1/sessions', correlation_id: null, order_id: null, session_id: row.session_id, detail: 'created, then never updated or authorized' });
  }
  return tally.seen;
}

const LOOPBACK = /^(?:localhost|[^.]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
/** A value that can be a secret: 16 or more URL-safe characters. */
const SECRET_LIKE = /^[A-Za-z0-9_\-.~]{16,}$/;

/** Why a URL the server called is weak, or null: plain HTTP outside loopback; for notifications, no per-order secret. */
export function urlWeakness(url: string, kind: string, ids: readonly (string | null)[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === 'http:' && !LOOPBACK.test(parsed.hostname)) return `plain http:// to ${parsed.host}`;
  if (SYNCHRONOUS_CALLBACKS[kind] !== undefined) return null;
  const known = new Set(ids.filter((id): id is string => id !== null));
  const candidates = [...parsed.searchParams.values(), ...parsed.pathname.split('/').map((s) => decodeURIComponent(s))];
  const secret = candidates.some((value) => SECRET_LIKE.test(value) && ![...known].some((id) => value.includes(id)));
  return secret ? null : 'no per-order secret in the URL (only the order or session id)';
}

/** INSECURE_CALLBACK_URL: each distinct weak URL the server called since `since` (ids replaced), counted once per callback. */
export async function insecureUrls(db: Db, merchantId: string, since: number): Promise<Seen> {
  const rows = await db.read.all<{ kind: string; url: string; order_id: string | null; session_id: string | null; created_at: number | string }>(
    'select kind, url, order_id, session_id, created_at from callbacks where merchant_id = ? and created_at >= ? order by callback_id limit ?',
    [merchantId, since, MAX_ROWS],
  );
  const tally = new Tally();
  const shown = new Set<string>();
  for (const row of rows) {
    const weakness = urlWeakness(row.url, row.kind, [row.order_id, row.session_id]);
    if (weakness === null) continue;
    let template = row.url;
    for (const id of [row.order_id, row.session_id]) if (id) template = template.split(encodeURIComponent(id)).join('{id}').split(id).join('{id}');
    const key = `${row.kind} ${template}`;
    if (shown.has(key) || shown.size >= MAX_EXAMPLES) {
      tally.count += 1;
      continue;
    }
    shown.add(key);
    tally.add({ at: isoMs(row.created_at), method: 'POST', path: row.url, correlation_id: null, order_id: row.order_id, session_id: row.session_id, detail: `${row.kind}: ${weakness}` });
  }
  return tally.seen;
}

export type StateFindingCode = Extract<
  FindingCode,
  'ORDER_NOT_ACKNOWLEDGED' | 'CALLBACK_FAILING' | 'SLOW_CALLBACK' | 'AUTHORIZATION_EXPIRED_UNCAPTURED' | 'REMAINING_NOT_RELEASED' | 'INSECURE_CALLBACK_URL' | 'SESSION_ABANDONED'
>;

export async function stateFindings(db: Db, merchantId: string, since: number, now: number): Promise<Record<StateFindingCode, Seen>> {
  return {
    ORDER_NOT_ACKNOWLEDGED: await unacknowledgedOrders(db, merchantId, since),
    ...(await callbackFindings(db, merchantId, since)),
    ...(await openAuthorizations(db, merchantId, since, now)),
    INSECURE_CALLBACK_URL: await insecureUrls(db, merchantId, since),
    SESSION_ABANDONED: await abandonedSessions(db, merchantId, since, now),
  };
}
