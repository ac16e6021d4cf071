/**
 * Races over real sockets: real server processes (the CLI), concurrent captures and refunds on one
 * order, then the order read back over HTTP and its rows read straight from the database. Covers one
 * process, two processes on the same database (SQLite file: BEGIN IMMEDIATE + busy_timeout across
 * processes; PostgreSQL: row locks), and idempotent retries split over both processes.
 *
 * Also: several processes (or connections) starting at once on a fresh database all come up, so
 * migrations and merchant provisioning are safe to run concurrently.
 *
 * The random plan is seeded; a failure prints the seed, and RACE_SEED=<n> replays the same plan.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import { POSTGRES_TEST_URL, availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { orderBody } from '../helpers/harness.js';
import { startServerProcess } from '../helpers/process.js';
import { intFrom, prng } from '../helpers/random.js';
import { PROJECT_ROOT } from '../helpers/root.js';

const ROOT = PROJECT_ROOT;
const CREDENTIAL = { username: 'race', password: 'race-secret' };
const AUTH = `Basic ${Buffer.from(`${CREDENTIAL.username}:${CREDENTIAL.password}`).toString('base64')}`;
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 20_000;
const ORDER_AMOUNT = 100_000;
const MIXED_REQUESTS = 50;
const IDEMPOTENT_REQUESTS = 20;

const SEED = Number(process.env.RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`# race.test.ts seed ${SEED} (set RACE_SEED=${SEED} to replay)`);

const random = prng(SEED);
const randomInt = intFrom(random);

// ---------------------------------------------------------------------------------------------
// Server processes

interface ServerProcess {
  name: string;
  url: string;
  /** Where its output stands now, to read what a test made it write with output(mark). */
  mark(): number;
  /** What the process wrote since `mark` (pino JSON lines at level warn and above). */
  output(mark: number): string;
  stop(): Promise<unknown>;
}

const running = new Set<ChildProcess>();
// Should the test runner die before after() runs, take the starters below with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function startServer(name: string, databaseUrl: string): Promise<ServerProcess> {
  const server = await startServerProcess(['--host', '127.0.0.1', '--database-url', databaseUrl], {
    env: { KLARNA_LOCAL_MERCHANTS: `${CREDENTIAL.username}:${CREDENTIAL.password}` },
  });
  return {
    name,
    url: server.url,
    mark: () => server.output().length,
    output: (mark) => server.output().slice(mark),
    stop: () => server.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(server: ServerProcess, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: AUTH, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

async function createOrder(server: ServerProcess, amount: number): Promise<string> {
  const body = orderBody({
    order_amount: amount,
    order_tax_amount: amount / 5,
    order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'Thing', quantity: 1, unit_price: amount, tax_rate: 2500, total_amount: amount, total_tax_amount: amount / 5 }],
  });
  const res = await call(server, 'POST', '/sandbox/v1/orders', body);
  assert.equal(res.status, 201, `sandbox order: ${res.text}`);
  return (res.json() as { order_id: string }).order_id;
}

// ---------------------------------------------------------------------------------------------
// The race and its invariants

type Op = { kind: 'capture'; amount: number } | { kind: 'refund'; amount: number };
interface Outcome {
  op: Op;
  server: string;
  answer: Answer;
}

/** A plan that asks for more than the order holds, so refusals are part of every run. */
function mixedPlan(count: number): Op[] {
  for (;;) {
    const plan: Op[] = Array.from({ length: count }, () =>
      random() < 0.6 ? { kind: 'capture', amount: randomInt(1000, 9000) } : { kind: 'refund', amount: randomInt(100, 8000) },
    );
    const asked = plan.filter((op) => op.kind === 'capture').reduce((sum, op) => sum + op.amount, 0);
    if (asked > ORDER_AMOUNT) return plan;
  }
}

