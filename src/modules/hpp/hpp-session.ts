/**
 * The Hosted Payment Page session (behaviour reference §5): a page Klarna hosts for one Payments
 * session or Checkout order. WAITING until the consumer opens it (IN_PROGRESS), then COMPLETED,
 * FAILED, BACK, ERROR (the last three can be retried) or CANCELLED; the merchant can DISABLE it. It
 * lives until one hour before its payment session would expire, and ends with that payment session
 * (completed elsewhere, cancelled, expired). Pure rules and the read shape live here.
 */
import { MS_PER_HOUR, toIso } from '../../platform/clock.js';
import { Transitions } from '../../kernel/transitions.js';
import type { HppCategory, HppMerchantUrls, HppOptions, PlaceOrderMode } from './schemas.js';

export const HPP_STATUSES = ['WAITING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'BACK', 'ERROR', 'CANCELLED', 'DISABLED'] as const;
export type HppStatus = (typeof HPP_STATUSES)[number];

/** §5.4: COMPLETED, CANCELLED and DISABLED are final; FAILED, BACK and ERROR can be retried (the page opened again). */
const RETRIABLE: readonly HppStatus[] = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'BACK', 'ERROR', 'CANCELLED', 'DISABLED'];
export const HPP_TRANSITIONS = new Transitions<HppStatus>('HPP session', {
  WAITING: ['WAITING', ...RETRIABLE],
  IN_PROGRESS: RETRIABLE,
  FAILED: RETRIABLE,
  BACK: RETRIABLE,
  ERROR: RETRIABLE,
  COMPLETED: ['COMPLETED'],
  CANCELLED: ['CANCELLED'],
  DISABLED: ['DISABLED'],
});

export const isFinal = (status: HppStatus): boolean => status === 'COMPLETED' || status === 'CANCELLED' || status === 'DISABLED';

/** The HPP session ends one hour before its payment session (§5.3). */
export const EXPIRY_MARGIN_MS = 1 * MS_PER_HOUR;

export type PaymentKind = 'payments' | 'checkout';

