/**
 * Settlements' tables, added to the platform's Database type (platform/db/schema.ts). Times are
 * epoch milliseconds; amounts are minor units.
 */
import type { Booking } from './settlement.js';

/** A booking (settlement.ts) as stored: its row id and merchant, and its payout once paid out. */
export interface SettlementTransactionsTable extends Omit<Booking, 'type'> {
  seq: number;
  transaction_id: string;
  merchant_id: string;
  type: string;
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
