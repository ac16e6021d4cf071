/**
 * Customer tokens (Customer Token API v1, behaviour reference §4): a shopper's stored consent to be
 * charged again, created by the Payments generate-customer-token call or a recurring Checkout order.
 * ACTIVE → CANCELLED (merchant, irreversible) | SUSPENDED (Klarna; the sandbox can set it).
 */
import type { Address, InitialPaymentMethod } from '../../kernel/schemas.js';
import { Transitions } from '../../kernel/transitions.js';
import { newId } from '../../platform/ids.js';

export const TOKEN_STATUSES = ['ACTIVE', 'CANCELLED', 'SUSPENDED'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** Every status change there is: a cancellation is final (§4). */
export const TOKEN_TRANSITIONS = new Transitions<TokenStatus>('customer token', {
  ACTIVE: ['ACTIVE', 'CANCELLED', 'SUSPENDED'],
  SUSPENDED: ['SUSPENDED', 'ACTIVE', 'CANCELLED'],
  CANCELLED: ['CANCELLED'],
});

/** payment_method_type of a token read (Klarna's enum). */
export const TOKEN_PAYMENT_METHOD_TYPES = ['INVOICE', 'CARD', 'DIRECT_DEBIT', 'SLICE_IT_BY_CARD', 'OTHER'] as const;
export type TokenPaymentMethodType = (typeof TOKEN_PAYMENT_METHOD_TYPES)[number];

export interface CardDetails {
  brand: string;
  expiry_date: string;
  masked_number: string;
}

export interface PaymentDetails {
  card?: CardDetails;
  direct_debit?: { masked_number: string };
}

export interface TokenCustomer {
  date_of_birth?: string;
  gender?: string;
  national_identification_number?: string;
  type?: string;
}

export interface CustomerTokenRecord {
  token_id: string;
  merchant_id: string;
  status: TokenStatus;
  payment_method_type: TokenPaymentMethodType;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  description: string | null;
  intended_use: string | null;
  billing_address: Address | null;
  shipping_address: Address | null;
  customer: TokenCustomer | null;
  /** The shopper's e-mail: its test-data pattern decides later token orders (§9.1). */
  email: string | null;
  payment_details: PaymentDetails | null;
  source: 'payments' | 'checkout' | 'sandbox';
  /** The authorization token or checkout order the token came from. */
  source_id: string | null;
  created_at: number;
  updated_at: number;
}

/** What a new token is made from; the rest (id, status, test payment details, times) is the same for every token. */
export type NewCustomerToken = Omit<CustomerTokenRecord, 'token_id' | 'status' | 'payment_details' | 'created_at' | 'updated_at'>;

/**
 * A new ACTIVE token (Payments generate-customer-token, a recurring Checkout order, the sandbox), with
 * the test payment details of its method; country and currency in upper case.
 */
export function newCustomerToken(input: NewCustomerToken, now: number): CustomerTokenRecord {
  return {
    ...input,
    token_id: newId(),
    status: 'ACTIVE',
    purchase_country: input.purchase_country.toUpperCase(),
    purchase_currency: input.purchase_currency.toUpperCase(),
    payment_details: testPaymentDetails(input.payment_method_type, now),
    created_at: now,
    updated_at: now,
  };
}

/**
 * The payment method an order placed with a token is on: OM's `initial_payment_method` and the
 * `authorized_payment_method` of the create-order answer (Klarna's lower-case enum).
 */
export interface TokenPaymentMethod {
  initial: InitialPaymentMethod;
  /** Absent for OTHER: no published `authorized_payment_method.type` fits it. */
  authorized?: { type: string; number_of_days?: number; number_of_installments?: number };
}

/** Same wording as the Payments categories, so an order reads alike whichever way it was placed. */
const TOKEN_PAYMENT_METHODS: Readonly<Record<TokenPaymentMethodType, TokenPaymentMethod>> = {
  INVOICE: { initial: { type: 'INVOICE', description: 'Pay later in 30 days' }, authorized: { type: 'invoice', number_of_days: 30 } },
  CARD: { initial: { type: 'CARD', description: 'Pay now by card' }, authorized: { type: 'card' } },
  DIRECT_DEBIT: { initial: { type: 'DIRECT_DEBIT', description: 'Pay now by direct debit' }, authorized: { type: 'direct_debit' } },
  SLICE_IT_BY_CARD: {
    initial: { type: 'FIXED_AMOUNT_BY_CARD', description: 'Pay in 3 installments by card', number_of_installments: 3 },
    authorized: { type: 'slice_it_by_card', number_of_installments: 3 },
  },
  OTHER: { initial: { type: 'OTHER', description: 'Other payment method' } },
};

export function tokenPaymentMethod(type: TokenPaymentMethodType): TokenPaymentMethod {
  return TOKEN_PAYMENT_METHODS[type];
}

const CARD_VALIDITY_YEARS = 3;

/**
 * Stored payment details for a token made without a real payment method (sandbox, or a Payments
 * authorization): Klarna's test card and German test IBAN (§9.1), masked, the card valid for three
 * years from `now`. Invoice-like methods have no details.
 */
export function testPaymentDetails(type: TokenPaymentMethodType, now: number): PaymentDetails | null {
  switch (type) {
    case 'CARD':
    case 'SLICE_IT_BY_CARD': {
      const expiry = new Date(now);
      const month = String(expiry.getUTCMonth() + 1).padStart(2, '0');
      return { card: { brand: 'VISA', expiry_date: `${month}/${expiry.getUTCFullYear() + CARD_VALIDITY_YEARS}`, masked_number: '************1111' } };
    }
    case 'DIRECT_DEBIT':
      return { direct_debit: { masked_number: '******************0131' } };
    case 'INVOICE':
    case 'OTHER':
      return null;
  }
}

/** The token as the Customer Token API reads it: status, method, and card or account details. */
export interface CustomerTokenView {
  status: TokenStatus;
  payment_method_type: TokenPaymentMethodType;
  card?: CardDetails;
  direct_debit?: { masked_number: string };
}

export function presentToken(token: CustomerTokenRecord): CustomerTokenView {
  return {
    status: token.status,
    payment_method_type: token.payment_method_type,
    ...(token.payment_details?.card && { card: token.payment_details.card }),
    ...(token.payment_details?.direct_debit && { direct_debit: token.payment_details.direct_debit }),
  };
}
