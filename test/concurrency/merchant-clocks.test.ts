/**
 * Two merchants on one database served by two processes: merchant A travels 29 days in one-day
 * steps, from both processes at once, while both merchants capture on their orders through both
 * processes. A's clock ends exactly 29 days ahead (no advance lost), A's orders expire and refuse
 * captures only once A's time has passed their expiry, and B's orders never notice: every one of
 * B's captures is accepted and its amounts are exactly what B did.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, orderBody } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';

const DAY = 24 * 3600;
const ORDERS = 6;
const STEPS = 29;
const env = {
  KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password},${OTHER_MERCHANT.username}:${OTHER_MERCHANT.password}`,
  SWEEP_INTERVAL_MS: '50',
};

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are read loosely
  json: () => any;
}

async function call(server: ServerProcess, who: typeof MERCHANT, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: basicAuth(who), 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: () => JSON.parse(text) };
}

for (const dialect of await availableDialects()) {
  describe(`two merchants' time travel and traffic over two processes (${dialect})`, () => {
    let database: TestDatabase;
    let p1: ServerProcess;
    let p2: ServerProcess;
    before(async () => {
      database = await createTestDatabase(dialect);
      p1 = await startServerProcess(['--database-url', database.url], { env });
      p2 = await startServerProcess(['--database-url', database.url], { env });
    });
    after(async () => {
      await Promise.all([p1?.stop(), p2?.stop()]);
      await database?.drop();
    });

    it("A's advances from both processes race both merchants' captures: nothing lost, nothing of B's expires", async () => {
      const create = async (who: typeof MERCHANT) => {
        const res = await call(p1, who, 'POST', '/sandbox/v1/orders', orderBody({ order_amount: 12500 }));
        assert.equal(res.status, 201);
        return res.json().order_id as string;
      };
      const ordersA = await Promise.all(Array.from({ length: ORDERS }, () => create(MERCHANT)));
      const ordersB = await Promise.all(Array.from({ length: ORDERS }, () => create(OTHER_MERCHANT)));
      const startA = (await call(p1, MERCHANT, 'GET', '/sandbox/v1/clock')).json();

      const capturesB: Answer[] = [];
      const capturesA: { answer: Answer; orderId: string }[] = [];
      const advances = Array.from({ length: STEPS }, (_, i) => call(i % 2 === 0 ? p1 : p2, MERCHANT, 'POST', '/sandbox/v1/clock/advance', { seconds: DAY }));
      const traffic = Array.from({ length: 60 }, async (_, i) => {
        const server = i % 2 === 0 ? p2 : p1;
        const b = ordersB[i % ORDERS] as string;
        capturesB.push(await call(server, OTHER_MERCHANT, 'POST', `/ordermanagement/v1/orders/${b}/captures`, { captured_amount: 100 }));
        const a = ordersA[i % ORDERS] as string;
        capturesA.push({ answer: await call(server, MERCHANT, 'POST', `/ordermanagement/v1/orders/${a}/captures`, { captured_amount: 100 }), orderId: a });
      });
      const [advanced] = await Promise.all([Promise.all(advances), Promise.all(traffic)]);
      assert.deepEqual(
        advanced.map((a) => a.status),
        advanced.map(() => 200),
        'every advance was answered 200',
      );

      // A's clock moved by exactly the sum of its advances; B's and the server's did not move.
      const endA = (await call(p2, MERCHANT, 'GET', '/sandbox/v1/clock')).json();
      assert.equal(endA.offset_seconds - startA.offset_seconds, STEPS * DAY);
      const endB = (await call(p1, OTHER_MERCHANT, 'GET', '/sandbox/v1/clock')).json();
      assert.equal(endB.offset_seconds, 0);
      assert.equal(endB.server_offset_seconds, 0);

      // Every capture of B was accepted, and B's orders hold exactly those captures.
      assert.deepEqual(
        capturesB.map((c) => c.status),
        capturesB.map(() => 201),
      );
      for (const orderId of ordersB) {
        const order = (await call(p2, OTHER_MERCHANT, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
        assert.equal(order.status, 'PART_CAPTURED');
        assert.equal(order.captured_amount, 100 * order.captures.length);
        assert.equal(order.captures.length, 60 / ORDERS);
      }

      // A's captures were accepted until its time passed the expiry, refused (403) after; its orders end EXPIRED.
      assert.ok(capturesA.every((c) => c.answer.status === 201 || c.answer.status === 403));
      for (const orderId of ordersA) {
        const order = (await call(p1, MERCHANT, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
        assert.equal(order.status, 'EXPIRED');
        const accepted = capturesA.filter((c) => c.orderId === orderId && c.answer.status === 201).length;
        assert.equal(order.captures.length, accepted);
        assert.equal(order.captured_amount, 100 * accepted);
        for (const capture of order.captures as { captured_at: string }[]) assert.ok(Date.parse(capture.captured_at) < Date.parse(order.expires_at), 'no capture after the expiry in A’s time');
      }
    });
  });
}
