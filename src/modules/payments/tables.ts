/**
 * Payments' tables, added to the platform's Database type (platform/db/schema.ts). Times are epoch
 * milliseconds; nested Klarna objects are JSON text.
 */

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

declare module '../../platform/db/schema.js' {
  interface Database {
    payment_sessions: PaymentSessionsTable;
    payment_authorizations: PaymentAuthorizationsTable;
  }
}
