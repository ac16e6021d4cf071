/**
 * The shopper's view of a checkout order: what the checkout page shows and its JSON API answers.
 * It is built from the stored order on every read, so after a merchant callback changed the cart
 * or the shipping options the page re-renders from the merchant's latest answer. Amounts come with
 * their display text, formatted here once, so the page's script never formats money itself.
 */
import { toIso } from '../../../platform/clock.js';
import { formatMoney } from '../../../kernel/money.js';
import type { CheckoutRecord, CheckoutStatus } from '../checkout-order.js';
import { isHttpUrl, linesWithShipping, selectedShippingOption } from '../checkout-order.js';
import type { CheckoutAddress } from '../schemas.js';

export interface CheckoutPageLine {
  type: string | null;
  name: string;
  quantity: number;
  quantity_unit: string | null;
  total_amount: number;
  total_amount_formatted: string;
}

export interface CheckoutPageShippingOption {
  id: string;
  name: string;
  description: string | null;
  promo: string | null;
  price: number;
  price_formatted: string;
  shipping_method: string | null;
}

export interface CheckoutPageView {
  order_id: string;
  status: CheckoutStatus;
  /** The merchant aborted the checkout: nothing can be bought or changed any more. */
  aborted: boolean;
  merchant_name: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  /** The cart as it will be bought: the chosen shipping is a `shipping_fee` line unless the merchant put one in. */
  lines: CheckoutPageLine[];
  shipping_options: CheckoutPageShippingOption[];
  selected_shipping_option_id: string | null;
  /** Totals of `lines` (shipping included). */
  order_amount: number;
  order_amount_formatted: string;
  order_tax_amount: number;
  order_tax_amount_formatted: string;
  /** What the shopper entered, else the merchant's prefill; the billing country defaults to the purchase country. */
  email: string | null;
  billing_address: CheckoutAddress;
  /** Null while the goods go to the billing address. */
  shipping_address: CheckoutAddress | null;
  allow_separate_shipping_address: boolean;
  /** Countries the shopper may choose, the purchase country first. */
  billing_countries: string[];
  shipping_countries: string[];
  terms_url: string | null;
  cancellation_terms_url: string | null;
  completed_at: string | null;
}

/** Only http(s) links reach the page (the create rules already demand it; an update could still try). */
const link = (url: string | undefined): string | null => (url && /^https?:\/\//i.test(url) && isHttpUrl(url) ? url : null);

const countryList = (first: string, more: readonly string[] | undefined, extra: (string | undefined)[]): string[] =>
  [...new Set([first, ...(more ?? []), ...extra].filter((c): c is string => typeof c === 'string' && /^[A-Za-z]{2}$/.test(c)).map((c) => c.toUpperCase()))];

export function checkoutPageView(order: CheckoutRecord, merchantName: string): CheckoutPageView {
  const { data, shopper } = order;
  const currency = data.purchase_currency;
  const money = (amount: number) => formatMoney(amount, currency, data.locale);
  const selected = selectedShippingOption(order);
  const { lines, amount } = linesWithShipping(order);
  // The shipping line klarna-local adds carries the option's tax; a merchant's own line is in order_tax_amount already.
  const taxAmount = data.order_tax_amount + (lines.length > data.order_lines.length && selected ? selected.tax_amount : 0);
  const billing: CheckoutAddress = { ...(shopper?.billing_address ?? data.billing_address ?? {}) };
  billing.country = (billing.country ?? data.purchase_country).toUpperCase();
  const shipping = shopper?.shipping_address ?? data.shipping_address ?? null;
  const email = shopper?.email ?? billing.email ?? null;
  return {
    order_id: order.order_id,
    status: order.status,
    aborted: order.aborted_at !== null,
    merchant_name: merchantName,
    purchase_country: data.purchase_country,
    purchase_currency: currency,
    locale: data.locale,
    lines: lines.map((line) => ({
      type: line.type ?? null,
      name: line.name,
      quantity: line.quantity,
      quantity_unit: line.quantity_unit ?? null,
      total_amount: line.total_amount,
      total_amount_formatted: money(line.total_amount),
    })),
    shipping_options: (data.shipping_options ?? []).map((option) => ({
      id: option.id,
      name: option.name,
      description: option.description ?? null,
      promo: option.promo ?? null,
      price: option.price,
      price_formatted: money(option.price),
      shipping_method: option.shipping_method ?? null,
    })),
    selected_shipping_option_id: selected?.id ?? null,
    order_amount: amount,
    order_amount_formatted: money(amount),
    order_tax_amount: taxAmount,
    order_tax_amount_formatted: money(taxAmount),
    email,
    billing_address: billing,
    shipping_address: shipping,
    allow_separate_shipping_address: data.options?.allow_separate_shipping_address === true,
    billing_countries: countryList(data.purchase_country, data.billing_countries, [billing.country]),
    shipping_countries: countryList(data.purchase_country, data.shipping_countries, [shipping?.country]),
    terms_url: link(data.merchant_urls.terms),
    cancellation_terms_url: link(data.merchant_urls.cancellation_terms),
    completed_at: order.completed_at === null ? null : toIso(order.completed_at),
  };
}
