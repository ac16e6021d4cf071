/**
 * Row types of every table, as Kysely sees them. Times are epoch milliseconds (BIGINT / INTEGER);
 * money is integer minor units; nested Klarna objects are JSON text.
 */
import type { Generated } from 'kysely';

export interface MerchantsTable {
  merchant_id: string;
  username: string;
  password_hash: string;
  /** JSON object of MerchantSettings overrides. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface OrdersTable {
  order_id: string;
  merchant_id: string;
  status: string;
  fraud_status: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  order_amount: number;
  original_order_amount: number;
  /** Stored copy of Σ captures.captured_amount (checked against the rows in tests). */
  captured_amount: number;
  /** Stored copy of Σ refunds.refunded_amount. */
  refunded_amount: number;
  order_lines: string;
  merchant_reference1: string | null;
  merchant_reference2: string | null;
  merchant_data: string | null;
  klarna_reference: string;
  customer: string | null;
  billing_address: string | null;
  shipping_address: string | null;
  initial_payment_method: string | null;
  selected_shipping_option: string | null;
  shipping_info: string;
  capture_count: number;
  created_at: number;
  expires_at: number;
  acknowledged_at: number | null;
  updated_at: number;
  /** JSON of the order as GET answers it, without captures and refunds, as of the last write. */
  document: string;
  /** ACCEPTED | REJECTED: what a PENDING fraud status turns into at fraud_decision_at. */
  fraud_decision: string | null;
  fraud_decision_at: number | null;
  /** JSON merchant_urls of the purchase that created the order. */
  merchant_urls: string | null;
}

export interface CapturesTable {
  capture_id: string;
  order_id: string;
  merchant_id: string;
  seq: number;
  captured_amount: number;
  refunded_amount: number;
  description: string | null;
  reference: string | null;
  order_lines: string;
  shipping_info: string;
  billing_address: string | null;
  shipping_address: string | null;
  shipping_delay: number | null;
  due_date_extension_days: number | null;
  due_date_extension_fee: number | null;
  captured_at: number;
  /** JSON of the capture as Order Management answers it. */
  document: string;
}

export interface RefundsTable {
  refund_id: string;
  order_id: string;
  merchant_id: string;
  refunded_amount: number;
  description: string | null;
  reference: string | null;
  order_lines: string;
  /** JSON array of {capture_id, amount}: how the refund was allocated to captures. */
  allocations: string;
  refunded_at: number;
  /** JSON of the refund as Order Management answers it. */
  document: string;
}

export interface EventsTable {
  event_id: Generated<number>;
  merchant_id: string;
  order_id: string | null;
  type: string;
  /** JSON object. */
  payload: string;
  created_at: number;
}

export interface IdempotencyKeysTable {
  merchant_id: string;
  idempotency_key: string;
  created_at: number;
  status_code: number;
  /** JSON object of replayed response headers. */
  headers: string;
  body: string | null;
}

export interface SandboxClockTable {
  id: number;
  offset_ms: number;
}

export interface InstanceSecretsTable {
  name: string;
  value: string;
}

export interface PaymentSessionsTable {
  session_id: string;
  merchant_id: string;
  status: string;
  intent: string;
  /** JSON of the session's order data as the merchant last set it. */
  data: string;
  /** JSON of what the shopper gave at the last authorization. */
  shopper: string | null;
  order_id: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface PaymentAuthorizationsTable {
  authorization_token: string;
  session_id: string;
  merchant_id: string;
  /** active | cancelled | consumed */
  status: string;
  /** JSON: session data and shopper details as authorized. */
  snapshot: string;
  /** JSON: the credit and fraud decision. */
  decision: string;
  order_id: string | null;
  order_request: string | null;
  order_response: string | null;
  customer_token_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface CustomerTokensTable {
  token_id: string;
  merchant_id: string;
  status: string;
  payment_method_type: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  description: string | null;
  intended_use: string | null;
  billing_address: string | null;
  shipping_address: string | null;
  customer: string | null;
  email: string | null;
  payment_details: string | null;
  source: string;
  source_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface CallbacksTable {
  callback_id: Generated<number>;
  merchant_id: string;
  kind: string;
  order_id: string | null;
  session_id: string | null;
  url: string;
  body: string | null;
  /** pending | delivered | failed | cancelled */
  status: string;
  attempts: number;
  /** JSON DeliveryPolicy. */
  policy: string;
  next_attempt_at: number;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface CallbackAttemptsTable {
  attempt_id: Generated<number>;
  callback_id: number;
  attempt: number;
  started_at: number;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

export interface CheckoutOrdersTable {
  order_id: string;
  merchant_id: string;
  status: string;
  /** JSON of the order as the merchant set it. */
  data: string;
  /** JSON of what the shopper entered. */
  shopper: string | null;
  recurring_token: string | null;
  aborted_at: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  expires_at: number;
}

export interface Database {
  merchants: MerchantsTable;
  orders: OrdersTable;
  captures: CapturesTable;
  refunds: RefundsTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  sandbox_clock: SandboxClockTable;
  instance_secrets: InstanceSecretsTable;
  payment_sessions: PaymentSessionsTable;
  payment_authorizations: PaymentAuthorizationsTable;
  customer_tokens: CustomerTokensTable;
  callbacks: CallbacksTable;
  callback_attempts: CallbackAttemptsTable;
  checkout_orders: CheckoutOrdersTable;
}
