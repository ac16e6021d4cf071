/** The integration report's call findings as pure functions of the journal: windows, retry chains, bodies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ratesAboveLive, retries } from '../../src/modules/report/call-findings.js';
import type { JournalCall } from '../../src/modules/report/journal.js';

let next = 1;
function call(at: number, overrides: Partial<JournalCall> = {}): JournalCall {
  const id = next++;
  return {
    call_id: id,
    method: 'POST',
    path: '/payments/v1/sessions',
    route: '/payments/v1/sessions',
    status: 200,
    correlation_id: `c-${id}`,
    created_at: at,
    order_id: null,
    session_id: null,
    idempotency_key: null,
    body_hash: 'h1',
    error_code: null,
    error_message: null,
    ...overrides,
  };
}

describe('RATE_ABOVE_LIVE_LIMIT windows', () => {
  it("counts the requests beyond 40 session creations in one of Klarna's one-second windows, and nothing across two", () => {
    const base = 1_700_000_000_000;
    // 45 in one second: 5 over. Then 40 in the next second (at the limit) and 30 + 30 split over a boundary.
    const burst = Array.from({ length: 45 }, (_, i) => call(base + i * 10));
    const atLimit = Array.from({ length: 40 }, (_, i) => call(base + 1000 + i * 10));
    const split = [...Array.from({ length: 30 }, (_, i) => call(base + 2970 + i)), ...Array.from({ length: 30 }, (_, i) => call(base + 3000 + i))];
    const seen = ratesAboveLive([...burst, ...atLimit, ...split]);
    assert.equal(seen.count, 5);
    assert.equal(seen.examples.length, 1);
    assert.equal(seen.examples[0]?.correlation_id, burst[40]?.correlation_id, 'the first request over the limit');
    assert.equal(seen.examples[0]?.detail, '45 create-session requests in one second (live limit 40)');
  });

  it('counts other operations against 200 a second, sandbox calls not at all', () => {
    const base = 1_700_000_000_000;
    const reads = Array.from({ length: 205 }, (_, i) => call(base + i, { method: 'GET', path: '/ordermanagement/v1/orders/o', route: '/ordermanagement/v1/orders/:order_id' }));
    const sandbox = Array.from({ length: 300 }, (_, i) => call(base + 1000 + i, { route: '/sandbox/v1/orders', path: '/sandbox/v1/orders' }));
    assert.equal(ratesAboveLive([...reads, ...sandbox]).count, 5);
  });
});

describe('retry chains', () => {
  const capture = (at: number, overrides: Partial<JournalCall> = {}) =>
    call(at, { path: '/ordermanagement/v1/orders/o1/captures', route: '/ordermanagement/v1/orders/:order_id/captures', order_id: 'o1', ...overrides });

  it('a different body is a new write, not a retry; a refusal before the body was read matches any body', () => {
    const seen = retries([capture(0, { status: 503, idempotency_key: 'a', body_hash: null }), capture(5000, { idempotency_key: 'b', body_hash: 'other' })]);
    assert.equal(seen.NEW_KEY_ON_RETRY.count, 1);
    const distinct = retries([capture(0, { status: 503, idempotency_key: 'a', body_hash: 'x' }), capture(5000, { idempotency_key: 'b', body_hash: 'y' })]);
    assert.equal(distinct.NEW_KEY_ON_RETRY.count, 0);
  });

  it('a retry more than ten minutes later is a new request; 409 and 429 are not client errors', () => {
    const late = retries([capture(0, { status: 503, idempotency_key: 'a' }), capture(11 * 60_000, { idempotency_key: 'b' })]);
    assert.equal(late.NEW_KEY_ON_RETRY.count, 0);
    const conflicts = retries([capture(0, { status: 409 }), capture(10, { status: 409 }), capture(20, { status: 400 }), capture(30, { status: 400 })]);
    assert.equal(conflicts.RETRIED_CLIENT_ERROR.count, 1, 'only the repeated 400');
  });

  it('the backoff doubles with each failed attempt', () => {
    const seen = retries([capture(0, { status: 503 }), capture(1000, { status: 503 }), capture(2500, { status: 503 }), capture(6500)]);
    assert.deepEqual(
      seen.NO_BACKOFF.examples.map((e) => e.detail),
      // 1 000 ms before retry 1 and 4 000 ms before retry 3 are enough; 1 500 ms before retry 2 is not.
      ['retry 2 sent 1500 ms after 503 (a backoff waits at least 2000 ms)'],
    );
  });
});
