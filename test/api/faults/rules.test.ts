/**
 * The pure rules of fault injection (src/modules/faults/fault.ts): path patterns and matching, the
 * share with a given random source, the state of a rule, and what a request body becomes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../src/platform/http/errors.js';
import { decideFault, hits, matchesPath, patternSegments, requestSegments, stateOf } from '../../../src/modules/faults/fault.js';
import type { FaultInput } from '../../../src/modules/faults/fault.js';

const matches = (pattern: string, url: string) => matchesPath(patternSegments(pattern), requestSegments(url));
const ids = { fault_id: 'f', merchant_id: 'm' };

describe('fault rules', () => {
  it('* matches exactly one non-empty segment; literals match exactly; the query and a trailing slash are ignored', () => {
    assert.ok(matches('/ordermanagement/v1/orders/*/captures', '/ordermanagement/v1/orders/abc/captures'));
    assert.ok(matches('/ordermanagement/v1/orders/*/captures', '/ordermanagement/v1/orders/abc/captures/?x=/y'));
    assert.ok(!matches('/ordermanagement/v1/orders/*/captures', '/ordermanagement/v1/orders/a/b/captures'));
    assert.ok(!matches('/ordermanagement/v1/orders/*/captures', '/ordermanagement/v1/orders//captures'));
    assert.ok(!matches('/ordermanagement/v1/orders/*', '/ordermanagement/v1/orders/abc/captures'));
    assert.ok(!matches('/ordermanagement/v1/orders/*', '/ordermanagement/v1/orders'));
    assert.ok(matches('/a/*/*', '/a/b/c'));
    assert.ok(matches('/a/é', '/a/%C3%A9'), 'segments compared percent-decoded');
    assert.ok(matches('/a/%ZZ', '/a/%ZZ'), 'an undecodable segment compared as it is');
    assert.ok(!matches('/A', '/a'), 'case matters');
    assert.ok(matches('/', '/'));
    assert.ok(!matches('/', '/a'));
  });

  it('a share hits below its probability; no share hits always', () => {
    assert.equal(hits({ share: null }, () => 0.999), true);
    assert.equal(hits({ share: 0.2 }, () => 0.19), true);
    assert.equal(hits({ share: 0.2 }, () => 0.2), false);
    assert.equal(hits({ share: 1 }, () => 0.999999), true);
  });

  it('a rule is used up at remaining 0 and expired at its expiry (sandbox time)', () => {
    assert.equal(stateOf({ remaining: 1, expires_at: 1000 }, 999), 'active');
    assert.equal(stateOf({ remaining: 0, expires_at: 1000 }, 999), 'used_up');
    assert.equal(stateOf({ remaining: null, expires_at: 1000 }, 1000), 'expired');
    assert.equal(stateOf({ remaining: null, expires_at: null }, 10 ** 15), 'active');
  });

  it('a body becomes a rule with defaults: target api, the status\'s error code and message', () => {
    const fault = decideFault({ path: '/x/*', status: 409, times: 2, expires_in_seconds: 10 }, ids, 5000);
    assert.deepEqual(
      { target: fault.target, method: fault.method, error_code: fault.error_code, error_messages: fault.error_messages, remaining: fault.remaining, expires_at: fault.expires_at },
      { target: 'api', method: null, error_code: 'CONFLICT', error_messages: ['Conflict: the resource was changed by another request; retry'], remaining: 2, expires_at: 15_000 },
    );
    const delay = decideFault({ path: '/x', delay_ms: 5 }, ids, 0);
    assert.deepEqual([delay.status, delay.error_code, delay.error_messages, delay.drop], [null, null, null, false]);
    const callback = decideFault({ target: 'callbacks', effect: 502 }, ids, 0);
    assert.deepEqual([callback.effect, callback.status, callback.callback_kind, callback.path], ['status', 502, null, null]);
  });

  it('refuses what the schema cannot: each refusal names its field', () => {
    const refusals: [FaultInput, string][] = [
      [{ status: 503 }, 'path'],
      [{ path: '/a/b*', status: 503 }, 'path'],
      [{ path: '/a/?', status: 503 }, 'path'],
      [{ path: '/a#b', status: 503 }, 'path'],
      [{ path: '/a', status: 418 }, 'status'],
      [{ path: '/a', drop: true, status: 500 }, 'drop'],
      [{ path: '/a', delay_ms: 0 }, 'status'],
      [{ target: 'callbacks', effect: 'timeout', delay_ms: 1 }, 'delay_ms'],
      [{ target: 'callbacks', effect: 'slow' }, 'effect'],
    ];
    for (const [input, field] of refusals) {
      assert.throws(
        () => decideFault(input, ids, 0),
        (error: unknown) => error instanceof ApiError && error.statusCode === 400 && error.errorCode === 'BAD_VALUE' && error.errorMessages[0]?.startsWith(`Bad value: ${field} (`) === true,
        JSON.stringify(input),
      );
    }
  });
});
