/**
 * The integration report's vocabulary: each finding's stable code, its severity, the Klarna rule it
 * stands for in one sentence, and where the README or docs/fidelity.md explains it. The codes are
 * an interface (merchants' CI may match on them): never renamed, only added.
 */

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Lower is worse: `error` 0, `warning` 1, `info` 2. */
export const severityRank = (severity: Severity): number => SEVERITIES.indexOf(severity);
export const atOrAbove = (severity: Severity, threshold: Severity): boolean => severityRank(severity) <= severityRank(threshold);

export const FINDING_CODES = [
  'NO_IDEMPOTENCY_KEY',
  'NEW_KEY_ON_RETRY',
  'RETRIED_CLIENT_ERROR',
  'NO_BACKOFF',
  'ORDER_NOT_ACKNOWLEDGED',
  'CALLBACK_FAILING',
  'SLOW_CALLBACK',
  'CAPTURE_WHILE_PENDING',
  'AUTHORIZATION_EXPIRED_UNCAPTURED',
  'REMAINING_NOT_RELEASED',
  'TAX_ROUNDING',
  'CHECKOUT_READ_AFTER_COMPLETION',
  'RATE_ABOVE_LIVE_LIMIT',
  'INSECURE_CALLBACK_URL',
  'SESSION_ABANDONED',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface FindingSpec {
  severity: Severity;
  title: string;
  /** Klarna's rule, in one sentence. */
  rule: string;
  /** Where it is explained: a section of docs/fidelity.md or the README. */
  docs: string;
}


export const FINDINGS: Readonly<Record<FindingCode, FindingSpec>> = {
  NO_IDEMPOTENCY_KEY: {
    severity: 'warning',
    title: 'Order Management writes without an idempotency key',
    rule: 'Send a Klarna-Idempotency-Key with every Order Management write and Customer Token order, and reuse it when retrying, so a retry never runs the operation twice.',
    docs: 'docs/fidelity.md#no_idempotency_key',
  },
  NEW_KEY_ON_RETRY: {
    severity: 'error',
    title: 'Retries sent with a different idempotency key',
    rule: 'A write retried after a 5xx, a 429 or a dropped connection must carry the same Klarna-Idempotency-Key as the first attempt; with a new key Klarna runs it again (a double capture or refund).',
    docs: 'docs/fidelity.md#new_key_on_retry',
  },
  RETRIED_CLIENT_ERROR: {
    severity: 'warning',
    title: 'Requests repeated after a 4xx error',
    rule: 'Klarna answers the same 4xx to the same request: fix the request instead of retrying it; retry only 5xx, 429 and network failures.',
    docs: 'docs/fidelity.md#retried_client_error',
  },
  NO_BACKOFF: {
    severity: 'warning',
    title: 'Retries without backoff',
    rule: 'Retry 5xx, 429 and network failures with exponential backoff and jitter (at least 1 s, then doubling), never at once.',
    docs: 'docs/fidelity.md#no_backoff',
  },
  ORDER_NOT_ACKNOWLEDGED: {
    severity: 'error',
    title: 'Checkout orders never acknowledged',
    rule: 'Acknowledge (or capture) every completed Checkout order once the push arrives; until then Klarna keeps sending the push for 48 hours.',
    docs: 'docs/fidelity.md#order_not_acknowledged',
  },
  CALLBACK_FAILING: {
    severity: 'error',
    title: 'Callbacks the merchant did not answer',
    rule: "Klarna's callbacks (push, notification, authorization, status update, validation and the address callbacks) must be answered: a 2xx for the notifications, a valid answer in time for the synchronous ones.",
    docs: 'docs/fidelity.md#callback_failing',
  },
  SLOW_CALLBACK: {
    severity: 'warning',
    title: 'Synchronous Checkout callbacks close to their timeout',
    rule: 'Checkout waits for validation (3 s) and the address, country and shipping callbacks while the shopper waits; answers near or past the timeout fail purchases.',
    docs: 'docs/fidelity.md#slow_callback',
  },
  CAPTURE_WHILE_PENDING: {
    severity: 'warning',
    title: 'Captures tried while a fraud review was pending',
    rule: 'An order with fraud_status PENDING cannot be captured; wait for the notification (or read the order) and capture once it is ACCEPTED.',
    docs: 'docs/fidelity.md#capture_while_pending',
  },
  AUTHORIZATION_EXPIRED_UNCAPTURED: {
    severity: 'warning',
    title: 'Orders that expired with money left uncaptured',
    rule: 'An authorization expires (28 days by default); capture what was shipped, extend the authorization time or release the rest before it runs out.',
    docs: 'docs/fidelity.md#authorization_expired_uncaptured',
  },
  REMAINING_NOT_RELEASED: {
    severity: 'info',
    title: 'Part-captured orders left open',
    rule: 'Once the last shipment of an order is captured, release the remaining authorization so the shopper is not left with an open reservation.',
    docs: 'docs/fidelity.md#remaining_not_released',
  },
  TAX_ROUNDING: {
    severity: 'error',
    title: 'Totals or taxes that do not add up',
    rule: 'Each line total is quantity × unit price − discount, its tax within one minor unit of total × rate / (10000 + rate), and the order amounts are the sums of the lines; Klarna refuses anything else with BAD_VALUE.',
    docs: 'docs/fidelity.md#tax_rounding',
  },
  CHECKOUT_READ_AFTER_COMPLETION: {
    severity: 'warning',
    title: 'Completed Checkout orders read through the Checkout API',
    rule: 'Once a Checkout order is complete, read it from Order Management (GET /ordermanagement/v1/orders/{id}); the Checkout API is for the purchase only.',
    docs: 'docs/fidelity.md#checkout_read_after_completion',
  },
  RATE_ABOVE_LIVE_LIMIT: {
    severity: 'warning',
    title: "Bursts above Klarna's live rate limits",
    rule: 'Klarna allows each merchant 40 session creations and 200 other requests a second in production and answers 429 above that.',
    docs: 'docs/fidelity.md#rate_above_live_limit',
  },
  INSECURE_CALLBACK_URL: {
    severity: 'warning',
    title: 'Callback URLs on plain HTTP or without a per-order secret',
    rule: 'Klarna calls merchant URLs over HTTPS in production, and recommends a secret of each order in the push, notification and status URLs so a forged call can be told apart.',
    docs: 'docs/fidelity.md#insecure_callback_url',
  },
  SESSION_ABANDONED: {
    severity: 'info',
    title: 'Payments sessions created and never used',
    rule: "Create a Payments session when the shopper reaches the checkout and update it as the cart changes; a session per page view that is never authorized is a sign of a session made too early.",
    docs: 'docs/fidelity.md#session_abandoned',
  },
};

/** One piece of evidence: a call, a callback or a stored order or session. */
export interface Example {
  at: string;
  method: string | null;
  path: string | null;
  correlation_id: string | null;
  order_id: string | null;
  session_id: string | null;
  /** What in particular (the refused field, the answer, the delay, …). */
  detail: string;
}

export interface Finding extends FindingSpec {
  code: FindingCode;
  count: number;
  /** Up to MAX_EXAMPLES, oldest first. */
  examples: Example[];
}

export const MAX_EXAMPLES = 5;

/** What a detector returns: how many times it saw the problem, and the evidence (oldest first). */
export interface Seen {
  count: number;
  examples: Example[];
}

/** Collects occurrences, keeping the first MAX_EXAMPLES as examples. */
export class Tally {
  count = 0;
  readonly examples: Example[] = [];

  add(example: Example, times = 1): void {
    this.count += times;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }

  get seen(): Seen {
    return { count: this.count, examples: this.examples };
  }
}
