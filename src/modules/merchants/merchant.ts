/**
 * Merchants and their settings. Settings hold the per-merchant choices where Klarna's behaviour
 * depends on the merchant's contract or is undocumented (see docs/fidelity.md).
 */
import type { Db, Executor } from '../../platform/db/database.js';
import type { Sql } from '../../platform/db/sql.js';

export const RELEASE_STATUSES = ['CAPTURED', 'CLOSED'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export const SETTLEMENT_TYPES = ['GROSS', 'NET', 'GROSS_FEE'] as const;
export type SettlementType = (typeof SETTLEMENT_TYPES)[number];
export const PAYOUT_FREQUENCIES = ['daily', 'weekly', 'every_n_days'] as const;
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

/** Klarna's fee on a capture: a percentage (hundredths of a percent: 299 = 2.99 %) and a fixed part in minor units. */
export interface SettlementFee {
  percentage: number;
  fixed: number;
}

/** When payouts are made: every day, on one weekday, or every N days (UTC midnights), each paying what is `delay_days` old. */
export interface PayoutSchedule {
  frequency: (typeof PAYOUT_FREQUENCIES)[number];
  weekday: (typeof WEEKDAYS)[number];
  interval_days: number;
  delay_days: number;
}

/** A rolling reserve: this share of every sale (hundredths of a percent) is held back, and released after `release_days`. */
export interface Holdback {
  percentage: number;
  release_days: number;
}

export interface ExtendDueDateOption {
  number_of_days: number;
  amount: number;
}

export const CARD_BRANDS = ['VISA', 'MASTERCARD'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

export interface MerchantSettings {
  /** Days an authorization lasts, at creation and per extend-authorization-time call (Klarna default 28). */
  authorization_period_days: number;
  /** Longest possible authorization, counted from the order's creation (Klarna: 180 days). */
  max_authorization_days: number;
  /** Status of a part-captured order after release-remaining-authorization. */
  release_remaining_status: ReleaseStatus;
  /** Due-date extensions offered per capture of a pay-later order, with their fees in minor units. */
  extend_due_date_options: ExtendDueDateOption[];
  /** Whether idempotency also replays refusals (4xx) to a retry with the same key. */
  idempotency_replays_errors: boolean;
  /** Whether captures may carry `shipping_delay` > 0 (Klarna enables it per merchant). */
  shipping_delay_enabled: boolean;
  /** Payments: the payment method categories a session offers, by identifier (Klarna: per contract). */
  payment_method_categories: string[];
  /**
   * Payments create-order with an authorization token that already placed an order: true answers a
   * retry with the same body with the same order (and a different body with 409); false refuses
   * every second use with 403 INVALID_OPERATION (behaviour reference §11.15).
   */
  payments_replay_consumed_token: boolean;
  /** Hosted Payment Page: the playground's daily distribution limits (20 SMS, 100 e-mails), 429 beyond them. */
  hpp_distribution_limits: boolean;
  /** Settlements: Klarna's fee on captures, per currency (a currency not listed pays none). */
  settlement_fees: Record<string, SettlementFee>;
  /** VAT on Klarna's fees, hundredths of a percent (2500 = 25 %). */
  settlement_fee_vat_rate: number;
  /** Whether a refund gives back the percentage fee of what it refunds (FEE_REFUND). */
  settlement_fee_refund: boolean;
  settlement_payout_schedule: PayoutSchedule;
  /** NET: fees are taken from the payout; GROSS_FEE: fees get a payout of their own next to each one; GROSS: fees are collected monthly. */
  settlement_type: SettlementType;
  settlement_holdback: Holdback;
  /** Days after the capture that a dispute asked for by test data is decided (lost). */
  settlement_dispute_days: number;
  /** Merchant Card Service: whether the merchant is enrolled for virtual cards (403 on every operation otherwise). */
  merchant_card_enabled: boolean;
  /** Hours a card promise can be settled after its creation. */
  merchant_card_promise_hours: number;
  /** Hours the cards of a settlement can be used after its creation (its `expires_at`). */
  merchant_card_settlement_hours: number;
  /** Months after issue that a virtual card's `expiry_date` falls in. */
  merchant_card_expiry_months: number;
  /** Minutes after a cancel request that it is decided (its `check_after`); Klarna: within 15. */
  merchant_card_cancel_minutes: number;
  /** The brand of the cards issued. */
  merchant_card_brand: CardBrand;
}

export const DEFAULT_SETTINGS: MerchantSettings = {
  authorization_period_days: 28,
  max_authorization_days: 180,
  release_remaining_status: 'CAPTURED',
  extend_due_date_options: [
    { number_of_days: 7, amount: 195 },
    { number_of_days: 14, amount: 295 },
    { number_of_days: 30, amount: 495 },
  ],
  idempotency_replays_errors: true,
  shipping_delay_enabled: false,
  payment_method_categories: ['klarna'],
  payments_replay_consumed_token: true,
  hpp_distribution_limits: false,
  settlement_fees: {
    AUD: { percentage: 299, fixed: 30 },
    CAD: { percentage: 299, fixed: 30 },
    CHF: { percentage: 299, fixed: 35 },
    CZK: { percentage: 299, fixed: 800 },
    DKK: { percentage: 299, fixed: 250 },
    EUR: { percentage: 299, fixed: 35 },
    GBP: { percentage: 299, fixed: 20 },
    HUF: { percentage: 299, fixed: 10000 },
    MXN: { percentage: 299, fixed: 500 },
    NOK: { percentage: 299, fixed: 300 },
    NZD: { percentage: 299, fixed: 30 },
    PLN: { percentage: 299, fixed: 100 },
    RON: { percentage: 299, fixed: 150 },
    SEK: { percentage: 299, fixed: 300 },
    USD: { percentage: 299, fixed: 30 },
  },
  settlement_fee_vat_rate: 2500,
  settlement_fee_refund: true,
  settlement_payout_schedule: { frequency: 'daily', weekday: 'monday', interval_days: 7, delay_days: 7 },
  settlement_type: 'NET',
  settlement_holdback: { percentage: 0, release_days: 90 },
  settlement_dispute_days: 14,
  merchant_card_enabled: true,
  merchant_card_promise_hours: 24,
  merchant_card_settlement_hours: 24,
  merchant_card_expiry_months: 12,
  merchant_card_cancel_minutes: 15,
  merchant_card_brand: 'VISA',
};

export interface Merchant {
  merchant_id: string;
  username: string;
  password_hash: string;
  settings: MerchantSettings;
}

export function parseSettings(json: string): MerchantSettings {
  return mergeSettings(DEFAULT_SETTINGS, JSON.parse(json) as Partial<MerchantSettings>);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Settings with a change applied: a setting that is an object (fees per currency, the payout
 * schedule) takes the keys given and keeps the others; any other setting is replaced.
 */
export function mergeSettings(settings: MerchantSettings, change: Partial<MerchantSettings>): MerchantSettings {
  const merged: Record<string, unknown> = { ...settings };
  for (const [key, value] of Object.entries(change)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return merged as unknown as MerchantSettings;
}

export async function findMerchantById(db: Executor, merchantId: string): Promise<Merchant | undefined> {
  const row = await db
    .selectFrom('merchants')
    .select(['merchant_id', 'username', 'password_hash', 'settings'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row && { ...row, settings: parseSettings(row.settings) };
}

/** The merchant's settings, read on the hot path (one prepared statement). */
export async function readSettings(db: Db, merchantId: string): Promise<MerchantSettings> {
  return readSettingsIn(db.read, merchantId);
}

/** The merchant's settings as a transaction sees them (for work that runs outside a merchant's request). */
export async function readSettingsIn(sql: Sql, merchantId: string): Promise<MerchantSettings> {
  const row = await sql.get<{ settings: string }>('select settings from merchants where merchant_id = ?', [merchantId]);
  if (!row) throw new Error(`merchant ${merchantId} vanished`);
  return parseSettings(row.settings);
}
