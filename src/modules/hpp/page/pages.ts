/**
 * The hosted page, rendered on the server: the open page (cart, payment methods, the consumer's
 * details, Approve, Decline, Go back, Cancel), the final pages, the in-store distribution page and
 * the problem pages. Every value from data goes through escapeHtml. The pages carry no script and
 * no inline style: their one stylesheet is web/hpp/hpp.css, and their CSP allows nothing else
 * (hppPageCsp). The buttons are plain forms, so the page works without JavaScript. Every URL in a
 * page is relative (`base` leads from the page's own path back to `/hpp/`), so the pages work under
 * whatever host or path prefix klarna-local is reached by.
 */
import { TEST_EMAIL_PATTERNS } from '../../../kernel/test-data.js';
import { escapeHtml as e, parseOrigin } from '../../shopper/html.js';
import type { HppSessionRecord, HppStatus } from '../hpp-session.js';
import type { EnteredValues } from './form.js';
import { BILLING_INPUTS, EMAIL_LIMIT, FORM_MARKER } from './form.js';
import type { HppPageView } from './view.js';

/** Where the consumer's buttons go; what each is called. */
export const PAGE_ACTIONS = ['approve', 'decline', 'back', 'cancel'] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number];

const MERCHANT_URL_NAMES = ['success', 'cancel', 'back', 'failure', 'error'] as const;

/** The origins of the session's landing URLs (where a button's redirect may lead), each once. */
export function landingOrigins(session: Pick<HppSessionRecord, 'merchant_urls'>): string[] {
  const origins = MERCHANT_URL_NAMES.flatMap((name) => {
    const raw = session.merchant_urls[name];
    if (!raw) return [];
    try {
      // Placeholders sit in the path or the query; the origin is the URL's own.
      const origin = parseOrigin(new URL(raw.replace(/\{\{[a-z_]+\}\}/g, 'x')).origin);
      return origin ? [origin] : [];
    } catch {
      return [];
    }
  });
  return [...new Set(origins)];
}

/**
 * The hosted page's Content-Security-Policy: its own stylesheet, images from itself (data: too)
 * and exactly the origins of the merchant's logo and backgrounds, no script at all, forms only to
 * itself and to where the redirect after a button may lead (Chromium enforces form-action on the
 * redirect too: the origins of the session's merchant URLs), and no framing.
 */
export function hppPageCsp(landing: readonly string[], images: readonly string[]): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    ['img-src', "'self'", 'data:', ...images].join(' '),
    ['form-action', "'self'", ...landing].join(' '),
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP of a page that shows no session (not found, a refused post). */
export const problemPageCsp = (): string => hppPageCsp([], []);

function document(base: string, title: string, body: string, backdrop = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${e(title)}</title>
<link rel="stylesheet" href="${e(base)}pay/assets/hpp.css">
</head>
<body>
${backdrop}${body}
</body>
</html>
`;
}

function backdropImage(view: HppPageView): string {
  const image = view.background;
  if (!image) return '';
  const srcset = image.srcset ? ` srcset="${e(image.srcset)}" sizes="100vw"` : '';
  return `<img class="hpp-backdrop" id="hpp-backdrop" src="${e(image.src)}"${srcset} alt="" decoding="async">\n`;
}

function header(view: Pick<HppPageView, 'logo_url'>, heading: string): string {
  const logo = view.logo_url ? `<img class="hpp-logo" id="hpp-logo" src="${e(view.logo_url)}" alt="Store logo">` : '';
  return `<header class="hpp-header">${logo}<h1 id="hpp-title">${e(heading)}</h1></header>`;
}

function cart(view: HppPageView): string {
  const rows = view.lines.map((line) => {
    const unit = line.quantity_unit ? ` ${e(line.quantity_unit)}` : '';
    return `<tr><th scope="row">${e(line.name)} <span class="hpp-quantity">× ${e(line.quantity)}${unit}</span></th><td class="hpp-amount">${e(line.total_formatted)}</td></tr>`;
  });
  const totals = view.totals.map(
    (total) => `<tr class="${total.grand ? 'hpp-total' : 'hpp-subtotal'}"><th scope="row">${e(total.label)}</th><td class="hpp-amount"${total.grand ? ' id="hpp-total"' : ''}>${e(total.formatted)}</td></tr>`,
  );
  return [
    '<section class="hpp-cart" aria-labelledby="hpp-cart-title">',
    '<h2 id="hpp-cart-title">Your order</h2>',
    '<table>',
    '<thead class="hpp-hidden"><tr><th scope="col">Item</th><th scope="col">Amount</th></tr></thead>',
    // The line names are the merchant's, in the order's language.
    `<tbody id="hpp-lines" lang="${e(htmlLang(view.locale))}">${rows.join('')}</tbody>`,
    `<tfoot id="hpp-totals">${totals.join('')}</tfoot>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function htmlLang(locale: string): string {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) ? locale : 'en';
}

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    return code;
  }
}

