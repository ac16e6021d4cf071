/**
 * Fault injection through the sandbox API (`/sandbox/v1/faults`): the injected answer (status,
 * envelope, correlation id, a 429's rate-limit headers), nothing stored changed by it, the
 * idempotent retry that then succeeds, `times`, `share`, delay, a dropped connection, expiry on the
 * sandbox clock, method and path matching, the events, list/get/delete, validation refusals,
 * tenancy, and `--no-sandbox`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pino from 'pino';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../../src/app.js';
import { Authenticator } from '../../../src/platform/http/auth.js';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import type { Fingerprint } from '../../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';

const FAULTS = '/sandbox/v1/faults';
const CAPTURES = '/ordermanagement/v1/orders/*/captures';

/** A fingerprint without the fault rules and the events: what an injection may change (its count and its event). */
async function stateOf(t: TestApp): Promise<Fingerprint> {
  const all = await fingerprint(t.db, t.dialect);
  delete all.faults;
  delete all.events;
  return all;
}

async function eventsOf(t: TestApp, orderId?: string): Promise<{ type: string; order_id: string | null; payload: Record<string, unknown> }[]> {
  const res = await t.get(`/sandbox/v1/events${orderId === undefined ? '' : `?order_id=${orderId}`}`);
  assert.equal(res.status, 200, res.body);
  return res.json().events;
}

function assertEnvelope(res: TestResponse, status: number, errorCode: string): void {
  assert.equal(res.status, status, res.body);
  const body = res.json();
  assert.equal(body.error_code, errorCode, res.body);
  assert.ok(Array.isArray(body.error_messages) && body.error_messages.length > 0, res.body);
  assert.equal(body.correlation_id, res.headers['klarna-correlation-id']);
  assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages']);
}

