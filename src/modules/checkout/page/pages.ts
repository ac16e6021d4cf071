/**
 * The checkout page and the confirmation page, rendered on the server from the shopper's view of
 * the order. Every value from data goes through escapeHtml; the pages carry no inline script or
 * style (their CSP forbids both) and reach their script, styles and API by relative URLs, so they
 * work under whatever host or path prefix klarna-local is reached by. Every page loads the script
 * (web/checkout/checkout.ts): it reports the page's height to the snippet's iframe, and it runs the
 * form only on the checkout page of an open order (a `data-token` on #kc-checkout). Form inputs are named after
 * the fields Checkout's errors name (`billing_address.given_name`, `shipping_option_id`), so the
 * script can mark exactly the fields a 400 BAD_VALUE lists.
 */
import { TEST_EMAIL_PATTERNS } from '../../../kernel/test-data.js';
import { escapeHtml as e, shopperPageCsp } from '../../shopper/html.js';
import type { CheckoutAddress } from '../schemas.js';
import type { CheckoutPageLine, CheckoutPageShippingOption, CheckoutPageView } from './view.js';

/**
 * The pages' Content-Security-Policy: only klarna-local's own resources. The checkout snippet is
 * embedded in merchants' pages on any origin, so any http(s) page may frame it.
 */
export function checkoutPageCsp(): string {
  return shopperPageCsp('*');
}

/** The address inputs: field, label, autocomplete token, input type, size limit (CheckoutAddress). */
const ADDRESS_INPUTS: readonly (readonly [keyof CheckoutAddress, string, string, string, number])[] = [
  ['given_name', 'First name', 'given-name', 'text', 100],
  ['family_name', 'Last name', 'family-name', 'text', 100],
  ['street_address', 'Street address', 'address-line1', 'text', 100],
  ['postal_code', 'Postal code', 'postal-code', 'text', 10],
  ['city', 'City', 'address-level2', 'text', 200],
  ['country', 'Country', 'country', 'select', 2],
  ['phone', 'Phone', 'tel', 'tel', 100],
];

/** Shipping addresses need no phone here: the billing one has it. */
const SHIPPING_INPUTS = ADDRESS_INPUTS.filter(([field]) => field !== 'phone');

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

function countryName(code: string): string {
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    return code;
  }
}

function htmlLang(locale: string): string {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale) ? locale : 'en';
}

