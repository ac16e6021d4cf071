/** The callback Order Management sends: the fraud decision on a pending order (§1.4). */
import { MS_PER_SECOND } from '../../platform/clock.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';

const MS_PER_MINUTE = 60 * MS_PER_SECOND;

/**
 * `merchant_urls.notification`: `{order_id, event_type, decided_at}`. Klarna documents no retry
 * policy (reference §11.13); this one is ours (docs/fidelity.md): 10 s timeouts; retries after 1, 5,
 * 15 and 60 minutes, then every 4 hours, 10 attempts in all over about 21 hours.
 */
export const FRAUD_NOTIFICATION: CallbackKind = {
  kind: 'order.notification',
  policy: {
    connect_timeout_ms: 10 * MS_PER_SECOND,
    response_timeout_ms: 10 * MS_PER_SECOND,
    retry_delays_ms: [1, 5, 15, 60, 240, 240, 240, 240, 240].map((m) => m * MS_PER_MINUTE),
  },
};