export interface HppSessionRecord {
  session_id: string;
  merchant_id: string;
  status: HppStatus;
  payment_kind: PaymentKind;
  payment_id: string;
  page_code: string;
  distribution_token: string;
  options: HppOptions;
  merchant_urls: HppMerchantUrls;
  authorization_token: string | null;
  order_id: string | null;
  klarna_reference: string | null;
  customer: Record<string, string> | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

/** Where the payment session stands, as far as its HPP session is concerned. */
export interface PaymentState {
  /** Gone: unknown, expired, cancelled, aborted. */
  ended: boolean;
  /** Its purchase is done (a Payments session completed, a Checkout order complete). */
  completed: boolean;
}

/**
 * Whether the HPP session is over for everyone (read 404): past its own expiry, or its payment
 * session ended, or completed by something other than this page.
 */
export function isEnded(session: Pick<HppSessionRecord, 'expires_at' | 'status'>, payment: PaymentState, now: number): boolean {
  if (now >= session.expires_at) return true;
  if (payment.ended) return session.status !== 'COMPLETED';
  return payment.completed && session.status !== 'COMPLETED';
}

/** The hosts a `payment_session_url` may name besides this server's own: Klarna's and Kustom's API hosts (§0.1). */
export const KLARNA_API_HOSTS: ReadonlySet<string> = new Set([
  'api.klarna.com',
  'api-na.klarna.com',
  'api-oc.klarna.com',
  'api.playground.klarna.com',
  'api-na.playground.klarna.com',
  'api-oc.playground.klarna.com',
  'api.kustom.co',
  'api.playground.kustom.co',
]);

/**
 * The payment session a `payment_session_url` names: an absolute http(s) URL on this server (its
 * public host, or the host the request came to) or on Klarna's API hosts, whose path is a Payments
 * session or a Checkout order. Anything else is null (400 BAD_VALUE).
 */
export function parsePaymentSessionUrl(raw: string, localHosts: readonly string[]): { kind: PaymentKind; id: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = url.host.toLowerCase();
  if (!KLARNA_API_HOSTS.has(url.hostname.toLowerCase()) && !localHosts.some((h) => h.toLowerCase() === host)) return null;
  // A path prefix (a proxy in front of klarna-local) is allowed before the API's own path.
  const match = /\/(payments\/v1\/sessions|checkout\/v3\/orders)\/([^/?#]+)\/?$/.exec(url.pathname);
  if (!match?.[2]) return null;
  let id: string;
  try {
    id = decodeURIComponent(match[2]);
  } catch {
    return null;
  }
  return { kind: match[1] === 'payments/v1/sessions' ? 'payments' : 'checkout', id };
}

/** HPP's merchant-URL placeholders (`{{session_id}}`, `{{authorization_token}}`, `{{order_id}}`), URL-encoded. */
export function fillPlaceholders(url: string, values: { session_id: string; authorization_token?: string | null; order_id?: string | null }): string {
  return url.replace(/\{\{(session_id|authorization_token|order_id)\}\}/g, (match, name: 'session_id' | 'authorization_token' | 'order_id') => {
    const value = values[name];
    return value === undefined || value === null ? match : encodeURIComponent(value);
  });
}

/** Where the consumer lands after an outcome (§5.2): no error URL means the failure URL; none at all, klarna-local's own page. */
export function landingUrl(session: Pick<HppSessionRecord, 'session_id' | 'merchant_urls' | 'authorization_token' | 'order_id'>, status: HppStatus): string | null {
  const urls = session.merchant_urls;
  const target =
    status === 'COMPLETED'
      ? urls.success
      : status === 'FAILED'
        ? urls.failure
        : status === 'ERROR'
          ? (urls.error ?? urls.failure)
          : status === 'BACK'
            ? urls.back
            : status === 'CANCELLED'
              ? urls.cancel
              : undefined;
  if (!target) return null;
  // `{{authorization_token}}` belongs to the success URL only.
  return fillPlaceholders(target, {
    session_id: session.session_id,
    order_id: session.order_id,
    authorization_token: status === 'COMPLETED' ? session.authorization_token : null,
  });
}

/** HPP's category names ↔ Payments' identifiers. */
export const toPaymentsCategory = (category: HppCategory): string => category.toLowerCase();
export const toHppCategory = (identifier: string): string => identifier.toUpperCase();

/** The categories the page offers: the merchant's restriction (if any) within what the Payments session offers. */
export function offeredCategories(options: HppOptions, sessionCategories: readonly string[]): string[] {
  const wanted = options.payment_method_category ? [options.payment_method_category] : (options.payment_method_categories ?? []);
  if (wanted.length === 0) return [...sessionCategories];
  const allowed = new Set(wanted.map(toPaymentsCategory));
  return sessionCategories.filter((c) => allowed.has(c));
}

export const placeOrderMode = (session: Pick<HppSessionRecord, 'options'>): PlaceOrderMode => session.options.place_order_mode ?? 'NONE';

/** The session as the read answers it (and as the status callback carries it, §5.4). */
export function presentHppSession(session: HppSessionRecord): Record<string, unknown> {
  return {
    session_id: session.session_id,
    status: session.status,
    updated_at: toIso(session.updated_at),
    expires_at: toIso(session.expires_at),
    ...(session.authorization_token !== null && { authorization_token: session.authorization_token }),
    ...(session.order_id !== null && { order_id: session.order_id }),
    ...(session.klarna_reference !== null && { klarna_reference: session.klarna_reference }),
    ...(session.customer !== null && { customer: session.customer }),
  };
}

/** The absolute URLs of a session, under the public URL. */
export function sessionUrls(publicUrl: string, session: Pick<HppSessionRecord, 'session_id' | 'page_code' | 'distribution_token'>) {
  const id = encodeURIComponent(session.session_id);
  const page = `${publicUrl}/hpp/pay/${encodeURIComponent(session.page_code)}`;
  return {
    session_url: `${publicUrl}/hpp/v1/sessions/${id}`,
    redirect_url: page,
    qr_code_url: `${page}/qr`,
    distribution_url: `${publicUrl}/hpp/v1/sessions/${id}/distribution`,
    distribution_module: {
      token: session.distribution_token,
      standalone_url: `${publicUrl}/hpp/distribution/${encodeURIComponent(session.distribution_token)}`,
      generation_url: `${page}/qr`,
    },
    manual_identification_check_url: `${publicUrl}/hpp/v1/sessions/${id}/manual-id-check`,
  };
}
