/**
 * Resets racing traffic. Merchant A resets over and over while A's own orders are created, captured
 * and refunded, and merchant B captures, reads and moves its clock, all at once and spread over two
 * app instances with a database handle each (two server processes on one database: PostgreSQL row
 * locks; SQLite BEGIN IMMEDIATE and busy_timeout across connections). Afterwards: no request was
 * answered 5xx (A's requests may find their order gone: 404); B's orders hold exactly B's captures;
 * A's rows are consistent (no capture, refund, booking or event without its order, amounts that add
 * up), and a last reset leaves nothing of A.
 *
 * The random plan is seeded; a failure prints the seed, and RESET_RACE_SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/platform/app.js';
import { Clock } from '../../src/platform/clock.js';
import { openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { Authenticator } from '../../src/platform/http/auth.js';
import { flushApiCalls } from '../../src/modules/sandbox/api-calls.js';
import { MERCHANT_TABLES } from '../../src/modules/sandbox/merchant-state.js';
import { availableDialects } from '../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { intFrom, prng } from '../helpers/random.js';

const SEED = Number(process.env.RESET_RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`# concurrency/reset.test.ts seed ${SEED} (set RESET_RACE_SEED=${SEED} to replay)`);
const random = prng(SEED);
const randomInt = intFrom(random);

const RESETS = 12;
const A_ORDERS = 30;
const B_ORDERS = 6;
const B_OPERATIONS = 60;
const B_CAPTURE = 1000;
/** Room for every capture B makes. */
const B_ORDER = orderBody({
  order_amount: 100_000,
  order_tax_amount: 20_000,
  order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'Thing', quantity: 1, unit_price: 100_000, tax_rate: 2500, total_amount: 100_000, total_tax_amount: 20_000 }],
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

