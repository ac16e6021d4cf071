/**
 * Checkout's table, added to the platform's Database type (platform/db/schema.ts). Times are epoch
 * milliseconds; nested Klarna objects are JSON text.
 */

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

declare module '../../platform/db/schema.js' {
  interface Database {
    checkout_orders: CheckoutOrdersTable;
  }
}
