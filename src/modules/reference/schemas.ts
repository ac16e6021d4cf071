/**
 * The shapes of the bodies that are built by hand (a stored document sent as it is, a presenter's
 * object sent with JSON.stringify) and so have no response schema on their route. They exist for the
 * OpenAPI document only: nothing is validated or serialised through them at run time. Objects are
 * open (Klarna adds fields; the stored documents carry what the merchant sent), and `required` names
 * what every answer has.
 */
import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = (description?: string) => Type.String(description === undefined ? {} : { description });
const int = (description?: string) => Type.Integer(description === undefined ? {} : { description });
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const anyObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

/** Klarna's error envelope; `correlation_id` equals the `Klarna-Correlation-Id` header. */
export const ErrorEnvelope = Type.Object(
  {
    error_code: str('A code listed in docs/error-codes.md'),
    error_messages: Type.Array(Type.String(), { minItems: 1 }),
    correlation_id: str('The same as the Klarna-Correlation-Id header'),
  },
  { additionalProperties: false },
);

/** An order line as the purchase APIs echo it (the merchant's own fields are kept). */
const Line = Type.Object({
  type: opt(str()),
  reference: opt(str()),
  name: str(),
  quantity: int(),
  unit_price: opt(int()),
  tax_rate: opt(int()),
  total_amount: int(),
  total_tax_amount: opt(int()),
});

const Address = anyObject('An address as Klarna shapes it (given_name, family_name, street_address, postal_code, city, country, email, phone, …)');

// ---- Payments v1 ----

export const PaymentMethodCategory = Type.Object({
  identifier: str('pay_later, pay_over_time, pay_now, direct_debit, …'),
  name: str(),
  asset_urls: Type.Object({ descriptive: str(), standard: str() }),
});

export const PaymentsSessionCreated = Type.Object({
  session_id: str(),
  client_token: str('A JWT for the browser library (and klarna-local’s widget)'),
  payment_method_categories: Type.Array(PaymentMethodCategory),
});

export const PaymentsSession = Type.Object({
  status: StringEnum(['incomplete', 'complete'] as const),
  intent: StringEnum(['buy', 'tokenize', 'buy_and_tokenize'] as const),
  client_token: str(),
  expires_at: str(),
  purchase_country: str(),
  purchase_currency: str(),
  locale: opt(str()),
  order_amount: int(),
  order_tax_amount: opt(int()),
  order_lines: Type.Array(Line),
  payment_method_categories: Type.Array(PaymentMethodCategory),
  authorization_token: opt(str('The latest valid authorization of an incomplete session')),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  customer: opt(anyObject('The customer, without identity numbers')),
  merchant_urls: opt(anyObject('The merchant’s URLs')),
});

const AuthorizedPaymentMethod = Type.Object({ type: str(), number_of_installments: opt(int()), number_of_days: opt(int()) });

export const PaymentsOrderCreated = Type.Object({
  order_id: str(),
  redirect_url: opt(str('merchant_urls.confirmation with {order.id} and {session.id} filled in')),
  fraud_status: StringEnum(['ACCEPTED', 'PENDING', 'REJECTED'] as const),
  authorized_payment_method: AuthorizedPaymentMethod,
});

export const PaymentsCustomerToken = Type.Object({
  token_id: str(),
  redirect_url: opt(str()),
  billing_address: opt(Address),
  customer: Type.Object({ date_of_birth: opt(str()), gender: opt(str()) }),
  payment_method_reference: str(),
});

// ---- Checkout v3 ----

export const CheckoutOrder = Type.Object({
  order_id: str(),
  name: opt(str('The merchant’s name')),
  status: StringEnum(['checkout_incomplete', 'checkout_complete'] as const),
  purchase_country: str(),
  purchase_currency: str(),
  locale: str(),
  order_amount: int(),
  order_tax_amount: int(),
  order_lines: Type.Array(Line),
  merchant_urls: anyObject('The merchant’s URLs'),
  html_snippet: str('The checkout iframe to embed'),
  started_at: str(),
  last_modified_at: str(),
  completed_at: opt(str()),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  customer: opt(anyObject('The customer')),
  selected_shipping_option: opt(anyObject('The shipping option the shopper chose')),
  recurring_token: opt(str()),
});

// ---- Customer Token v1 ----

export const TokenOrderCreated = Type.Object({
  order_id: str(),
  redirect_url: opt(str()),
  fraud_status: StringEnum(['ACCEPTED', 'PENDING', 'REJECTED'] as const),
  authorized_payment_method: opt(AuthorizedPaymentMethod),
});

// ---- Hosted Payment Page v1 ----

export const HppSessionCreated = Type.Object({
  session_id: str(),
  session_url: str(),
  redirect_url: str('The hosted page for the consumer'),
  qr_code_url: str(),
  distribution_url: str(),
  distribution_module: Type.Object({ token: str(), standalone_url: str(), generation_url: str() }),
  manual_identification_check_url: str(),
  expires_at: str(),
});

export const ManualIdCheck = Type.Object({ session_id: str(), status: str(), manual_identification_required: Type.Boolean() });

// ---- Settlements v1 ----

const Pagination = Type.Object({ count: int(), total: int(), offset: int(), next: opt(str()), prev: opt(str()) });

