/**
 * The Checkout v3 order (behaviour reference §2): `checkout_incomplete` while the merchant and the
 * shopper shape it, `checkout_complete` once the shopper bought (read-only from then on; the same
 * order_id lives on in Order Management). An incomplete order expires 48 hours after the last
 * merchant update or shopper interaction. Pure rules and the read shape live here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MS_PER_HOUR, toIso } from '../../platform/clock.js';
import { marketErrors } from '../../kernel/markets.js';
import { orderTotalsErrors } from '../../kernel/order-lines.js';
import type { OrderLine } from '../../kernel/schemas.js';
import { Transitions } from '../../kernel/transitions.js';
import type { CheckoutAddress, CheckoutCreateBody, CheckoutCustomer, ShippingOption, ShopperInput } from './schemas.js';
import { CHECKOUT_ADDRESS_FIELDS } from './schemas.js';

export const CHECKOUT_STATUSES = ['checkout_incomplete', 'checkout_complete'] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/** The only status change there is: the purchase (an abort is a mark, not a status, §11.11). */
export const CHECKOUT_TRANSITIONS = new Transitions<CheckoutStatus>('checkout order', {
  checkout_incomplete: ['checkout_incomplete', 'checkout_complete'],
  checkout_complete: ['checkout_complete'],
});

export const CHECKOUT_LIFETIME_MS = 48 * MS_PER_HOUR;

/** The order as the merchant set it (create, then updates merged in). */
export type CheckoutData = CheckoutCreateBody;

export interface CheckoutShopper {
  email: string | null;
  billing_address: CheckoutAddress | null;
  shipping_address: CheckoutAddress | null;
  customer: CheckoutCustomer | null;
  selected_shipping_option_id: string | null;
}

export interface CheckoutRecord {
  order_id: string;
  merchant_id: string;
  status: CheckoutStatus;
  data: CheckoutData;
  shopper: CheckoutShopper | null;
  recurring_token: string | null;
  aborted_at: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  expires_at: number;
}

/** Incomplete orders are gone 48 h after their last activity; complete ones stay. */
export const isExpired = (order: Pick<CheckoutRecord, 'status' | 'expires_at'>, now: number): boolean =>
  order.status === 'checkout_incomplete' && order.expires_at <= now;

/** Updates and shopper actions are possible only on an incomplete, not aborted order. */
export const isReadOnly = (order: Pick<CheckoutRecord, 'status' | 'aborted_at'>): boolean => order.status !== 'checkout_incomplete' || order.aborted_at !== null;

const REQUIRED_URLS = ['terms', 'checkout', 'confirmation', 'push'] as const;

/** Klarna's rules on a whole checkout order; the names of the bad fields (400 BAD_VALUE). */
export function checkoutErrors(data: CheckoutData): string[] {
  const errors = [...marketErrors(data.purchase_country, data.purchase_currency, data.locale), ...orderTotalsErrors(data)];
  for (const name of REQUIRED_URLS) {
    if (!data.merchant_urls[name]) errors.push(`merchant_urls.${name}`);
  }
  for (const [name, value] of Object.entries(data.merchant_urls)) {
    if (typeof value !== 'string' || value === '') continue;
    if (!isHttpUrl(value)) errors.push(`merchant_urls.${name}`);
  }
  const ids = new Set<string>();
  (data.shipping_options ?? []).forEach((option, index) => {
    if (ids.has(option.id)) errors.push(`shipping_options[${index}].id`);
    ids.add(option.id);
    if (!taxWithinOne(option.price, option.tax_rate, option.tax_amount)) errors.push(`shipping_options[${index}].tax_amount`);
  });
  if ((data.shipping_options ?? []).filter((o) => o.preselected === true).length > 1) errors.push('shipping_options.preselected');
  const billingCountry = data.billing_address?.country;
  if (billingCountry !== undefined && billingCountry.toUpperCase() !== data.purchase_country.toUpperCase() && !(data.billing_countries ?? []).some((c) => c.toUpperCase() === billingCountry.toUpperCase())) {
    errors.push('billing_address.country');
  }
  return errors;
}

