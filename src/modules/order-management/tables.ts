/**
 * Order Management's tables, added to the platform's Database type (platform/db/schema.ts). Times
 * are epoch milliseconds; money is integer minor units; nested Klarna objects are JSON text.
 */

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

declare module '../../platform/db/schema.js' {
  interface Database {
    orders: OrdersTable;
    captures: CapturesTable;
    refunds: RefundsTable;
  }
}
