/**
 * Settlements' tables, added to the platform's Database type (platform/db/schema.ts). Times are
 * epoch milliseconds; amounts are minor units.
 */

export interface SettlementTransactionsTable {
  seq: number;
  transaction_id: string;
  merchant_id: string;
  order_id: string;
  currency_code: string;
  type: string;
  detailed_type: string;
  amount: number;
  vat_rate: number | null;
  vat_amount: number | null;
  capture_id: string | null;
  refund_id: string | null;
  capture_date: number;
  sale_date: number;
  short_order_id: string | null;
  merchant_reference1: string | null;
  merchant_reference2: string | null;
  merchant_capture_reference: string | null;
  merchant_refund_reference: string | null;
  purchase_country: string;
  shipping_country: string | null;
  initial_payment_method_type: string | null;
  initial_number_of_installments: number | null;
  reversal_reference: string | null;
  klarna_comment: string | null;
  booked_at: number;
  eligible_at: number;
  payment_reference: string | null;
  payout_date: number | null;
}

export interface SettlementPayoutsTable {
  seq: number;
  payment_reference: string;
  merchant_id: string;
  currency_code: string;
  payout_date: number;
  merchant_settlement_type: string;
  totals: string;
  closing_debt_balance_amount: number;
  transaction_count: number;
  created_at: number;
}

export interface SettlementSchedulesTable {
  merchant_id: string;
  next_payout_at: number;
}

export interface SettlementDisputesTable {
  dispute_id: string;
  merchant_id: string;
  order_id: string;
  capture_id: string;
  reversal_reference: string;
  reason: string;
  amount: number;
  status: string;
  merchant_protection: number;
  booking: string;
  opened_at: number;
  decide_at: number | null;
  decided_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    settlement_transactions: SettlementTransactionsTable;
    settlement_payouts: SettlementPayoutsTable;
    settlement_schedules: SettlementSchedulesTable;
    settlement_disputes: SettlementDisputesTable;
  }
}
