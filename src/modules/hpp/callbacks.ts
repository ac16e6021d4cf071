/**
 * The callback the Hosted Payment Page sends: every status change to `merchant_urls.status_update`
 * as `{event_id, session}` (§5.4). HPP expects a 2xx within 3 s; without one it retries after a few
 * seconds, up to 3 retries (4 calls in all), then gives up.
 */
import { MS_PER_SECOND } from '../../platform/clock.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';

export const STATUS_UPDATE_CALLBACK: CallbackKind = {
  kind: 'hpp.status_update',
  policy: {
    connect_timeout_ms: 3 * MS_PER_SECOND,
    response_timeout_ms: 3 * MS_PER_SECOND,
    retry_delays_ms: [5 * MS_PER_SECOND, 5 * MS_PER_SECOND, 5 * MS_PER_SECOND],
  },
};
