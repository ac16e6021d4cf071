/**
 * What the hosted page shows for one HPP session, built on every request from the session and its
 * payment session (a Payments session or a Checkout order): the merchant's branding (title, logo,
 * background), the cart with its totals formatted in the order's locale and currency, the payment
 * method categories offered, and what the consumer has given so far. Only absolute http(s) image
 * URLs reach the page, and their origins are what its Content-Security-Policy allows (pages.ts).
 */
import type { Db } from '../../../platform/db/database.js';
import { linesWithShipping, selectedShippingOption, shopperOf } from '../../checkout/checkout-order.js';
import { loadCheckoutOrder } from '../../checkout/checkout.repository.js';
import { readSettings } from '../../merchants/merchant.js';
import { categoryDefinition } from '../../payments/session.js';
import { loadSession } from '../../payments/session.repository.js';
import { parseOrigin } from '../../shopper/html.js';
import { formatMoney } from '../../../kernel/money.js';
import type { HppSessionRecord } from '../hpp-session.js';
import { offeredCategories } from '../hpp-session.js';
import type { HppOptions } from '../schemas.js';

export const DEFAULT_PAGE_TITLE = 'Complete your purchase';

/** Background images narrower than this are too small for a phone held upright (CSS pixels × 1.2 or so). */
export const PHONE_IMAGE_WIDTH = 480;

export interface HppPageLine {
  name: string;
  quantity: number;
  quantity_unit: string | null;
  total_formatted: string;
}

export interface HppPageTotal {
  label: string;
  formatted: string;
  /** The order's total (the last row, in bold). */
  grand?: boolean;
}

export interface HppPageCategory {
  identifier: string;
  name: string;
}

/** The billing address the page asks for when a Checkout order completes (the fields its completion needs). */
export interface HppPageAddress {
  given_name: string;
  family_name: string;
  street_address: string;
  postal_code: string;
  city: string;
  country: string;
}

export interface HppBackground {
  /** The image for a phone: the narrowest at least PHONE_IMAGE_WIDTH wide, else the widest. */
  src: string;
  /** Every image with a width (`url 480w, …`), for the browser to choose on larger screens; null without. */
  srcset: string | null;
}

export interface HppPageView {
  kind: 'payments' | 'checkout';
  title: string;
  logo_url: string | null;
  background: HppBackground | null;
  /** The order's locale (the cart's language; the page's own text is English). */
  locale: string;
  purchase_country: string;
  lines: HppPageLine[];
  /** Subtotal, shipping, tax and total; only the total with `show_subtotal_detail: HIDE`. */
  totals: HppPageTotal[];
  total_formatted: string;
  /** Payments: what the consumer may choose (may be empty when the merchant's restriction leaves nothing). Checkout: none. */
  categories: HppPageCategory[];
  email: string;
  /** Checkout only: the billing address to complete with, prefilled from the order. */
  billing: HppPageAddress | null;
  /** Checkout only: the billing countries to choose from, the purchase country first. */
  countries: string[];
  /** Origins the page's images come from (logo, backgrounds), for its CSP. */
  image_origins: string[];
}

interface CartLine {
  type?: string;
  name: string;
  quantity: number;
  quantity_unit?: string;
  total_amount: number;
}

interface Cart {
  locale: string;
  currency: string;
  purchase_country: string;
  lines: readonly CartLine[];
  amount: number;
  tax_amount: number;
}

/** An absolute http(s) URL as the page may load it (normalised), with its origin; null for anything else. */
export function imageUrl(raw: string | undefined): { href: string; origin: string } | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // The origin goes into a CSP header: only plain hosts pass (a host may hold `;` or `'` for URL's parser).
  const origin = parseOrigin(url.origin);
  return origin ? { href: url.href, origin } : null;
}

/**
 * Pure: the background for a phone-first page: the narrowest image at least PHONE_IMAGE_WIDTH wide,
 * else the widest; without widths, the first. A srcset lists every image with a width.
 */
export function pickBackground(images: HppOptions['background_images']): HppBackground | null {
  const usable = (images ?? []).flatMap((image) => {
    const url = imageUrl(image.url);
    return url ? [{ href: url.href, width: image.width ?? null }] : [];
  });
  if (usable.length === 0) return null;
  const sized = usable.filter((image): image is { href: string; width: number } => image.width !== null).sort((a, b) => a.width - b.width);
  const chosen = sized.find((image) => image.width >= PHONE_IMAGE_WIDTH) ?? sized.at(-1) ?? usable[0];
  // A srcset candidate ends at whitespace and commas may separate candidates: such URLs stay out of it.
  const candidates = sized.filter((image) => !/[\s,]/.test(image.href)).map((image) => `${image.href} ${image.width}w`);
  return chosen ? { src: chosen.href, srcset: candidates.length > 1 ? candidates.join(', ') : null } : null;
}

/** Pure: the origins of the logo and of every background image, each once. */
export function imageOrigins(options: HppOptions): string[] {
  const urls = [options.logo_url, ...(options.background_images ?? []).map((image) => image.url)];
  return [...new Set(urls.map(imageUrl).flatMap((url) => (url ? [url.origin] : [])))];
}

