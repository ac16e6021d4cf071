/**
 * Klarna's rate limits (`--rate-limit playground|live|off`): per merchant and operation category, 429
 * TOO_MANY_REQUESTS with X-Ratelimit-* and Retry-After headers, off by default; a merchant over one
 * quota is refused everything until that window ends (`--rate-limit-lockout category`: only that
 * category); bad values are one-line config errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { RATE_LIMITS, RateLimiter, rateLimitCategory } from '../../src/modules/operations/rate-limit.js';
import { OTHER_MERCHANT, basicAuth, buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp, TestResponse } from '../helpers/harness.js';
import { UNKNOWN_ID, assertEdgeUnauthorized, assertError, om } from '../helpers/assertions.js';
import { createTestDatabase } from '../helpers/databases.js';
import { getOnNewConnection, runCli, startServerProcess } from '../helpers/process.js';

const header = (res: TestResponse, name: string) => res.headers[name] as string | undefined;
const createSession = (t: TestApp, auth?: typeof OTHER_MERCHANT) => t.post('/payments/v1/sessions', orderBody(), auth ? { auth } : {});

describe('rate limits: the limiter', () => {
  it('counts a fixed one-second window per merchant and category, refusing every request of it once used up (lockout category)', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ 'create-session': 2, 'create-customer-token': 2, other: 3 }, 'category', () => now);
    const take = (merchant: string, category: 'create-session' | 'other') => limiter.take(merchant, category);

    assert.deepEqual(take('m1', 'create-session'), { allowed: true, headers: { 'x-ratelimit-limit': '2, 2;w=1', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' } });
    now += 400;
    assert.equal(take('m1', 'create-session').headers['x-ratelimit-remaining'], '0');
    now += 100;
    const refused = take('m1', 'create-session');
    assert.equal(refused.allowed, false);
    assert.equal(refused.exhausted, 'create-session');
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.equal(refused.headers['x-ratelimit-reset'], '1', 'whole seconds until the window ends, rounded up');
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(take('m2', 'create-session').allowed, true, 'another merchant has its own quota');
    assert.equal(take('m1', 'other').allowed, true, 'another category has its own quota');

    now += 499;
    assert.equal(take('m1', 'create-session').allowed, false, 'still the same window');
    now += 1;
    const renewed = take('m1', 'create-session');
    assert.equal(renewed.allowed, true, 'a new window once the first has ended');
    assert.equal(renewed.headers['x-ratelimit-remaining'], '1');
  });

  it('lockout merchant (the default): once one quota is used up, every request of that merchant is refused, uncounted, until that window ends', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ 'create-session': 2, 'create-customer-token': 2, other: 3 }, undefined, () => now);
    assert.equal(limiter.take('m1', 'create-session').allowed, true); // the session window: +0 to +1000
    now += 100;
    assert.equal(limiter.take('m1', 'other').allowed, true); // the other window: +100 to +1100
    assert.equal(limiter.take('m1', 'create-session').allowed, true);
    now += 100;
    const refused = limiter.take('m1', 'create-session');
    assert.equal(refused.allowed, false);
    assert.equal(refused.exhausted, 'create-session');

    now += 300;
    const read = limiter.take('m1', 'other');
    assert.equal(read.allowed, false, 'another category is refused too while the merchant is limited');
    assert.equal(read.exhausted, 'create-session');
    assert.deepEqual(read.headers, { 'x-ratelimit-limit': '3, 3;w=1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1', 'retry-after': '1' });
    assert.equal(limiter.take('m1', 'create-customer-token').allowed, false);
    assert.equal(limiter.take('m2', 'create-session').allowed, true, 'another merchant is not limited');

    now += 500; // +1000: the session window is over, the other window still runs
    const after = limiter.take('m1', 'other');
    assert.equal(after.allowed, true, 'the lockout ends with the window that caused it');
    assert.equal(after.headers['x-ratelimit-remaining'], '1', 'refused requests were not counted: 2 of 3 left in the window before, now 1');
  });

  it('categories: creating a Payments session and a customer token have their own; /sandbox and unauthenticated routes none', () => {
    assert.equal(rateLimitCategory('POST', '/payments/v1/sessions', true), 'create-session');
    assert.equal(rateLimitCategory('POST', '/hpp/v1/sessions', true), 'create-session');
    assert.equal(rateLimitCategory('GET', '/hpp/v1/sessions/:session_id', true), 'other');
    assert.equal(rateLimitCategory('GET', '/hpp/pay/:code', false), null);
    assert.equal(rateLimitCategory('POST', '/payments/v1/authorizations/:authorization_token/customer-token', true), 'create-customer-token');
    assert.equal(rateLimitCategory('GET', '/payments/v1/sessions/:session_id', true), 'other');
    assert.equal(rateLimitCategory('POST', '/checkout/v3/orders', true), 'other');
    assert.equal(rateLimitCategory('POST', '/ordermanagement/v1/orders/:order_id/captures', true), 'other');
    assert.equal(rateLimitCategory('POST', '/sandbox/v1/orders', true), null);
    assert.equal(rateLimitCategory('GET', '/metrics', false), null);
    assert.deepEqual(RATE_LIMITS.playground, { 'create-session': 5, 'create-customer-token': 5, other: 50 });
    assert.deepEqual(RATE_LIMITS.live, { 'create-session': 40, 'create-customer-token': 40, other: 200 });
  });
});

describe('rate limits: configuration', () => {
  it('is off by default, set by KLARNA_LOCAL_RATE_LIMIT or --rate-limit (the flag wins)', () => {
    assert.equal(loadConfig({}, {}).rateLimit, 'off');
    assert.equal(loadConfig({}, { KLARNA_LOCAL_RATE_LIMIT: 'live' }).rateLimit, 'live');
    assert.equal(loadConfig({ rateLimit: 'playground' }, { KLARNA_LOCAL_RATE_LIMIT: 'live' }).rateLimit, 'playground');
    assert.equal(loadConfig({ rateLimit: 'OFF' }, {}).rateLimit, 'off');
  });

  it('an unknown value is an error naming the setting', () => {
    assert.throws(() => loadConfig({ rateLimit: 'fast' }, {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.setting, 'KLARNA_LOCAL_RATE_LIMIT');
      assert.equal(error.message, 'invalid KLARNA_LOCAL_RATE_LIMIT: "fast" is not one of off, playground, live');
      return true;
    });
  });

  it('the lockout is merchant by default, category by KLARNA_LOCAL_RATE_LIMIT_LOCKOUT or --rate-limit-lockout; another value is an error', () => {
    assert.equal(loadConfig({}, {}).rateLimitLockout, 'merchant');
    assert.equal(loadConfig({}, { KLARNA_LOCAL_RATE_LIMIT_LOCKOUT: 'category' }).rateLimitLockout, 'category');
    assert.equal(loadConfig({ rateLimitLockout: 'Merchant' }, { KLARNA_LOCAL_RATE_LIMIT_LOCKOUT: 'category' }).rateLimitLockout, 'merchant');
    assert.throws(() => loadConfig({ rateLimitLockout: 'route' }, {}), /invalid KLARNA_LOCAL_RATE_LIMIT_LOCKOUT: "route" is not one of merchant, category/);
  });

  it('the CLI refuses a bad --rate-limit or KLARNA_LOCAL_RATE_LIMIT with one line and exit code 1, and documents the flag', async () => {
    for (const run of [runCli(['serve', '--rate-limit', 'sandbox'], { env: {} }), runCli(['serve'], { env: { KLARNA_LOCAL_RATE_LIMIT: '10' } })]) {
      const { code, stdout, stderr } = await run;
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.match(stderr, /^klarna-local: invalid KLARNA_LOCAL_RATE_LIMIT: "(sandbox|10)" is not one of off, playground, live\n$/);
    }
    const help = await runCli(['serve', '--help'], { env: {} });
    assert.match(help.stdout, /--rate-limit <mode>/);
    assert.match(help.stdout, /KLARNA_LOCAL_RATE_LIMIT/);
    assert.match(help.stdout, /--rate-limit-lockout <scope>/);
    assert.match(help.stdout, /KLARNA_LOCAL_RATE_LIMIT_LOCKOUT/);
  });
});

describe('rate limits: off by default', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite' });
  });
  after(async () => t.close());

  it('many requests at once are all served, with no rate-limit headers', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => t.get(om(UNKNOWN_ID))));
    assert.ok(answers.every((res) => res.status === 404));
    const sessions = await Promise.all(Array.from({ length: 8 }, () => createSession(t)));
    assert.ok(sessions.every((res) => res.status === 200));
    assert.equal(header(sessions[0] as TestResponse, 'x-ratelimit-limit'), undefined);
  });
});

describe('rate limits: playground', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite', config: { rateLimit: 'playground' } });
  });
  after(async () => t.close());

  it('the 6th session created within a second is refused with 429 and the headers; then every request of that merchant is, until the window ends; another merchant is not', async () => {
    const allowed = await Promise.all(Array.from({ length: 5 }, () => createSession(t)));
    for (const res of allowed) {
      assert.equal(res.status, 200, res.body);
      assert.equal(header(res, 'x-ratelimit-limit'), '5, 5;w=1');
      assert.equal(header(res, 'x-ratelimit-reset'), '1');
    }
    assert.deepEqual(allowed.map((res) => header(res, 'x-ratelimit-remaining')).sort(), ['0', '1', '2', '3', '4']);

    const refused = await createSession(t);
    assertError(refused, 429, 'TOO_MANY_REQUESTS', /rate limit/i);
    assert.equal(header(refused, 'x-ratelimit-limit'), '5, 5;w=1');
    assert.equal(header(refused, 'x-ratelimit-remaining'), '0');
    assert.equal(header(refused, 'x-ratelimit-reset'), '1');
    assert.equal(header(refused, 'retry-after'), '1');

    const other = await createSession(t, OTHER_MERCHANT);
    assert.equal(other.status, 200, 'another merchant has its own quota');
    assert.equal(header(other, 'x-ratelimit-remaining'), '4');
    const sessionId = allowed[0]?.json().session_id as string;
    const read = await t.get(`/payments/v1/sessions/${sessionId}`);
    assertError(read, 429, 'TOO_MANY_REQUESTS', /create-session operations: every request is refused until its window resets/);
    assert.equal(header(read, 'x-ratelimit-limit'), '50, 50;w=1');
    assert.equal(header(read, 'retry-after'), '1');
    assertError(await t.post(om(UNKNOWN_ID, '/captures'), { captured_amount: 1 }), 429, 'TOO_MANY_REQUESTS');
    assert.equal((await t.get('/sandbox/v1/clock')).status, 200, 'the sandbox is not limited');

    // Once the window is over the merchant may do everything again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await t.get(`/payments/v1/sessions/${sessionId}`);
    assert.equal(again.status, 200, again.body);
    const later = await createSession(t);
    assert.equal(later.status, 200, later.body);
    assert.equal(header(later, 'x-ratelimit-remaining'), '4');
  });

  it('other operations: 50 per second; operations endpoints, the sandbox, shopper pages and refused credentials are not limited', async () => {
    const order = await t.createOrder();
    // A fresh window for other operations (the previous test used the current one).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => t.get(om(i % 2 === 0 ? order.order_id : UNKNOWN_ID))));
    assert.ok(answers.every((res) => res.status === 200 || res.status === 404));
    assertError(await t.get(om(order.order_id)), 429, 'TOO_MANY_REQUESTS');
    assertError(await t.post(om(order.order_id, '/captures'), { captured_amount: 100 }), 429, 'TOO_MANY_REQUESTS', /other operations/);

    for (const url of ['/healthz', '/readyz', '/metrics', '/kp/lib/v1/api.js']) {
      const res = await t.request({ url, auth: null });
      assert.equal(res.status, 200, `${url}: ${res.body}`);
      assert.equal(header(res, 'x-ratelimit-limit'), undefined, url);
    }
    const clock = await t.get('/sandbox/v1/clock');
    assert.equal(clock.status, 200, 'the sandbox controls are klarna-local’s own');
    assert.equal(header(clock, 'x-ratelimit-limit'), undefined);
    assertEdgeUnauthorized(await t.get(om(order.order_id), { username: 'merchant_a', password: 'wrong' }), 'refused credentials are not counted');
  });
});

describe('rate limits: playground, lockout category', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite', config: { rateLimit: 'playground', rateLimitLockout: 'category' } });
  });
  after(async () => t.close());

  it('only the exhausted category is refused: the merchant can still read and capture', async () => {
    const allowed = await Promise.all(Array.from({ length: 5 }, () => createSession(t)));
    assert.ok(allowed.every((res) => res.status === 200));
    const refused = await createSession(t);
    assertError(refused, 429, 'TOO_MANY_REQUESTS', /create-session operations; retry after/);
    const read = await t.get(`/payments/v1/sessions/${allowed[0]?.json().session_id}`);
    assert.equal(read.status, 200, 'other operations have their own quota');
    assert.equal(header(read, 'x-ratelimit-limit'), '50, 50;w=1');
    assert.equal(header(read, 'retry-after'), undefined, 'Retry-After only on refusals');
  });
});

describe('rate limits: live, from the command line', () => {
  it('--rate-limit live announces 40 session creations and 200 other requests per second', async () => {
    const merchant = { username: 'rl', password: 'rl-secret' };
    const server = await startServerProcess(['--rate-limit', 'live', '--database-url', 'sqlite::memory:'], { env: { KLARNA_LOCAL_MERCHANTS: `${merchant.username}:${merchant.password}` } });
    try {
      const headers = { authorization: basicAuth(merchant), 'content-type': 'application/json' };
      const session = await fetch(`${server.url}/payments/v1/sessions`, { method: 'POST', headers, body: JSON.stringify(orderBody()) });
      assert.equal(session.status, 200);
      assert.equal(session.headers.get('x-ratelimit-limit'), '40, 40;w=1');
      assert.equal(session.headers.get('x-ratelimit-remaining'), '39');
      const read = await fetch(`${server.url}/ordermanagement/v1/orders/${UNKNOWN_ID}`, { headers });
      assert.equal(read.status, 404);
      assert.equal(read.headers.get('x-ratelimit-limit'), '200, 200;w=1');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

describe('rate limits: serve --processes 2', () => {
  it('the quota holds for the port, not per worker: 60 requests in one window give 50 answers and 10 refusals', async () => {
    const merchant = { username: 'rl', password: 'rl-secret' };
    const database = await createTestDatabase('sqlite');
    const server = await startServerProcess(['--rate-limit', 'playground', '--processes', '2', '--database-url', database.url], {
      env: { KLARNA_LOCAL_MERCHANTS: `${merchant.username}:${merchant.password}` },
    });
    try {
      const url = `${server.url}/ordermanagement/v1/orders/${UNKNOWN_ID}`;
      // A burst is judged only when it fits well inside one one-second window; a slow machine retries.
      let judged = false;
      for (let attempt = 0; attempt < 4 && !judged; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const started = performance.now();
        // Each on a connection of its own, so the primary hands the requests to both workers.
        const statuses = (await Promise.all(Array.from({ length: 60 }, () => getOnNewConnection(url, { headers: { authorization: basicAuth(merchant) } })))).map((r) => r.status);
        if (performance.now() - started > 800) continue;
        judged = true;
        assert.equal(statuses.filter((s) => s === 404).length, 50, `served: ${statuses.join(',')}`);
        assert.equal(statuses.filter((s) => s === 429).length, 10, `refused: ${statuses.join(',')}`);
      }
      assert.ok(judged, 'no burst of 60 requests fitted in 800 ms');
    } finally {
      assert.equal(await server.stop(), 0);
      await database.drop();
    }
  });
});
