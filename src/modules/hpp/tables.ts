/**
 * The Hosted Payment Page's table, added to the platform's Database type (platform/db/schema.ts).
 * Times are epoch milliseconds; nested objects are JSON text.
 */

export interface HppSessionsTable {
  session_id: string;
  merchant_id: string;
  status: string;
  payment_kind: string;
  payment_id: string;
  page_code: string;
  distribution_token: string;
  options: string;
  merchant_urls: string;
  authorization_token: string | null;
  order_id: string | null;
  klarna_reference: string | null;
  customer: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    hpp_sessions: HppSessionsTable;
  }
}
