/**
 * Background work over several processes on one database: every due callback attempt is made by
 * exactly one process (claims with a lease; PostgreSQL `FOR UPDATE SKIP LOCKED`), pending fraud
 * decisions are taken once (one notification each), and `serve --processes 2` serves one port from
 * two workers, answers /metrics for both, and drains them on SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { MERCHANT, basicAuth, orderBody } from '../helpers/harness.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';
import { getOnNewConnection, startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';

const SESSIONS = 40;
const PENDING_ORDERS = 12;
const HEADERS = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };
const env = { KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}`, CALLBACK_POLL_MS: '20', SWEEP_INTERVAL_MS: '50' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are read loosely
async function call(server: ServerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: () => any }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: HEADERS, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}

for (const dialect of await availableDialects()) {
  describe(`background work over two processes (${dialect})`, () => {
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;
    let merchant: FakeMerchant;

    before(async () => {
      database = await createTestDatabase(dialect);
      merchant = await startFakeMerchant();
      a = await startServerProcess(['--database-url', database.url], { env });
      b = await startServerProcess(['--database-url', database.url], { env });
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await merchant?.close();
      await database?.drop();
    });

    it(`${SESSIONS} authorization callbacks queued through both processes are each delivered exactly once`, async () => {
      merchant.answer({ status: 200 });
      const sessionIds: string[] = [];
      await Promise.all(
        Array.from({ length: SESSIONS }, async (_, i) => {
          const server = i % 2 === 0 ? a : b;
          const created = await call(server, 'POST', '/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/auth/{session.id}` } }));
          assert.equal(created.status, 200);
          const sessionId: string = created.json().session_id;
          sessionIds.push(sessionId);
          const auth = await call(i % 3 === 0 ? a : b, 'POST', `/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
          assert.equal(auth.status, 200);
        }),
      );
      await merchant.waitFor(SESSIONS, (r) => r.url.startsWith('/auth/'), 20_000);
      // Both dispatchers keep polling; give them time to (wrongly) deliver anything twice.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const received = merchant.received.filter((r) => r.url.startsWith('/auth/')).map((r) => r.url.slice('/auth/'.length));
      assert.equal(received.length, SESSIONS, 'no callback was sent twice');
      assert.deepEqual(new Set(received), new Set(sessionIds));
    });

    it(`${PENDING_ORDERS} pending fraud decisions due at once are taken once each: one notification per order`, async () => {
      merchant.answer({ status: 200 });
      const orderIds: string[] = [];
      for (let i = 0; i < PENDING_ORDERS; i++) {
        const server = i % 2 === 0 ? a : b;
        const created = await call(server, 'POST', '/payments/v1/sessions', orderBody({ merchant_urls: { notification: `${merchant.url}/fraud/{order.id}` } }));
        const sessionId: string = created.json().session_id;
        const auth = await call(server, 'POST', `/sandbox/v1/payments/sessions/${sessionId}/authorize`, { email: 'customer+pend-accept-01@email.us' });
        const { order_amount, order_tax_amount, order_lines, purchase_country, purchase_currency } = orderBody();
        const placed = await call(server, 'POST', `/payments/v1/authorizations/${auth.json().authorization_token}/order`, {
          order_amount,
          order_tax_amount,
          order_lines,
          purchase_country,
          purchase_currency,
        });
        assert.equal(placed.status, 200);
        orderIds.push(placed.json().order_id);
      }
      // Both processes' sweeps see the decisions come due at the same moment.
      await call(a, 'POST', '/sandbox/v1/clock/advance', { seconds: 61 });
      await merchant.waitFor(PENDING_ORDERS, (r) => r.url.startsWith('/fraud/'), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const notified = merchant.received.filter((r) => r.url.startsWith('/fraud/')).map((r) => r.url.slice('/fraud/'.length));
      assert.equal(notified.length, PENDING_ORDERS, 'one notification per order');
      assert.deepEqual(new Set(notified), new Set(orderIds));
      for (const orderId of orderIds) assert.equal((await call(b, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json().fraud_status, 'ACCEPTED');
    });
  });
}

const [firstDialect] = await availableDialects();
const clusterDialect = (await availableDialects()).includes('postgres') ? 'postgres' : firstDialect;
describe(`serve --processes 2 (${clusterDialect})`, () => {
  it('two workers share one port, keep an order consistent under concurrent captures, answer /metrics for both, and exit 0 on SIGTERM', async () => {
    const database = await createTestDatabase(clusterDialect ?? 'sqlite');
    const server = await startServerProcess(['--database-url', database.url, '--processes', '2'], { env });
    try {
      assert.match(server.output(), /listening on http:\/\/\S+ \(2 processes/);
      const created = await call(server, 'POST', '/sandbox/v1/orders', orderBody({ order_amount: 12500 }));
      assert.equal(created.status, 201);
      const orderId: string = created.json().order_id;
      const answers = await Promise.all(Array.from({ length: 30 }, () => call(server, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 500 })));
      const accepted = answers.filter((r) => r.status === 201).length;
      assert.equal(accepted, 25, 'exactly the authorized amount was captured');
      assert.ok(answers.every((r) => r.status === 201 || r.status === 403));
      const order = (await call(server, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
      assert.equal(order.captured_amount, 12500);
      assert.equal(order.captures.length, 25);
      assert.equal(order.status, 'CAPTURED');

      // Each scrape, on a new connection (the primary hands those to the workers in turn), counts the
      // requests of both workers, not only its own.
      const captureCount = (text: string, status: number) => {
        const line = text
          .split('\n')
          .find((l) => l.startsWith('klarna_local_http_requests_total{') && l.includes('route="/ordermanagement/v1/orders/:order_id/captures"') && l.includes('method="POST"') && l.includes(`status="${status}"`));
        return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      for (let scrape = 0; scrape < 4; scrape += 1) {
        const res = await getOnNewConnection(`${server.url}/metrics`);
        assert.equal(res.status, 200, res.body);
        assert.equal(captureCount(res.body, 201), 25, `scrape ${scrape}: captures answered 201 by both workers`);
        assert.equal(captureCount(res.body, 403), 5, `scrape ${scrape}: captures answered 403 by both workers`);
        assert.match(res.body, /^klarna_local_outbox_pending_callbacks 0$/m, 'the outbox figures are there');
      }
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0, 'the primary exits 0 once every worker has drained');
      await database.drop();
    }
  });

  it('answers /metrics 503 rather than one worker\'s figures when another worker does not answer', async () => {
    const database = await createTestDatabase(clusterDialect ?? 'sqlite');
    const server = await startServerProcess(['--database-url', database.url, '--processes', '2'], { env });
    const pid = server.child.pid;
    assert.ok(pid !== undefined);
    const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split(/\s+/).filter((p) => p !== '').map(Number);
    assert.equal(workers.length, 2, 'two workers');
    const [stopped] = workers as [number, number];
    process.kill(stopped, 'SIGSTOP');
    try {
      // A connection handed to the stopped worker waits; the primary hands the next ones to the other.
      let answer: { status: number; body: string } | undefined;
      for (let attempt = 0; attempt < 4 && answer === undefined; attempt += 1) {
        answer = await getOnNewConnection(`${server.url}/metrics`, { timeoutMs: 7_000 }).catch(() => undefined);
      }
      assert.ok(answer, 'a worker answered');
      assert.equal(answer.status, 503, answer.body);
      assert.equal(JSON.parse(answer.body).error_code, 'TEMPORARILY_UNAVAILABLE');
    } finally {
      process.kill(stopped, 'SIGCONT');
      assert.equal(await server.stop('SIGTERM'), 0);
      await database.drop();
    }
  });
});