const marker = `<input type="hidden" name="${FORM_MARKER.name}" value="${FORM_MARKER.value}">`;

const actionUrl = (base: string, code: string, action: PageAction) => `${base}pay/${encodeURIComponent(code)}/${action}`;

/** A refusal of the consumer's approval: what to say and which fields to mark. */
export interface PageError {
  message: string;
  fields: string[];
}

export interface OpenPageState {
  code: string;
  base: string;
  /** What the last attempt ended in (the status before this opening), said at the top. */
  previous: HppStatus | null;
  error: PageError | null;
  /** What the consumer typed (after a refusal); else the view's prefill. */
  values: EnteredValues | null;
}

/** Said on the open page after an attempt that did not end the session (§5.4: FAILED, BACK and ERROR can be retried). */
const RETRY_NOTICES: Partial<Record<HppStatus, [string, string]>> = {
  FAILED: ['hpp-notice--bad', 'The payment was declined. You can try again, with another e-mail or payment method.'],
  ERROR: ['hpp-notice--bad', 'Something went wrong with the payment. You can try again.'],
  BACK: ['', 'You went back. Your purchase is still open: continue when you are ready.'],
};

/** One input with its label; marked when a refusal names it. */
function field(options: { id: string; name: string; label: string; control: string; invalid: boolean; wide?: boolean }): string {
  const classes = ['hpp-field', ...(options.wide ? ['hpp-field--wide'] : []), ...(options.invalid ? ['hpp-field--invalid'] : [])];
  return `<div class="${classes.join(' ')}"><label for="${e(options.id)}">${e(options.label)}</label>${options.control}</div>`;
}

function invalidAttributes(invalid: boolean, autofocus: boolean): string {
  return (invalid ? ' aria-invalid="true" aria-describedby="hpp-error"' : '') + (autofocus ? ' autofocus' : '');
}

