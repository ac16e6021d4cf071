/**
 * Customer Token's table, added to the platform's Database type (platform/db/schema.ts). Times are
 * epoch milliseconds; nested Klarna objects are JSON text.
 */

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

declare module '../../platform/db/schema.js' {
  interface Database {
    customer_tokens: CustomerTokensTable;
  }
}
