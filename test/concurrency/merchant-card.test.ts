/**
 * Merchant Card Service over two real server processes on one database (PostgreSQL: row locks;
 * SQLite: one file, BEGIN IMMEDIATE across processes): for each order, settlements asked for through
 * both processes at once, with a new promise and an Order Management capture racing them. Exactly
 * one settlement per order may win, capturing exactly once; whatever wins, the order is never
 * captured beyond its amount and its captures are exactly the winners'. Then cancel requests through
 * both processes at once, decided once: the cards refunded once, never twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { orderBody } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';
import { keyPair } from '../api/merchant-card/api-helpers.js';

const CREDENTIAL = { username: 'cards', password: 'cards-secret' };
const AUTH = `Basic ${Buffer.from(`${CREDENTIAL.username}:${CREDENTIAL.password}`).toString('base64')}`;
const ORDERS = 6;

interface Answer {
  status: number;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(server: ServerProcess, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.ok(res.status < 500, `${method} ${url}: ${res.status} ${text}`);
  return { status: res.status, text, json: () => JSON.parse(text) };
}

for (const dialect of await availableDialects()) {
  describe(`merchant card settlements over two processes on one database (${dialect})`, () => {
    let database: TestDatabase;
    let servers: ServerProcess[] = [];

    before(async () => {
      database = await createTestDatabase(dialect);
      const env = { KLARNA_LOCAL_MERCHANTS: `${CREDENTIAL.username}:${CREDENTIAL.password}`, SWEEP_INTERVAL_MS: '50' };
      // One after the other: the first start migrates the fresh database.
      for (let i = 0; i < 2; i++) servers.push(await startServerProcess(['--host', '127.0.0.1', '--database-url', database.url], { env }));
      for (const server of servers) assert.equal((await call(server, 'GET', '/sandbox/v1/settings')).status, 200);
    });

    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      servers = [];
      await database?.drop();
    });

    it('racing settlements, promises and captures: one settlement per order, captured once, never beyond the order; racing cancel requests refund once', { timeout: 120_000 }, async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const enrolled = await call(a, 'POST', '/sandbox/v1/merchant-card/keys', keyPair().jwk);
      assert.equal(enrolled.status, 201, enrolled.text);
      const keyId = enrolled.json().key_id as string;

      const orders: string[] = [];
      for (let i = 0; i < ORDERS; i++) {
        const created = await call(servers[i % 2] as ServerProcess, 'POST', '/sandbox/v1/orders', orderBody());
        assert.equal(created.status, 201, created.text);
        orders.push(created.json().order_id);
      }

      const outcomes = await Promise.all(
        orders.map(async (orderId, i) => {
          const order = (await call(a, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
          const currency = order.purchase_currency as string;
          const half = Math.floor(order.order_amount / 2);
          const first = await call(b, 'POST', '/merchantcard/v3/promises', { order_id: orderId, cards: [{ amount: half, currency, reference: 'first' }] });
          assert.equal(first.status, 201, first.text);
          const racers: Promise<Answer>[] = [];
          for (let k = 0; k < 6; k++) racers.push(call(servers[k % 2] as ServerProcess, 'POST', '/merchantcard/v3/settlements', { order_id: orderId, key_id: keyId }));
          // A new promise (a third of the order) and, on every other order, a capture of one unit, racing the settlements.
          racers.push(call(a, 'POST', '/merchantcard/v3/promises', { order_id: orderId, cards: [{ amount: Math.floor(order.order_amount / 3), currency, reference: 'second' }] }));
          if (i % 2 === 0) racers.push(call(b, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 1 }));
          const answers = await Promise.all(racers);
          const settled = answers.slice(0, 6).filter((r) => r.status === 201);
          for (const r of answers.slice(0, 6)) assert.ok(r.status === 201 || r.status === 403, r.text);
          assert.ok(settled.length <= 1, `order ${orderId}: ${settled.length} settlements`);
          return { orderId, amount: order.order_amount as number, settlement: settled[0]?.json(), captureAnswer: answers[7] };
        }),
      );

      for (const { orderId, amount, settlement, captureAnswer } of outcomes) {
        const om = (await call(b, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
        const cardsTotal = settlement ? (settlement.cards as { amount: number }[]).reduce((n, c) => n + c.amount, 0) : 0;
        const omCapture = captureAnswer?.status === 201 ? 1 : 0;
        assert.ok(settlement || omCapture === 1, `order ${orderId}: either a settlement or the capture got it first`);
        assert.equal(om.captured_amount, cardsTotal + omCapture, `order ${orderId}: captures are exactly the winners'`);
        assert.ok(om.captured_amount <= amount);
        assert.equal(om.captures.length, (settlement ? 1 : 0) + omCapture);
      }

      // Cancel requests through both processes at once, then decided once by the clock.
      const settledOrders = outcomes.filter((o) => o.settlement);
      assert.ok(settledOrders.length > 0, 'some settlements won');
      for (const { orderId } of settledOrders) {
        const answers = await Promise.all([a, b, a, b].map((s) => call(s, 'POST', `/merchantcard/v3/orders/${orderId}/cancel-request`, undefined)));
        for (const r of answers) assert.equal(r.status, 202, r.text);
        assert.equal(new Set(answers.map((r) => r.json().check_after)).size, 1, 'one request, one check_after');
      }
      await Promise.all([call(a, 'POST', '/sandbox/v1/clock/advance', { seconds: 16 * 60 }), call(b, 'GET', '/sandbox/v1/clock')]);
      await Promise.all(settledOrders.flatMap(({ orderId }) => [a, b].map((s) => call(s, 'GET', `/merchantcard/v3/orders/${orderId}/cancel-request`))));
      for (const { orderId, settlement } of settledOrders) {
        const status = (await call(b, 'GET', `/merchantcard/v3/orders/${orderId}/cancel-request`)).json();
        assert.equal(status.status, 'CANCELLED');
        const om = (await call(a, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json();
        const cardsTotal = (settlement.cards as { amount: number }[]).reduce((n, c) => n + c.amount, 0);
        assert.equal(om.refunds.length, 1, `order ${orderId}: refunded once`);
        assert.equal(om.refunded_amount, cardsTotal);
      }
    });
  });
}
