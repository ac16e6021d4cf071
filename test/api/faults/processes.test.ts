/**
 * `times` holds across processes: two real server processes on one database (PostgreSQL; SQLite: one
 * file) answer a burst of matching calls at once, and exactly `times` of them are injected, however
 * the calls are spread; a rule created through one process applies in the other within the refresh.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../../helpers/databases.js';
import type { TestDatabase } from '../../helpers/databases.js';
import { orderBody } from '../../helpers/harness.js';
import { startServerProcess } from '../../helpers/process.js';
import type { ServerProcess } from '../../helpers/process.js';

const CREDENTIAL = { username: 'faulty', password: 'faulty-secret' };
const AUTH = `Basic ${Buffer.from(`${CREDENTIAL.username}:${CREDENTIAL.password}`).toString('base64')}`;
const TIMES = 7;
const CALLS = 60;

async function call(server: ServerProcess, method: string, url: string, body?: unknown): Promise<{ status: number; json<T = any>(): T }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}

for (const dialect of await availableDialects()) {
  describe(`fault injection over two processes on one database (${dialect})`, () => {
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      const env = { KLARNA_LOCAL_MERCHANTS: `${CREDENTIAL.username}:${CREDENTIAL.password}` };
      // One after the other: the first start migrates the fresh database.
      a = await startServerProcess(['--host', '127.0.0.1', '--database-url', database.url], { env });
      b = await startServerProcess(['--host', '127.0.0.1', '--database-url', database.url], { env });
      for (const server of [a, b]) assert.equal((await call(server, 'GET', '/sandbox/v1/settings')).status, 200);
    });

    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
    });

    it(`${CALLS} concurrent matching calls through both processes: exactly ${TIMES} injected`, async () => {
      const created = await call(a, 'POST', '/sandbox/v1/orders', orderBody());
      assert.equal(created.status, 201);
      const orderId: string = created.json().order_id;
      const url = `/ordermanagement/v1/orders/${orderId}`;
      // Both processes have read the (empty) rules once.
      for (const server of [a, b]) assert.equal((await call(server, 'GET', url)).status, 200);

      const fault = await call(a, 'POST', '/sandbox/v1/faults', { method: 'GET', path: '/ordermanagement/v1/orders/*', status: 503, times: TIMES });
      assert.equal(fault.status, 201);
      const faultId: string = fault.json().fault_id;
      // The other process sees the new rule within its refresh (200 ms).
      await new Promise((resolve) => setTimeout(resolve, 400));

      const statuses = await Promise.all(Array.from({ length: CALLS }, (_, i) => call(i % 2 === 0 ? a : b, 'GET', url).then((r) => ({ server: i % 2, status: r.status }))));
      const injected = statuses.filter((s) => s.status === 503);
      assert.equal(injected.length, TIMES, JSON.stringify(statuses));
      assert.ok(statuses.every((s) => s.status === 200 || s.status === 503));
      const read = (await call(b, 'GET', `/sandbox/v1/faults/${faultId}`)).json();
      assert.equal(read.injected, TIMES);
      assert.equal(read.remaining, 0);
      const events = (await call(b, 'GET', `/sandbox/v1/events?order_id=${orderId}`)).json().events.filter((e: { type: string }) => e.type === 'fault.injected');
      assert.equal(events.length, TIMES);
    });

    it('a rule created through one process applies in the other, and its deletion too, within the refresh', async () => {
      const created = await call(b, 'POST', '/sandbox/v1/orders', orderBody());
      const url = `/ordermanagement/v1/orders/${created.json().order_id}`;
      const fault = await call(a, 'POST', '/sandbox/v1/faults', { method: 'GET', path: '/ordermanagement/v1/orders/*', status: 409 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal((await call(b, 'GET', url)).status, 409);
      assert.equal((await call(a, 'DELETE', `/sandbox/v1/faults/${fault.json().fault_id}`)).status, 204);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal((await call(b, 'GET', url)).status, 200);
    });
  });
}
