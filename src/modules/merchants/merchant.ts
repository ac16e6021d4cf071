/**
 * Merchants and their settings. Settings hold the per-merchant choices where Klarna's behaviour
 * depends on the merchant's contract or is undocumented (see docs/fidelity.md).
 */
import type { Db, Executor } from '../../platform/db/database.js';

export const RELEASE_STATUSES = ['CAPTURED', 'CLOSED'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export interface ExtendDueDateOption {
  number_of_days: number;
  amount: number;
}

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
};

export interface Merchant {
  merchant_id: string;
  username: string;
  password_hash: string;
  settings: MerchantSettings;
}

export function parseSettings(json: string): MerchantSettings {
  return { ...DEFAULT_SETTINGS, ...(JSON.parse(json) as Partial<MerchantSettings>) };
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
  const row = await db.read.get<{ settings: string }>('select settings from merchants where merchant_id = ?', [merchantId]);
  if (!row) throw new Error(`authenticated merchant ${merchantId} vanished`);
  return parseSettings(row.settings);
}
