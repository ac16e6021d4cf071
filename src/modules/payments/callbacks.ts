/** The callback Payments sends: the authorization, to `merchant_urls.authorization` (§3.2). */
import { MS_PER_SECOND } from '../../platform/clock.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';

/** `{authorization_token, session_id}`: 2 s to connect, 2 s to answer, 3 attempts in all with exponential backoff from 1 s. */
export const AUTHORIZATION_CALLBACK: CallbackKind = {
  kind: 'payments.authorization',
  policy: {
    connect_timeout_ms: 2 * MS_PER_SECOND,
    response_timeout_ms: 2 * MS_PER_SECOND,
    retry_delays_ms: [1 * MS_PER_SECOND, 2 * MS_PER_SECOND],
  },
};
