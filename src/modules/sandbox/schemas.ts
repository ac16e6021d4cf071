/** Bodies of the sandbox API (not part of Klarna's surface). */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Address, Customer, InitialPaymentMethod, MAX_AMOUNT, MAX_ORDER_LINES, PurchaseOrderLine, StringEnum } from '../../kernel/schemas.js';
import { FRAUD_STATUSES } from '../order-management/order.js';
import { MAX_CLOCK_ADVANCE_SECONDS } from '../../platform/clock.js';
import { RELEASE_STATUSES } from '../merchants/merchant.js';
import { CATEGORY_IDENTIFIERS } from '../payments/session.js';

const CATEGORY_IDENTIFIERS_TUPLE = CATEGORY_IDENTIFIERS as unknown as readonly string[];

const opt = Type.Optional;

/** Shaped like a Payments create-order request, plus the outcome to force. */
export const SandboxOrderBody = Type.Object({
  purchase_country: Type.String({ minLength: 2, maxLength: 2 }),
  purchase_currency: Type.String({ minLength: 3, maxLength: 3 }),
  /** Checked against Klarna's locale rule (marketErrors), which answers `Bad value: locale`. */
  locale: Type.String({ maxLength: 16 }),
  order_amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }),
  order_tax_amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }),
  order_lines: Type.Array(PurchaseOrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  customer: opt(Customer),
  merchant_reference1: opt(Type.String({ maxLength: 255 })),
  merchant_reference2: opt(Type.String({ maxLength: 255 })),
  merchant_data: opt(Type.String({ maxLength: 6000 })),
  fraud_status: opt(StringEnum(FRAUD_STATUSES)),
  initial_payment_method: opt(InitialPaymentMethod),
});
export type SandboxOrderBody = Static<typeof SandboxOrderBody>;

export const ClockAdvanceBody = Type.Object({
  seconds: Type.Integer({ minimum: 0, maximum: MAX_CLOCK_ADVANCE_SECONDS }),
});

export const ClockResponse = Type.Object({ now: Type.String(), offset_seconds: Type.Integer() });

export const EventsQuery = Type.Object({ order_id: opt(Type.String({ maxLength: 255 })), session_id: opt(Type.String({ maxLength: 255 })) });

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
  },
  { additionalProperties: false },
);
export type SettingsBody = Static<typeof SettingsBody>;
