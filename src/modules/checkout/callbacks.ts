/**
 * The calls Checkout makes to the merchant (§2.3, §2.4): the push, delivered by the outbox on its
 * schedule, and the four the shopper waits for (validation, address_update, country_change,
 * shipping_option_update), made at once and recorded (merchant-calls.ts). One rule ends the push: the
 * order is acknowledged, or captured (which acknowledges it), whatever the merchant answered.
 */
import { MS_PER_SECOND } from '../../platform/clock.js';
import type { Sql } from '../../platform/db/sql.js';
import type { Fact } from '../../platform/reactions.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';
import { stopPendingCallbacks } from '../../platform/outbox/callbacks.js';
import type { CallTimeouts } from '../../platform/outbox/http-client.js';
import { isAcknowledged } from '../order-management/order.repository.js';

const MS_PER_MINUTE = 60 * MS_PER_SECOND;

/** The first push goes about 2 minutes after completion. */
export const PUSH_FIRST_DELAY_MS = 2 * MS_PER_MINUTE;

/** After 5, 15, 30 and 60 minutes, then every 4 hours until 48 hours have passed. */
function pushDelays(): number[] {
  const delays = [5, 15, 30, 60].map((m) => m * MS_PER_MINUTE);
  const total = 48 * 60 * MS_PER_MINUTE;
  let elapsed = delays.reduce((a, b) => a + b, 0);
  while (elapsed + 240 * MS_PER_MINUTE <= total) {
    delays.push(240 * MS_PER_MINUTE);
    elapsed += 240 * MS_PER_MINUTE;
  }
  return delays;
}

/**
 * The push: an empty POST to `merchant_urls.push` on the schedule above, repeated after a 2xx too,
 * until the order is acknowledged or captured. Klarna was seen giving up reading after about 5 s.
 */
export const PUSH_CALLBACK: CallbackKind = {
  kind: 'checkout.push',
  policy: { connect_timeout_ms: 5 * MS_PER_SECOND, response_timeout_ms: 5 * MS_PER_SECOND, retry_delays_ms: pushDelays(), repeat_after_success: true },
  // Checked before each attempt: an acknowledged (or vanished) order needs no more pushes.
  stopWhen: async (sql, callback) => callback.order_id === null || (await isAcknowledged(sql, callback.merchant_id, callback.order_id)) !== false,
};

/** …and at once, in the transaction that acknowledges or captures the order. */
export async function endPushOnAcknowledgement(sql: Sql, fact: Fact): Promise<void> {
  await stopPendingCallbacks(sql, fact.merchantId, fact.subjectId, PUSH_CALLBACK, fact.now);
}

/**
 * Validation: Klarna waits 3 s, or 10 s when the merchant requires a positive answer (§2.4).
 * address_update, country_change, shipping_option_update: undocumented; klarna-local waits 2 s for
 * the connection and 5 s for the answer (docs/fidelity.md).
 */
export const VALIDATION_TIMEOUTS: CallTimeouts = { connect_timeout_ms: 3 * MS_PER_SECOND, response_timeout_ms: 3 * MS_PER_SECOND, total_timeout_ms: 3 * MS_PER_SECOND };
export const REQUIRED_VALIDATION_TIMEOUTS: CallTimeouts = {
  connect_timeout_ms: 10 * MS_PER_SECOND,
  response_timeout_ms: 10 * MS_PER_SECOND,
  total_timeout_ms: 10 * MS_PER_SECOND,
};
export const SHIPPING_CALLBACK_TIMEOUTS: CallTimeouts = { connect_timeout_ms: 2 * MS_PER_SECOND, response_timeout_ms: 5 * MS_PER_SECOND };

/** A call the shopper waits for: one attempt, no retries. */
const waitedFor = (kind: string, timeouts: CallTimeouts): CallbackKind => ({
  kind,
  policy: { connect_timeout_ms: timeouts.connect_timeout_ms, response_timeout_ms: timeouts.response_timeout_ms, retry_delays_ms: [] },
});

export const VALIDATION_CALL = waitedFor('checkout.validation', VALIDATION_TIMEOUTS);
export const ADDRESS_UPDATE_CALL = waitedFor('checkout.address_update', SHIPPING_CALLBACK_TIMEOUTS);
export const COUNTRY_CHANGE_CALL = waitedFor('checkout.country_change', SHIPPING_CALLBACK_TIMEOUTS);
export const SHIPPING_OPTION_UPDATE_CALL = waitedFor('checkout.shipping_option_update', SHIPPING_CALLBACK_TIMEOUTS);

/** The calls the shopper waits for, as the shopper's actions name them. */
export type WaitedForCall = typeof VALIDATION_CALL;
