/** The body of `PATCH /sandbox/v1/settings` (any subset of the merchant's settings) and the settings as answered. */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { MAX_AMOUNT, StringEnum } from '../../kernel/schemas.js';
import { CATEGORY_IDENTIFIERS } from '../payments/session.js';
import { CARD_BRANDS, PAYOUT_FREQUENCIES, RELEASE_STATUSES, SETTLEMENT_TYPES, WEEKDAYS } from './merchant.js';

const CATEGORY_IDENTIFIERS_TUPLE = CATEGORY_IDENTIFIERS as unknown as readonly string[];
const opt = Type.Optional;
/** Hundredths of a percent, as Klarna writes tax rates (2500 = 25 %). */
const Rate = Type.Integer({ minimum: 0, maximum: 10000 });

export const SettingsBody = Type.Object(
  {
    authorization_period_days: opt(Type.Integer({ minimum: 1, maximum: 180 })),
    max_authorization_days: opt(Type.Integer({ minimum: 1, maximum: 3650 })),
    release_remaining_status: opt(StringEnum(RELEASE_STATUSES)),
    extend_due_date_options: opt(
      Type.Array(
        Type.Object({ number_of_days: Type.Integer({ minimum: 1, maximum: 365 }), amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }) }),
        { maxItems: 20 },
      ),
    ),
    idempotency_replays_errors: opt(Type.Boolean()),
    shipping_delay_enabled: opt(Type.Boolean()),
    payment_method_categories: opt(Type.Array(StringEnum(CATEGORY_IDENTIFIERS_TUPLE), { minItems: 1, maxItems: 6, uniqueItems: true })),
    payments_replay_consumed_token: opt(Type.Boolean()),
    hpp_distribution_limits: opt(Type.Boolean()),
    settlement_fees: opt(
      Type.Record(
        Type.String({ pattern: '^[A-Z]{3}$' }),
        Type.Object({ percentage: Rate, fixed: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }) }, { additionalProperties: false }),
        { maxProperties: 50, additionalProperties: false },
      ),
    ),
    settlement_fee_vat_rate: opt(Rate),
    settlement_fee_refund: opt(Type.Boolean()),
    settlement_payout_schedule: opt(
      Type.Object(
        {
          frequency: opt(StringEnum(PAYOUT_FREQUENCIES)),
          weekday: opt(StringEnum(WEEKDAYS)),
          interval_days: opt(Type.Integer({ minimum: 1, maximum: 366 })),
          delay_days: opt(Type.Integer({ minimum: 0, maximum: 366 })),
        },
        { additionalProperties: false },
      ),
    ),
    settlement_type: opt(StringEnum(SETTLEMENT_TYPES)),
    settlement_holdback: opt(
      Type.Object({ percentage: opt(Rate), release_days: opt(Type.Integer({ minimum: 0, maximum: 3650 })) }, { additionalProperties: false }),
    ),
    settlement_dispute_days: opt(Type.Integer({ minimum: 0, maximum: 366 })),
    merchant_card_enabled: opt(Type.Boolean()),
    merchant_card_promise_hours: opt(Type.Integer({ minimum: 1, maximum: 24 * 366 })),
    merchant_card_settlement_hours: opt(Type.Integer({ minimum: 1, maximum: 24 * 366 })),
    merchant_card_expiry_months: opt(Type.Integer({ minimum: 1, maximum: 120 })),
    merchant_card_cancel_minutes: opt(Type.Integer({ minimum: 0, maximum: 15 })),
    merchant_card_brand: opt(StringEnum(CARD_BRANDS)),
  },
  { additionalProperties: false },
);
export type SettingsBody = Static<typeof SettingsBody>;

/** Every setting with its value (a merchant's, or the defaults), as the settings routes answer them. */
export const MerchantSettingsSchema = Type.Object(
  {
    authorization_period_days: Type.Integer(),
    max_authorization_days: Type.Integer(),
    release_remaining_status: StringEnum(RELEASE_STATUSES),
    extend_due_date_options: Type.Array(Type.Object({ number_of_days: Type.Integer(), amount: Type.Integer() })),
    idempotency_replays_errors: Type.Boolean(),
    shipping_delay_enabled: Type.Boolean(),
    payment_method_categories: Type.Array(Type.String()),
    payments_replay_consumed_token: Type.Boolean(),
    hpp_distribution_limits: Type.Boolean(),
    settlement_fees: Type.Record(Type.String(), Type.Object({ percentage: Type.Integer(), fixed: Type.Integer() })),
    settlement_fee_vat_rate: Type.Integer(),
    settlement_fee_refund: Type.Boolean(),
    settlement_payout_schedule: Type.Object({
      frequency: StringEnum(PAYOUT_FREQUENCIES),
      weekday: StringEnum(WEEKDAYS),
      interval_days: Type.Integer(),
      delay_days: Type.Integer(),
    }),
    settlement_type: StringEnum(SETTLEMENT_TYPES),
    settlement_holdback: Type.Object({ percentage: Type.Integer(), release_days: Type.Integer() }),
    settlement_dispute_days: Type.Integer(),
    merchant_card_enabled: Type.Boolean(),
    merchant_card_promise_hours: Type.Integer(),
    merchant_card_settlement_hours: Type.Integer(),
    merchant_card_expiry_months: Type.Integer(),
    merchant_card_cancel_minutes: Type.Integer(),
    merchant_card_brand: StringEnum(CARD_BRANDS),
  },
  // A stored setting this version does not know is still shown as it is stored.
  { additionalProperties: true },
);

/** `GET` and `PATCH /sandbox/v1/settings`: the merchant's settings and the defaults beside them. */
export const SettingsResponse = Type.Object({
  merchant_id: Type.String(),
  username: Type.String(),
  settings: MerchantSettingsSchema,
  defaults: MerchantSettingsSchema,
});
export type SettingsResponse = Static<typeof SettingsResponse>;