/**
 * Pure: the totals under the cart. Subtotal (the goods), shipping and sales-tax lines when there are
 * any, the tax included in the total otherwise, then the total; with `show_subtotal_detail: HIDE`
 * only the total.
 */
export function cartTotals(cart: Cart, hideDetail: boolean): HppPageTotal[] {
  const money = (amount: number) => formatMoney(amount, cart.currency, cart.locale);
  const total: HppPageTotal = { label: 'Total', formatted: money(cart.amount), grand: true };
  if (hideDetail) return [total];
  const sum = (lines: readonly CartLine[]) => lines.reduce((acc, line) => acc + line.total_amount, 0);
  const shipping = cart.lines.filter((line) => line.type === 'shipping_fee');
  const salesTax = cart.lines.filter((line) => line.type === 'sales_tax');
  const goods = cart.lines.filter((line) => line.type !== 'shipping_fee' && line.type !== 'sales_tax');
  const rows: HppPageTotal[] = [{ label: 'Subtotal', formatted: money(sum(goods)) }];
  if (shipping.length > 0) rows.push({ label: 'Shipping', formatted: money(sum(shipping)) });
  if (salesTax.length > 0) rows.push({ label: 'Sales tax', formatted: money(sum(salesTax)) });
  rows.push(total);
  if (salesTax.length === 0 && cart.tax_amount > 0) rows.push({ label: 'Including tax', formatted: money(cart.tax_amount) });
  return rows;
}

function pageLines(cart: Cart): HppPageLine[] {
  return cart.lines.map((line) => ({
    name: line.name,
    quantity: line.quantity,
    quantity_unit: line.quantity_unit ?? null,
    total_formatted: formatMoney(line.total_amount, cart.currency, cart.locale),
  }));
}

const countryList = (first: string, more: readonly string[] | undefined, extra: string | undefined): string[] =>
  [...new Set([first, ...(more ?? []), extra].filter((c): c is string => typeof c === 'string' && /^[A-Za-z]{2}$/.test(c)).map((c) => c.toUpperCase()))];

/** What the payment session behind the page holds; null when it is gone (the page is then 404). */
async function paymentOf(db: Db, session: HppSessionRecord) {
  if (session.payment_kind === 'payments') {
    const payment = await loadSession(db, db.read, session.merchant_id, session.payment_id);
    if (!payment) return null;
    const settings = await readSettings(db, session.merchant_id);
    const { data } = payment;
    const cart: Cart = {
      locale: data.locale,
      currency: data.purchase_currency,
      purchase_country: data.purchase_country,
      lines: data.order_lines as CartLine[],
      amount: data.order_amount,
      tax_amount: data.order_tax_amount,
    };
    const categories = offeredCategories(session.options, settings.payment_method_categories).map((identifier) => ({ identifier, name: categoryDefinition(identifier).name }));
    // The consumer's earlier entry (an earlier attempt) first, then the merchant's prefill.
    const email = payment.shopper?.email ?? payment.shopper?.billing_address?.email ?? data.billing_address?.email ?? '';
    return { kind: 'payments' as const, cart, categories, email, billing: null, countries: [] };
  }
  const order = await loadCheckoutOrder(db, db.read, session.merchant_id, session.payment_id);
  if (!order) return null;
  const { data } = order;
  const { lines, amount } = linesWithShipping(order);
  // The shipping line klarna-local adds carries the option's tax; a merchant's own line is in order_tax_amount already.
  const selected = selectedShippingOption(order);
  const taxAmount = data.order_tax_amount + (lines.length > data.order_lines.length && selected ? selected.tax_amount : 0);
  const cart: Cart = { locale: data.locale, currency: data.purchase_currency, purchase_country: data.purchase_country, lines: lines as CartLine[], amount, tax_amount: taxAmount };
  const shopper = shopperOf(order);
  const address = shopper.billing_address ?? {};
  const country = (address.country ?? data.purchase_country).toUpperCase();
  const billing: HppPageAddress = {
    given_name: address.given_name ?? '',
    family_name: address.family_name ?? '',
    street_address: address.street_address ?? '',
    postal_code: address.postal_code ?? '',
    city: address.city ?? '',
    country,
  };
  const email = shopper.email ?? address.email ?? '';
  return { kind: 'checkout' as const, cart, categories: [], email, billing, countries: countryList(data.purchase_country, data.billing_countries, country) };
}

/** The page's view of a session; null when its payment session is gone. */
export async function hppPageView(db: Db, session: HppSessionRecord): Promise<HppPageView | null> {
  const payment = await paymentOf(db, session);
  if (!payment) return null;
  const { options } = session;
  const { cart } = payment;
  return {
    kind: payment.kind,
    title: options.page_title?.trim() ? options.page_title : DEFAULT_PAGE_TITLE,
    logo_url: imageUrl(options.logo_url)?.href ?? null,
    background: pickBackground(options.background_images),
    locale: cart.locale,
    purchase_country: cart.purchase_country.toUpperCase(),
    lines: pageLines(cart),
    totals: cartTotals(cart, options.show_subtotal_detail === 'HIDE'),
    total_formatted: formatMoney(cart.amount, cart.currency, cart.locale),
    categories: payment.categories,
    email: payment.email,
    billing: payment.billing,
    countries: payment.countries,
    image_origins: imageOrigins(options),
  };
}
