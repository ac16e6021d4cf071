/**
 * Customer tokens (Customer Token API v1, behaviour reference §4): a shopper's stored consent to be
 * charged again, created by the Payments generate-customer-token call or a recurring Checkout order.
 * ACTIVE → CANCELLED (merchant, irreversible) | SUSPENDED (Klarna; the sandbox can set it).
 */
import type { Address } from '../../kernel/schemas.js';

export const TOKEN_STATUSES = ['ACTIVE', 'CANCELLED', 'SUSPENDED'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** Every status change there is. */
const TOKEN_TRANSITIONS: Readonly<Record<TokenStatus, readonly TokenStatus[]>> = {
  ACTIVE: ['ACTIVE', 'CANCELLED', 'SUSPENDED'],
  SUSPENDED: ['SUSPENDED', 'ACTIVE', 'CANCELLED'],
  CANCELLED: ['CANCELLED'],
};

export function canTransition(from: TokenStatus, to: TokenStatus): boolean {
  return TOKEN_TRANSITIONS[from].includes(to);
}

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
