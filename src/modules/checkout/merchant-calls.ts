/**
 * The calls Checkout makes to the merchant while the shopper waits (behaviour reference §2.4):
 * address_update, country_change, shipping_option_update and validation. They are synchronous (the
 * shopper's action waits for the answer), bounded in time and size, never followed through redirects,
 * and each is recorded like the outbox's callbacks, so `GET /sandbox/v1/events?order_id=…` shows it
 * with its answer. A merchant that does not answer is an outcome, never an error of ours.
 */
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { CallbackKind } from '../../platform/outbox/callbacks.js';
import { recordCall } from '../../platform/outbox/callbacks.js';
import type { CallOutcome, CallTimeouts } from '../../platform/outbox/http-client.js';
import { postToMerchant } from '../../platform/outbox/http-client.js';

/** Largest merchant answer read (a whole cart with 1000 lines fits). */
export const MAX_MERCHANT_ANSWER_CHARS = 1024 * 1024;

export type MerchantAnswer =
  /** 200 with its body parsed (undefined when empty or not JSON). */
  | { kind: 'ok'; body: unknown; status: number }
  /** 301/302/303/307 with a Location: deny and send the shopper there. */
  | { kind: 'redirect'; location: string }
  /** 400 with `{error_type, error_text}`: shown to the shopper. */
  | { kind: 'error'; error_type: string; error_text: string | null }
  /** No usable answer: timed out, unreachable, another status, or a body too large. */
  | { kind: 'no_answer'; reason: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A `Location` as the shopper's browser must follow it: relative ones resolve against the URL called. */
function absoluteLocation(location: string, calledUrl: string): string | null {
  try {
    const url = new URL(location, calledUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function interpretAnswer(outcome: CallOutcome, calledUrl: string): MerchantAnswer {
  if (outcome.status === null) return { kind: 'no_answer', reason: outcome.failure ?? 'error' };
  if (outcome.truncated) return { kind: 'no_answer', reason: `answer larger than ${MAX_MERCHANT_ANSWER_CHARS} characters` };
  if (REDIRECTS.has(outcome.status)) {
    const location = outcome.location === null ? null : absoluteLocation(outcome.location, calledUrl);
    // A redirect without a usable target still means "not like this": shown as an error, never followed.
    return location ? { kind: 'redirect', location } : { kind: 'error', error_type: 'merchant_error', error_text: null };
  }
  let parsed: unknown;
  try {
    parsed = outcome.body ? (JSON.parse(outcome.body) as unknown) : undefined;
  } catch {
    parsed = undefined;
  }
  if (outcome.status >= 200 && outcome.status < 300) return { kind: 'ok', body: parsed, status: outcome.status };
  if (outcome.status === 400) {
    const body = (parsed ?? {}) as { error_type?: unknown; error_text?: unknown };
    return {
      kind: 'error',
      error_type: typeof body.error_type === 'string' ? body.error_type : 'approval_failed',
      error_text: typeof body.error_text === 'string' ? body.error_text : null,
    };
  }
  return { kind: 'no_answer', reason: `status ${outcome.status}` };
}

export interface MerchantCall {
  merchantId: string;
  orderId: string;
  kind: CallbackKind;
  url: string;
  body: unknown;
  timeouts: CallTimeouts;
}

/** Makes the call, records it with its answer, and interprets the answer. */
export async function callMerchant(db: Db, clock: Clock, call: MerchantCall): Promise<MerchantAnswer> {
  const startedAt = await clock.now(call.merchantId);
  const body = JSON.stringify(call.body);
  const outcome = await postToMerchant(call.url, body, call.timeouts, MAX_MERCHANT_ANSWER_CHARS);
  await recordCall(db, clock, { merchant_id: call.merchantId, kind: call.kind, order_id: call.orderId, url: call.url, body, started_at: startedAt, outcome });
  return interpretAnswer(outcome, call.url);
}
