/** The body of `PATCH /sandbox/v1/settings`: any subset of the merchant's settings. */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { MAX_AMOUNT, StringEnum } from '../../kernel/schemas.js';
import { CATEGORY_IDENTIFIERS } from '../payments/session.js';
import { RELEASE_STATUSES } from './merchant.js';

const CATEGORY_IDENTIFIERS_TUPLE = CATEGORY_IDENTIFIERS as unknown as readonly string[];
const opt = Type.Optional;

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
  },
  { additionalProperties: false },
);
export type SettingsBody = Static<typeof SettingsBody>;
