/**
 * The Payments session (behaviour reference §3, §8): `incomplete` until an order is placed with one
 * of its authorizations, then `complete`; it lives 48 hours. Authorizations are tokens valid for
 * 60 minutes; each freezes the session's data and the shopper's details as authorized, and the
 * order placed with it must match that snapshot. Pure rules live here; operations persist.
 */
import { MS_PER_HOUR } from '../../platform/clock.js';
import { toIso } from '../../platform/clock.js';
import type { InitialPaymentMethod } from '../../kernel/schemas.js';
import { marketErrors } from '../../kernel/markets.js';
import { orderTotalsErrors } from '../../kernel/order-lines.js';
import type { FraudOutcome } from '../../kernel/test-data.js';
import { Transitions } from '../../kernel/transitions.js';
import type { TokenPaymentMethodType } from '../customer-token/token.js';
import type { Intent, MerchantUrls, PaymentsAddress, PaymentsCustomer, SessionCreateBody } from './schemas.js';
import { ADDRESS_FIELDS } from './schemas.js';

export const SESSION_STATUSES = ['incomplete', 'complete'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** incomplete → complete (an order was placed, or a tokenize-only session got its token). */
export const SESSION_TRANSITIONS = new Transitions<SessionStatus>('payments session', {
  incomplete: ['incomplete', 'complete'],
  complete: ['complete'],
});

export const SESSION_LIFETIME_MS = 48 * MS_PER_HOUR;
export const AUTHORIZATION_LIFETIME_MS = 1 * MS_PER_HOUR;
export const DEFAULT_LOCALE = 'en-US';

export const AUTHORIZATION_STATUSES = ['active', 'cancelled', 'consumed'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

/** An authorization places one order (consumed) or is cancelled; either is final. */
export const AUTHORIZATION_TRANSITIONS = new Transitions<AuthorizationStatus>('authorization', {
  active: ['active', 'consumed', 'cancelled'],
  consumed: ['consumed'],
  cancelled: ['cancelled'],
});

/** The session's order data as stored (the create body, updated by later updates). */
export type SessionData = Omit<SessionCreateBody, 'intent'> & { locale: string; order_tax_amount: number };

export interface Shopper {
  email: string | null;
  billing_address: PaymentsAddress | null;
  shipping_address: PaymentsAddress | null;
  customer: PaymentsCustomer | null;
  payment_method_category: string;
}

export interface SessionRecord {
  session_id: string;
  merchant_id: string;
  status: SessionStatus;
  intent: Intent;
  data: SessionData;
  shopper: Shopper | null;
  order_id: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

/** What an authorization froze: the order data and the shopper's details. */
export interface AuthorizationSnapshot {
  data: SessionData;
  shopper: Shopper;
  intent: Intent;
}

export interface AuthorizationRecord {
  authorization_token: string;
  session_id: string;
  merchant_id: string;
  status: AuthorizationStatus;
  snapshot: AuthorizationSnapshot;
  decision: FraudOutcome;
  order_id: string | null;
  order_request: string | null;
  order_response: string | null;
  customer_token_id: string | null;
  created_at: number;
  expires_at: number;
}

export const isExpired = (record: { expires_at: number }, now: number): boolean => record.expires_at <= now;

/** Klarna's arithmetic and market rules on a session's data; the names of the bad fields. */
export function sessionDataErrors(data: SessionData): string[] {
  const errors = [...marketErrors(data.purchase_country, data.purchase_currency, data.locale), ...orderTotalsErrors(data)];
  const billingCountry = data.billing_address?.country;
  if (billingCountry !== undefined && billingCountry.toUpperCase() !== data.purchase_country.toUpperCase()) errors.push('billing_address.country');
  return errors;
}

/** Every merchant URL must be an absolute http(s) URL once its placeholders are filled in. */
export function merchantUrlErrors(urls: MerchantUrls | undefined): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(urls ?? {})) {
    if (typeof value !== 'string' || value === '') continue;
    try {
      const url = new URL(value.replace(/\{[a-z.]+\}/g, 'x'));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.push(`merchant_urls.${name}`);
    } catch {
      errors.push(`merchant_urls.${name}`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Payment method categories

export interface PaymentMethodCategory {
  identifier: string;
  name: string;
  asset_urls: { descriptive: string; standard: string };
}

/** What each category identifier means once authorized. */
interface CategoryDefinition {
  name: string;
  initial: InitialPaymentMethod;
  authorized: { type: string; number_of_days?: number; number_of_installments?: number };
  token_type: TokenPaymentMethodType;
}

export const PAYMENT_METHOD_CATEGORIES: Readonly<Record<string, CategoryDefinition>> = {
  klarna: {
    name: 'Pay with Klarna',
    initial: { type: 'INVOICE', description: 'Pay later in 30 days' },
    authorized: { type: 'invoice', number_of_days: 30 },
    token_type: 'INVOICE',
  },
  pay_later: {
    name: 'Pay later',
    initial: { type: 'INVOICE', description: 'Pay later in 30 days' },
    authorized: { type: 'invoice', number_of_days: 30 },
    token_type: 'INVOICE',
  },
  pay_over_time: {
    name: 'Financing',
    initial: { type: 'FIXED_AMOUNT', description: 'Pay in 3 installments', number_of_installments: 3 },
    authorized: { type: 'fixed_amount', number_of_installments: 3 },
    token_type: 'SLICE_IT_BY_CARD',
  },
  pay_now: {
    name: 'Pay now',
    initial: { type: 'CARD', description: 'Pay now by card' },
    authorized: { type: 'card' },
    token_type: 'CARD',
  },
  direct_bank_transfer: {
    name: 'Pay now by bank transfer',
    initial: { type: 'BANK_TRANSFER', description: 'Pay now by bank transfer' },
    authorized: { type: 'direct_bank_transfer' },
    token_type: 'DIRECT_DEBIT',
  },
  direct_debit: {
    name: 'Pay now by direct debit',
    initial: { type: 'DIRECT_DEBIT', description: 'Pay now by direct debit' },
    authorized: { type: 'direct_debit' },
    token_type: 'DIRECT_DEBIT',
  },
};

export const CATEGORY_IDENTIFIERS = Object.keys(PAYMENT_METHOD_CATEGORIES);

export function categoryDefinition(identifier: string): CategoryDefinition {
  return PAYMENT_METHOD_CATEGORIES[identifier] ?? (PAYMENT_METHOD_CATEGORIES.klarna as CategoryDefinition);
}

/** The categories offered, with asset URLs served by klarna-local itself (src/modules/shopper). */
export function paymentMethodCategories(identifiers: readonly string[], publicUrl: string): PaymentMethodCategory[] {
  return identifiers.map((identifier) => ({
    identifier,
    name: categoryDefinition(identifier).name,
    asset_urls: {
      descriptive: `${publicUrl}/kp/assets/${identifier}/descriptive.svg`,
      standard: `${publicUrl}/kp/assets/${identifier}/standard.svg`,
    },
  }));
}

// ---------------------------------------------------------------------------------------------
// Create order against an authorization

type Comparable = string | number | boolean | null | undefined | Comparable[] | { [key: string]: Comparable };

function sameValue(a: Comparable, b: Comparable): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key order does not matter when comparing or storing bodies. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export interface OrderRequestData {
  purchase_country: string;
  purchase_currency: string;
  locale?: string | undefined;
  order_amount: number;
  order_tax_amount?: number | undefined;
  order_lines: SessionData['order_lines'];
  billing_address?: PaymentsAddress | undefined;
  shipping_address?: PaymentsAddress | undefined;
}

/**
 * The fields of a create-order body that differ from what was authorized (Klarna: 409 "Not matching
 * fields: […]"). Fields the body leaves out are taken from the authorization and cannot differ; an
 * address field matches what the merchant sent or what the shopper entered.
 */
export function mismatchingFields(authorized: AuthorizationSnapshot, body: OrderRequestData): string[] {
  const data = authorized.data;
  const fields: string[] = [];
  if (body.purchase_country.toUpperCase() !== data.purchase_country.toUpperCase()) fields.push('purchase_country');
  if (body.purchase_currency.toUpperCase() !== data.purchase_currency.toUpperCase()) fields.push('purchase_currency');
  if (body.locale !== undefined && body.locale.toLowerCase() !== data.locale.toLowerCase()) fields.push('locale');
  if (body.order_amount !== data.order_amount) fields.push('order_amount');
  if (body.order_tax_amount !== undefined && body.order_tax_amount !== data.order_tax_amount) fields.push('order_tax_amount');
  if (body.order_lines.length !== data.order_lines.length) {
    fields.push('order_lines');
  } else {
    body.order_lines.forEach((line, index) => {
      const before = data.order_lines[index] as Record<string, Comparable>;
      const after = line as Record<string, Comparable>;
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (!sameValue(before[key], after[key])) fields.push(`order_lines[${index}].${key}`);
      }
    });
  }
  for (const which of ['billing_address', 'shipping_address'] as const) {
    const given = body[which];
    if (!given) continue;
    // What the merchant sent earlier and what the shopper gave at authorization both count as shared.
    const known = [authorized.shopper[which] ?? {}, data[which] ?? {}];
    for (const field of ADDRESS_FIELDS) {
      const value = given[field];
      if (value === undefined) continue;
      const caseless = field === 'email' || field === 'country';
      const same = known.some((address) => {
        const before = address[field];
        return before !== undefined && (caseless ? value.toLowerCase() === before.toLowerCase() : value === before);
      });
      if (!same) fields.push(`${which}.${field}`);
    }
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface SessionView {
  [key: string]: unknown;
}

/**
 * The session as GET answers it. The shopper's details (addresses, customer) are shared only after
 * an authorization (§3.2); before that the read shows what the merchant sent.
 */
export function presentSession(session: SessionRecord, clientToken: string, categories: PaymentMethodCategory[], latestToken: string | null): SessionView {
  const shopper = session.shopper;
  const customer = shopper?.customer ?? session.data.customer;
  const view: SessionView = {
    ...session.data,
    intent: session.intent,
    status: session.status,
    client_token: clientToken,
    expires_at: toIso(session.expires_at),
    payment_method_categories: categories,
    ...(shopper?.billing_address && { billing_address: shopper.billing_address }),
    ...(shopper?.shipping_address && { shipping_address: shopper.shipping_address }),
    ...(latestToken !== null && { authorization_token: latestToken }),
  };
  if (customer) {
    // The read shares no identity numbers (customer_read has no national id or SSN).
    const { national_identification_number: _nin, last_four_ssn: _ssn, ...shared } = customer;
    view.customer = shared;
  } else {
    delete view.customer;
  }
  return view;
}
