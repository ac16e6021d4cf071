/**
 * `klarna-local export` and `klarna-local import`: a merchant's state saved from one database and
 * restored into a fresh one of the other dialect (from a file and from stdin), and through a running
 * server's sandbox routes (`--url`, or KLARNA_LOCAL_URL and the credentials as `exec` sets them), the
 * way to reach a server whose database is in memory. An unknown merchant is an error (exit 1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Clock } from '../../src/platform/clock.js';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import { Authenticator } from '../../src/platform/http/auth.js';
import { upsertMerchant } from '../../src/modules/merchants/provision.js';
import { MERCHANT_TABLES } from '../../src/modules/sandbox/merchant-state.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { basicAuth, orderBody } from '../helpers/harness.js';
import { CLI_COMMAND, PROJECT_ROOT, runCli, startServerProcess } from '../helpers/process.js';
import type { RunResult } from '../helpers/process.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const SHOP = { username: 'shop', password: 'shop-secret' };

/** The CLI with `input` on its stdin. */
function runWithStdin(args: string[], input: string): Promise<RunResult> {
  const child = spawn(process.execPath, [...CLI_COMMAND, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The app on a database of its own (as `serve` would run it), for a few requests; closed after `fn`. */
async function withApp<T>(url: string, fn: (inject: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; json: Json; headers: Json }>) => Promise<T>): Promise<T> {
  const config = loadConfig({ databaseUrl: url, port: '0', logLevel: 'silent' }, {});
  const db = openDatabase(url);
  await migrateToLatest(db);
  await upsertMerchant(db, SHOP, Date.now());
  const app = await buildApp({ config, db, clock: new Clock(db), authenticator: new Authenticator(db), logger: pino({ level: 'silent' }) });
  try {
    return await fn(async (method, url, body) => {
      const res = await app.inject({ method, url, headers: { authorization: basicAuth(SHOP), ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { payload: JSON.stringify(body) }) });
      return { status: res.statusCode, json: res.body === '' ? null : JSON.parse(res.body), headers: res.headers };
    });
  } finally {
    await app.close();
    await db.close();
  }
}

/** A snapshot's rows without what a database numbers itself, for comparing two databases' copies. */
function rowsOf(snapshot: Json): Record<string, Json[]> {
  return Object.fromEntries(
    MERCHANT_TABLES.filter((t) => t.serial === undefined).map((t) => [t.name, (snapshot.tables[t.name] as Json[]).map(({ merchant_id: _m, ...row }) => row)]),
  );
}

const dialects = await availableDialects();

describe('klarna-local export and import', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-snapshot-'));
  const databases: TestDatabase[] = [];
  after(async () => {
    for (const database of databases) await database.drop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });
  const database = async (dialect: (typeof dialects)[number]) => {
    const created = await createTestDatabase(dialect);
    databases.push(created);
    return created.url;
  };

  for (const source of dialects) {
    const target = dialects.find((d) => d !== source) ?? source;

    it(`exports a merchant from ${source} and imports it into a fresh ${target} database (file and stdin); the order reads the same`, async () => {
      const from = await database(source);
      const order = await withApp(from, async (inject) => {
        const created = await inject('POST', '/sandbox/v1/orders', orderBody());
        assert.equal(created.status, 201);
        assert.equal((await inject('POST', `/ordermanagement/v1/orders/${created.json.order_id}/captures`, { captured_amount: 5000 })).status, 201);
        assert.equal((await inject('POST', '/sandbox/v1/clock/advance', { seconds: 86_400 })).status, 200);
        return (await inject('GET', `/ordermanagement/v1/orders/${created.json.order_id}`)).json;
      });

      const exported = await runCli(['export', '--merchant', SHOP.username, '--database-url', from], { env: {} });
      assert.equal(exported.code, 0, exported.stderr);
      const snapshot = JSON.parse(exported.stdout);
      assert.equal(snapshot.format, 'klarna-local/merchant-snapshot');
      assert.equal(snapshot.merchant.username, SHOP.username);
      assert.equal(snapshot.tables.orders.length, 1);
      assert.ok(snapshot.clock.now_ms - Date.now() > 86_000_000, 'the merchant clock is a day ahead');
      const file = path.join(workDir, `${source}.json`);
      const written = await runCli(['export', '--merchant', SHOP.username, '--database-url', from, '--output', file], { env: {} });
      assert.equal(written.code, 0, written.stderr);
      assert.equal(written.stdout, '');
      assert.deepEqual(rowsOf(JSON.parse(fs.readFileSync(file, 'utf8'))), rowsOf(snapshot));

      for (const how of ['file', 'stdin'] as const) {
        const to = await database(target);
        // The merchant exists in the fresh database (as `merchants add` or KLARNA_LOCAL_MERCHANTS would make it), with nothing of its own.
        await withApp(to, async (inject) => assert.equal((await inject('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 404));
        const imported =
          how === 'file'
            ? await runCli(['import', '--merchant', SHOP.username, '--database-url', to, '--file', file], { env: {} })
            : await runWithStdin(['import', '--merchant', SHOP.username, '--database-url', to], fs.readFileSync(file, 'utf8'));
        assert.equal(imported.code, 0, imported.stderr);
        assert.match(imported.stdout, /^imported .* into shop: \d+ rows \(orders 1, captures 1, .*\); its clock reads \d{4}-/);
        await withApp(to, async (inject) => {
          assert.deepEqual(rowsOf((await inject('GET', '/sandbox/v1/snapshot')).json), rowsOf(snapshot), `${how}: the same rows`);
          assert.deepEqual((await inject('GET', `/ordermanagement/v1/orders/${order.order_id}`)).json, order);
          const clock = (await inject('GET', '/sandbox/v1/clock')).json;
          assert.ok(Math.abs(Date.parse(clock.now) - snapshot.clock.now_ms) < 60_000, `${clock.now}: the snapshot's time`);
        });
      }
    });
  }

  it('an unknown merchant, a snapshot that is not JSON or not importable: a message on stderr and exit code 1, nothing changed', async () => {
    const url = await database(dialects[0] ?? 'sqlite');
    await withApp(url, async (inject) => assert.equal((await inject('POST', '/sandbox/v1/orders', orderBody())).status, 201));
    const unknownExport = await runCli(['export', '--merchant', 'nobody', '--database-url', url], { env: {} });
    assert.equal(unknownExport.code, 1);
    assert.match(unknownExport.stderr, /no merchant named "nobody"/);
    assert.equal(unknownExport.stdout, '');
    const file = path.join(workDir, 'shop.json');
    assert.equal((await runCli(['export', '--merchant', SHOP.username, '--database-url', url, '--output', file], { env: {} })).code, 0);
    const unknownImport = await runCli(['import', '--merchant', 'nobody', '--database-url', url, '--file', file], { env: {} });
    assert.equal(unknownImport.code, 1);
    assert.match(unknownImport.stderr, /no merchant named "nobody"/);
    const noMerchant = await runCli(['export', '--database-url', url], { env: {} });
    assert.equal(noMerchant.code, 1);
    assert.match(noMerchant.stderr, /--merchant/);
    const notJson = await runWithStdin(['import', '--merchant', SHOP.username, '--database-url', url], '{"format":');
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /stdin is not JSON/);
    const bad = path.join(workDir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), schema: '9999_future' }));
    const refused = await runCli(['import', '--merchant', SHOP.username, '--database-url', url, '--file', bad], { env: {} });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot import .*bad\.json: Bad value: schema .*newer/);
    await withApp(url, async (inject) => assert.deepEqual(rowsOf((await inject('GET', '/sandbox/v1/snapshot')).json), rowsOf(JSON.parse(fs.readFileSync(file, 'utf8'))), 'nothing changed'));
  });

  it('--url exports and imports through a running server whose database is in memory (flags, or the variables exec sets)', async () => {
    const server = await startServerProcess(['--database-url', 'sqlite::memory:'], { env: { KLARNA_LOCAL_MERCHANTS: `${SHOP.username}:${SHOP.password}` } });
    try {
      const headers = { authorization: basicAuth(SHOP), 'content-type': 'application/json' };
      const created = await fetch(`${server.url}/sandbox/v1/orders`, { method: 'POST', headers, body: JSON.stringify(orderBody()) });
      assert.equal(created.status, 201);
      const orderId = ((await created.json()) as { order_id: string }).order_id;
      const read = async () => fetch(`${server.url}/ordermanagement/v1/orders/${orderId}`, { headers });
      const original = await (await read()).json();

      const file = path.join(workDir, 'remote.json');
      const exported = await runCli(['export', '--url', server.url, '--username', SHOP.username, '--password', SHOP.password, '--output', file], { env: {} });
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).tables.orders[0].order_id, orderId);

      assert.equal((await fetch(`${server.url}/sandbox/v1/reset`, { method: 'POST', headers: { authorization: headers.authorization } })).status, 200);
      assert.equal((await read()).status, 404);

      const env = { KLARNA_LOCAL_URL: server.url, KLARNA_LOCAL_USERNAME: SHOP.username, KLARNA_LOCAL_PASSWORD: SHOP.password };
      const imported = await runCli(['import', '--file', file], { env });
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^imported .*remote\.json: \d+ rows \(orders 1, .*\); the merchant's clock reads /);
      const restored = await read();
      assert.equal(restored.status, 200);
      assert.deepEqual(await restored.json(), original);

      const stdout = await runCli(['export'], { env });
      assert.equal(stdout.code, 0, stdout.stderr);
      assert.equal(JSON.parse(stdout.stdout).tables.orders[0].order_id, orderId);

      const wrong = await runCli(['export', '--url', server.url, '--username', SHOP.username, '--password', 'wrong'], { env: {} });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /401 UNAUTHORIZED/);
      const nowhere = await runCli(['import', '--url', 'http://127.0.0.1:9', '--username', 'x', '--password', 'y', '--file', file], { env: {} });
      assert.equal(nowhere.code, 1);
      assert.match(nowhere.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
    } finally {
      await server.stop();
    }
  });
});