function approveForm(view: HppPageView, state: OpenPageState): string {
  const marked = new Set(state.error?.fields ?? []);
  const order = ['payment_method_category', 'email', ...BILLING_INPUTS.map(([name]) => `billing_address.${name}`), 'billing_address.country'];
  const first = order.find((name) => marked.has(name));
  const attrs = (name: string) => invalidAttributes(marked.has(name), name === first);
  const parts: string[] = [`<form class="hpp-approve" id="hpp-approve" method="post" action="${e(actionUrl(state.base, state.code, 'approve'))}" novalidate>`, marker];

  if (view.kind === 'payments') {
    const chosen = state.values?.payment_method_category || view.categories[0]?.identifier;
    const invalid = marked.has('payment_method_category');
    const options = view.categories.map((category, i) => {
      const id = `hpp-category-${i}`;
      const badge = `<img class="hpp-badge" src="${e(state.base)}../kp/assets/${e(encodeURIComponent(category.identifier))}/standard.svg" alt="" width="72" height="32">`;
      return (
        `<div class="hpp-option"><input type="radio" id="${id}" name="payment_method_category" value="${e(category.identifier)}"${category.identifier === chosen ? ' checked' : ''}${invalidAttributes(invalid, invalid && i === 0 && first === 'payment_method_category')}>` +
        `<label for="${id}">${badge}<span>${e(category.name)}</span></label></div>`
      );
    });
    const none = view.categories.length === 0 ? '<p class="hpp-note" id="hpp-no-category">No payment method can be offered for this purchase.</p>' : '';
    parts.push(
      `<fieldset class="hpp-block${invalid ? ' hpp-block--invalid' : ''}" id="hpp-categories">`,
      '<legend>Payment method</legend>',
      options.join('') + none,
      '</fieldset>',
    );
  }

  const email = state.values?.email ?? view.email;
  const example = `customer@email.${view.purchase_country.toLowerCase()}`;
  const detailFields = [
    field({
      id: 'hpp-email',
      name: 'email',
      label: 'E-mail',
      wide: true,
      invalid: marked.has('email'),
      control: `<input id="hpp-email" type="email" name="email" autocomplete="email" inputmode="email" maxlength="${EMAIL_LIMIT}" placeholder="${e(example)}" value="${e(email)}"${view.kind === 'checkout' ? ' required' : ''}${attrs('email')}>`,
    }),
  ];
  if (view.billing) {
    const entered = state.values?.billing;
    for (const [name, label, autocomplete, limit] of BILLING_INPUTS) {
      const full = `billing_address.${name}`;
      const value = entered ? (entered[name] ?? '') : view.billing[name];
      detailFields.push(
        field({
          id: `hpp-billing-${name}`,
          name: full,
          label,
          wide: name === 'street_address',
          invalid: marked.has(full),
          control: `<input id="hpp-billing-${name}" type="text" name="${e(full)}" autocomplete="billing ${autocomplete}" maxlength="${limit}" value="${e(value)}" required${attrs(full)}>`,
        }),
      );
    }
    const country = entered?.country || view.billing.country;
    const countries = view.countries.map((code) => `<option value="${e(code)}"${code === country ? ' selected' : ''}>${e(countryName(code))}</option>`);
    detailFields.push(
      field({
        id: 'hpp-billing-country',
        name: 'billing_address.country',
        label: 'Country',
        invalid: marked.has('billing_address.country'),
        control: `<select id="hpp-billing-country" name="billing_address.country" autocomplete="billing country" required${attrs('billing_address.country')}>${countries.join('')}</select>`,
      }),
    );
  }
  parts.push(
    '<fieldset class="hpp-block" id="hpp-details">',
    '<legend>Your details</legend>',
    `<div class="hpp-grid">${detailFields.join('')}</div>`,
    '</fieldset>',
    '<button type="submit" class="hpp-button hpp-button--primary" id="hpp-approve-button">Approve</button>',
    '</form>',
  );
  return parts.join('\n');
}

function otherActions(state: OpenPageState): string {
  const button = (action: PageAction, label: string) =>
    `<form method="post" action="${e(actionUrl(state.base, state.code, action))}">${marker}<button type="submit" class="hpp-button" id="hpp-${action}-button">${e(label)}</button></form>`;
  return ['<div class="hpp-actions" role="group" aria-label="Other choices">', button('decline', 'Decline'), button('back', 'Go back'), button('cancel', 'Cancel'), '</div>'].join('\n');
}

function testEmails(): string {
  const items = TEST_EMAIL_PATTERNS.map((p) => `<li><code>${e(p.example)}</code>: ${e(p.outcome)}</li>`).join('');
  return `<details class="hpp-help" id="hpp-test-emails"><summary>Test e-mails</summary><p>The e-mail decides the outcome, as in Klarna's playground:</p><ul>${items}</ul></details>`;
}

const footer = '<footer class="hpp-footer"><p>klarna-local: a stand-in for Klarna\'s Hosted Payment Page, for development and tests.</p></footer>';

