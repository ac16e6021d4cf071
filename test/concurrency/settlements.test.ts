/**
 * Settlements over two real server processes on one database (PostgreSQL: row locks; SQLite: one
 * file, BEGIN IMMEDIATE + busy_timeout across processes): captures, refunds and lost disputes made
 * through both while the clock is advanced through both and payouts are run on both at once (and
 * each process's own sweep builds due payouts every 50 ms). Afterwards, through the HTTP API: every
 * settlement transaction belongs to exactly one payout and is listed by it, every payout's totals
 * recompute from its transactions, each currency's debt chains from payout to payout, and the money
 * booked per order is what Order Management says was captured and refunded.
 *
 * The random plan is seeded; a failure prints the seed, and SETTLEMENT_RACE_SEED=<n> replays it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { orderBody } from '../helpers/harness.js';
import { validateAgainstContract } from '../helpers/openapi.js';
import { prng, intFrom } from '../helpers/random.js';
import { recomputeTotals } from '../helpers/settlement-totals.js';
import { startServerProcess } from '../helpers/process.js';
import type { ServerProcess } from '../helpers/process.js';

const CREDENTIAL = { username: 'settle', password: 'settle-secret' };
const AUTH = `Basic ${Buffer.from(`${CREDENTIAL.username}:${CREDENTIAL.password}`).toString('base64')}`;
const REQUEST_TIMEOUT_MS = 30_000;
const ORDERS = 8;
const MONEY_OPERATIONS = 80;
const CLOCK_STEPS = 12;
const RUNS = 30;

const SEED = Number(process.env.SETTLEMENT_RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`# concurrency/settlements.test.ts seed ${SEED} (set SETTLEMENT_RACE_SEED=${SEED} to replay)`);

const random = prng(SEED);
const randomInt = intFrom(random);
const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(server: ServerProcess, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  const answer: Answer = { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  assert.ok(res.status < 500, `${method} ${url} via ${server.url}: ${res.status} ${text} (seed ${SEED})`);
  if (url.startsWith('/settlements/v1/')) {
    validateAgainstContract('settlements', { method, url, statusCode: res.status, headers: Object.fromEntries(res.headers), body: text });
  }
  return answer;
}

interface Transaction {
  amount: number;
  type: string;
  detailed_type: string;
  order_id: string;
  currency_code: string;
  capture_id: string;
  refund_id?: string;
  payment_reference?: string;
  vat_amount?: number;
  reversal_reference?: string;
}
interface Payout {
  payment_reference: string;
  payout_date: string;
  currency_code: string;
  merchant_settlement_type: string;
  totals: Record<string, number>;
}

async function everyPage<T>(server: ServerProcess, url: string, key: 'payouts' | 'transactions'): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const res = await call(server, 'GET', `${url}${url.includes('?') ? '&' : '?'}size=500&offset=${items.length}`);
    assert.equal(res.status, 200, res.text);
    const page = res.json<Record<string, unknown> & { pagination: { total: number } }>();
    const got = page[key] as T[];
    items.push(...got);
    if (got.length === 0 || items.length >= page.pagination.total) {
      assert.equal(items.length, page.pagination.total, `${url}: every item`);
      return items;
    }
  }
}

/** A transaction as one comparable string: every field it carries but its payout's link (on the URL of the process that answered). */
const identity = (tx: Transaction) =>
  JSON.stringify(
    Object.entries(tx)
      .filter(([k]) => k !== 'payout')
      .sort(([a], [b]) => a.localeCompare(b)),
  );


const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

// ---------------------------------------------------------------------------------------------