function page(lang: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<link rel="stylesheet" href="checkout.css">
<script src="checkout.js" defer></script>
</head>
<body>
${body}
</body>
</html>
`;
}

function header(merchantName: string, heading: string): string {
  const merchant = merchantName ? `<p class="kc-merchant" id="kc-merchant">${e(merchantName)}</p>` : '';
  return `<header class="kc-header">${merchant}<h1>${e(heading)}</h1></header>`;
}

export function lineRow(line: CheckoutPageLine): string {
  const unit = line.quantity_unit ? ` ${e(line.quantity_unit)}` : '';
  const kind = line.type === 'shipping_fee' ? ' class="kc-line kc-line--shipping"' : ' class="kc-line"';
  return `<tr${kind}><td>${e(line.name)} <span class="kc-quantity">× ${e(line.quantity)}${unit}</span></td><td class="kc-amount">${e(line.total_amount_formatted)}</td></tr>`;
}

function cart(view: CheckoutPageView): string {
  return [
    '<section class="kc-cart" aria-labelledby="kc-cart-title">',
    '<h2 id="kc-cart-title">Your order</h2>',
    '<table>',
    `<tbody id="kc-lines">${view.lines.map(lineRow).join('')}</tbody>`,
    '<tfoot>',
    `<tr class="kc-total"><td>Total</td><td class="kc-amount" id="kc-total">${e(view.order_amount_formatted)}</td></tr>`,
    `<tr class="kc-tax"><td>of which VAT</td><td class="kc-amount" id="kc-tax">${e(view.order_tax_amount_formatted)}</td></tr>`,
    '</tfoot>',
    '</table>',
    '</section>',
  ].join('\n');
}

function countrySelect(name: string, countries: string[], value: string | undefined): string {
  const chosen = (value ?? '').toUpperCase();
  const options = countries.map((code) => `<option value="${e(code)}"${code === chosen ? ' selected' : ''}>${e(countryName(code))}</option>`);
  return `<select name="${e(name)}" autocomplete="country">${options.join('')}</select>`;
}

function addressInputs(prefix: 'billing_address' | 'shipping_address', inputs: typeof ADDRESS_INPUTS, address: CheckoutAddress | null, countries: string[]): string {
  const section = prefix === 'billing_address' ? 'billing' : 'shipping';
  const fields = inputs.map(([field, label, autocomplete, type, maxLength]) => {
    const name = `${prefix}.${field}`;
    const control =
      type === 'select'
        ? countrySelect(name, countries, address?.[field])
        : `<input type="${type}" name="${e(name)}" autocomplete="${section} ${autocomplete}" maxlength="${maxLength}" value="${e(address?.[field] ?? '')}">`;
    return `<label class="kc-field kc-field--${e(field)}"><span>${e(label)}</span>${control}</label>`;
  });
  return `<div class="kc-grid">${fields.join('')}</div>`;
}

export function shippingOptionItem(option: CheckoutPageShippingOption, selectedId: string | null): string {
  const details = [option.description, option.promo].filter((d): d is string => !!d).map((d) => `<small>${e(d)}</small>`).join('');
  return (
    `<label class="kc-option"><input type="radio" name="shipping_option_id" value="${e(option.id)}"${option.id === selectedId ? ' checked' : ''}>` +
    `<span class="kc-option-name">${e(option.name)}${details}</span><span class="kc-option-price">${e(option.price_formatted)}</span></label>`
  );
}

const sameAddress = (a: CheckoutAddress, b: CheckoutAddress | null) => SHIPPING_INPUTS.every(([field]) => (a[field] ?? '') === (b?.[field] ?? ''));

function checkoutForm(view: CheckoutPageView): string {
  const separate = view.allow_separate_shipping_address && view.shipping_address !== null && !sameAddress(view.billing_address, view.shipping_address);
  const example = `customer@email.${view.purchase_country.toLowerCase()}`;
  const shippingAddress = view.allow_separate_shipping_address
    ? [
        '<fieldset class="kc-block" id="kc-shipping-address">',
        '<legend>Delivery address</legend>',
        `<label class="kc-check"><input type="checkbox" id="kc-separate" name="separate_shipping_address"${separate ? ' checked' : ''}><span>Deliver to another address</span></label>`,
        `<div id="kc-shipping-fields"${separate ? '' : ' hidden'}>`,
        addressInputs('shipping_address', SHIPPING_INPUTS, view.shipping_address, view.shipping_countries),
        '</div>',
        '</fieldset>',
      ].join('\n')
    : '';
  const terms = view.terms_url
    ? `<p class="kc-terms">By buying you accept the <a href="${e(view.terms_url)}" target="_blank" rel="noopener noreferrer">terms and conditions</a> of ${e(view.merchant_name)}.</p>`
    : '';
  const patterns = TEST_EMAIL_PATTERNS.map((p) => `<li><code>${e(p.example)}</code>: ${e(p.outcome)}</li>`).join('');
  return [
    '<form id="kc-form" class="kc-form" novalidate>',
    '<fieldset class="kc-block" id="kc-details">',
    '<legend>Your details</legend>',
    `<label class="kc-field kc-field--email"><span>E-mail</span><input type="email" name="email" autocomplete="email" maxlength="100" placeholder="${e(example)}" value="${e(view.email ?? '')}"></label>`,
    addressInputs('billing_address', ADDRESS_INPUTS, view.billing_address, view.billing_countries),
    '</fieldset>',
    shippingAddress,
    `<fieldset class="kc-block" id="kc-shipping"${view.shipping_options.length === 0 ? ' hidden' : ''}>`,
    '<legend>Delivery</legend>',
    `<div id="kc-shipping-options">${view.shipping_options.map((o) => shippingOptionItem(o, view.selected_shipping_option_id)).join('')}</div>`,
    '</fieldset>',
    terms,
    `<button type="submit" class="kc-buy" id="kc-buy">Buy now</button>`,
    `<details class="kc-help"><summary>Test e-mails</summary><ul>${patterns}</ul></details>`,
    '</form>',
  ].join('\n');
}

/** Why the order cannot be bought any more, for an order that still exists. */
function closedNotice(view: CheckoutPageView, token: string): string | null {
  if (view.status === 'checkout_complete') {
    return `<p class="kc-notice" id="kc-closed">This purchase is complete. <a href="confirmation?token=${e(encodeURIComponent(token))}">See your order confirmation</a>.</p>`;
  }
  if (view.aborted) return '<p class="kc-notice" id="kc-closed">The store has cancelled this checkout. Return to the store to start again.</p>';
  return null;
}

export function renderCheckoutPage(view: CheckoutPageView, token: string): string {
  const closed = closedNotice(view, token);
  const state = view.status === 'checkout_complete' ? 'complete' : view.aborted ? 'aborted' : 'open';
  const body = [
    `<main id="kc-checkout" class="kc" data-state="${state}" data-token="${closed ? '' : e(token)}">`,
    header(view.merchant_name, 'Checkout'),
    cart(view),
    closed ?? checkoutForm(view),
    '<p id="kc-message" class="kc-message" role="status" aria-live="polite"></p>',
    '</main>',
  ].join('\n');
  return page(htmlLang(view.locale), `Checkout: ${view.merchant_name} (klarna-local)`, body);
}

function addressBlock(title: string, address: CheckoutAddress | null, email: string | null): string {
  if (!address) return '';
  const name = [address.given_name, address.family_name].filter(Boolean).join(' ');
  const place = [address.postal_code, address.city].filter(Boolean).join(' ');
  const rows = [name, address.street_address, address.street_address2, place, address.country ? countryName(address.country) : '', address.phone, email]
    .filter((row): row is string => !!row)
    .map((row) => `<span>${e(row)}</span>`);
  return `<div class="kc-address"><h3>${e(title)}</h3><address>${rows.join('')}</address></div>`;
}

/** The thank-you page of a completed order; a notice for one that is not (yet) complete. */
export function renderConfirmationPage(view: CheckoutPageView, token: string): string {
  let body: string;
  if (view.status === 'checkout_complete') {
    const selected = view.shipping_options.find((o) => o.id === view.selected_shipping_option_id);
    body = [
      `<main id="kc-confirmation" class="kc" data-state="complete">`,
      header(view.merchant_name, 'Thank you for your order!'),
      `<p class="kc-order-id">Order number <strong id="kc-order-id">${e(view.order_id)}</strong></p>`,
      cart(view),
      selected ? `<p class="kc-delivery">Delivery: <strong>${e(selected.name)}</strong></p>` : '',
      '<section class="kc-addresses">',
      addressBlock('Billing address', view.billing_address, view.email),
      addressBlock('Delivery address', view.shipping_address ?? view.billing_address, null),
      '</section>',
      '</main>',
    ].join('\n');
  } else {
    const notice = view.aborted
      ? 'The store has cancelled this checkout.'
      : `This purchase is not complete yet. <a href="checkout?token=${e(encodeURIComponent(token))}">Continue to checkout</a>.`;
    body = [`<main id="kc-confirmation" class="kc" data-state="${view.aborted ? 'aborted' : 'open'}">`, header(view.merchant_name, 'Order confirmation'), `<p class="kc-notice" id="kc-closed">${notice}</p>`, '</main>'].join('\n');
  }
  return page(htmlLang(view.locale), `Order confirmation: ${view.merchant_name} (klarna-local)`, body);
}

/** A page for a link that leads nowhere: a token klarna-local did not sign, or an order that is gone. */
export function renderProblemPage(message: string): string {
  const body = ['<main class="kc" data-state="failed">', header('', 'Checkout'), `<p class="kc-notice kc-notice--bad" id="kc-closed">${e(message)}</p>`, '</main>'].join('\n');
  return page('en', 'Checkout (klarna-local)', body);
}
