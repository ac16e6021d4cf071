/**
 * Crash safety: writes (captures, refunds, Payments sessions, Checkout completions) run at full
 * speed against a real server process, which is killed with SIGKILL in the middle; a new process is
 * started on the same database. Then: every write that was answered 2xx is there; nothing is half
 * done (order totals equal the sums of their rows, every completed checkout has its Order
 * Management order and its push); and the pushes that were due are delivered by the new process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/database.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { MERCHANT, basicAuth, orderBody } from '../helpers/harness.js';
import { startFakeMerchant } from '../helpers/merchant-server.js';
import type { FakeMerchant } from '../helpers/merchant-server.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';
import { SHOPPER, checkoutBody } from '../api/checkout/helpers.js';

const HEADERS = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };
const env = { KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}`, CALLBACK_POLL_MS: '20' };
const ORDERS = 20;
const CHECKOUTS = 300;
const IN_FLIGHT = 16;
const LOAD_MS = 5000;

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, headers: HEADERS, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

for (const dialect of await availableDialects()) {
  describe(`SIGKILL under load, then a restart (${dialect})`, () => {
    let database: TestDatabase;
    let merchant: FakeMerchant;
    let server: ServerProcess | null = null;

    before(async () => {
      database = await createTestDatabase(dialect);
      merchant = await startFakeMerchant();
      merchant.answer({ status: 200 });
    });
    after(async () => {
      await server?.stop();
      await merchant?.close();
      await database?.drop();
    });

    it('keeps every answered write, leaves nothing half done, and delivers what was due', async () => {
      server = await startServerProcess(['--database-url', database.url], { env });
      const base = server.url;
      const orderIds: string[] = [];
      for (let i = 0; i < ORDERS; i++) {
        const created = await call(base, 'POST', '/sandbox/v1/orders', orderBody());
        assert.equal(created.status, 201, created.body);
        orderIds.push(JSON.parse(created.body).order_id);
      }
      const checkoutIds: string[] = [];
      for (let i = 0; i < CHECKOUTS; i++) {
        const created = await call(base, 'POST', '/checkout/v3/orders', checkoutBody(merchant.url));
        assert.equal(created.status, 201, created.body);
        checkoutIds.push(JSON.parse(created.body).order_id);
      }

      // Everything the server answered 2xx during the load.
      const acknowledged = { captures: [] as { orderId: string; captureId: string }[], refunds: [] as { orderId: string; refundId: string }[], sessions: [] as string[], checkouts: [] as string[] };
      const captured = new Set<string>();
      let stop = false;
      let next = 0;
      const worker = async (w: number) => {
        while (!stop) {
          const n = next++;
          const orderId = orderIds[n % ORDERS] as string;
          try {
            switch (n % 4) {
              case 0: {
                const res = await call(base, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 10 });
                if (res.status === 201) {
                  acknowledged.captures.push({ orderId, captureId: String(res.headers.get('capture-id')) });
                  captured.add(orderId);
                }
                break;
              }
              case 1: {
                // The order the previous step captured on.
                const refundOrder = orderIds[(n - 1) % ORDERS] as string;
                if (!captured.has(refundOrder)) break;
                const res = await call(base, 'POST', `/ordermanagement/v1/orders/${refundOrder}/refunds`, { refunded_amount: 1 });
                if (res.status === 201) acknowledged.refunds.push({ orderId: refundOrder, refundId: String(res.headers.get('refund-id')) });
                break;
              }
              case 2: {
                const res = await call(base, 'POST', '/payments/v1/sessions', orderBody());
                if (res.status === 200) acknowledged.sessions.push(JSON.parse(res.body).session_id);
                break;
              }
              case 3: {
                const checkoutId = checkoutIds[(n >> 2) % CHECKOUTS] as string;
                const res = await call(base, 'POST', `/sandbox/v1/checkout/orders/${checkoutId}/complete`, SHOPPER);
                if (res.status === 200 && JSON.parse(res.body).status === 'checkout_complete') acknowledged.checkouts.push(checkoutId);
                break;
              }
            }
          } catch {
            // The connection died with the process: this write was never answered.
          }
          if (w < 0) return;
        }
      };
      const workers = Array.from({ length: IN_FLIGHT }, (_, w) => worker(w));
      // Kill once a third of the checkouts completed (whatever the machine's speed), or after LOAD_MS.
      const started = Date.now();
      while (acknowledged.checkouts.length < CHECKOUTS / 3 && Date.now() - started < LOAD_MS) await new Promise((resolve) => setTimeout(resolve, 2));
      await server.stop('SIGKILL');
      stop = true;
      await Promise.all(workers);
      console.log(
        `# ${dialect}: answered before SIGKILL: ${acknowledged.captures.length} captures, ${acknowledged.refunds.length} refunds, ` +
          `${acknowledged.sessions.length} sessions, ${acknowledged.checkouts.length} checkout completions`,
      );
      assert.ok(acknowledged.captures.length > 10, `load reached the server (${acknowledged.captures.length} captures)`);
      assert.ok(acknowledged.refunds.length > 0, 'some refunds were answered before the kill');
      assert.ok(acknowledged.checkouts.length > 0 && acknowledged.checkouts.length < CHECKOUTS, 'the kill came in the middle of the checkout completions');

      server = await startServerProcess(['--database-url', database.url], { env });
      const restarted = server.url;

      // 1. Every answered write is there.
      for (const { orderId, captureId } of acknowledged.captures) {
        const res = await call(restarted, 'GET', `/ordermanagement/v1/orders/${orderId}/captures/${captureId}`);
        assert.equal(res.status, 200, `capture ${captureId} answered 201 before the crash`);
      }
      for (const { orderId, refundId } of acknowledged.refunds) {
        assert.equal((await call(restarted, 'GET', `/ordermanagement/v1/orders/${orderId}/refunds/${refundId}`)).status, 200);
      }
      for (const sessionId of acknowledged.sessions) assert.equal((await call(restarted, 'GET', `/payments/v1/sessions/${sessionId}`)).status, 200);
      for (const checkoutId of acknowledged.checkouts) {
        assert.equal(JSON.parse((await call(restarted, 'GET', `/checkout/v3/orders/${checkoutId}`)).body).status, 'checkout_complete');
      }

      // 2. Nothing half done, read straight from the database.
      const db = openDatabase(database.url);
      try {
        for (const orderId of orderIds) {
          const order = await db.kysely.selectFrom('orders').select(['captured_amount', 'refunded_amount', 'order_amount', 'capture_count']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
          const captures = await db.kysely.selectFrom('captures').select(['captured_amount', 'refunded_amount']).where('order_id', '=', orderId).execute();
          const refunds = await db.kysely.selectFrom('refunds').select('refunded_amount').where('order_id', '=', orderId).execute();
          const capturedSum = captures.reduce((s, c) => s + Number(c.captured_amount), 0);
          const refundedSum = refunds.reduce((s, r) => s + Number(r.refunded_amount), 0);
          assert.equal(Number(order.captured_amount), capturedSum, `order ${orderId}: captured_amount = Σ captures`);
          assert.equal(Number(order.refunded_amount), refundedSum, `order ${orderId}: refunded_amount = Σ refunds`);
          assert.equal(Number(order.capture_count), captures.length);
          assert.equal(captures.reduce((s, c) => s + Number(c.refunded_amount), 0), refundedSum, 'refunds are allocated to captures in full');
          assert.ok(capturedSum <= Number(order.order_amount) && refundedSum <= capturedSum);
          // Settlements booked every capture and refund that happened, and only those (same transaction).
          const booked = await db.kysely.selectFrom('settlement_transactions').select(['type', 'detailed_type', 'amount', 'capture_id', 'refund_id']).where('order_id', '=', orderId).execute();
          const sales = booked.filter((b) => b.type === 'SALE');
          const returns = booked.filter((b) => b.type === 'RETURN');
          assert.equal(sales.length, captures.length, `order ${orderId}: one SALE per capture`);
          assert.equal(sales.reduce((s, b) => s + Number(b.amount), 0), capturedSum, `order ${orderId}: Σ SALE = Σ captures`);
          assert.equal(returns.length, refunds.length, `order ${orderId}: one RETURN per refund`);
          assert.equal(returns.reduce((s, b) => s + Number(b.amount), 0), refundedSum, `order ${orderId}: Σ RETURN = Σ refunds`);
        }
        const completed = await db.kysely.selectFrom('checkout_orders').select('order_id').where('status', '=', 'checkout_complete').execute();
        for (const { order_id } of completed) {
          const om = await db.kysely.selectFrom('orders').select('status').where('order_id', '=', order_id).executeTakeFirst();
          assert.equal(om?.status, 'AUTHORIZED', `completed checkout ${order_id} has its Order Management order`);
          const push = await db.kysely.selectFrom('callbacks').select('status').where('order_id', '=', order_id).where('kind', '=', 'checkout.push').execute();
          assert.equal(push.length, 1, `completed checkout ${order_id} has its push`);
        }
        const incompleteWithOrder = await db.kysely
          .selectFrom('checkout_orders')
          .innerJoin('orders', 'orders.order_id', 'checkout_orders.order_id')
          .select('checkout_orders.order_id')
          .where('checkout_orders.status', '=', 'checkout_incomplete')
          .execute();
        assert.deepEqual(incompleteWithOrder, [], 'no Order Management order without its completed checkout');

        // 3. The pushes come due 2 minutes after completion: the new process delivers every one.
        await call(restarted, 'POST', '/sandbox/v1/clock/advance', { seconds: 121 });
        const ids = completed.map((c) => c.order_id);
        await merchant.waitFor(ids.length, (r) => r.url.startsWith('/push?id='), 20_000);
        const pushed = new Set(merchant.received.filter((r) => r.url.startsWith('/push?id=')).map((r) => r.url.slice('/push?id='.length)));
        for (const id of ids) assert.ok(pushed.has(id), `push for ${id} delivered after the restart`);
      } finally {
        await db.close();
      }
    });
  });
}
