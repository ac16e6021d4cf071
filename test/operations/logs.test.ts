/**
 * Logs are JSON lines: those a request writes carry its correlation id, those of background work
 * (the callback dispatcher) none. A real server process on SQLite, at log level info.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { basicAuth, orderBody } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';

const MERCHANT = { username: 'logs', password: 'logs-secret' };
const headers = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };

describe('structured logs', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-logs-'));
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a failed callback delivery is logged by the dispatcher as a JSON line without a correlation id; every line is JSON', async () => {
    server = await startServerProcess([], {
      env: { DATABASE_URL: `sqlite:${path.join(root, 'db.sqlite')}`, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}`, LOG_LEVEL: 'info' },
    });
    const session = await fetch(`${server.url}/payments/v1/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(orderBody({ merchant_urls: { authorization: 'http://127.0.0.1:9/unreachable' } })),
    });
    assert.equal(session.status, 200);
    const { session_id: sessionId } = (await session.json()) as { session_id: string };
    const authorized = await fetch(`${server.url}/sandbox/v1/payments/sessions/${sessionId}/authorize`, { method: 'POST', headers, body: '{}' });
    assert.equal(authorized.status, 200);

    const deadline = Date.now() + 15_000;
    while (!server.output().includes('merchant callback attempt failed')) {
      assert.ok(Date.now() < deadline, `the failed attempt is logged:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '' && !/^(Merchants: |klarna-local listening on )/.test(line));
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return assert.fail(`a log line that is not JSON: ${line}`);
      }
    });
    const attempt = parsed.find((line) => line.msg === 'merchant callback attempt failed');
    assert.ok(attempt);
    assert.equal(attempt.level, 30);
    assert.equal(attempt.kind, 'payments.authorization');
    assert.equal(attempt.attempt, 1);
    assert.equal(typeof attempt.callback_id, 'number');
    assert.equal(attempt.correlation_id, undefined, 'background work belongs to no request');
    assert.equal(typeof attempt.time, 'number');
    assert.ok(!server.output().includes(MERCHANT.password), 'no password in the logs');
  });
});
