/**
 * The dashboard's pages are rendered on the server: every value from data goes through `e()`
 * (escapeHtml), the pages carry no inline script or style, and their one script and stylesheet come
 * from /dashboard/assets (built from web/dashboard/). Forms work without the script; it only adds
 * the live updates.
 */
import { escapeHtml as e } from '../shopper/html.js';
import { formatMoney } from '../../kernel/money.js';

export { e };

/** Only the dashboard's own assets, forms and event stream; no framing. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The dashboard's sections, in the navigation's order. */
export const NAV = [
  ['orders', 'Orders'],
  ['payments-sessions', 'Payments sessions'],
  ['checkout-orders', 'Checkout orders'],
  ['hpp-sessions', 'HPP sessions'],
  ['customer-tokens', 'Customer tokens'],
  ['payouts', 'Payouts'],
  ['faults', 'Faults'],
  ['report', 'Integration report'],
] as const;
export type Section = (typeof NAV)[number][0] | 'merchants';

export interface Viewer {
  username: string;
  csrf_token: string;
  /** Whether the dashboard's actions are on (the sandbox is). */
  actions: boolean;
  /** The administrator of the configuration, who chooses the merchant they see. */
  admin?: boolean;
  /** The username of the merchant whose data the pages show (null: an administrator who has not chosen). */
  merchant?: string | null;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

/** A whole page. `section` marks the navigation; `live` names what the page shows, for the live updates. */
export function page(options: { title: string; body: string; viewer?: Viewer | undefined; section?: Section | undefined; flash?: Flash | null | undefined; live?: string | undefined }): string {
  const { title, body, viewer, section, flash, live } = options;
  const acting = viewer?.admin
    ? ` <span class="acting">(administrator${viewer.merchant ? `, seeing <strong id="acting-merchant">${e(viewer.merchant)}</strong>` : ''}: <a href="/dashboard/merchants">${viewer.merchant ? 'change merchant' : 'choose a merchant'}</a>)</span>`
    : '';
  const links = viewer?.admin && !viewer.merchant ? [['merchants', 'Merchants'] as const] : [...NAV, ...(viewer?.admin ? [['merchants', 'Merchants'] as const] : [])];
  const nav = viewer
    ? `<nav aria-label="Dashboard"><ul>${links.map(([key, label]) => `<li><a href="/dashboard/${key}"${key === section ? ' aria-current="page"' : ''}>${e(label)}</a></li>`).join('')}</ul></nav>
<form class="signout" method="post" action="/dashboard/sign-out"><input type="hidden" name="csrf_token" value="${e(viewer.csrf_token)}"><span class="who">${e(viewer.username)}${acting}</span> <button type="submit">Sign out</button></form>`
    : '';
  const flashHtml = flash ? `<p class="flash flash-${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}" id="flash">${e(flash.text)}</p>` : '';
  const liveAttrs = live ? ` data-live="${e(live)}"` : '';
  const readOnly = viewer && !viewer.actions ? '<p class="note" id="read-only">The sandbox is off (--no-sandbox): this dashboard is read-only.</p>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${e(title)} · klarna-local dashboard</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><p class="brand"><a href="/dashboard">klarna-local</a></p>${nav}</header>
<main id="main" tabindex="-1"${liveAttrs}>
${flashHtml}${readOnly}
${body}
</main>
<div id="live-status" class="live-status" role="status" aria-live="polite"></div>
</body>
</html>
`;
}

/** An amount in minor units, as the merchant reads it (en-GB formatting, the currency's symbol or code). */
export const money = (minor: number, currency: string): string => formatMoney(minor, currency, 'en-GB');

/** Epoch milliseconds as an ISO time to the second, UTC. */
export const time = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ');

/** A hidden CSRF field for a form. */
export const csrfField = (viewer: Viewer): string => `<input type="hidden" name="csrf_token" value="${e(viewer.csrf_token)}">`;

/** A table with a caption and column headers (screen readers announce both). */
export function table(caption: string, headers: readonly string[], rows: readonly string[], options: { id?: string; empty?: string } = {}): string {
  if (rows.length === 0) return `<p class="empty"${options.id ? ` id="${e(options.id)}"` : ''}>${e(options.empty ?? `No ${caption.toLowerCase()}.`)}</p>`;
  return `<div class="table-wrap"><table${options.id ? ` id="${e(options.id)}"` : ''}><caption>${e(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** A definition list of label → already-escaped HTML. */
export const facts = (pairs: readonly (readonly [string, string])[]): string => `<dl class="facts">${pairs.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;

/** Pretty JSON, escaped, in a <pre>. */
export const json = (value: unknown): string => `<pre class="json">${e(JSON.stringify(value, null, 2))}</pre>`;
