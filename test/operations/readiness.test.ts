/**
 * /readyz against real server processes whose database goes away and comes back: PostgreSQL behind a
 * TCP proxy the test stops (refusing new connections, cutting open ones) and restarts; SQLite whose
 * data directory is moved away (an unmounted volume, a deleted directory) and back. While the
 * database is gone /readyz answers 503 with Klarna's envelope, /healthz still 200, and every log
 * line stays JSON, those of a request carrying its correlation id.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { openDatabase } from '../../src/platform/db/database.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import { basicAuth, orderBody } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';

const MERCHANT = { username: 'ops', password: 'ops-secret' };
const headers = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };

interface Proxy {
  port: number;
  /** Stops listening and cuts every open connection. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const down = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { port, down, up: () => listen(port), close: () => (server.listening ? down() : Promise.resolve()) };
}

interface Answer {
  status: number;
  body: { error_code?: string; correlation_id?: string; status?: string };
  correlationId: string | null;
}

/**
 * A new connection per probe: the probes are seconds apart (the proxy going down takes its time under
 * load), and a kept-alive connection the server closes meanwhile would be a client-side ECONNRESET.
 */
const freshConnections = new Agent({ pipelining: 0 });
after(() => freshConnections.close());

async function call(url: string, init: { headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await undiciFetch(url, { ...init, dispatcher: freshConnections, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as Answer['body'], correlationId: res.headers.get('klarna-correlation-id') };
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every line the process wrote except the start-up banner, parsed as JSON. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^(Merchants: |klarna-local listening on )/.test(line))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return assert.fail(`a log line that is not JSON: ${line}`);
      }
    });
}

function assertNotReady(answer: Answer): void {
  assert.equal(answer.status, 503);
  assert.equal(answer.body.error_code, 'TEMPORARILY_UNAVAILABLE');
  assert.ok(answer.correlationId);
  assert.equal(answer.body.correlation_id, answer.correlationId);
}

const dialects = await availableDialects();

