/**
 * `klarna-local seed`: a fresh database gets a month of demo data made through the server's own
 * operations. Checked through the database and through the APIs of a server started on it: every
 * promised status and kind is there with plausible amounts, callbacks were delivered and failed,
 * payouts were made; the same --seed gives the same orders on SQLite and PostgreSQL alike; a second
 * run on a merchant with data is refused. One CLI run; the second seed (PostgreSQL when available) and
 * the refusal call the command's own function in this process, which spares two tsx starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { startKlarnaLocal } from '../../src/index.js';
import { SeedError, seedMerchant } from '../../src/cli/seed.js';
import { MARKET_CURRENCIES } from '../../src/kernel/markets.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase, TestDialect } from '../helpers/databases.js';
import { CLI_PATH, PROJECT_ROOT } from '../helpers/process.js';
import type { RunResult } from '../helpers/process.js';

const TSX_LOADER = import.meta.resolve('tsx');
/** A seed of 12 orders takes seconds; a slow machine gets room. */
const SEED_TIMEOUT_MS = 120_000;
const ORDERS = '12';

/** The CLI in a process of its own, with only the variables given (a developer's DATABASE_URL never leaks in). */
function runSeed(args: string[]): Promise<RunResult & { ms: number }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KLARNA_LOCAL_') && !['PORT', 'HOST', 'DATABASE_URL', 'PUBLIC_URL', 'LOG_LEVEL'].includes(name)));
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_PATH, 'seed', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), SEED_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

interface OrderRow {
  order_id: string;
  status: string;
  fraud_status: string;
  purchase_country: string;
  purchase_currency: string;
  order_amount: number;
  order_tax_amount?: number;
  captured_amount: number;
  refunded_amount: number;
  merchant_reference1: string | null;
  acknowledged_at: number | null;
  created_at: number;
}

/** What the same seed must make again: each order's reference, amounts, currency and outcome. */
async function fingerprint(db: Db): Promise<string[]> {
  const rows = await db.read.all<OrderRow>('select * from orders');
  return rows.map((o) => [o.merchant_reference1, o.purchase_country, o.purchase_currency, Number(o.order_amount), o.status, o.fraud_status, Number(o.captured_amount), Number(o.refunded_amount)].join('|')).sort();
}

async function withDb<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const count = async (db: Db, text: string): Promise<number> => Number((await db.read.get<{ n: number | string }>(`select count(*) as n ${text}`))?.n ?? 0);
const values = async (db: Db, text: string): Promise<string[]> => (await db.read.all<{ v: string }>(text)).map((r) => r.v).sort();