for (const dialect of await availableDialects()) {
  describe(`settlements over two processes on one database (${dialect})`, () => {
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      const env = { KLARNA_LOCAL_MERCHANTS: `${CREDENTIAL.username}:${CREDENTIAL.password}`, SWEEP_INTERVAL_MS: '50' };
      // One after the other: the first start migrates the fresh database.
      a = await startServerProcess(['--host', '127.0.0.1', '--database-url', database.url], { env });
      b = await startServerProcess(['--host', '127.0.0.1', '--database-url', database.url], { env });
      // Verify the credentials once per process (scrypt) before the race starts.
      for (const server of [a, b]) assert.equal((await call(server, 'GET', '/sandbox/v1/settings')).status, 200);
    });

    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
    });

    it('concurrent captures, refunds, lost disputes, clock advances and payout runs: every transaction in exactly one payout, totals recompute, the debt chains', { timeout: 180_000 }, async () => {
      const servers = [a, b];
      const server = () => servers[randomInt(0, 1)] as ServerProcess;
      const marks = servers.map((s) => s.output().length);

      // Fees paid apart (two payouts a date), a holdback released within the run, payable the next midnight.
      const settings = await call(a, 'PATCH', '/sandbox/v1/settings', {
        settlement_type: 'GROSS_FEE',
        settlement_payout_schedule: { frequency: 'daily', delay_days: 0 },
        settlement_holdback: { percentage: 500, release_days: 2 },
      });
      assert.equal(settings.status, 200, settings.text);

      const orders: { id: string; amount: number }[] = [];
      for (let i = 0; i < ORDERS; i++) {
        const amount = randomInt(5, 60) * 1000;
        const market = i % 2 === 0 ? { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE' } : { purchase_country: 'DE', purchase_currency: 'EUR', locale: 'de-DE' };
        const created = await call(
          servers[i % 2] as ServerProcess,
          'POST',
          '/sandbox/v1/orders',
          orderBody({
            ...market,
            order_amount: amount,
            order_tax_amount: amount / 5,
            order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'Thing', quantity: 1, unit_price: amount, tax_rate: 2500, total_amount: amount, total_tax_amount: amount / 5 }],
            billing_address: { given_name: 'Test', family_name: 'Person', email: 'customer@email.se', street_address: 'Street 1', postal_code: '12345', city: 'City', country: market.purchase_country },
          }),
        );
        assert.equal(created.status, 201, created.text);
        orders.push({ id: created.json().order_id, amount });
      }

      // The money: captures and refunds (and disputes lost on captures made), a few at a time per order.
      const captured: { orderId: string; captureId: string; amount: number }[] = [];
      const money = async (i: number) => {
        const order = orders[i % ORDERS];
        assert.ok(order);
        const kind = random();
        if (kind < 0.55) {
          const res = await call(server(), 'POST', `/ordermanagement/v1/orders/${order.id}/captures`, { captured_amount: randomInt(1, 12) * 500 });
          assert.ok(res.status === 201 || res.status === 403, res.text);
          if (res.status === 201) captured.push({ orderId: order.id, captureId: String(res.headers.get('capture-id')), amount: 0 });
        } else if (kind < 0.9) {
          const res = await call(server(), 'POST', `/ordermanagement/v1/orders/${order.id}/refunds`, { refunded_amount: randomInt(1, 8) * 250 });
          assert.ok(res.status === 201 || res.status === 403, res.text);
        } else {
          const target = captured[randomInt(0, Math.max(0, captured.length - 1))];
          if (!target) return;
          const opened = await call(server(), 'POST', '/sandbox/v1/settlements/disputes', { order_id: target.orderId, capture_id: target.captureId, amount: 100, merchant_protection: random() < 0.5 });
          assert.equal(opened.status, 201, opened.text);
          const lost = await call(server(), 'POST', `/sandbox/v1/settlements/disputes/${opened.json().dispute_id}/lose`, {});
          assert.equal(lost.status, 200, lost.text);
        }
      };
      const moneyDone = (async () => {
        // Four at a time, through either process.
        for (let i = 0; i < MONEY_OPERATIONS; i += 4) await Promise.all([0, 1, 2, 3].map((k) => money(i + k)));
      })();
      // The clock: advanced through either process, 6 to 30 hours at a time, at random moments.
      const clockDone = (async () => {
        for (let i = 0; i < CLOCK_STEPS; i++) {
          await sleep(randomInt(0, 60));
          const res = await call(server(), 'POST', '/sandbox/v1/clock/advance', { seconds: randomInt(6, 30) * 3600 });
          assert.equal(res.status, 200, res.text);
        }
      })();
      // Payout runs, two on each process at once, due ones and `immediately`, while the money moves.
      const runsDone = (async () => {
        for (let i = 0; i < RUNS; i++) {
          await sleep(randomInt(0, 30));
          const bodies = [0, 1, 2, 3].map(() => ({ immediately: random() < 0.7 }));
          const answers = await Promise.all(bodies.map((body, k) => call(servers[k % 2] as ServerProcess, 'POST', '/sandbox/v1/settlements/payouts/run', body)));
          for (const res of answers) assert.equal(res.status, 200, res.text);
        }
      })();
      await Promise.all([moneyDone, clockDone, runsDone]);

      // The end: past every release, and whatever is left paid at once, by both processes together.
      assert.equal((await call(b, 'POST', '/sandbox/v1/clock/advance', { seconds: 3 * 86400 })).status, 200);
      await Promise.all(servers.map((s) => call(s, 'POST', '/sandbox/v1/settlements/payouts/run', { immediately: true })));
      // A sweep may have been building a payout while the runs ran; let both sweeps finish a turn.
      await sleep(300);

      // Every transaction is in exactly one payout, listed by it. (Transactions have no id: two
      // holdbacks of equal captures in one second read the same, so listings compare as multisets.)
      const all = await everyPage<Transaction>(a, '/settlements/v1/transactions', 'transactions');
      assert.ok(all.length > 0);
      const unpaid = all.filter((tx) => tx.payment_reference === undefined);
      assert.deepEqual(unpaid, [], `every transaction is paid out (seed ${SEED})`);
      const payouts = await everyPage<Payout>(b, '/settlements/v1/payouts', 'payouts');
      const fromPayouts: string[] = [];
      const transactionsOf = new Map<string, Transaction[]>();
      for (const [i, p] of payouts.entries()) {
        const listed = await everyPage<Transaction>(servers[i % 2] as ServerProcess, `/settlements/v1/transactions?payment_reference=${p.payment_reference}`, 'transactions');
        assert.ok(listed.length > 0, `payout ${p.payment_reference} pays something`);
        transactionsOf.set(p.payment_reference, listed);
        for (const tx of listed) {
          assert.equal(tx.payment_reference, p.payment_reference, `listed by the payout it names (seed ${SEED})`);
          assert.equal(tx.currency_code, p.currency_code);
          fromPayouts.push(identity(tx));
        }
        const fees = listed.filter((tx) => tx.type === 'FEE' || tx.type === 'FEE_REFUND').length;
        assert.ok(fees === 0 || fees === listed.length, `GROSS_FEE payout ${p.payment_reference} is all fees or no fees`);
      }
      // Each transaction (naming its payout) once in all the payouts' listings together: none twice, none missing.
      assert.deepEqual(fromPayouts.sort(), all.map(identity).sort(), `the payouts pay exactly the transactions (seed ${SEED})`);

      // Totals recompute; each currency's debt chains from payout to payout (oldest first).
      const debt = new Map<string, number>();
      const chain = (currency: string) =>
        [...payouts]
          .reverse()
          .filter((p) => p.currency_code === currency)
          .map((p) => `${p.payout_date} ${p.payment_reference} opening ${p.totals.opening_debt_balance_amount} closing ${p.totals.closing_debt_balance_amount}`)
          .join('\n');
      for (const p of [...payouts].reverse()) {
        const opening = debt.get(p.currency_code) ?? 0;
        const where = `payout ${p.payment_reference} of ${p.payout_date} (seed ${SEED}); the ${p.currency_code} payouts by date:\n${chain(p.currency_code)}`;
        assert.equal(p.totals.opening_debt_balance_amount, opening, `opens with the previous ${p.currency_code} payout's closing debt: ${where}`);
        assert.deepEqual(sorted(p.totals), sorted(recomputeTotals(transactionsOf.get(p.payment_reference) ?? [], opening)), `totals recompute: ${where}`);
        debt.set(p.currency_code, p.totals.closing_debt_balance_amount ?? NaN);
      }

      // The money booked per order is Order Management's.
      for (const order of orders) {
        const om = (await call(a, 'GET', `/ordermanagement/v1/orders/${order.id}`)).json<{ captured_amount: number; refunded_amount: number; captures: unknown[]; refunds: unknown[] }>();
        const rows = all.filter((tx) => tx.order_id === order.id);
        const amount = (type: string, detailed: string) => sum(rows.filter((r) => r.type === type && r.detailed_type === detailed).map((r) => r.amount));
        assert.equal(amount('SALE', 'PURCHASE'), om.captured_amount, `order ${order.id}: SALE = captured`);
        assert.equal(rows.filter((r) => r.type === 'SALE').length, om.captures.length, `order ${order.id}: one SALE per capture`);
        assert.equal(amount('RETURN', 'PURCHASE_RETURN'), om.refunded_amount, `order ${order.id}: RETURN = refunded`);
        assert.equal(rows.filter((r) => r.type === 'RETURN').length, om.refunds.length, `order ${order.id}: one RETURN per refund`);
        assert.equal(amount('HOLDBACK', 'ROLLING_RESERVE'), amount('RELEASE', 'ROLLING_RESERVE'), `order ${order.id}: every holdback released`);
      }
      servers.forEach((s, i) => {
        const written = s.output().slice(marks[i] ?? 0);
        assert.doesNotMatch(written, /"level":(50|60)/, `no errors logged:\n${written}`);
      });
      console.log(`# ${dialect}: ${all.length} transactions in ${payouts.length} payouts (${captured.length} captures)`);
    });
  });
}