for (const dialect of await availableDialects()) {
  describe(`resets racing the merchant's own writes and another merchant's (${dialect})`, () => {
    let t: TestApp;
    let secondDb: Db;
    let second: App;
    const answers: { what: string; status: number; body: string }[] = [];

    before(async () => {
      t = await buildTestApp({ dialect });
      secondDb = openDatabase(t.config.databaseUrl);
      second = await buildApp({ config: t.config, db: secondDb, clock: new Clock(secondDb), authenticator: new Authenticator(secondDb), logger: pino({ level: 'silent' }) });
    });
    after(async () => {
      await second.close();
      await secondDb.close();
      await t.close();
    });

    /** A request through one of the two instances, recorded. */
    async function call(instance: number, credential: typeof MERCHANT, method: 'GET' | 'POST', url: string, body?: unknown): Promise<Answer> {
      const app = instance % 2 === 0 ? t.app : second;
      const res = await app.inject({
        method,
        url,
        headers: { authorization: basicAuth(credential), ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      answers.push({ what: `${credential.username} ${method} ${url}`, status: res.statusCode, body: res.body });
      return { status: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) };
    }

    it(`${RESETS} resets of A against A's captures and refunds and B's captures, reads and clock: no 5xx, B's money exact, A consistent`, async () => {
      const bOrders: string[] = [];
      for (let i = 0; i < B_ORDERS; i++) {
        const res = await call(0, OTHER_MERCHANT, 'POST', '/sandbox/v1/orders', B_ORDER);
        assert.equal(res.status, 201, res.body);
        bOrders.push(res.json().order_id);
      }
      const bCaptures = new Map<string, string[]>(bOrders.map((id) => [id, []]));
      const resetStatuses: number[] = [];

      const resets = (async () => {
        for (let i = 0; i < RESETS; i++) {
          await sleep(randomInt(0, 25));
          const res = await call(i, MERCHANT, 'POST', '/sandbox/v1/reset');
          resetStatuses.push(res.status);
        }
      })();

      const aTraffic = (async () => {
        for (let i = 0; i < A_ORDERS; i++) {
          const created = await call(i, MERCHANT, 'POST', '/sandbox/v1/orders', orderBody());
          if (created.status !== 201) continue;
          const orderId: string = created.json().order_id;
          const capture = await call(i + 1, MERCHANT, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 5000 });
          if (capture.status !== 201) continue;
          await Promise.all([
            call(i, MERCHANT, 'POST', `/ordermanagement/v1/orders/${orderId}/refunds`, { refunded_amount: 1000 }),
            call(i + 1, MERCHANT, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 2500 }),
            call(i, MERCHANT, 'GET', `/ordermanagement/v1/orders/${orderId}`),
          ]);
        }
      })();

      const bTraffic = (async () => {
        await Promise.all(
          Array.from({ length: 3 }, async (_, lane) => {
            for (let i = lane; i < B_OPERATIONS; i += 3) {
              const kind = randomInt(0, 9);
              const orderId = bOrders[randomInt(0, B_ORDERS - 1)] as string;
              if (kind < 6) {
                const res = await call(i, OTHER_MERCHANT, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: B_CAPTURE });
                assert.equal(res.status, 201, `B's capture (seed ${SEED}): ${res.body}`);
                bCaptures.get(orderId)?.push(String(res.headers['capture-id']));
              } else if (kind < 9) {
                const res = await call(i, OTHER_MERCHANT, 'GET', `/ordermanagement/v1/orders/${orderId}`);
                assert.equal(res.status, 200, res.body);
              } else {
                const res = await call(i, OTHER_MERCHANT, 'POST', '/sandbox/v1/clock/advance', { seconds: 1 });
                assert.equal(res.status, 200, res.body);
              }
            }
          }),
        );
      })();

      await Promise.all([resets, aTraffic, bTraffic]);

      const serverErrors = answers.filter((a) => a.status >= 500);
      assert.deepEqual(serverErrors, [], `no 5xx (seed ${SEED})`);
      assert.deepEqual(resetStatuses, Array(RESETS).fill(200), `every reset succeeded (seed ${SEED})`);
      // A's requests that lost the race found their order gone; nothing else was refused.
      const refused = answers.filter((a) => a.status >= 400 && a.status !== 404);
      assert.deepEqual(refused, [], `only 404s among the refusals (seed ${SEED})`);
      assert.ok(answers.some((a) => a.what.startsWith(MERCHANT.username) && a.status === 201 && a.what.includes('/captures')), 'some of A\'s captures got through');

      // B: exactly what B did, through the API and in the rows.
      for (const orderId of bOrders) {
        const read = await t.request({ url: `/ordermanagement/v1/orders/${orderId}`, auth: OTHER_MERCHANT });
        assert.equal(read.status, 200, read.body);
        const order = read.json();
        const made = bCaptures.get(orderId) ?? [];
        assert.equal(order.captured_amount, made.length * B_CAPTURE, `${orderId} (seed ${SEED})`);
        assert.equal(order.remaining_authorized_amount, order.order_amount - made.length * B_CAPTURE);
        assert.deepEqual(order.captures.map((c: { capture_id: string }) => c.capture_id).sort(), [...made].sort());
      }

      // A: no child without its parent, amounts that add up.
      const a = (await t.db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', MERCHANT.username).executeTakeFirstOrThrow()).merchant_id;
      const count = async (text: string, params: (string | number)[] = []) => Number((await t.db.read.get<{ n: number | string }>(text, params))?.n ?? 0);
      const orphanChecks: [string, string][] = [
        ['captures without their order', 'select count(*) as n from captures c where not exists (select 1 from orders o where o.order_id = c.order_id)'],
        ['refunds without their order', 'select count(*) as n from refunds r where not exists (select 1 from orders o where o.order_id = r.order_id)'],
        ['authorizations without their session', 'select count(*) as n from payment_authorizations p where not exists (select 1 from payment_sessions s where s.session_id = p.session_id)'],
        ['cards without their settlement', 'select count(*) as n from merchant_card_cards c where not exists (select 1 from merchant_card_settlements s where s.settlement_id = c.settlement_id)'],
        ['attempts without their callback', 'select count(*) as n from callback_attempts a where not exists (select 1 from callbacks c where c.callback_id = a.callback_id)'],
      ];
      for (const [what, text] of orphanChecks) assert.equal(await count(text), 0, `${what} (seed ${SEED})`);
      const ofA: [string, string][] = [
        ['bookings of A without their order', 'select count(*) as n from settlement_transactions s where s.merchant_id = ? and not exists (select 1 from orders o where o.order_id = s.order_id)'],
        ['events of A without their order', 'select count(*) as n from events e where e.merchant_id = ? and e.order_id is not null and not exists (select 1 from orders o where o.order_id = e.order_id)'],
        [
          "A's orders whose captured amount is not their captures'",
          'select count(*) as n from orders o where o.merchant_id = ? and o.captured_amount <> (select coalesce(sum(c.captured_amount), 0) from captures c where c.order_id = o.order_id)',
        ],
        [
          "A's orders whose refunded amount is not their refunds'",
          'select count(*) as n from orders o where o.merchant_id = ? and o.refunded_amount <> (select coalesce(sum(r.refunded_amount), 0) from refunds r where r.order_id = o.order_id)',
        ],
        [
          "A's orders whose captures are not booked",
          "select count(*) as n from captures c where c.merchant_id = ? and not exists (select 1 from settlement_transactions s where s.capture_id = c.capture_id and s.type = 'SALE')",
        ],
      ];
      for (const [what, text] of ofA) assert.equal(await count(text, [a]), 0, `${what} (seed ${SEED})`);

      // A last reset, with nothing racing it, leaves nothing of A (but the reset's own log line).
      await flushApiCalls(secondDb);
      assert.equal((await call(0, MERCHANT, 'POST', '/sandbox/v1/reset')).status, 200);
      await flushApiCalls(t.db);
      for (const table of MERCHANT_TABLES) {
        if (table.throughParent) continue;
        const left = await count(`select count(*) as n from ${table.name} where merchant_id = ?${table.name === 'api_calls' ? " and path <> '/sandbox/v1/reset'" : ''}`, [a]);
        assert.equal(left, 0, `${table.name} of A after the last reset`);
      }
    });
  });
}