async function race(servers: ServerProcess[], orderId: string, plan: Op[]): Promise<Outcome[]> {
  const base = `/ordermanagement/v1/orders/${orderId}`;
  return Promise.all(
    plan.map(async (op, i) => {
      const server = servers[i % servers.length];
      assert.ok(server);
      const answer =
        op.kind === 'capture'
          ? await call(server, 'POST', `${base}/captures`, { captured_amount: op.amount })
          : await call(server, 'POST', `${base}/refunds`, { refunded_amount: op.amount });
      return { op, server: server.name, answer };
    }),
  );
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

interface OrderView {
  order_amount: number;
  captured_amount: number;
  refunded_amount: number;
  remaining_authorized_amount: number;
  captures: { capture_id: string; captured_amount: number; refunded_amount: number }[];
  refunds: { refund_id: string; refunded_amount: number }[];
}

/** Fails when a server logged an error (level ≥ 50) since its mark. */
function assertNoErrorsLogged(servers: ServerProcess[], marks: readonly number[]): void {
  servers.forEach((server, i) => {
    const written = server.output(marks[i] ?? 0);
    assert.doesNotMatch(written, /"level":(50|60)/, `${server.name} logged no errors:\n${written}`);
  });
}

async function assertInvariants(servers: ServerProcess[], databaseUrl: string, orderId: string, outcomes: Outcome[]): Promise<void> {
  const context = `seed ${SEED}`;
  for (const { op, server, answer } of outcomes) {
    const what = `${op.kind} ${op.amount} via ${server} (${context}): ${answer.status} ${answer.text}`;
    assert.ok(answer.status < 500, `no 5xx: ${what}`);
    if (answer.status === 201) continue;
    assert.equal(answer.status, 403, what);
    assert.equal(answer.json().error_code, op.kind === 'capture' ? 'CAPTURE_NOT_ALLOWED' : 'REFUND_NOT_ALLOWED', what);
  }
  const accepted = (kind: Op['kind']) => outcomes.filter((o) => o.op.kind === kind && o.answer.status === 201);
  const capturedOk = sum(accepted('capture').map((o) => o.op.amount));
  const refundedOk = sum(accepted('refund').map((o) => o.op.amount));
  assert.ok(accepted('capture').length > 0, `some capture succeeded (${context})`);
  assert.ok(outcomes.some((o) => o.op.kind === 'capture' && o.answer.status === 403), `the plan over-asks, so some capture was refused (${context})`);
  assert.ok(capturedOk <= ORDER_AMOUNT, `Σ accepted captures ${capturedOk} ≤ order amount ${ORDER_AMOUNT} (${context})`);

  // Every server process reads the same order.
  for (const server of servers) {
    const res = await call(server, 'GET', `/ordermanagement/v1/orders/${orderId}`);
    assert.equal(res.status, 200, res.text);
    const order = res.json() as OrderView;
    const where = `order read via ${server.name} (${context})`;
    assert.equal(order.order_amount, ORDER_AMOUNT, where);
    assert.equal(order.captures.length, accepted('capture').length, `one capture per 201 (${where})`);
    assert.equal(order.refunds.length, accepted('refund').length, `one refund per 201 (${where})`);
    assert.equal(order.captured_amount, sum(order.captures.map((c) => c.captured_amount)), where);
    assert.equal(order.captured_amount, capturedOk, where);
    assert.equal(order.refunded_amount, sum(order.refunds.map((r) => r.refunded_amount)), where);
    assert.equal(order.refunded_amount, refundedOk, where);
    assert.ok(order.refunded_amount <= order.captured_amount, `refunded ≤ captured (${where})`);
    for (const capture of order.captures) {
      assert.ok(capture.refunded_amount <= capture.captured_amount, `capture ${capture.capture_id} refunded ≤ captured (${where})`);
      assert.ok(capture.refunded_amount >= 0, where);
    }
    assert.equal(sum(order.captures.map((c) => c.refunded_amount)), order.refunded_amount, `Σ per-capture refunded = refunded (${where})`);
    assert.equal(order.remaining_authorized_amount, order.order_amount - order.captured_amount, where);
    // The answered Capture-Ids are exactly the stored captures.
    const answeredIds = accepted('capture').map((o) => o.answer.headers.get('capture-id')).sort();
    assert.deepEqual(answeredIds, order.captures.map((c) => c.capture_id).sort(), where);
    const answeredRefundIds = accepted('refund').map((o) => o.answer.headers.get('refund-id')).sort();
    assert.deepEqual(answeredRefundIds, order.refunds.map((r) => r.refund_id).sort(), where);
  }

  // The stored totals equal the sums of the stored rows.
  const db = openDatabase(databaseUrl, { poolMax: 1 });
  try {
    const k = db.kysely;
    const order = await k.selectFrom('orders').select(['captured_amount', 'refunded_amount', 'capture_count', 'status']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    const captures = await k.selectFrom('captures').select(['captured_amount', 'refunded_amount', 'seq']).where('order_id', '=', orderId).execute();
    const refunds = await k.selectFrom('refunds').select(['refunded_amount', 'allocations']).where('order_id', '=', orderId).execute();
    const where = `database rows (${context})`;
    assert.equal(order.captured_amount, sum(captures.map((c) => c.captured_amount)), where);
    assert.equal(order.refunded_amount, sum(refunds.map((r) => r.refunded_amount)), where);
    assert.equal(order.captured_amount, capturedOk, where);
    assert.equal(order.refunded_amount, refundedOk, where);
    assert.equal(sum(captures.map((c) => c.refunded_amount)), order.refunded_amount, where);
    assert.equal(order.capture_count, captures.length, where);
    assert.deepEqual(
      captures.map((c) => c.seq).sort((a, b) => a - b),
      captures.map((_, i) => i + 1),
      `capture seq is 1..n without gaps or duplicates (${where})`,
    );
    assert.equal(order.status, capturedOk === ORDER_AMOUNT ? 'CAPTURED' : 'PART_CAPTURED', where);
    for (const refund of refunds) {
      const allocations = JSON.parse(refund.allocations) as { amount: number }[];
      assert.equal(sum(allocations.map((a) => a.amount)), refund.refunded_amount, `refund allocations add up (${where})`);
    }
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------

for (const dialect of await availableDialects()) {
  describe(`races over real sockets (${dialect})`, () => {
    let database: TestDatabase;
    let a: ServerProcess;
    let b: ServerProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      // One after the other: the first start migrates the fresh database.
      a = await startServer('A', database.url);
      b = await startServer('B', database.url);
      // Verify the credentials once per process (scrypt) before the races start.
      for (const server of [a, b]) assert.equal((await call(server, 'GET', '/sandbox/v1/settings')).status, 200);
    });

    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
    });

    it(`${MIXED_REQUESTS} concurrent captures and refunds on one process keep the order consistent`, async () => {
      const marks = [a.mark()];
      const orderId = await createOrder(a, ORDER_AMOUNT);
      const outcomes = await race([a], orderId, mixedPlan(MIXED_REQUESTS));
      await assertInvariants([a], database.url, orderId, outcomes);
      assertNoErrorsLogged([a], marks);
    });

    it(`${MIXED_REQUESTS} concurrent captures and refunds alternating over two processes keep the order consistent`, async () => {
      const marks = [a.mark(), b.mark()];
      const orderId = await createOrder(b, ORDER_AMOUNT);
      const outcomes = await race([a, b], orderId, mixedPlan(MIXED_REQUESTS));
      assert.ok(outcomes.some((o) => o.server === 'A' && o.answer.status === 201));
      assert.ok(outcomes.some((o) => o.server === 'B' && o.answer.status === 201));
      await assertInvariants([a, b], database.url, orderId, outcomes);
      assertNoErrorsLogged([a, b], marks);
    });

    it(`${IDEMPOTENT_REQUESTS} concurrent retries with one idempotency key over two processes make one capture`, async () => {
      const servers = [a, b];
      const marks = servers.map((s) => s.mark());
      const orderId = await createOrder(a, ORDER_AMOUNT);
      const key = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: IDEMPOTENT_REQUESTS }, (_, i) => {
          const server = servers[i % 2];
          assert.ok(server);
          // The body of a retry is disregarded (only the key matters), so vary it to prove that.
          return call(server, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 1000 + i }, { 'klarna-idempotency-key': key });
        }),
      );
      for (const answer of answers) assert.equal(answer.status, 201, answer.text);
      const ids = new Set(answers.map((r) => r.headers.get('capture-id')));
      assert.equal(ids.size, 1, `every retry answers the same Capture-Id: ${[...ids].join(', ')}`);
      const [captureId] = ids;
      assert.ok(captureId);
      assert.equal(new Set(answers.map((r) => r.headers.get('location'))).size, 1, 'every retry answers the same Location');

      for (const server of servers) {
        const order = (await call(server, 'GET', `/ordermanagement/v1/orders/${orderId}`)).json() as OrderView;
        assert.equal(order.captures.length, 1, `exactly one capture (read via ${server.name})`);
        assert.equal(order.captures[0]?.capture_id, captureId);
        assert.equal(order.captured_amount, order.captures[0]?.captured_amount);
        assert.ok(order.captured_amount >= 1000 && order.captured_amount < 1000 + IDEMPOTENT_REQUESTS);
      }
      const db = openDatabase(database.url, { poolMax: 1 });
      try {
        const rows = await db.kysely.selectFrom('captures').select(['capture_id', 'captured_amount']).where('order_id', '=', orderId).execute();
        assert.deepEqual(rows.map((r) => r.capture_id), [captureId]);
        const stored = await db.kysely.selectFrom('orders').select('captured_amount').where('order_id', '=', orderId).executeTakeFirstOrThrow();
        assert.equal(stored.captured_amount, rows[0]?.captured_amount);
        const keys = await db.kysely.selectFrom('idempotency_keys').select(['status_code']).where('idempotency_key', '=', key).execute();
        assert.deepEqual(keys, [{ status_code: 201 }]);
      } finally {
        await db.close();
      }
      assertNoErrorsLogged(servers, marks);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Concurrent start: what every server process does before it listens (migrate, provision merchants),
// in several processes released at the same instant by a barrier, so the steps really overlap.

/** A process that opens the database, says it is ready, then runs each step it is sent on stdin. */
const STARTER = `
import readline from 'node:readline';
const { openDatabase, migrateToLatest } = await import(${JSON.stringify(new URL('../../src/platform/db/database.js', import.meta.url).href)});
const { provisionMerchants } = await import(${JSON.stringify(new URL('../../src/modules/merchants/provision.js', import.meta.url).href)});
const db = openDatabase(process.env.RACE_DATABASE_URL);
const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
say({ ready: true });
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [step, username] = line.split(' ');
  if (step === 'exit') break;
  try {
    const value = step === 'migrate' ? await migrateToLatest(db) : await provisionMerchants(db, [{ username, password: 'pw' }], Date.now());
    say({ step, ok: true, value });
  } catch (error) {
    say({ step, ok: false, error: String(error instanceof Error ? error.message : error) });
  }
}
await db.close();
`;

interface StepResult {
  step: string;
  ok: boolean;
  value?: unknown;
  error?: string;
}

interface Starter {
  send(line: string): void;
  next(): Promise<StepResult>;
  exit(): Promise<void>;
}

async function spawnStarter(databaseUrl: string): Promise<Starter> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', STARTER], {
    cwd: ROOT,
    env: { ...process.env, RACE_DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nextLine = () =>
    Promise.race([
      new Promise<string>((resolve) => {
        const line = lines.shift();
        if (line !== undefined) resolve(line);
        else waiters.push(resolve);
      }),
      exited.then(() => Promise.reject(new Error(`starter exited: ${stderr}`))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`starter timed out: ${stderr}`)), START_TIMEOUT_MS).unref()),
    ]);
  assert.deepEqual(JSON.parse(await nextLine()), { ready: true });
  return {
    send: (line) => child.stdin?.write(`${line}\n`),
    next: async () => JSON.parse(await nextLine()) as StepResult,
    async exit() {
      child.stdin?.end('exit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

for (const dialect of await availableDialects()) {
  describe(`concurrent start on a fresh database (${dialect})`, () => {
    it('three processes migrating and then provisioning one merchant at the same instant all succeed', async () => {
      const database = await createTestDatabase(dialect);
      const starters: Starter[] = [];
      let blocker: pg.Client | undefined;
      try {
        starters.push(...(await Promise.all([1, 2, 3].map(() => spawnStarter(database.url)))));

        for (const starter of starters) starter.send('migrate');
        const migrated = await Promise.all(starters.map((s) => s.next()));
        for (const result of migrated) assert.ok(result.ok, `migrate: ${result.error}`);
        // Every migration in migrations/ (a new one is counted without editing this test).
        const all = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
        assert.ok(all.includes('0005_hpp_and_messages'), `the migrations folder: ${all.join(', ')}`);
        assert.deepEqual(migrated.flatMap((r) => r.value as string[]).sort(), all, 'every migration was applied by exactly one process');

        const username = `m_${randomUUID().slice(0, 8)}`;
        if (dialect === 'postgres') {
          // Force the worst interleaving: an uncommitted row with the same username lets every
          // process see no merchant and then wait on the unique index; its rollback lets them collide.
          blocker = new pg.Client({ connectionString: database.url });
          await blocker.connect();
          await blocker.query('begin');
          await blocker.query(`insert into merchants (merchant_id, username, password_hash, settings, created_at, updated_at) values ('blocker', $1, 'x', '{}', 0, 0)`, [username]);
        }
        for (const starter of starters) starter.send(`provision ${username}`);
        if (blocker) {
          const deadline = Date.now() + 10_000;
          for (;;) {
            // Inside a transaction pg_stat_activity is a snapshot; take a fresh one each time.
            await blocker.query('select pg_stat_clear_snapshot()');
            const waiting = await blocker.query<{ n: string }>(
              `select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into "merchants"%'`,
            );
            if (Number(waiting.rows[0]?.n) >= starters.length) break;
            assert.ok(Date.now() < deadline, 'every process reaches the insert');
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await blocker.query('rollback');
        }
        const provisioned = await Promise.all(starters.map((s) => s.next()));
        for (const result of provisioned) assert.ok(result.ok, `provision: ${result.error}`);

        const db = openDatabase(database.url, { poolMax: 1 });
        try {
          const rows = await db.kysely.selectFrom('merchants').select('username').execute();
          assert.deepEqual(rows, [{ username }]);
        } finally {
          await db.close();
        }
      } finally {
        await blocker?.end().catch(() => undefined);
        await Promise.all(starters.map((s) => s.exit()));
        await database.drop();
      }
    });

    if (dialect === 'postgres') {
      it('migrations succeed while other schemas of the same database are created and dropped (a shared database)', async () => {
        // Kysely's own introspector read every schema's tables by name and failed with "schema … does
        // not exist" when one was dropped meanwhile; ours reads the current schema only.
        const churn = new pg.Client({ connectionString: POSTGRES_TEST_URL });
        await churn.connect();
        let stop = false;
        let churned = 0;
        const churning = (async () => {
          while (!stop) {
            const schema = `churn_${process.pid}_${churned++}`;
            await churn.query(`create schema ${schema}; create table ${schema}.t (id integer primary key, note text)`);
            await churn.query(`drop schema ${schema} cascade`);
          }
        })();
        try {
          for (let round = 0; round < 8; round++) {
            const database = await createTestDatabase('postgres');
            const db = openDatabase(database.url);
            try {
              assert.ok((await migrateToLatest(db)).length > 0, `round ${round}: the migrations ran`);
            } finally {
              await db.close();
              await database.drop();
            }
          }
        } finally {
          stop = true;
          await churning;
          await churn.end();
        }
        assert.ok(churned > 8, `schemas were dropped meanwhile (${churned})`);
      });
    }
  });
}