/** The open page: the session is IN_PROGRESS (or WAITING for a HEAD request, which opens nothing). */
export function renderOpenPage(view: HppPageView, state: OpenPageState): string {
  const retry = state.previous ? RETRY_NOTICES[state.previous] : undefined;
  const notices: string[] = [];
  if (state.error) {
    notices.push(`<div class="hpp-notice hpp-notice--bad" id="hpp-error" role="alert"><p>${e(state.error.message)}</p></div>`);
  } else if (retry) {
    notices.push(`<div class="hpp-notice ${retry[0]}" id="hpp-notice" role="status"><p>${e(retry[1])}</p></div>`);
  }
  const body = [
    `<main class="hpp" id="hpp" data-status="open">`,
    header(view, view.title),
    ...notices,
    cart(view),
    approveForm(view, state),
    otherActions(state),
    testEmails(),
    footer,
    '</main>',
  ].join('\n');
  return document(state.base, view.title, body, backdropImage(view));
}

/** A session that is over for the consumer: COMPLETED (with its order or authorization) or CANCELLED. */
export function renderFinalPage(view: HppPageView, session: Pick<HppSessionRecord, 'status' | 'order_id' | 'authorization_token'>, base: string): string {
  let heading: string;
  let content: string;
  if (session.status === 'COMPLETED') {
    heading = 'Thank you!';
    const facts = session.order_id
      ? `<dl class="hpp-facts"><dt>Order number</dt><dd id="hpp-order-id">${e(session.order_id)}</dd></dl>`
      : session.authorization_token
        ? `<dl class="hpp-facts"><dt>Authorization token</dt><dd id="hpp-authorization-token"><code>${e(session.authorization_token)}</code></dd></dl>`
        : '';
    const what = session.order_id ? 'Your purchase is complete: the store has your order.' : 'Your payment is approved: the store will now confirm your order.';
    content = `<div class="hpp-notice hpp-notice--ok" id="hpp-outcome" role="status"><p>${e(what)}</p>${facts}</div>`;
  } else {
    heading = 'Payment cancelled';
    content = '<div class="hpp-notice" id="hpp-outcome" role="status"><p>You cancelled the payment. Nothing was bought.</p></div>';
  }
  const body = [
    `<main class="hpp" id="hpp" data-status="${e(session.status)}">`,
    header(view, heading),
    content,
    cart(view),
    '<p class="hpp-note">You can close this page.</p>',
    footer,
    '</main>',
  ].join('\n');
  return document(base, heading, body, backdropImage(view));
}

/** The page an in-store screen shows: the QR code of the payment link, the link, and the total. */
export function renderDistributionPage(view: HppPageView, session: Pick<HppSessionRecord, 'status'>, link: string, qrSvg: string, base: string): string {
  let content: string;
  if (session.status === 'COMPLETED') content = '<div class="hpp-notice hpp-notice--ok" id="hpp-outcome" role="status"><p>This purchase is paid.</p></div>';
  else if (session.status === 'CANCELLED') content = '<div class="hpp-notice" id="hpp-outcome" role="status"><p>This payment was cancelled.</p></div>';
  else {
    // The SVG is the qrcode package's own markup of the link (paths and colours only), labelled here.
    const labelled = qrSvg.replace(/^<svg /, '<svg class="hpp-qr-code" id="hpp-qr-code" role="img" aria-labelledby="hpp-qr-caption" ');
    content = [
      '<figure class="hpp-qr">',
      labelled,
      `<figcaption id="hpp-qr-caption">Scan to pay <strong>${e(view.total_formatted)}</strong> on your phone, or open <a id="hpp-link" href="${e(link)}">${e(link)}</a></figcaption>`,
      '</figure>',
    ].join('\n');
  }
  const body = [`<main class="hpp hpp--distribution" id="hpp" data-status="${e(session.status)}">`, header(view, view.title), content, footer, '</main>'].join('\n');
  return document(base, view.title, body, backdropImage(view));
}

/** A page instead of an error: a link that leads nowhere (404), or a post the page cannot take. */
export function renderProblemPage(base: string, heading: string, message: string): string {
  const body = [
    '<main class="hpp" id="hpp" data-status="problem">',
    header({ logo_url: null }, heading),
    `<div class="hpp-notice hpp-notice--bad" id="hpp-problem" role="alert"><p>${e(message)}</p></div>`,
    footer,
    '</main>',
  ].join('\n');
  return document(base, heading, body);
}
