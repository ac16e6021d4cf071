/**
 * The Merchant Card Service's tables, added to the platform's Database type (platform/db/schema.ts).
 * Times are epoch milliseconds; amounts are minor units; nested objects are JSON text.
 */
import type { CardRecord } from './merchant-card.js';

export interface MerchantCardKeysTable {
  key_id: string;
  merchant_id: string;
  jwk: string;
  thumbprint: string;
  bits: number;
  status: string;
  created_at: number;
  revoked_at: number | null;
}

export interface MerchantCardPromisesTable {
  promise_id: string;
  merchant_id: string;
  order_id: string;
  cards: string;
  status: string;
  created_at: number;
  expires_at: number;
}

export interface MerchantCardSettlementsTable {
  settlement_id: string;
  merchant_id: string;
  order_id: string;
  promise_id: string | null;
  capture_id: string;
  created_at: number;
  expires_at: number;
}

/** A card (merchant-card.ts) as stored: its status as text. */
export interface MerchantCardCardsTable extends Omit<CardRecord, 'status'> {
  status: string;
}

export interface MerchantCardCancelRequestsTable {
  order_id: string;
  merchant_id: string;
  status: string;
  reason_code: string | null;
  reason_message: string | null;
  requested_at: number;
  check_after: number;
  decided_at: number | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    merchant_card_keys: MerchantCardKeysTable;
    merchant_card_promises: MerchantCardPromisesTable;
    merchant_card_settlements: MerchantCardSettlementsTable;
    merchant_card_cards: MerchantCardCardsTable;
    merchant_card_cancel_requests: MerchantCardCancelRequestsTable;
  }
}