/** A price's tax at a rate in basis points, included in the price, within ±1 minor unit. */
export function taxWithinOne(price: number, taxRate: number, taxAmount: number): boolean {
  const exact = Math.round((price * taxRate) / (10000 + taxRate));
  return Math.abs(exact - taxAmount) <= 1;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value.replace(/\{[a-z.]+\}/g, 'x'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The shipping option the shopper chose, else the merchant's selected or preselected one. */
export function selectedShippingOption(order: CheckoutRecord): ShippingOption | undefined {
  const options = order.data.shipping_options ?? [];
  const chosen = order.shopper?.selected_shipping_option_id;
  return (
    (chosen ? options.find((o) => o.id === chosen) : undefined) ??
    order.data.selected_shipping_option ??
    options.find((o) => o.preselected === true)
  );
}

/** Country and currency in upper case, as stored and answered. */
export function normalize(data: CheckoutData): CheckoutData {
  return { ...data, purchase_country: data.purchase_country.toUpperCase(), purchase_currency: data.purchase_currency.toUpperCase() };
}

/** Any activity restarts the 48 hours of an incomplete order. */
export function touch(order: CheckoutRecord, now: number): void {
  order.updated_at = now;
  order.expires_at = now + CHECKOUT_LIFETIME_MS;
}

// ---------------------------------------------------------------------------------------------
// The shopper's side

/** What a shopper action led to. */
export type ShopperOutcome =
  | { status: 'updated' }
  | { status: 'checkout_complete'; order_id: string; redirect_url: string }
  | { status: 'redirect'; redirect_url: string; callback: string }
  | { status: 'error'; error_type: string; error_text: string | null; callback: string }
  | { status: 'declined'; reason: 'denied' | 'pre_screen' }
  | { status: 'validation_failed'; reason: string };

/** What the shopper has entered so far; before anything, the merchant's prefill. */
export function shopperOf(order: CheckoutRecord): CheckoutShopper {
  return (
    order.shopper ?? {
      email: order.data.billing_address?.email ?? null,
      billing_address: order.data.billing_address ?? null,
      shipping_address: order.data.shipping_address ?? null,
      customer: order.data.customer ?? null,
      selected_shipping_option_id: null,
    }
  );
}

/** The shopper's details with the new input merged in (the billing country defaults to the purchase country). */
export function mergeShopper(order: CheckoutRecord, before: CheckoutShopper, input: Omit<ShopperInput, 'shipping_option_id'>): CheckoutShopper {
  const email = input.email ?? input.billing_address?.email ?? before.email;
  const billing: CheckoutAddress = { ...(before.billing_address ?? {}), ...(input.billing_address ?? {}), ...(email ? { email } : {}) };
  if (billing.country === undefined) billing.country = order.data.purchase_country;
  return {
    email: email ?? null,
    billing_address: billing,
    shipping_address: input.shipping_address ? { ...(before.shipping_address ?? {}), ...input.shipping_address } : before.shipping_address,
    customer: input.customer ?? before.customer,
    selected_shipping_option_id: before.selected_shipping_option_id,
  };
}

/** The address fields a purchase needs from the shopper. */
const REQUIRED_BILLING_FIELDS = ['given_name', 'family_name', 'email', 'street_address', 'postal_code', 'city', 'country'] as const;
const REQUIRED_SHIPPING_FIELDS = ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country'] as const;

/** The details a purchase needs that the shopper has not given. */
export function missingDetails(shopper: CheckoutShopper): string[] {
  const missing = REQUIRED_BILLING_FIELDS.filter((field) => !shopper.billing_address?.[field]).map((field) => `billing_address.${field}`);
  const shipping = shopper.shipping_address;
  if (shipping) missing.push(...REQUIRED_SHIPPING_FIELDS.filter((field) => !shipping[field]).map((field) => `shipping_address.${field}`));
  return missing;
}

export function sameAddress(a: CheckoutAddress | null, b: CheckoutAddress | null): boolean {
  return CHECKOUT_ADDRESS_FIELDS.every((field) => (a?.[field] ?? '') === (b?.[field] ?? ''));
}

/**
 * The order's lines as Order Management receives them: the chosen shipping option becomes a
 * `shipping_fee` line when the merchant has not put one in the cart itself (docs/fidelity.md).
 */
export function linesWithShipping(order: CheckoutRecord): { lines: OrderLine[]; amount: number } {
  const lines = order.data.order_lines as OrderLine[];
  const selected: ShippingOption | undefined = selectedShippingOption(order);
  if (!selected || selected.price === 0 || lines.some((l) => l.type === 'shipping_fee')) return { lines, amount: order.data.order_amount };
  const shippingLine: OrderLine = {
    type: 'shipping_fee',
    reference: selected.id,
    name: selected.name,
    quantity: 1,
    unit_price: selected.price,
    tax_rate: selected.tax_rate,
    total_amount: selected.price,
    total_tax_amount: selected.tax_amount,
  };
  return { lines: [...lines, shippingLine], amount: order.data.order_amount + selected.price };
}

// ---------------------------------------------------------------------------------------------
// The page token: what the checkout iframe carries to act for exactly one order.

export function issuePageToken(key: Buffer, order: Pick<CheckoutRecord, 'order_id' | 'merchant_id'>): string {
  const payload = Buffer.from(JSON.stringify({ o: order.order_id, m: order.merchant_id })).toString('base64url');
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

export function verifyPageToken(key: Buffer, token: string): { order_id: string; merchant_id: string } | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(createHmac('sha256', key).update(payload).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { o?: unknown; m?: unknown };
    return typeof claims.o === 'string' && typeof claims.m === 'string' ? { order_id: claims.o, merchant_id: claims.m } : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

/** The order as Checkout's read answers it (and as the validation callback receives it). */
export function presentCheckoutOrder(order: CheckoutRecord, merchantName: string, snippet: string): Record<string, unknown> {
  const shopper = order.shopper;
  const billing = shopper?.billing_address ?? order.data.billing_address;
  const shipping = shopper?.shipping_address ?? order.data.shipping_address ?? billing;
  const selected = selectedShippingOption(order);
  return {
    order_id: order.order_id,
    name: merchantName,
    status: order.status,
    ...order.data,
    ...(billing && { billing_address: billing }),
    ...(shipping && { shipping_address: shipping }),
    ...((shopper?.customer ?? order.data.customer) && { customer: shopper?.customer ?? order.data.customer }),
    ...(selected && { selected_shipping_option: selected }),
    html_snippet: snippet,
    started_at: toIso(order.created_at),
    last_modified_at: toIso(order.updated_at),
    ...(order.completed_at !== null && { completed_at: toIso(order.completed_at) }),
    ...(order.recurring_token !== null && { recurring_token: order.recurring_token }),
  };
}