describe('klarna-local seed', () => {
  let dialects: TestDialect[];
  const databases: TestDatabase[] = [];
  before(async () => {
    dialects = await availableDialects();
  });
  after(async () => {
    for (const database of databases) await database.drop();
  });

  it('fills a fresh database with a month of every kind and status, the same for the same seed (SQLite, and PostgreSQL when available), and refuses to seed a merchant with data', async () => {
    const first = await createTestDatabase('sqlite');
    const second = await createTestDatabase(dialects.includes('postgres') ? 'postgres' : 'sqlite');
    databases.push(first, second);
    const flags = { merchant: 'demo', orders: ORDERS, seed: 'demo-7' };
    const printed: string[] = [];
    const started = Date.now();
    const [a, b] = await Promise.all([
      runSeed(['--merchant', flags.merchant, '--orders', flags.orders, '--seed', flags.seed, '--database-url', first.url]),
      seedMerchant({ ...flags, databaseUrl: second.url }, (line) => printed.push(line), {}).then((outcome) => ({ outcome, ms: Date.now() - started })),
    ]);
    console.log(`# seed --orders ${ORDERS}, side by side: ${a.ms} ms (CLI, SQLite), ${b.ms} ms (in this process, ${second.url.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'})`);
    assert.equal(a.code, 0, `${a.stdout}\n${a.stderr}`);
    assert.equal(a.stderr, '');
    assert.equal(b.outcome.username, 'demo');
    assert.match(printed.join('\n'), /^Order Management orders +\d+$/m);
    const password = /password: (\S+)/.exec(a.stdout)?.[1];
    assert.match(a.stdout, /username: demo\n/);
    assert.ok(password, a.stdout);
    assert.match(a.stdout, /^kind +count$/m, 'a summary table');
    assert.match(a.stdout, /^Order Management orders +\d+$/m);

    const db = openDatabase(first.url);
    const other = openDatabase(second.url);
    try {
      // The same seed: the same orders, amounts, references and outcomes, whatever the database.
      const mine = await fingerprint(db);
      assert.deepEqual(await fingerprint(other), mine);
      assert.ok(mine.length >= Number(ORDERS) + 10, `${mine.length} orders`);

      // Order Management: every status, refunds part and whole, every fraud status, several markets.
      assert.deepEqual(await values(db, 'select distinct status as v from orders'), ['AUTHORIZED', 'CANCELLED', 'CAPTURED', 'EXPIRED', 'PART_CAPTURED']);
      assert.deepEqual(await values(db, 'select distinct fraud_status as v from orders'), ['ACCEPTED', 'PENDING', 'REJECTED']);
      assert.ok((await count(db, 'from orders where refunded_amount > 0 and refunded_amount < captured_amount')) >= 1, 'a partly refunded order');
      assert.ok((await count(db, 'from orders where refunded_amount > 0 and refunded_amount = captured_amount')) >= 1, 'a fully refunded order');
      const currencies = await values(db, 'select distinct purchase_currency as v from orders');
      assert.ok(currencies.length >= 3, currencies.join(', '));
      const orders = await db.read.all<OrderRow>('select * from orders');
      for (const order of orders) {
        assert.ok(MARKET_CURRENCIES[order.purchase_country]?.includes(order.purchase_currency), `${order.purchase_country}/${order.purchase_currency}`);
        assert.ok(Number(order.order_amount) > 0 && Number(order.captured_amount) <= Number(order.order_amount) && Number(order.refunded_amount) <= Number(order.captured_amount), JSON.stringify(order));
        assert.match(order.merchant_reference1 ?? '', /^(SO|KCO|POS|SUB)-\d+/);
      }
      const times = orders.map((o) => Number(o.created_at));
      assert.ok(Math.max(...times) - Math.min(...times) > 25 * 86_400_000, 'spread over the month');
      assert.ok(Math.max(...times) <= Date.now() + 3_600_000, 'nothing in the future');
      assert.ok((await count(db, "from orders where merchant_reference1 like 'SUB-%'")) >= 3, 'orders charged to customer tokens');
      assert.ok((await count(db, "from settlement_disputes where status = 'LOST'")) >= 1, 'a lost dispute');

      // Payments, Checkout, HPP, tokens.
      assert.deepEqual(await values(db, 'select distinct status as v from payment_sessions'), ['complete', 'incomplete']);
      assert.equal(await count(db, "from payment_authorizations a join payment_sessions s on s.session_id = a.session_id where a.status = 'active' and s.status = 'incomplete'"), 1, 'a session authorized, its order not placed yet');
      assert.deepEqual(await values(db, 'select distinct status as v from checkout_orders'), ['checkout_complete', 'checkout_incomplete']);
      assert.equal(await count(db, "from checkout_orders c join orders o on o.order_id = c.order_id where o.acknowledged_at is null"), 1, 'one complete Checkout order not acknowledged');
      assert.equal(await count(db, "from checkout_orders c join orders o on o.order_id = c.order_id where o.acknowledged_at is not null"), 2, 'two acknowledged');
      assert.deepEqual(await values(db, 'select distinct status as v from hpp_sessions'), ['CANCELLED', 'COMPLETED', 'FAILED', 'WAITING']);
      assert.deepEqual(await values(db, 'select distinct status as v from customer_tokens'), ['ACTIVE', 'CANCELLED', 'SUSPENDED']);

      // Callbacks delivered and failed, payouts, messages, events.
      const callbackStatuses = await values(db, 'select distinct status as v from callbacks');
      assert.ok(callbackStatuses.includes('delivered') && callbackStatuses.includes('failed'), callbackStatuses.join(', '));
      assert.ok((await count(db, 'from callback_attempts where response_status = 500')) >= 3);
      assert.ok((await count(db, 'from settlement_payouts')) >= 3, 'daily payouts over the month');
      assert.ok((await count(db, "from messages where kind = 'order.capture'")) >= 5);
      assert.ok((await count(db, "from messages where kind = 'hpp.link'")) >= 2);
    } finally {
      await db.close();
      await other.close();
    }

    // Through the APIs of a server on the same database, with the credentials printed.
    const klarna = await startKlarnaLocal({ database: first.url, merchants: [{ username: 'demo', password: password ?? '' }] });
    try {
      const auth = { authorization: `Basic ${Buffer.from(`demo:${password}`).toString('base64')}` };
      const db2 = openDatabase(first.url);
      let expired: string;
      let refunded: string;
      try {
        expired = (await db2.read.get<{ order_id: string }>("select order_id from orders where status = 'EXPIRED'"))?.order_id ?? '';
        refunded = (await db2.read.get<{ order_id: string }>('select order_id from orders where refunded_amount > 0'))?.order_id ?? '';
      } finally {
        await db2.close();
      }
      const order = (await (await fetch(`${klarna.url}/ordermanagement/v1/orders/${expired}`, { headers: auth })).json()) as { status: string; order_lines: unknown[]; billing_address: { email: string } };
      assert.equal(order.status, 'EXPIRED');
      assert.match(order.billing_address.email, /^[a-z]+\.[a-z]+@example\.com$/);
      const timeline = await klarna.sandbox.timeline({ order_id: refunded });
      const kinds = new Set(timeline.entries.map((e) => e.kind));
      assert.ok(kinds.has('api_call') && kinds.has('settlement_transaction'), [...kinds].join(', '));
      const events = (await klarna.sandbox.events({ order_id: refunded })).events.map((e) => e.type);
      for (const type of ['order.created', 'capture.created', 'refund.created']) assert.ok(events.includes(type), `${type} in ${events.join(', ')}`);
      const callbacks = await klarna.sandbox.callbacks();
      assert.ok(callbacks.callbacks.some((c) => c.status === 'failed' && c.attempts.length > 1), 'a failed callback with its retries');
      const payouts = (await (await fetch(`${klarna.url}/settlements/v1/payouts`, { headers: auth })).json()) as { payouts: { totals: { sale_amount: number } }[] };
      assert.ok(payouts.payouts.some((p) => p.totals.sale_amount > 0));
      const clock = Date.parse((await klarna.sandbox.getClock()).now);
      assert.ok(Math.abs(clock - Date.now()) < 3 * 3_600_000, `the merchant's clock ends near the present: ${new Date(clock).toISOString()}`);
    } finally {
      await klarna.stop();
    }

    // Again on the same merchant: refused before anything is added; without the password, it says what to give.
    await assert.rejects(
      seedMerchant({ ...flags, password: password ?? '', databaseUrl: first.url }, () => undefined, {}),
      (error: Error) => error instanceof SeedError && /^merchant "demo" already has data \(\d+ orders, .*\): seed fills an empty merchant\. Add --reset/.test(error.message),
    );
    await assert.rejects(
      seedMerchant({ ...flags, databaseUrl: first.url }, () => undefined, {}),
      (error: Error) => error instanceof SeedError && /^merchant "demo" already exists and seed needs its password .*--password/.test(error.message),
    );

    // --reset: everything the merchant had goes first, and the same seed makes the same data again.
    const before = await withDb(first.url, fingerprint);
    const resetStarted = Date.now();
    await seedMerchant({ ...flags, password: password ?? '', reset: true, databaseUrl: first.url }, () => undefined, {});
    console.log(`# seed --reset in this process (SQLite): ${Date.now() - resetStarted} ms`);
    assert.deepEqual(await withDb(first.url, fingerprint), before);
  });
});
