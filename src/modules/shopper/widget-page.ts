/**
 * The widget page (`/kp/widget`), rendered on the server from the shopper's view of the session:
 * the cart, the payment categories and the approval form, hidden until the merchant page calls
 * `authorize`. Every value from data goes through escapeHtml; the page carries no inline script or
 * style (its CSP forbids them) and reaches its script, styles, icons and API by relative URLs, so it
 * works under whatever host or path prefix klarna-local is reached by.
 */
import { TEST_EMAIL_PATTERNS } from '../../kernel/test-data.js';
import type { ShopperSessionView } from '../payments/shopper-api.js';
import { escapeHtml as e, shopperPageCsp } from './html.js';
import { formatMoney } from '../../kernel/money.js';

export interface WidgetPageInput {
  /** The session, when the client token and session are good. */
  session: ShopperSessionView | null;
  /** Categories to show (the ones the merchant loaded, or all the session offers). */
  categories: ShopperSessionView['payment_method_categories'];
  /** Why loading failed; the library reports these fields in load's callback. */
  invalidFields: string[];
  /** A sentence for the shopper when loading failed. */
  problem: string | null;
  clientToken: string;
  parentOrigin: string | null;
  instance: string;
}

/** The Content-Security-Policy of the widget page: only its own resources, framed only by the page that loaded it. */
export function widgetCsp(parentOrigin: string | null): string {
  return shopperPageCsp(parentOrigin ?? "'none'");
}

/** The form's address inputs: name, label, autocomplete token, size limit (PaymentsAddress). */
const ADDRESS_INPUTS: readonly (readonly [string, string, string, number])[] = [
  ['given_name', 'First name', 'given-name', 99],
  ['family_name', 'Last name', 'family-name', 99],
  ['street_address', 'Street address', 'address-line1', 99],
  ['street_address2', 'Address line 2', 'address-line2', 99],
  ['postal_code', 'Postal code', 'postal-code', 10],
  ['city', 'City', 'address-level2', 99],
  ['region', 'Region', 'address-level1', 99],
  ['country', 'Country (2 letters)', 'country', 2],
  ['phone', 'Phone', 'tel', 99],
];

function input(name: string, label: string, autocomplete: string, maxLength: number, value: string | undefined): string {
  return `<label>${e(label)}<input name="${e(name)}" autocomplete="${e(autocomplete)}" maxlength="${maxLength}" value="${e(value ?? '')}"></label>`;
}

function cart(session: ShopperSessionView): string {
  const money = (amount: number) => e(formatMoney(amount, session.purchase_currency, session.locale));
  const rows = session.order_lines.map(
    (line) =>
      `<tr><td>${e(line.name)} <span class="kl-quantity">× ${e(line.quantity)}</span></td><td class="kl-amount">${money(line.total_amount)}</td></tr>`,
  );
  return [
    '<section class="kl-cart" aria-label="Your order">',
    '<h1>Your order</h1>',
    '<table>',
    ...rows,
    `<tr class="kl-total"><td>Total</td><td class="kl-amount" id="kl-total">${money(session.order_amount)}</td></tr>`,
    '</table>',
    '</section>',
  ].join('\n');
}

function categoryList(categories: WidgetPageInput['categories']): string {
  const items = categories.map(
    (c, index) =>
      `<label class="kl-category"><input type="radio" name="payment_method_category" value="${e(c.identifier)}"${index === 0 ? ' checked' : ''}>` +
      `<img src="assets/${encodeURIComponent(c.identifier)}/standard.svg" alt="">` +
      `<span>${e(c.name)}<small>${e(c.description)}</small></span></label>`,
  );
  return ['<fieldset class="kl-categories">', '<legend>Payment method</legend>', ...items, '</fieldset>'].join('\n');
}

function approvalForm(session: ShopperSessionView): string {
  const billing = session.billing_address ?? {};
  // Without a prefill the market's approved test shopper is suggested, so one click approves.
  const email = billing.email ?? `customer@email.${session.purchase_country.toLowerCase()}`;
  const pairs = (a: number, b: number) =>
    `<div class="kl-row">${ADDRESS_INPUTS.slice(a, b)
      .map(([name, label, auto, max]) => input(name, label, auto, max, billing[name]))
      .join('')}</div>`;
  const patterns = TEST_EMAIL_PATTERNS.map((p) => `<li><code>${e(p.example)}</code>: ${e(p.outcome)}</li>`).join('');
  return [
    '<form id="kl-approve" class="kl-form" hidden novalidate>',
    '<h2>Confirm your purchase</h2>',
    `<label>E-mail<input type="email" name="email" autocomplete="email" maxlength="99" value="${e(email)}"></label>`,
    pairs(0, 2),
    pairs(2, 3),
    pairs(3, 4),
    pairs(4, 6),
    pairs(6, 8),
    pairs(8, 9),
    '<div class="kl-actions">',
    '<button type="submit" class="kl-approve" id="kl-approve-button">Approve purchase</button>',
    '<button type="button" class="kl-cancel" id="kl-cancel">Cancel</button>',
    '</div>',
    `<div class="kl-help">Test e-mails decide the outcome:<ul>${patterns}</ul></div>`,
    '</form>',
  ].join('\n');
}

export function renderWidgetPage(input: WidgetPageInput): string {
  const { session } = input;
  const ready = session !== null && input.problem === null;
  const body = ready
    ? [cart(session), categoryList(input.categories), approvalForm(session)].join('\n')
    : `<p class="kl-error">${e(input.problem ?? 'This payment cannot be loaded.')}</p>`;
  const attributes = [
    'id="kl-widget"',
    'class="kl"',
    `data-state="${ready ? 'ready' : 'failed'}"`,
    `data-invalid-fields="${e(input.invalidFields.join(','))}"`,
    `data-origin="${e(input.parentOrigin ?? '')}"`,
    `data-instance="${e(input.instance)}"`,
    `data-client-token="${ready ? e(input.clientToken) : ''}"`,
  ].join(' ');
  const lang = session && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(session.locale) ? session.locale : 'en';
  return `<!doctype html>
<html lang="${e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Klarna payment (klarna-local)</title>
<link rel="stylesheet" href="widget/widget.css">
<script src="widget/widget.js" defer></script>
</head>
<body>
<main ${attributes}>
${body}
<p id="kl-status" class="kl-status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;
}
