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
