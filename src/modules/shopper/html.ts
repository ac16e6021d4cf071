/** Escaping for everything the shopper pages render from data (line names, addresses, tokens). */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Safe in element content and in quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** SVG is XML: the same five characters matter. */
export const escapeXml = escapeHtml;

/**
 * An amount in minor units as the shopper reads it in the session's locale ("125,00 kr" for sv-SE).
 * Klarna's amounts carry the currency's minor unit (two decimals in every Klarna market).
 */
/**
 * Number formats by locale and currency, made once: making one costs tens of microseconds, which a
 * page listing fifty amounts would pay a hundred times. Few pairs exist; the cache is bounded anyway.
 */
const MONEY_FORMATS = new Map<string, { format: Intl.NumberFormat; digits: number }>();
function moneyFormat(locale: string, currency: string): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale} ${currency}`;
  let entry = MONEY_FORMATS.get(key);
  if (!entry) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    if (MONEY_FORMATS.size >= 512) MONEY_FORMATS.clear();
    MONEY_FORMATS.set(key, entry);
  }
  return entry;
}

export function formatMoney(minorUnits: number, currency: string, locale: string): string {
  try {
    const { format, digits } = moneyFormat(locale, currency.toUpperCase());
    return format.format(minorUnits / 10 ** digits);
  } catch {
    // A locale or currency Intl does not know: still readable.
    return `${(minorUnits / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/**
 * The page origin the widget may talk to, from the library's `origin` query parameter: exactly an
 * http(s) origin (scheme, host, optional port), or null. It also ends up in a CSP header, so nothing
 * else may pass.
 */
export function parseOrigin(value: string | undefined): string | null {
  if (!value || !/^https?:\/\/[A-Za-z0-9.[\]:-]+$/.test(value)) return null;
  try {
    const url = new URL(value);
    return url.origin === value ? value : null;
  } catch {
    return null;
  }
}

/**
 * The Content-Security-Policy of klarna-local's shopper pages: only their own scripts, styles, images
 * and API, nothing inline, no form posts; who may frame them is the caller's choice.
 */
export function shopperPageCsp(frameAncestors: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}