describe('/readyz while the database goes away and comes back', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('SQLite: 503 while the data directory is gone, 200 once it is back; the refusal is logged with its correlation id', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-ready-'));
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    const server = await startServerProcess([], {
      env: { DATABASE_URL: `sqlite:${path.join(dataDir, 'db.sqlite')}`, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}`, LOG_LEVEL: 'info' },
    });
    cleanups.push(() => server.stop());

    assert.equal((await call(`${server.url}/readyz`)).status, 200);
    fs.renameSync(dataDir, path.join(root, 'moved'));
    const refused = await call(`${server.url}/readyz`);
    assertNotReady(refused);
    assert.equal((await call(`${server.url}/healthz`)).status, 200, 'the process itself is alive');
    fs.renameSync(path.join(root, 'moved'), dataDir);
    const ready = await call(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    const created = await fetch(`${server.url}/sandbox/v1/orders`, { method: 'POST', headers, body: JSON.stringify(orderBody()) });
    assert.equal(created.status, 201, 'and it serves again');

    await eventually('the refusal is logged', async () => logLines(server).some((l) => l.correlation_id === refused.correlationId));
    const line = logLines(server).find((l) => l.correlation_id === refused.correlationId);
    assert.equal(line?.level, 40, 'a warning');
    assert.match(String(line?.msg), /not ready/);
  });

  it('SQLite: a removed database file keeps the process unready (its writes would go to the removed file)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-ready-'));
    cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const file = path.join(root, 'db.sqlite');
    const server = await startServerProcess([], { env: { DATABASE_URL: `sqlite:${file}`, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` } });
    cleanups.push(() => server.stop());
    assert.equal((await call(`${server.url}/readyz`)).status, 200);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    assertNotReady(await call(`${server.url}/readyz`));
    fs.writeFileSync(file, '');
    assertNotReady(await call(`${server.url}/readyz`));
  });

  if (dialects.includes('postgres')) {
    /** A fresh PostgreSQL schema reached through a proxy that can cut every connection (dropped after the test). */
    const proxiedDatabase = async (): Promise<{ proxy: Proxy; proxiedUrl: string }> => {
      const database = await createTestDatabase('postgres');
      cleanups.push(() => database.drop());
      const direct = new URL(database.url);
      const proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      cleanups.push(() => proxy.close());
      const proxied = new URL(database.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      return { proxy, proxiedUrl: proxied.toString() };
    };

    it('PostgreSQL: a connection cut in the middle of a transaction fails that transaction, not the process; the pool serves again', { timeout: 20_000 }, async () => {
      const { proxy, proxiedUrl } = await proxiedDatabase();
      const db = openDatabase(proxiedUrl);
      cleanups.push(() => db.close());
      await db.check();
      // The connection is cut while the transaction holds its client between two queries: the
      // client's 'error' event comes with no query to fail (an unhandled 'error' ends a process).
      const cut = db.transaction(async (sql) => {
        await sql.get('select 1');
        await proxy.down();
        await new Promise((resolve) => setTimeout(resolve, 200));
        return sql.get('select 1');
      });
      await assert.rejects(cut, 'the transaction fails');
      await proxy.up();
      await eventually('the pool serves again', async () => db.check().then(() => true, () => false));
      assert.deepEqual(await db.transaction((sql) => sql.get<{ n: number }>('select 2 as n')), { n: 2 });
    });

    it('PostgreSQL: 503 while the server cannot be reached, 200 again once it can; logs stay JSON with correlation ids', async () => {
      const { proxy, proxiedUrl } = await proxiedDatabase();
      const server = await startServerProcess([], {
        env: { DATABASE_URL: proxiedUrl, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}`, LOG_LEVEL: 'info' },
      });
      cleanups.push(() => server.stop());

      const created = await fetch(`${server.url}/sandbox/v1/orders`, { method: 'POST', headers, body: JSON.stringify(orderBody()) });
      assert.equal(created.status, 201);
      const { order_id: orderId } = (await created.json()) as { order_id: string };
      assert.equal((await call(`${server.url}/readyz`)).status, 200);

      await proxy.down();
      assertNotReady(await call(`${server.url}/readyz`));
      assert.equal((await call(`${server.url}/healthz`)).status, 200);
      const failed = await call(`${server.url}/ordermanagement/v1/orders/${orderId}`, { headers });
      assert.equal(failed.status, 503, 'a request that needs the database is refused as temporarily unavailable, which clients retry');
      assert.equal(failed.body.error_code, 'TEMPORARILY_UNAVAILABLE');
      // Background work (sweeper, callback dispatcher) keeps trying meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1500));

      await proxy.up();
      await eventually('/readyz answers 200 again', async () => (await call(`${server.url}/readyz`)).status === 200);
      const read = await fetch(`${server.url}/ordermanagement/v1/orders/${orderId}`, { headers });
      assert.equal(read.status, 200, 'and the server serves again');

      const lines = logLines(server);
      const logged = lines.find((l) => l.correlation_id === failed.correlationId);
      assert.ok(logged, `the failed request's log line carries its correlation id:\n${server.output()}`);
      assert.equal(logged.level, 40);
      assert.equal(logged.msg, 'database unavailable');
      const raw = server.output().split('\n').find((line) => line.includes(String(failed.correlationId)));
      assert.equal(raw?.split('"correlation_id"').length, 2, 'the key appears once in the line');
      const background = lines.filter((l) => /background sweep failed|callback delivery round failed/.test(String(l.msg)));
      assert.ok(background.length > 0, `background work logged its failures:\n${server.output()}`);
      for (const line of background) {
        assert.equal(line.correlation_id, undefined, 'background work belongs to no request');
        assert.equal(typeof line.time, 'number');
        assert.equal(typeof line.pid, 'number');
      }
    });
  }
});