for (const dialect of await availableDialects()) {
  describe(`fault injection (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect, captureLogs: 'warn' });
    });
    after(async () => t.close());

    const createFault = async (body: Record<string, unknown>, auth = MERCHANT) => {
      const res = await t.post(FAULTS, body, { auth });
      assert.equal(res.status, 201, res.body);
      return res.json();
    };
    const removeAll = async () => {
      for (const auth of [MERCHANT, OTHER_MERCHANT]) {
        for (const fault of (await t.get(FAULTS, auth)).json().faults) {
          assert.equal((await t.request({ method: 'DELETE', url: `${FAULTS}/${fault.fault_id}`, auth })).status, 204);
        }
      }
    };

    it('a 503 on captures answers Klarna\'s envelope, changes nothing, and the retry with the same idempotency key then captures once', async () => {
      const order = await t.createOrder();
      const fault = await createFault({ method: 'POST', path: CAPTURES, status: 503, error_code: 'TEMPORARILY_UNAVAILABLE', times: 1 });
      assert.match(fault.fault_id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...fault, fault_id: undefined, created_at: undefined },
        {
          fault_id: undefined,
          target: 'api',
          method: 'POST',
          path: CAPTURES,
          callback_kind: null,
          effect: null,
          status: 503,
          error_code: 'TEMPORARILY_UNAVAILABLE',
          error_messages: ['Temporarily unavailable'],
          times: 1,
          remaining: 1,
          share: null,
          delay_ms: 0,
          drop: false,
          expires_at: null,
          created_at: undefined,
          injected: 0,
          state: 'active',
        },
      );
      assert.match(fault.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const before = await stateOf(t);
      const key = randomUUID();
      const capture = { captured_amount: 5000, description: 'First parcel' };
      const refused = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, capture, { idempotencyKey: key });
      assertEnvelope(refused, 503, 'TEMPORARILY_UNAVAILABLE');
      assert.deepEqual(refused.json().error_messages, ['Temporarily unavailable']);
      assert.deepEqual(await stateOf(t), before, 'the injected failure changed nothing but the rule and its event');

      const retried = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, capture, { idempotencyKey: key });
      assert.equal(retried.status, 201, retried.body);
      const replayed = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, capture, { idempotencyKey: key });
      assert.equal(replayed.status, 201, replayed.body);
      assert.equal(replayed.headers['capture-id'], retried.headers['capture-id']);
      const read = await t.getOrder(order.order_id);
      assert.equal(read.captures.length, 1);
      assert.equal(read.captured_amount, 5000);

      const used = (await t.get(`${FAULTS}/${fault.fault_id}`)).json();
      assert.equal(used.remaining, 0);
      assert.equal(used.injected, 1);
      assert.equal(used.state, 'used_up');
      assert.equal((await t.get(FAULTS)).json().faults.length, 0, 'a used-up rule is no longer listed');

      const injected = (await eventsOf(t, order.order_id)).filter((e) => e.type === 'fault.injected');
      assert.equal(injected.length, 1);
      assert.equal(injected[0]?.order_id, order.order_id);
      assert.deepEqual(
        { ...injected[0]?.payload },
        {
          fault_id: fault.fault_id,
          target: 'api',
          method: 'POST',
          path: `/ordermanagement/v1/orders/${order.order_id}/captures`,
          status: 503,
          error_code: 'TEMPORARILY_UNAVAILABLE',
          delay_ms: 0,
          drop: false,
          correlation_id: refused.headers['klarna-correlation-id'],
          remaining: 0,
        },
      );
      const logged = t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l.msg === 'fault injected' && l.fault_id === fault.fault_id);
      assert.ok(logged, 'the injection is logged');
      assert.equal(logged.correlation_id, refused.headers['klarna-correlation-id']);
      assert.equal(logged.level, 40);
    });

    it('each status answers its default error code and custom messages; a 429 carries the rate limiter\'s headers', async () => {
      const order = await t.createOrder();
      const url = `/ordermanagement/v1/orders/${order.order_id}`;
      for (const [status, code] of [
        [409, 'CONFLICT'],
        [500, 'INTERNAL_SERVER_ERROR'],
        [502, 'BAD_GATEWAY'],
        [504, 'GATEWAY_TIMEOUT'],
      ] as const) {
        await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status, times: 1 });
        assertEnvelope(await t.get(url), status, code);
      }
      await createFault({ path: '/ordermanagement/v1/orders/*', status: 500, error_code: 'SHOP_SPECIFIC', error_messages: ['one', 'two'], times: 1 });
      const custom = await t.get(url);
      assertEnvelope(custom, 500, 'SHOP_SPECIFIC');
      assert.deepEqual(custom.json().error_messages, ['one', 'two']);

      await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 429, times: 1 });
      const limited = await t.get(url);
      assertEnvelope(limited, 429, 'TOO_MANY_REQUESTS');
      // Without --rate-limit, the playground's quota for the operation's category.
      assert.equal(limited.headers['x-ratelimit-limit'], '50, 50;w=1');
      assert.equal(limited.headers['x-ratelimit-remaining'], '0');
      assert.equal(limited.headers['x-ratelimit-reset'], '1');
      assert.equal(limited.headers['retry-after'], '1');
      assert.equal((await t.get(url)).status, 200);
    });

    it('times counts down; share injects about its share of matching calls; both combine to at most times', async () => {
      const order = await t.createOrder();
      const url = `/ordermanagement/v1/orders/${order.order_id}`;
      const twice = await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503, times: 2 });
      assert.deepEqual([(await t.get(url)).status, (await t.get(url)).status, (await t.get(url)).status], [503, 503, 200]);
      assert.equal((await t.get(`${FAULTS}/${twice.fault_id}`)).json().injected, 2);

      const half = await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503, share: 0.5 });
      let failed = 0;
      for (let i = 0; i < 200; i++) if ((await t.get(url)).status === 503) failed++;
      // Binomial(200, 0.5): outside 60..140 once in about 10^8 runs.
      assert.ok(failed >= 60 && failed <= 140, `${failed} of 200 calls injected with share 0.5`);
      const read = (await t.get(`${FAULTS}/${half.fault_id}`)).json();
      assert.equal(read.injected, failed);
      assert.equal(read.remaining, null);
      assert.equal(read.state, 'active');
      await removeAll();

      const both = await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503, share: 0.5, times: 5 });
      let hit = 0;
      for (let i = 0; i < 80; i++) if ((await t.get(url)).status === 503) hit++;
      assert.equal(hit, 5, 'share 0.5 over 80 calls reaches times 5, and no more');
      assert.equal((await t.get(`${FAULTS}/${both.fault_id}`)).json().state, 'used_up');
    });

    it('delay_ms alone delays the call, which then proceeds; with a status it delays, then answers the fault', async () => {
      const order = await t.createOrder();
      const url = `/ordermanagement/v1/orders/${order.order_id}`;
      await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', delay_ms: 300, times: 1 });
      let started = performance.now();
      const slow = await t.get(url);
      assert.equal(slow.status, 200, slow.body);
      assert.ok(performance.now() - started >= 295, `answered after ${performance.now() - started} ms`);

      await createFault({ method: 'POST', path: CAPTURES, delay_ms: 250, status: 504, times: 1 });
      const before = await stateOf(t);
      started = performance.now();
      const timedOut = await t.post(`${url}/captures`, { captured_amount: 100 });
      assert.ok(performance.now() - started >= 245);
      assertEnvelope(timedOut, 504, 'GATEWAY_TIMEOUT');
      assert.deepEqual(await stateOf(t), before);
      started = performance.now();
      assert.equal((await t.get(url)).status, 200);
      assert.ok(performance.now() - started < 250, 'a used-up delay delays no more');
    });

    it('drop closes the connection without an answer and changes nothing; the next call is answered', async () => {
      const port = await t.listen();
      const order = await t.createOrder();
      await createFault({ method: 'POST', path: CAPTURES, drop: true, times: 1 });
      const before = await stateOf(t);
      const outcome = await new Promise<{ status?: number; error?: NodeJS.ErrnoException }>((resolve) => {
        const body = JSON.stringify({ captured_amount: 100 });
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: `/ordermanagement/v1/orders/${order.order_id}/captures`, headers: { authorization: basicAuth(MERCHANT), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => resolve({ status: res.statusCode }),
        );
        req.on('error', (error) => resolve({ error }));
        req.end(body);
      });
      assert.equal(outcome.status, undefined, 'no answer');
      assert.ok(outcome.error && ['ECONNRESET', 'EPIPE'].includes(String(outcome.error.code)), `connection closed: ${outcome.error?.code} ${outcome.error?.message}`);
      assert.deepEqual(await stateOf(t), before);
      const next = await fetch(`http://127.0.0.1:${port}/ordermanagement/v1/orders/${order.order_id}`, { headers: { authorization: basicAuth(MERCHANT) } });
      assert.equal(next.status, 200);
    });

    it('a rule expires on the sandbox clock', async () => {
      const order = await t.createOrder();
      const url = `/ordermanagement/v1/orders/${order.order_id}`;
      const fault = await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503, expires_in_seconds: 60 });
      assert.equal(Date.parse(fault.expires_at) - Date.parse(fault.created_at), 60_000);
      assert.equal((await t.get(url)).status, 503);
      await t.advanceClock(61);
      assert.equal((await t.get(url)).status, 200);
      const read = (await t.get(`${FAULTS}/${fault.fault_id}`)).json();
      assert.equal(read.state, 'expired');
      assert.equal(read.injected, 1);
      assert.equal((await t.get(FAULTS)).json().faults.length, 0);
    });

    it('matching: * is exactly one segment, the query is ignored, a trailing slash is the same path, the method must match', async () => {
      const order = await t.createOrder();
      const id = order.order_id;
      await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503 });
      assert.equal((await t.get(`/ordermanagement/v1/orders/${id}`)).status, 503);
      // (Past the harness: the contract check knows no trailing slash.)
      assert.equal((await t.app.inject({ url: `/ordermanagement/v1/orders/${id}/`, headers: { authorization: basicAuth(MERCHANT) } })).statusCode, 503);
      assert.equal((await t.get(`/ordermanagement/v1/orders/${id}?x=1`)).status, 503);
      assert.equal((await t.get(`/ordermanagement/v1/orders/${id}/captures`)).status, 200, '* does not match two segments');
      assert.equal((await t.post(`/ordermanagement/v1/orders/${id}/acknowledge`)).status, 204, 'another path');
      await removeAll();

      await createFault({ method: 'POST', path: `/ordermanagement/v1/orders/${id}/captures`, status: 409 });
      assert.equal((await t.get(`/ordermanagement/v1/orders/${id}/captures`)).status, 200, 'GET is not POST');
      assert.equal((await t.post(`/ordermanagement/v1/orders/${id}/captures`, { captured_amount: 100 })).status, 409);
      await removeAll();

      // Without a method, any; a sandbox route too; its query is not part of the path.
      await createFault({ path: '/sandbox/v1/events', status: 500, times: 1 });
      assert.equal((await t.get(`/sandbox/v1/events?order_id=${id}`)).status, 500);
      // A method no route serves is answered by the router (405), before any rule.
      await createFault({ path: '/sandbox/v1/events', status: 500, times: 1 });
      assert.equal((await t.request({ method: 'POST', url: '/sandbox/v1/events' })).status, 405);
      await removeAll();
    });

    it('the fault routes themselves, and requests without credentials, are never faulted', async () => {
      await removeAll();
      await createFault({ path: FAULTS, status: 503 });
      await createFault({ path: '/sandbox/v1/faults/*', status: 503 });
      await createFault({ path: '/healthz', status: 503 });
      const listed = await t.get(FAULTS);
      assert.equal(listed.status, 200);
      assert.equal(listed.json().faults.length, 3);
      assert.equal((await t.get(`${FAULTS}/${listed.json().faults[0].fault_id}`)).status, 200);
      assert.equal((await t.get('/healthz', null)).status, 200);
      await removeAll();
    });

    it('GET lists the active rules oldest first, GET by id reads one, DELETE removes it (204, then 404) and it applies no more', async () => {
      const order = await t.createOrder();
      const a = await createFault({ method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503 });
      const b = await createFault({ target: 'callbacks', effect: 'refuse', times: 3 });
      const created = await t.post(FAULTS, { path: '/x/*', drop: true });
      assert.equal(created.headers.location, `http://klarna-local.test:8080${FAULTS}/${created.json().fault_id}`);
      const list = (await t.get(FAULTS)).json().faults;
      assert.deepEqual(
        list.map((f: { fault_id: string }) => f.fault_id),
        [a.fault_id, b.fault_id, created.json().fault_id],
      );
      assert.deepEqual((await t.get(`${FAULTS}/${a.fault_id}`)).json(), a);
      assert.equal((await t.get(`/ordermanagement/v1/orders/${order.order_id}`)).status, 503);
      const deleted = await t.request({ method: 'DELETE', url: `${FAULTS}/${a.fault_id}` });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.body, '');
      assert.equal((await t.get(`/ordermanagement/v1/orders/${order.order_id}`)).status, 200);
      assertEnvelope(await t.get(`${FAULTS}/${a.fault_id}`), 404, 'NOT_FOUND');
      assertEnvelope(await t.request({ method: 'DELETE', url: `${FAULTS}/${a.fault_id}` }), 404, 'NOT_FOUND');
      assertEnvelope(await t.get(`${FAULTS}/${randomUUID()}`), 404, 'NOT_FOUND');
      await removeAll();
    });

    it('refuses invalid rules with 400 BAD_VALUE naming the field, storing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      const cases: [Record<string, unknown>, string][] = [
        [{ status: 503 }, 'path'],
        [{ path: 'ordermanagement/*', status: 503 }, 'path'],
        [{ path: '/ordermanagement/v1/orders/ab*', status: 503 }, 'path'],
        [{ path: '/ordermanagement/**', status: 503 }, 'path'],
        [{ path: '/ordermanagement//orders', status: 503 }, 'path'],
        [{ path: '/ordermanagement/v1/orders?x=1', status: 503 }, 'path'],
        [{ path: '/a', status: 418 }, 'status'],
        [{ path: '/a', status: 200 }, 'status'],
        [{ path: '/a' }, 'status'],
        [{ path: '/a', status: 503, drop: true }, 'drop'],
        [{ path: '/a', delay_ms: 60_001 }, 'delay_ms'],
        [{ path: '/a', delay_ms: -1 }, 'delay_ms'],
        [{ path: '/a', status: 503, share: 0 }, 'share'],
        [{ path: '/a', status: 503, share: 1.5 }, 'share'],
        [{ path: '/a', status: 503, times: 0 }, 'times'],
        [{ path: '/a', status: 503, times: 1.5 }, 'times'],
        [{ path: '/a', status: 503, expires_in_seconds: 0 }, 'expires_in_seconds'],
        [{ path: '/a', status: 503, method: 'OPTIONS' }, 'method'],
        [{ path: '/a', status: 503, error_code: 'lower case' }, 'error_code'],
        [{ path: '/a', delay_ms: 10, error_code: 'X' }, 'error_code'],
        [{ path: '/a', status: 503, effect: 'timeout' }, 'effect'],
        [{ path: '/a', status: 503, target: 'elsewhere' }, 'target'],
        [{ target: 'callbacks' }, 'effect'],
        [{ target: 'callbacks', effect: 'explode' }, 'effect'],
        [{ target: 'callbacks', effect: 200 }, 'effect'],
        [{ target: 'callbacks', effect: 'timeout', callback_kind: 'nope' }, 'callback_kind'],
        [{ target: 'callbacks', effect: 'timeout', status: 503 }, 'status'],
        [{ target: 'callbacks', effect: 'timeout', path: '/a' }, 'path'],
      ];
      for (const [body, field] of cases) {
        const res = await t.post(FAULTS, body);
        assertEnvelope(res, 400, 'BAD_VALUE');
        assert.match(res.json().error_messages.join(' '), new RegExp(`\\b${field}\\b`), `${JSON.stringify(body)}: ${res.body}`);
      }
      const unknown = await t.post(FAULTS, { path: '/a', status: 503, colour: 'red' });
      assertEnvelope(unknown, 400, 'BAD_VALUE');
      assertEnvelope(await t.request({ method: 'POST', url: FAULTS, payload: '[1]', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
      await assertUnchanged(t.db, dialect, before, 'refused rules');
    });

    it('another merchant\'s rules never apply to me, and are 404 for me like unknown ones', async () => {
      await removeAll();
      const mine = await t.createOrder();
      const theirs = await t.createOrder({}, OTHER_MERCHANT);
      const fault = await createFault({ path: '/ordermanagement/v1/orders/*', status: 503 }, OTHER_MERCHANT);
      assert.equal((await t.get(`/ordermanagement/v1/orders/${mine.order_id}`)).status, 200);
      assert.equal((await t.get(`/ordermanagement/v1/orders/${theirs.order_id}`, OTHER_MERCHANT)).status, 503);
      assert.equal((await t.get(FAULTS)).json().faults.length, 0);
      const before = await fingerprint(t.db, dialect);
      const unknownId = randomUUID();
      for (const method of ['GET', 'DELETE'] as const) {
        const other = await t.request({ method, url: `${FAULTS}/${fault.fault_id}` });
        const unknown = await t.request({ method, url: `${FAULTS}/${unknownId}` });
        assertEnvelope(other, 404, 'NOT_FOUND');
        assert.deepEqual(other.json().error_messages, unknown.json().error_messages);
      }
      await assertUnchanged(t.db, dialect, before, 'another merchant\'s fault asked for');
      assert.equal((await t.get(`${FAULTS}/${fault.fault_id}`, OTHER_MERCHANT)).status, 200);
      await removeAll();
    });

    it('--no-sandbox: no fault routes and no injection, whatever is stored', async () => {
      await removeAll();
      const order = await t.createOrder();
      await createFault({ path: '/ordermanagement/v1/orders/*', status: 503 });
      const app = await buildApp({ config: { ...t.config, sandbox: false }, db: t.db, clock: t.clock, authenticator: new Authenticator(t.db), logger: pino({ level: 'silent' }) });
      try {
        const headers = { authorization: basicAuth(MERCHANT) };
        assert.equal((await app.inject({ url: `/ordermanagement/v1/orders/${order.order_id}`, headers })).statusCode, 200);
        assert.equal((await app.inject({ url: FAULTS, headers })).statusCode, 404);
      } finally {
        await app.close();
      }
      assert.equal((await t.get(`/ordermanagement/v1/orders/${order.order_id}`)).status, 503);
      await removeAll();
    });
  });
}