export const PayoutsPage = (payout: TSchema) => Type.Object({ payouts: Type.Array(payout), pagination: Pagination });

export const PayoutSummary = Type.Object({
  summary_settlement_currency: str(),
  summary_payout_date_start: str(),
  summary_payout_date_end: str(),
  summary_total_sale_amount: int(),
  summary_total_settlement_amount: int(),
  summary_total_fee_amount: int(),
  summary_total_return_amount: int(),
  summary_total_tax_amount: int(),
  summary_total_commission_amount: int(),
  summary_total_holdback_amount: int(),
  summary_total_release_amount: int(),
  summary_total_reversal_amount: int(),
  summary_total_repay_amount: int(),
  summary_total_fee_correction_amount: int(),
});

const Transaction = Type.Object({
  amount: int(),
  capture_id: str(),
  sale_date: str(),
  capture_date: str(),
  type: str('SALE, RETURN, FEE, REVERSAL, …'),
  detailed_type: str(),
  order_id: str(),
  currency_code: str(),
  purchase_country: str(),
  payment_reference: opt(str()),
  payout: opt(str('The URL of the payout that paid it')),
  refund_id: opt(str()),
  short_order_id: opt(str()),
  merchant_reference1: opt(str()),
  merchant_reference2: opt(str()),
  vat_rate: opt(int()),
  vat_amount: opt(int()),
});

export const TransactionsPage = Type.Object({ transactions: Type.Array(Transaction), pagination: Pagination });

// ---- Merchant Card Service v3 ----

export const PromiseCreated = Type.Object({ promise_id: str(), expires_at: str() });

export const CardPromise = Type.Object({
  promise_id: str(),
  order_id: str(),
  cards: Type.Array(Type.Object({ amount: int(), currency: str(), reference: str() })),
  created_at: str(),
  expire_at: str(),
});

export const CardSettlement = Type.Object({
  settlement_id: str(),
  promise_id: opt(str()),
  order_id: str(),
  cards: Type.Array(
    Type.Object({
      reference: str(),
      card_id: str(),
      amount: int(),
      currency: str(),
      brand: str(),
      holder: str(),
      pci_data: str('The card (number, expiry, code) encrypted with AES-128-CTR'),
      iv: str(),
      aes_key: str('The AES key wrapped with the merchant’s RSA key'),
    }),
  ),
  created_at: str(),
  expires_at: str(),
});

export const CancelRequest = Type.Object({
  status: StringEnum(['PENDING', 'CANCELLED', 'REJECTED'] as const),
  check_after: opt(str()),
  reason_code: opt(str()),
  reason_message: opt(str()),
});

/** GET cancel-request without a request: Klarna's documented body, with the envelope's fields. */
export const NoCancelRequest = Type.Object({
  status: Type.Literal('NO_REQUEST_FOUND'),
  reason_code: str(),
  reason_message: str(),
  error_code: str(),
  error_messages: Type.Array(Type.String()),
  correlation_id: str(),
});

// ---- The shopper side ----

export const ShopperSession = Type.Object({
  session_id: str(),
  status: StringEnum(['incomplete', 'complete'] as const),
  intent: str(),
  purchase_country: str(),
  purchase_currency: str(),
  locale: str(),
  order_amount: int(),
  order_tax_amount: int(),
  order_lines: Type.Array(Type.Object({ name: str(), quantity: int(), total_amount: int(), type: opt(str()), image_url: opt(str()) })),
  billing_address: nullable(Address),
  shipping_address: nullable(Address),
  payment_method_categories: Type.Array(PaymentMethodCategory),
  expires_at: int('Epoch milliseconds'),
});

export const CheckoutPageView = Type.Object({
  order_id: str(),
  status: str(),
  aborted: Type.Boolean(),
  merchant_name: str(),
  purchase_country: str(),
  purchase_currency: str(),
  locale: str(),
  lines: Type.Array(anyObject('A line as the page shows it')),
  shipping_options: Type.Array(anyObject('A shipping option')),
  selected_shipping_option_id: nullable(str()),
  order_amount: int(),
  order_amount_formatted: str(),
  order_tax_amount: int(),
  order_tax_amount_formatted: str(),
  email: nullable(str()),
  billing_address: Address,
  shipping_address: nullable(Address),
  allow_separate_shipping_address: Type.Boolean(),
  billing_countries: Type.Array(Type.String()),
  shipping_countries: Type.Array(Type.String()),
  terms_url: nullable(str()),
  cancellation_terms_url: nullable(str()),
  completed_at: nullable(str()),
});

const ShopperOutcome = Type.Object({
  status: StringEnum(['updated', 'checkout_complete', 'redirect', 'error', 'declined', 'validation_failed'] as const),
  order_id: opt(str()),
  redirect_url: opt(str()),
  callback: opt(str()),
  error_type: opt(str()),
  error_text: opt(nullable(str())),
  reason: opt(str()),
});

export const CheckoutPageAnswer = Type.Object({ outcome: ShopperOutcome, order: opt(CheckoutPageView) });

// ---- Operations ----

export const Health = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
export const Ready = Type.Object({ status: Type.Literal('ready') }, { additionalProperties: false });
