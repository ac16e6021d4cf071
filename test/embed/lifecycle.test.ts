/**
 * Several instances in one process, each on its own port and its own in-memory database; `stop()`
 * releases everything, so a test process that stops its instances exits on its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { startKlarnaLocal } from '../../src/index.js';
import { CART, merchantApi } from './walkthrough.js';
import { fromRoot } from '../helpers/root.js';

const TSX_LOADER = import.meta.resolve('tsx');

describe('klarna-local instances', () => {
  test('two instances in one process share nothing: ports, data, clocks', async () => {
    // The same credentials in both: only the instance tells them apart.
    const merchants = [{ username: 'shop', password: 'shop-secret' }];
    const [a, b] = await Promise.all([startKlarnaLocal({ merchants }), startKlarnaLocal({ merchants })]);
    try {
      assert.notEqual(new URL(a.url).port, new URL(b.url).port);
      const order = await a.sandbox.createOrder(CART);
      assert.equal((await merchantApi(a.url, a.credentials)('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 200);
      assert.equal((await merchantApi(b.url, b.credentials)('GET', `/ordermanagement/v1/orders/${order.order_id}`)).status, 404);
      assert.deepEqual((await b.sandbox.events()).events, []);

      const before = await b.sandbox.getClock();
      await a.sandbox.advanceClock({ days: 3 });
      assert.equal((await a.sandbox.getClock()).offset_seconds - before.offset_seconds, 3 * 86_400);
      assert.equal((await b.sandbox.getClock()).offset_seconds, before.offset_seconds, "one instance's clock leaves the other's alone");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('stop() closes the port and may be called again', async () => {
    const klarna = await startKlarnaLocal();
    await klarna.stop();
    await klarna.stop();
    await assert.rejects(fetch(`${klarna.url}/healthz`), 'nothing listens any more');
    await assert.rejects(klarna.sandbox.getClock());
  });

  test('a process that stopped its instances exits on its own, with no server, socket or timer left', async () => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, fromRoot('test', 'embed', 'fixtures', 'two-instances.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let reportedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (reportedAt === 0 && stdout.includes('\n')) reportedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    assert.equal(signal, null, `the process was killed: it did not exit on its own\n${stdout}${stderr}`);
    assert.equal(code, 0, stdout + stderr);
    const report = JSON.parse(stdout.trim()) as { received: string[]; left: string[] };
    assert.equal(report.received.length, 2, 'each instance called the merchant back');
    assert.deepEqual(report.left, [], 'no server, socket or timer left after stop()');
    assert.ok(Date.now() - reportedAt < 3000, `exited ${Date.now() - reportedAt} ms after stopping`);
  });
});
