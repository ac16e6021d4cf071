import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import { orderBody } from '../helpers/harness.js';
import { runCli, startServerProcess } from '../helpers/process.js';

const auth = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });

describe('starting the server from the command line', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-cli-'));
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it('with no configuration it uses SQLite under ./data, prints generated credentials that work, and keeps data across restarts', async () => {
    const first = await startServerProcess([], { cwd: workDir, env: {} });
    let username: string | undefined;
    let password: string | undefined;
    let orderId: string;
    try {
      username = /username: (\S+)/.exec(first.output())?.[1];
      password = /password: (\S+)/.exec(first.output())?.[1];
      assert.ok(username && password, `credentials printed:\n${first.output()}`);
      assert.ok(fs.existsSync(path.join(workDir, 'data', 'klarna-local.sqlite')), 'the database file lives under ./data');

      const health = await fetch(`${first.url}/healthz`);
      assert.equal(health.status, 200);
      const created = await fetch(`${first.url}/sandbox/v1/orders`, {
        method: 'POST',
        headers: { ...auth(username, password), 'content-type': 'application/json' },
        body: JSON.stringify(orderBody()),
      });
      assert.equal(created.status, 201);
      assert.match(created.headers.get('location') ?? '', new RegExp(`^${first.url}/ordermanagement/v1/orders/`), 'the default public URL is the address listened on');
      orderId = ((await created.json()) as { order_id: string }).order_id;
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0, 'SIGTERM shuts down cleanly with exit code 0');
    }

    const second = await startServerProcess([], { cwd: workDir, env: {} });
    try {
      assert.doesNotMatch(second.output(), /password:/, 'no new merchant is generated when one is stored');
      const read = await fetch(`${second.url}/ordermanagement/v1/orders/${orderId}`, { headers: auth(username, password) });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { status: string }).status, 'AUTHORIZED');
    } finally {
      await second.stop();
    }
  });

  it('KLARNA_LOCAL_MERCHANTS creates merchants and updates their passwords on the next start', async () => {
    const dbFile = path.join(workDir, 'merchants.sqlite');
    const env = { DATABASE_URL: `sqlite:${dbFile}`, KLARNA_LOCAL_MERCHANTS: 'shop1:old-pass,shop2:pw2' };
    const first = await startServerProcess([], { env });
    try {
      assert.equal((await fetch(`${first.url}/sandbox/v1/clock`, { headers: auth('shop1', 'old-pass') })).status, 200);
      assert.equal((await fetch(`${first.url}/sandbox/v1/clock`, { headers: auth('shop2', 'pw2') })).status, 200);
    } finally {
      await first.stop();
    }

    const second = await startServerProcess([], { env: { ...env, KLARNA_LOCAL_MERCHANTS: 'shop1:new-pass' } });
    try {
      assert.equal((await fetch(`${second.url}/sandbox/v1/clock`, { headers: auth('shop1', 'old-pass') })).status, 401);
      assert.equal((await fetch(`${second.url}/sandbox/v1/clock`, { headers: auth('shop1', 'new-pass') })).status, 200);
    } finally {
      await second.stop();
    }
  });

  it('the same settings work as flags, and PUBLIC_URL is the base of Location headers', async () => {
    const dbFile = path.join(workDir, 'flags.sqlite');
    const server = await startServerProcess(['--database-url', `sqlite:${dbFile}`, '--merchants', 'flag:pass', '--public-url', 'https://klarna.example/'], {
      env: {},
    });
    try {
      const created = await fetch(`${server.url}/sandbox/v1/orders`, {
        method: 'POST',
        headers: { ...auth('flag', 'pass'), 'content-type': 'application/json' },
        body: JSON.stringify(orderBody()),
      });
      assert.equal(created.status, 201);
      assert.match(created.headers.get('location') ?? '', /^https:\/\/klarna\.example\/ordermanagement\/v1\/orders\/[0-9a-f-]{36}$/);
    } finally {
      await server.stop();
    }
  });

  for (const [name, env, pattern] of [
    ['PORT', { PORT: 'eighty' }, /^klarna-local: invalid PORT: /],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /^klarna-local: invalid DATABASE_URL: /],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^klarna-local: invalid LOG_LEVEL: /],
    ['KLARNA_LOCAL_MERCHANTS', { KLARNA_LOCAL_MERCHANTS: 'nopassword' }, /^klarna-local: invalid KLARNA_LOCAL_MERCHANTS: /],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }, /^klarna-local: invalid PUBLIC_URL: /],
  ] as const) {
    it(`an invalid ${name} stops the start with one line naming it`, async () => {
      const result = await runCli(['serve'], { cwd: workDir, env: { ...env } });
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', pattern);
    });
  }

  it('--help lists the settings', async () => {
    const result = await runCli(['serve', '--help']);
    assert.equal(result.code, 0);
    for (const flag of ['--port', '--host', '--database-url', '--public-url', '--log-level', '--merchants']) assert.match(result.stdout, new RegExp(flag));
  });
});

for (const dialect of await availableDialects()) {
  describe(`klarna-local migrate (${dialect})`, () => {
    it('applies the migrations once and then reports the database up to date', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const first = await runCli(['migrate', '--database-url', database.url], { env: {} });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /applied: 0001_initial, 0002_payments, 0003_checkout, 0004_callbacks_failed_index/);
        const second = await runCli(['migrate', '--database-url', database.url], { env: {} });
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /database is up to date/);
      } finally {
        await database.drop();
      }
    });
  });
}
