/**
 * `npm run bench`: throughput and latency of klarna-local against a bare Fastify baseline, on this
 * machine, in one run.
 *
 * Child processes: bench/hello-server.ts (bare Fastify, GET / → {"hello":"world"}) and the built
 * klarna-local (`node dist/src/cli.js serve`, log level warn) on the databases of each scenario
 * group. This process drives each with autocannon: 32 connections, 10 s per run, 3 runs per
 * scenario after a 2 s warm-up, runs of all scenarios interleaved; the medians are reported against
 * the baseline and against each other.
 *
 * Scenario groups (BENCH_SCENARIOS, comma-separated, default all):
 * - base: hello, GET order and create capture on SQLite in a temporary directory; the same two on a
 *   second klarna-local started with `--no-journal` (its own SQLite in its own directory, the same
 *   orders setup), interleaved with them: the request journal's cost is 1 − journaled /
 *   unjournaled requests/s, goal < GOALS.journalCost.
 * - apis: one load per Klarna API (bench/api-scenarios.ts) on the base group's klarna-local: Payments
 *   create session and create order (a fresh sandbox authorization per order), Checkout create order,
 *   Customer Token create order, Order Management refund, HPP create session, Merchant Card create
 *   settlement (a fresh order and promise each), judged against the durable floor; Checkout read
 *   order, Settlements list payouts and a payout report of tens of transactions, against hello. It
 *   starts the base group's servers, and measures hello and the floor as its references, also
 *   without `base` (GET order and create capture only run with `base`).
 * - pg: create capture on PostgreSQL with one process and with `serve --processes 2`, each on a
 *   database of its own created for the run (skipped, with the reason, when PostgreSQL is unreachable).
 * - large: GET order on SQLite with BENCH_LARGE_ORDERS (1 000 000) orders generated before the server
 *   starts, reading 100 000 of them, against a reference database that holds only the 100 000 orders
 *   it reads (the same workload; only the size differs), and against 10 orders that the document
 *   cache always holds; the server's memory after each load.
 * - soak (bench/soak.ts): on servers of their own, create capture on orders that already hold 100
 *   captures against captures on fresh orders (interleaved with the other scenarios); then, after
 *   every other scenario, the bytes stored per capture and per Payments session, and
 *   BENCH_SOAK_ROUNDS (4) rounds of BENCH_SOAK_SECONDS (30) of mixed captures, GET order and Payments
 *   sessions over BENCH_SOAK_ORDERS (3 000) orders: the last round against the first.
 * - reports: the Settlements reports of a payout of BENCH_REPORT_TRANSACTIONS (100 000) transactions
 *   against one of a hundredth as many, in one SQLite database generated before the server starts:
 *   the CSV on one server, then the PDF on a fresh one, BENCH_REPEATS downloads of each (not
 *   autocannon: one at a time, read to the end), with the download time, the bytes, and the server's
 *   memory (peak anonymous RSS sampled during the downloads, VmHWM after them); then a download whose
 *   reader stalls for 2 s. The goal is flat memory: 100× the transactions may not grow the peak by
 *   GOALS.reportPeakGrowthMiB.
 *
 * Exit status: 0 when every request answered 2xx (a missed goal is reported, not failed); 1 when a
 * server failed or any response was non-2xx, an error or a timeout.
 *
 * Environment: BENCH_SCENARIOS (base,apis,pg,large,soak,reports), BENCH_SOAK_SECONDS, BENCH_SOAK_ROUNDS,
 * BENCH_SOAK_ORDERS, BENCH_HISTORY_ORDERS (500), BENCH_DURATION (seconds per run, default 10),
 * BENCH_REPEATS (default 3), BENCH_WARMUP (seconds, default 2), BENCH_CONNECTIONS (default 32),
 * BENCH_LARGE_ORDERS (default 1000000), BENCH_REPORT_TRANSACTIONS (default 100000), BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres; the run creates and drops a database there).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DOCUMENT_CACHE_MAX_ENTRIES } from '../src/modules/order-management/operations/read-order.js';
import { apiScenarioKind, apiScenarios } from './api-scenarios.js';
import { AUTH, MAX_AMOUNT, MERCHANT, orderBody } from './fixtures.js';
import { generateOrderDatabase } from './large-database.js';
import { HISTORY_CAPTURES, addCaptures, runSoak } from './soak.js';
import type { SoakOutcome } from './soak.js';
import { POSTGRES_URL, createDatabase, postgresUnavailable } from './postgres.js';
import type { BenchDatabase } from './postgres.js';
import { generateSettlementDatabase } from './settlement-database.js';
import type { GeneratedPayout } from './settlement-database.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const DURATION_S = envInt('BENCH_DURATION', 10);
const REPEATS = envInt('BENCH_REPEATS', 3);
const WARMUP_S = envInt('BENCH_WARMUP', 2);
const LARGE_ORDERS = envInt('BENCH_LARGE_ORDERS', 1_000_000);
const SOAK_SECONDS = envInt('BENCH_SOAK_SECONDS', 30);
const SOAK_ROUNDS = envInt('BENCH_SOAK_ROUNDS', 4);
const SOAK_ORDERS = envInt('BENCH_SOAK_ORDERS', 3000);
/** Orders of the history scenario, each given HISTORY_CAPTURES captures before the runs. */
const HISTORY_ORDERS = envInt('BENCH_HISTORY_ORDERS', 500);
/** Transactions of the large payout of the reports group; the reference payout has a hundredth of them. */
const REPORT_TRANSACTIONS = envInt('BENCH_REPORT_TRANSACTIONS', 100_000);
const REPORT_REFERENCE = Math.max(1, Math.round(REPORT_TRANSACTIONS / 100));
/** Captures per order the create-capture scenarios aim to stay under (orders are rotated). */
const CAPTURES_PER_ORDER = 20;
/** Orders in the smallest database: so few that the document cache always holds them all. */
const CACHED_ORDERS = 10;
/**
 * Orders read on the large database, and all the orders of the reference database: ten times what
 * the server's document cache holds, so reads go to SQLite on both and the comparison is between
 * database sizes under the same workload (an empty database has no order to read).
 */
const READ_ORDERS = 10 * DOCUMENT_CACHE_MAX_ENTRIES;

const GROUPS = ['base', 'apis', 'pg', 'large', 'soak', 'reports'] as const;
type Group = (typeof GROUPS)[number];
const SELECTED = ((): Set<Group> => {
  const raw = process.env.BENCH_SCENARIOS;
  if (raw === undefined || raw.trim() === '') return new Set(GROUPS);
  const names = raw.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const unknown = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) throw new Error(`BENCH_SCENARIOS takes a comma-separated subset of ${GROUPS.join(',')}, got ${raw}`);
  return new Set(names as Group[]);
})();

const GOALS = {
  getOrderRatio: 0.6,
  getOrderP99Ms: 10,
  /** Create capture against the durable-write floor (bench/floor-server.ts), not against hello. */
  captureVsFloor: 1.0,
  p99Ms: 25,
  largeGetRatio: 0.9,
  /** GET order on 1 000 000 orders (100 000 read) against the same reads over 10 cached orders. */
  largeVsCachedRatio: 0.7,
  /** PostgreSQL create capture (1 process) against SQLite's. */
  postgresVsSqlite: 0.6,
  reportPeakGrowthMiB: 32,
  dashboardListP99Ms: 50,
  /** Each write of the `apis` group against the durable floor (p99 goal: p99Ms). */
  apiWriteVsFloor: 0.5,
  /** Each read of the `apis` group against hello. */
  apiReadVsHello: 0.3,
  /** Create capture on orders holding HISTORY_CAPTURES captures against fresh orders (same server). */
  historyVsFresh: 0.8,
  /** The soak's last round against its first. */
  soakLastVsFirst: 0.9,
  /** The request journal's cost: 1 − journaled / `--no-journal` requests/s, for GET order and create capture. */
  journalCost: 0.05,
};

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  /** The last output of the process, for error reports. */
  tail(): string;
  /**
   * SIGSTOP / SIGCONT to the process and its workers (`--processes`): a server that is not being
   * measured must not compete with the one that is (background sweeps run every second).
   */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** SIGKILL to every server left, workers included: a paused worker would not notice its primary die. */
function killAll(): void {
  for (const child of children) {
    for (const pid of processTree(child.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}
process.once('exit', killAll);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  // Keep draining both pipes for the whole run: a full pipe would stall the server.
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => children.delete(child));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${name} did not start within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) done(null, match[1]);
    };
    const onExit = (code: number | null) => done(new Error(`${name} exited with ${code} before listening:\n${output}`));
    function done(error: Error | null, value?: string) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error || value === undefined) reject(error ?? new Error('no URL'));
      else resolve(value);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  let paused = false;
  const signalTree = (signal: NodeJS.Signals) => {
    for (const pid of processTree(child.pid)) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone already: nothing to pause or resume.
      }
    }
  };
  return {
    name,
    url,
    process: child,
    tail: () => output,
    pause() {
      if (paused || child.exitCode !== null || child.signalCode !== null) return;
      signalTree('SIGSTOP');
      paused = true;
    },
    resume() {
      if (!paused) return;
      signalTree('SIGCONT');
      paused = false;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (paused) signalTree('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The process and its descendants (the workers of `serve --processes N`). */
function processTree(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  let listed = '';
  try {
    listed = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there are no children.
  }
  const childPids = listed.split(/\s+/).filter((p) => p !== '').map(Number);
  return [pid, ...childPids.flatMap((p) => processTree(p))];
}

const exited = (child: Child): boolean => child.process.exitCode !== null || child.process.signalCode !== null;

// ---------------------------------------------------------------------------------------------
// Setup requests

async function createOrder(base: string, amount: number): Promise<string> {
  const res = await fetch(`${base}/sandbox/v1/orders`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(orderBody(amount)),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`sandbox order creation answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { order_id: string }).order_id;
}

async function createOrders(base: string, count: number, amount: number): Promise<string[]> {
  const ids: string[] = [];
  const worker = async () => {
    while (ids.length < count) {
      ids.push('');
      const index = ids.length - 1;
      ids[index] = await createOrder(base, amount);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

function shuffle<T>(values: T[]): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [values[i], values[j]] = [values[j] as T, values[i] as T];
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Memory

interface Memory {
  rssMiB: number;
  /** Of the RSS, pages backed by files (the node binary and libraries, SQLite's memory map); Linux only. */
  fileMiB?: number;
  /** Of the RSS, the process's own memory (heap, page caches, buffers); Linux only. */
  anonMiB?: number;
  peakMiB?: number;
  heapUsedMiB?: number;
}

const MiB = 1024 * 1024;

/** The RSS from /proc (or `ps` elsewhere), and the heap from the server's /metrics. */
async function measureMemory(child: Child): Promise<Memory | undefined> {
  const pid = child.process.pid;
  if (pid === undefined || exited(child)) return undefined;
  let memory: Memory;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
    };
    memory = { rssMiB: kib('VmRSS') ?? NaN, fileMiB: kib('RssFile'), anonMiB: kib('RssAnon'), peakMiB: kib('VmHWM') };
  } catch {
    memory = { rssMiB: Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024 };
  }
  // prom-client's nodejs_heap_size_used_bytes on /metrics (no credentials).
  try {
    const res = await fetch(`${child.url}/metrics`);
    const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await res.text())?.[1];
    if (res.ok && heap !== undefined) memory.heapUsedMiB = Number(heap) / MiB;
  } catch {
    // No heap figure; the RSS stands alone.
  }
  return memory;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

interface Scenario {
  key: string;
  name: string;
  /** The servers the scenario talks to; the others are paused during its runs. */
  servers: Child[];
  /** Autocannon options for one run of `seconds` (called before each run, outside the measurement). */
  prepare(seconds: number): Promise<autocannon.Options>;
  /** Called after each run, outside the measurement. */
  after?(measurement: Measurement, label: string, last: boolean): Promise<void>;
  /**
   * Requests of the warm-up when it must be at least that many (the GET rotations read each of their
   * orders once, so no scenario's first reads of a page fall into its measured runs).
   */
  warmupRequests?: number;
  measurements: Measurement[];
  /** Notes printed under the table. */
  notes: string[];
}

const problems: string[] = [];
let nameWidth = 28;

async function runOnce(scenario: Scenario, seconds: number, label: string): Promise<Measurement> {
  const options = await scenario.prepare(seconds);
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });

  const measurement: Measurement = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
  const missing = label === 'warm-up' ? (scenario.warmupRequests ?? 0) - result.requests.total : 0;
  let more = '';
  if (missing > 0) {
    const rest = await autocannon({ ...(await scenario.prepare(seconds)), connections: CONNECTIONS, amount: missing });
    more = `; then ${missing} more requests in ${rest.duration.toFixed(1)} s, so that every order has been read once`;
    result.non2xx += rest.non2xx;
    result.errors += rest.errors;
    result.timeouts += rest.timeouts;
  }
  const bad = result.non2xx + result.errors + result.timeouts;
  console.log(
    `  ${scenario.name.padEnd(nameWidth)} ${label.padEnd(8)} ${measurement.rps.toFixed(0).padStart(7)} req/s  p50 ${fmt(measurement.p50)} ms  p99 ${fmt(measurement.p99)} ms  (${measurement.requests} requests${more}${bad ? `, ${bad} NOT OK` : ''})`,
  );
  if (bad > 0) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .map(([code, stat]) => `${code}×${stat.count ?? 0}`)
      .join(', ');
    const problem = `${scenario.name} (${label}): ${result.non2xx} non-2xx responses [status codes: ${codes}], ${result.errors} errors, ${result.timeouts} timeouts`;
    console.log(`  !! ${problem}`);
    problems.push(problem);
  }
  return measurement;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};
const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * POST captures of 1 minor unit, rotating over fresh orders created before every run, so no order
 * collects more than ~CAPTURES_PER_ORDER captures (a real order has a handful; each write loads the
 * order with all of them).
 */
function captureScenario(key: string, name: string, server: Child, noteLabel: string): Scenario {
  let rate = 500; // req/s, re-estimated from the warm-up and each run
  let pool = { orders: 0, captures: 0 };
  const scenario: Scenario = {
    key,
    name,
    servers: [server],
    measurements: [],
    notes: [],
    async prepare(seconds) {
      const count = Math.max(50, Math.ceil((rate * seconds * 1.5) / CAPTURES_PER_ORDER));
      const ids = await createOrders(server.url, count, MAX_AMOUNT);
      pool = { orders: count, captures: 0 };
      let next = 0;
      const body = JSON.stringify({ captured_amount: 1 });
      return {
        url: server.url,
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        requests: [
          {
            method: 'POST',
            body,
            setupRequest: (request) => {
              pool.captures++;
              return { ...request, path: `/ordermanagement/v1/orders/${ids[next++ % ids.length]}/captures` };
            },
          },
        ],
      };
    },
    async after(measurement, label) {
      rate = Math.max(rate, measurement.rps);
      if (label.startsWith('run')) {
        scenario.notes.push(`${noteLabel} ${label}: ${pool.captures} captures over ${pool.orders} fresh orders (≤ ${Math.ceil(pool.captures / pool.orders)} per order)`);
      }
    },
  };
  return scenario;
}

/**
 * The durable-write floor (bench/floor-server.ts): captures of 1 unit rotating over fresh orders
 * created before every run, as many per order as klarna-local's capture scenario makes.
 */
function floorCaptureScenario(server: Child): Scenario {
  let rate = 2000;
  const scenario: Scenario = {
    key: 'floor',
    name: 'durable floor: capture (Fastify + SQLite)',
    servers: [server],
    measurements: [],
    notes: [],
    async prepare(seconds) {
      const count = Math.max(50, Math.ceil((rate * seconds * 1.5) / CAPTURES_PER_ORDER));
      const ids: string[] = [];
      const worker = async () => {
        while (ids.length < count) {
          ids.push('');
          const index = ids.length - 1;
          const res = await fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_amount: MAX_AMOUNT }) });
          if (res.status !== 201) throw new Error(`floor order creation answered ${res.status}`);
          ids[index] = ((await res.json()) as { order_id: string }).order_id;
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      let next = 0;
      return {
        url: server.url,
        headers: { 'content-type': 'application/json' },
        requests: [{ method: 'POST', body: JSON.stringify({ captured_amount: 1 }), setupRequest: (request) => ({ ...request, path: `/orders/${ids[next++ % ids.length]}/captures` }) }],
      };
    },
    async after(measurement) {
      rate = Math.max(rate, measurement.rps);
    },
  };
  return scenario;
}

/**
 * Create capture of 1 unit rotating over orders that each held HISTORY_CAPTURES captures before
 * the first run (each run adds its captures to them too).
 */
function historyCaptureScenario(server: Child, ids: string[]): Scenario {
  let next = 0;
  let made = 0;
  const scenario: Scenario = {
    key: 'history',
    name: `create capture, orders with ≥ ${HISTORY_CAPTURES} captures`,
    servers: [server],
    measurements: [],
    notes: [],
    prepare: async () => ({
      url: server.url,
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      requests: [{ method: 'POST', body: JSON.stringify({ captured_amount: 1 }), setupRequest: (request) => {
        made++;
        return { ...request, path: `/ordermanagement/v1/orders/${ids[next++ % ids.length]}/captures` };
      } }],
    }),
    async after(_measurement, label, last) {
      if (last) scenario.notes.push(`history: ${ids.length} orders of ${HISTORY_CAPTURES} captures each before the runs, ${made} captures added over the runs (≤ ${HISTORY_CAPTURES + Math.ceil(made / ids.length)} per order at the end; ${label})`);
    },
  };
  return scenario;
}

/**
 * GET order, rotating over `ids` (in random order) with one cursor across all runs; the warm-up
 * reads every one of them once.
 */
function rotatingGetScenario(key: string, name: string, server: Child, ids: string[], after?: Scenario['after']): Scenario {
  const order = shuffle([...ids]);
  let next = 0;
  return {
    key,
    name,
    servers: [server],
    measurements: [],
    notes: [],
    warmupRequests: order.length,
    prepare: async () => ({
      url: server.url,
      headers: { authorization: AUTH },
      requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/ordermanagement/v1/orders/${order[next++ % order.length]}` }) }],
    }),
    ...(after ? { after } : {}),
  };
}

/** Signs in to the dashboard with the bench merchant's credentials; returns the session cookie. */
async function dashboardCookie(server: Child): Promise<string> {
  const res = await fetch(`${server.url}/dashboard/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: MERCHANT.username, password: MERCHANT.password, next: '/dashboard/orders' }).toString(),
    redirect: 'manual',
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`dashboard sign-in answered ${res.status}: ${await res.text()}`);
  return cookie;
}

/**
 * The dashboard's orders list on a database of many orders, rotating over the pages a developer
 * asks for: the newest orders, each filter (status; a currency, a fraud status and a date range that
 * match nothing, so only an index avoids reading every order), a search by order id, Klarna
 * reference and merchant reference, and pages deep in the list (keyset cursors of sampled orders).
 */
function dashboardListScenario(key: string, name: string, server: Child, ids: string[]): Scenario {
  let paths: string[] = [];
  let next = 0;
  let cookie = '';
  return {
    key,
    name,
    servers: [server],
    measurements: [],
    notes: [],
    prepare: async () => {
      if (!cookie) {
        cookie = await dashboardCookie(server);
        const sampled = ids.slice(0, 200);
        const orders = await Promise.all(
          sampled.map(async (id) => {
            const res = await fetch(`${server.url}/ordermanagement/v1/orders/${id}`, { headers: { authorization: AUTH } });
            return (await res.json()) as { order_id: string; klarna_reference: string; merchant_reference1?: string; created_at: string };
          }),
        );
        const cursor = (o: { order_id: string; created_at: string }) => Buffer.from(`${Date.parse(o.created_at)}:${o.order_id}`, 'utf8').toString('base64url');
        paths = [
          '/dashboard/orders',
          '/dashboard/orders?status=AUTHORIZED',
          '/dashboard/orders?status=CAPTURED',
          '/dashboard/orders?currency=EUR',
          '/dashboard/orders?fraud_status=PENDING',
          '/dashboard/orders?from=2001-01-01&to=2001-01-31',
          ...orders.flatMap((o) => [
            `/dashboard/orders?q=${encodeURIComponent(o.order_id)}`,
            `/dashboard/orders?q=${encodeURIComponent(o.klarna_reference)}`,
            `/dashboard/orders?after=${cursor(o)}`,
          ]),
        ];
        shuffle(paths);
      }
      return {
        url: server.url,
        headers: { cookie },
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] ?? '/dashboard/orders' }) }],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reports (group `reports`): downloads one at a time, with the server's memory sampled meanwhile

/** RSS and its anonymous part from /proc (Linux), MiB; undefined elsewhere. */
function procMemory(pid: number | undefined): { rssMiB: number; anonMiB: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rssMiB: kib('VmRSS'), anonMiB: kib('RssAnon') };
  } catch {
    return undefined;
  }
}

/** Samples the process's memory every 10 ms until stopped; returns the peaks seen. */
function sampleMemory(child: Child): () => { rssMiB: number; anonMiB: number } {
  const peak = { rssMiB: NaN, anonMiB: NaN };
  const sample = () => {
    const now = procMemory(child.process.pid);
    if (!now) return;
    peak.rssMiB = Number.isNaN(peak.rssMiB) ? now.rssMiB : Math.max(peak.rssMiB, now.rssMiB);
    peak.anonMiB = Number.isNaN(peak.anonMiB) ? now.anonMiB : Math.max(peak.anonMiB, now.anonMiB);
  };
  sample();
  const timer = setInterval(sample, 10);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

type ReportFormat = 'CSV' | 'PDF';
const REPORT_PATHS: Record<ReportFormat, string> = { CSV: 'payout-with-transactions', PDF: 'payout' };

interface Download {
  ms: number;
  bytes: number;
}

/** Downloads a report to the end, counting its bytes, and checks it is the whole file. */
async function downloadReport(server: Child, format: ReportFormat, payout: GeneratedPayout): Promise<Download> {
  const started = performance.now();
  const res = await fetch(`${server.url}/settlements/v1/reports/${REPORT_PATHS[format]}?payment_reference=${payout.payment_reference}`, { headers: { authorization: AUTH } });
  if (res.status !== 200 || !res.body) throw new Error(`${format} report of ${payout.payment_reference} answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let lineFeeds = 0;
  let head = '';
  let tail = '';
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    if (format === 'CSV') for (const byte of chunk) lineFeeds += byte === 0x0a ? 1 : 0;
    else {
      if (head.length < 5) head += Buffer.from(chunk.subarray(0, 5)).toString('latin1');
      tail = (tail + Buffer.from(chunk.subarray(-16)).toString('latin1')).slice(-16);
    }
  }
  const ms = performance.now() - started;
  // The generated rows hold no line break of their own: one per record, the header's included.
  if (format === 'CSV' && lineFeeds !== payout.transaction_count + 1) throw new Error(`CSV of ${payout.transaction_count} transactions has ${lineFeeds - 1} records`);
  if (format === 'PDF' && (!head.startsWith('%PDF-') || !tail.includes('%%EOF'))) throw new Error(`PDF of ${payout.payment_reference} is not a whole PDF file`);
  return { ms, bytes };
}

interface ReportRow {
  format: ReportFormat;
  /** null for the server before any report. */
  transactions: number | null;
  label: string;
  medianMs: number;
  bytes: number;
  /** Sampled during the downloads (anonymous: the server's own memory; RSS adds SQLite's memory map of the file). */
  peakAnonMiB: number;
  peakRssMiB: number;
  /** After the downloads: VmHWM (peak RSS since the start) and the heap in use. */
  memory: Memory | undefined;
  stalled?: boolean;
}

/**
 * Per format, a fresh server on the generated database: its memory idle, then REPEATS downloads
 * of the reference payout's report and REPEATS of the large one's (memory sampled during each
 * set), then a download whose reader takes the headers and nothing more for 2 s.
 */
async function runReports(serve: (name: string, databaseUrl: string) => Promise<Child>, file: string, small: GeneratedPayout, large: GeneratedPayout): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  for (const format of ['CSV', 'PDF'] as const) {
    const server = await serve(`klarna-local (${format} reports)`, `sqlite:${file}`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const idle = await measureMemory(server);
      rows.push({ format, transactions: null, label: `${format}: server before any report`, medianMs: NaN, bytes: NaN, peakAnonMiB: idle?.anonMiB ?? NaN, peakRssMiB: idle?.rssMiB ?? NaN, memory: idle });
      for (const payout of [small, large]) {
        const stop = sampleMemory(server);
        const downloads: Download[] = [];
        for (let i = 0; i < REPEATS; i++) downloads.push(await downloadReport(server, format, payout));
        const peak = stop();
        const row: ReportRow = {
          format,
          transactions: payout.transaction_count,
          label: `${format}, ${grouped(payout.transaction_count)} transactions`,
          medianMs: median(downloads.map((d) => d.ms)),
          bytes: downloads[0]?.bytes ?? NaN,
          peakAnonMiB: peak.anonMiB,
          peakRssMiB: peak.rssMiB,
          memory: await measureMemory(server),
        };
        rows.push(row);
        console.log(
          `  ${row.label.padEnd(28)} ${downloads.map((d) => `${(d.ms / 1000).toFixed(2)} s`).join(', ')}  ${grouped(row.bytes)} bytes  peak anonymous ${mibOf(row.peakAnonMiB)} MiB, RSS ${mibOf(row.peakRssMiB)} MiB, VmHWM ${mibOf(row.memory?.peakMiB)} MiB`,
        );
      }
      // A reader that stops after the headers: the server must not go on writing the file into its memory.
      const before = procMemory(server.process.pid);
      const stop = sampleMemory(server);
      const controller = new AbortController();
      const res = await fetch(`${server.url}/settlements/v1/reports/${REPORT_PATHS[format]}?payment_reference=${large.payment_reference}`, { headers: { authorization: AUTH }, signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const peak = stop();
      controller.abort();
      await res.body?.cancel().catch(() => undefined);
      const label = `${format}, ${grouped(large.transaction_count)}, reader stalled 2 s`;
      rows.push({ format, transactions: large.transaction_count, label, medianMs: NaN, bytes: NaN, peakAnonMiB: peak.anonMiB, peakRssMiB: peak.rssMiB, memory: await measureMemory(server), stalled: true });
      console.log(`  ${label.padEnd(28)} status ${res.status}; anonymous ${mibOf(before?.anonMiB)} → peak ${mibOf(peak.anonMiB)} MiB while stalled`);
      if (res.status !== 200) problems.push(`${label}: status ${res.status}`);
      if (exited(server)) problems.push(`${server.name} died during the reports:\n${server.tail()}`);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

const mibOf = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(0));

// ---------------------------------------------------------------------------------------------

interface MemoryRow {
  label: string;
  memory: Memory | undefined;
}

interface Outcome {
  scenarios: Scenario[];
  soak?: SoakOutcome;
  memory: MemoryRow[];
  reports: ReportRow[];
  /** Lines printed under the table (generation times, skipped groups). */
  notes: string[];
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(ROOT, CLI)} is missing: run \`npm run bench\` (it builds first) or \`npm run build\``);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-bench-'));
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PORT', 'HOST', 'DATABASE_URL', 'PUBLIC_URL', 'LOG_LEVEL', 'KLARNA_LOCAL_MERCHANTS', 'KLARNA_LOCAL_SANDBOX', 'KLARNA_LOCAL_PROCESSES', 'KLARNA_LOCAL_RATE_LIMIT', 'KLARNA_LOCAL_RATE_LIMIT_LOCKOUT', 'KLARNA_LOCAL_JOURNAL']) delete cleanEnv[name];
  const serverEnv = { ...cleanEnv, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` };
  const serve = async (name: string, databaseUrl: string, extra: string[] = []): Promise<Child> => {
    const port = await freePort();
    return startChild(name, [CLI, 'serve', '--port', String(port), '--database-url', databaseUrl, '--log-level', 'warn', ...extra], serverEnv);
  };

  const started: Child[] = [];
  const databases: BenchDatabase[] = [];
  const outcome: Outcome = { scenarios: [], memory: [], reports: [], notes: [] };
  // Interrupted (Ctrl-C): no `finally` runs, so remove the servers, databases and files here.
  const interrupt = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the servers, dropping the run's databases`);
    killAll();
    void Promise.allSettled(databases.map((db) => db.drop())).then(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    console.log(`klarna-local benchmark: ${CONNECTIONS} connections, ${REPEATS} × ${DURATION_S} s per scenario after a ${WARMUP_S} s warm-up; scenario groups ${[...SELECTED].join(',')}`);
    console.log(`machine: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ${loadAverage()}`);

    // Generated before any server starts, so the generation competes with nothing measured.
    const generated = new Map<string, { file: string; sample: string[] }>();
    if (SELECTED.has('large')) {
      const sizes = [
        { key: 'cached', count: CACHED_ORDERS, sample: CACHED_ORDERS },
        { key: 'reference', count: Math.min(READ_ORDERS, LARGE_ORDERS), sample: Math.min(READ_ORDERS, LARGE_ORDERS) },
        { key: 'large', count: LARGE_ORDERS, sample: Math.min(READ_ORDERS, LARGE_ORDERS) },
      ];
      for (const size of sizes) {
        const file = path.join(tmp, `${size.key}.sqlite`);
        const result = await generateOrderDatabase(file, size.count, size.sample);
        const bytes = ['', '-wal'].reduce((sum, suffix) => sum + (fs.statSync(file + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
        const line = `generated ${grouped(size.count)} orders in ${(result.milliseconds / 1000).toFixed(1)} s (${(bytes / MiB).toFixed(0)} MiB of SQLite)`;
        console.log(line);
        if (size.key === 'large') outcome.notes.push(line);
        generated.set(size.key, { file, sample: result.sample });
      }
    }

    let settlements: { file: string; small: GeneratedPayout; large: GeneratedPayout } | undefined;
    if (SELECTED.has('reports')) {
      const file = path.join(tmp, 'settlements.sqlite');
      const result = await generateSettlementDatabase(file, [REPORT_REFERENCE, REPORT_TRANSACTIONS]);
      const [small, large] = result.payouts;
      if (!small || !large) throw new Error('the settlement database has not its two payouts');
      const bytes = ['', '-wal'].reduce((sum, suffix) => sum + (fs.statSync(file + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
      const line = `generated payouts of ${grouped(REPORT_REFERENCE)} and ${grouped(REPORT_TRANSACTIONS)} settlement transactions in ${(result.milliseconds / 1000).toFixed(1)} s (${(bytes / MiB).toFixed(0)} MiB of SQLite)`;
      console.log(line);
      outcome.notes.push(line);
      settlements = { file, small, large };
    }

    // One database per configuration, created now so that a server without the right to create
    // databases skips the rows like an unreachable one.
    const pgDatabases: BenchDatabase[] = [];
    const pgName = `klarna_bench_${process.pid}`;
    if (SELECTED.has('pg')) {
      const shown = POSTGRES_URL.replace(/\/\/[^@/]*@/, '//***@');
      let skipped: string | null = null;
      const unreachable = await postgresUnavailable();
      if (unreachable !== null) skipped = `${shown} is not reachable (${unreachable})`;
      else {
        try {
          for (const suffix of ['p1', 'p2']) {
            const db = await createDatabase(`${pgName}_${suffix}`);
            databases.push(db);
            pgDatabases.push(db);
          }
        } catch (error) {
          skipped = `cannot create a database on ${shown} (${error instanceof Error ? error.message : String(error)})`;
        }
      }
      if (skipped !== null) {
        const line = `PostgreSQL rows SKIPPED: ${skipped}; set BENCH_POSTGRES_URL`;
        console.log(line);
        outcome.notes.push(line);
      }
    }

    const scenarios: Scenario[] = [];
    // The `apis` group runs on the base group's servers, with hello and the floor as its references.
    if (SELECTED.has('base') || SELECTED.has('apis')) {
      const hello = await startChild('hello', ['--import', 'tsx', path.join('bench', 'hello-server.ts'), String(await freePort())], cleanEnv);
      started.push(hello);
      const floor = await startChild('floor', ['--import', 'tsx', path.join('bench', 'floor-server.ts'), String(await freePort()), path.join(tmp, 'floor.sqlite')], cleanEnv);
      started.push(floor);
      const file = path.join(tmp, 'bench.sqlite');
      const klarna = await serve('klarna-local', `sqlite:${file}`);
      started.push(klarna);
      console.log(`hello ${hello.url} | floor ${floor.url} | klarna-local ${klarna.url} (SQLite ${file})`);
      scenarios.push(
        { key: 'hello', name: 'hello (bare Fastify) GET /', servers: [hello], measurements: [], notes: [], prepare: async () => ({ url: `${hello.url}/` }) },
        floorCaptureScenario(floor),
      );
      if (SELECTED.has('base')) {
        // The same server with the request journal off (`--no-journal`), on a database of its own
        // kind and setup: the journaled rows against these are the journal's cost.
        const bare = path.join(tmp, 'no-journal');
        fs.mkdirSync(bare);
        const bareFile = path.join(bare, 'bench.sqlite');
        const unjournaled = await serve('klarna-local (no journal)', `sqlite:${bareFile}`, ['--no-journal']);
        started.push(unjournaled);
        console.log(`klarna-local --no-journal ${unjournaled.url} (SQLite ${bareFile})`);
        const getOrder = async (key: string, name: string, server: Child): Promise<Scenario> => {
          const orderId = await createOrder(server.url, 12_500);
          return { key, name, servers: [server], measurements: [], notes: [], prepare: async () => ({ url: `${server.url}/ordermanagement/v1/orders/${orderId}`, headers: { authorization: AUTH } }) };
        };
        scenarios.push(
          await getOrder('get', 'klarna-local GET order', klarna),
          await getOrder('getNoJournal', 'klarna-local GET order, no journal', unjournaled),
          captureScenario('capture', 'klarna-local create capture', klarna, 'create capture'),
          captureScenario('captureNoJournal', 'klarna-local create capture, no journal', unjournaled, 'create capture, no journal,'),
        );
      }
      if (SELECTED.has('apis')) scenarios.push(...(await apiScenarios(klarna)));
    }
    if (SELECTED.has('large')) {
      const memoryAfter = (label: string, server: Child): Scenario['after'] => async (_m, _label, last) => {
        if (last) outcome.memory.push({ label, memory: await measureMemory(server) });
      };
      const servers = new Map<string, Child>();
      for (const key of ['cached', 'reference', 'large']) {
        const db = generated.get(key);
        if (!db) throw new Error(`no ${key} database`);
        const server = await serve(`klarna-local (${key})`, `sqlite:${db.file}`);
        started.push(server);
        servers.set(key, server);
        console.log(`klarna-local ${server.url} (SQLite ${db.file})`);
      }
      const server = (key: string): Child => servers.get(key) ?? (() => { throw new Error(`no ${key} server`); })();
      const sample = (key: string): string[] => generated.get(key)?.sample ?? [];
      const large = grouped(LARGE_ORDERS);
      const read = grouped(Math.min(READ_ORDERS, LARGE_ORDERS));
      scenarios.push(
        rotatingGetScenario('getCached', `GET order, ${CACHED_ORDERS} orders, all read`, server('cached'), sample('cached'), memoryAfter(`klarna-local, ${CACHED_ORDERS} orders`, server('cached'))),
        rotatingGetScenario('getReference', `GET order, ${read} orders, all read`, server('reference'), sample('reference'), memoryAfter(`klarna-local, ${read} orders (reference)`, server('reference'))),
        rotatingGetScenario('getLarge', `GET order, ${large} orders, ${read} read`, server('large'), sample('large'), memoryAfter(`klarna-local, ${large} orders`, server('large'))),
        dashboardListScenario('dashboardReference', `dashboard orders list, ${read} orders`, server('reference'), sample('reference')),
        dashboardListScenario('dashboardLarge', `dashboard orders list, ${large} orders`, server('large'), sample('large')),
      );
    }
    if (SELECTED.has('soak')) {
      const history = await serve('klarna-local (history)', `sqlite:${path.join(tmp, 'history.sqlite')}`);
      started.push(history);
      const startedHistory = performance.now();
      const ids = await createOrders(history.url, HISTORY_ORDERS, MAX_AMOUNT);
      await addCaptures(history.url, ids, HISTORY_CAPTURES, CONNECTIONS);
      const line = `history: ${grouped(HISTORY_ORDERS)} orders given ${HISTORY_CAPTURES} captures each in ${((performance.now() - startedHistory) / 1000).toFixed(1)} s (klarna-local ${history.url})`;
      console.log(line);
      outcome.notes.push(line);
      scenarios.push(captureScenario('historyFresh', 'create capture, fresh orders (history server)', history, 'fresh orders on the history server'), historyCaptureScenario(history, ids));
    }
    const [one, two] = pgDatabases;
    if (one && two) {
      const single = await serve('klarna-local (PostgreSQL, 1 process)', one.url);
      started.push(single);
      const cluster = await serve('klarna-local (PostgreSQL, 2 processes)', two.url, ['--processes', '2']);
      started.push(cluster);
      console.log(`klarna-local ${single.url} (PostgreSQL ${pgName}_p1, 1 process) | ${cluster.url} (PostgreSQL ${pgName}_p2, --processes 2)`);
      scenarios.push(
        captureScenario('pg1', 'PostgreSQL create capture, 1 process', single, 'PostgreSQL, 1 process,'),
        captureScenario('pg2', 'PostgreSQL create capture, 2 processes', cluster, 'PostgreSQL, 2 processes,'),
      );
    }
    outcome.scenarios = scenarios;
    nameWidth = Math.max(28, ...scenarios.map((s) => s.name.length));
    console.log('');

    for (const child of started) child.pause();
    const measure = async (scenario: Scenario, seconds: number, label: string, last: boolean): Promise<Measurement> => {
      for (const server of scenario.servers) server.resume();
      try {
        const m = await runOnce(scenario, seconds, label);
        await scenario.after?.(m, label, last);
        return m;
      } finally {
        for (const server of scenario.servers) server.pause();
      }
    };
    for (const scenario of scenarios) await measure(scenario, WARMUP_S, 'warm-up', false);
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const scenario of scenarios) scenario.measurements.push(await measure(scenario, DURATION_S, `run ${repeat}`, repeat === REPEATS));
    }
    if (SELECTED.has('soak')) {
      const file = path.join(tmp, 'soak.sqlite');
      const server = await serve('klarna-local (soak)', `sqlite:${file}`);
      try {
        console.log(`\nsoak: klarna-local ${server.url} (SQLite ${file}), alone`);
        outcome.soak = await runSoak({ url: server.url, pid: server.process.pid }, file, {
          orders: SOAK_ORDERS,
          rounds: SOAK_ROUNDS,
          seconds: SOAK_SECONDS,
          sample: 3000,
          connections: CONNECTIONS,
          makeOrders: (base, count) => createOrders(base, count, MAX_AMOUNT),
          log: (l) => console.log(l),
        });
        problems.push(...outcome.soak.problems);
        if (exited(server)) problems.push(`${server.name} died during the soak:\n${server.tail()}`);
      } finally {
        await server.stop();
      }
    }
    // The reports' servers start now and run alone (the others are still paused).
    if (settlements) {
      console.log(`\nreports: ${REPEATS} downloads each, one at a time, on a fresh server per format (SQLite ${settlements.file})`);
      outcome.reports = await runReports(serve, settlements.file, settlements.small, settlements.large);
    }
    for (const child of started) child.resume();
    console.log(`\nload average after: ${loadAverage()}`);
    for (const child of started) {
      if (exited(child)) problems.push(`${child.name} died during the run:\n${child.tail()}`);
    }

    report(outcome);
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    for (const db of databases) await db.drop().catch((error: unknown) => problems.push(`dropping a PostgreSQL database: ${String(error)}`));
    fs.rmSync(tmp, { recursive: true, force: true });
    const seconds = Math.round((performance.now() - startedAt) / 1000);
    console.log(`\ntotal time ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
  }
}

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  ratio: number;
  goal: string;
}

function report({ scenarios, memory, reports, notes, soak }: Outcome): void {
  const byKey = new Map(scenarios.map((s) => [s.key, s]));
  const rpsOf = (key: string): number => {
    const scenario = byKey.get(key);
    return scenario ? median(scenario.measurements.map((m) => m.rps)) : NaN;
  };
  const baseline = rpsOf('hello');
  const passFail = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const ratio = (a: string, b: string) => rpsOf(a) / rpsOf(b);
  const goalOf = (scenario: Scenario, p99: number): string => {
    switch (scenario.key) {
      case 'hello':
        return 'baseline';
      case 'get': {
        const r = rpsOf(scenario.key) / baseline;
        return `≥ ${GOALS.getOrderRatio}× ${passFail(r >= GOALS.getOrderRatio)}; p99 < ${GOALS.getOrderP99Ms} ms ${passFail(p99 < GOALS.getOrderP99Ms)}`;
      }
      case 'floor':
        return 'baseline of the writes';
      case 'capture': {
        const r = ratio('capture', 'floor');
        return `${r.toFixed(2)}× floor, ≥ ${GOALS.captureVsFloor}× ${passFail(r >= GOALS.captureVsFloor)}; p99 < ${GOALS.p99Ms} ms ${passFail(p99 < GOALS.p99Ms)}`;
      }
      // The journal's cost, on the row of the same load without it.
      case 'getNoJournal':
      case 'captureNoJournal': {
        const cost = 1 - ratio(scenario.key === 'getNoJournal' ? 'get' : 'capture', scenario.key);
        return `journal cost ${(cost * 100).toFixed(1)} % (goal < ${GOALS.journalCost * 100} %) ${passFail(cost < GOALS.journalCost)}`;
      }
      case 'getCached':
        return 'every read from the document cache';
      case 'getReference':
        return `reference: only the orders read; ${ratio('getReference', 'getCached').toFixed(2)}× cached`;
      case 'getLarge': {
        const r = ratio('getLarge', 'getReference');
        const c = ratio('getLarge', 'getCached');
        return `${r.toFixed(2)}× reference, ≥ ${GOALS.largeGetRatio}× ${passFail(r >= GOALS.largeGetRatio)}; ${c.toFixed(2)}× cached, ≥ ${GOALS.largeVsCachedRatio}× ${passFail(c >= GOALS.largeVsCachedRatio)}`;
      }
      case 'dashboardReference':
        return `reference; p99 < ${GOALS.dashboardListP99Ms} ms ${passFail(p99 < GOALS.dashboardListP99Ms)}`;
      case 'dashboardLarge': {
        const r = ratio('dashboardLarge', 'dashboardReference');
        return `${r.toFixed(2)}× reference; p99 < ${GOALS.dashboardListP99Ms} ms ${passFail(p99 < GOALS.dashboardListP99Ms)}`;
      }
      case 'pg1': {
        const r = ratio('pg1', 'capture');
        return Number.isNaN(r) ? 'reference for 2 processes' : `${r.toFixed(2)}× SQLite's capture, ≥ ${GOALS.postgresVsSqlite}× ${passFail(r >= GOALS.postgresVsSqlite)}`;
      }
      case 'pg2':
        return `2/1 processes ${ratio('pg2', 'pg1').toFixed(2)}×`;
      case 'historyFresh':
        return 'reference for the history row';
      case 'history': {
        const r = ratio('history', 'historyFresh');
        return `${r.toFixed(2)}× fresh orders, ≥ ${GOALS.historyVsFresh}× ${passFail(r >= GOALS.historyVsFresh)}`;
      }
      default: {
        const kind = apiScenarioKind(scenario.key);
        if (kind === 'write') {
          const r = ratio(scenario.key, 'floor');
          return `${r.toFixed(2)}× floor, ≥ ${GOALS.apiWriteVsFloor}× ${passFail(r >= GOALS.apiWriteVsFloor)}; p99 < ${GOALS.p99Ms} ms ${passFail(p99 < GOALS.p99Ms)}`;
        }
        if (kind === 'read') {
          const r = rpsOf(scenario.key) / baseline;
          return `${r.toFixed(2)}× hello, ≥ ${GOALS.apiReadVsHello}× ${passFail(r >= GOALS.apiReadVsHello)}`;
        }
        return '';
      }
    }
  };
  const rows: Row[] = scenarios.map((scenario) => {
    const rps = median(scenario.measurements.map((m) => m.rps));
    const p50 = median(scenario.measurements.map((m) => m.p50));
    const p99 = median(scenario.measurements.map((m) => m.p99));
    return { scenario: scenario.name, rps, p50, p99, ratio: rps / baseline, goal: goalOf(scenario, p99) };
  });
  const cells = (r: Row) => [r.scenario, r.rps.toFixed(0), fmt(r.p50), fmt(r.p99), Number.isNaN(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`, r.goal];
  const header = ['scenario', 'requests/s', 'p50 ms', 'p99 ms', 'vs hello', 'goal'];
  const memoryHeader = ['process', 'RSS MiB', 'file-backed MiB', 'anonymous MiB', 'peak RSS MiB', 'heap used MiB'];
  const mib = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(0));
  const memoryCells = (row: MemoryRow) =>
    row.memory
      ? [row.label, mib(row.memory.rssMiB), mib(row.memory.fileMiB), mib(row.memory.anonMiB), mib(row.memory.peakMiB), mib(row.memory.heapUsedMiB)]
      : [row.label, '—', '—', '—', '—', '—'];

  const printTable = (head: string[], body: string[][], numeric: ReadonlySet<number> = new Set([1, 2, 3, 4])) => {
    const table = [head, ...body];
    const widths = head.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)));
    const line = (values: string[]) => values.map((v, i) => (numeric.has(i) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ');
    console.log(line(head).trimEnd());
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const values of body) console.log(line(values).trimEnd());
  };
  const printMarkdown = (head: string[], body: string[][], numeric: ReadonlySet<number> = new Set([1, 2, 3, 4])) => {
    console.log(`| ${head.join(' | ')} |`);
    console.log(`| ${head.map((_, i) => (numeric.has(i) ? '---:' : '---')).join(' | ')} |`);
    for (const values of body) console.log(`| ${values.join(' | ')} |`);
  };

  // Reports: the large payout's peak against the reference payout's, per format.
  const reportHeader = ['report', 'median s', 'bytes', 'peak anonymous MiB', 'peak RSS MiB', 'VmHWM MiB', 'heap used MiB', 'goal'];
  const reportNumeric = new Set([1, 2, 3, 4, 5, 6]);
  const reportGoal = (row: ReportRow): string => {
    const of = (transactions: number) => reports.find((r) => r.format === row.format && r.transactions === transactions && !r.stalled);
    const idle = reports.find((r) => r.format === row.format && r.transactions === null);
    if (row.transactions === null) return 'idle, after start';
    if (row.stalled) return `anonymous +${mib(row.peakAnonMiB - (of(REPORT_TRANSACTIONS)?.memory?.anonMiB ?? NaN))} MiB over the idle server after the downloads`;
    if (row.transactions !== REPORT_TRANSACTIONS) return `reference; anonymous peak +${mib(row.peakAnonMiB - (idle?.peakAnonMiB ?? NaN))} MiB over idle`;
    const reference = of(REPORT_REFERENCE);
    const growth = row.peakAnonMiB - (reference?.peakAnonMiB ?? NaN);
    const hwmGrowth = (row.memory?.peakMiB ?? NaN) - (reference?.memory?.peakMiB ?? NaN);
    return `peak anonymous +${mib(growth)} MiB for 100× the transactions, < ${GOALS.reportPeakGrowthMiB} MiB ${passFail(growth < GOALS.reportPeakGrowthMiB)}; VmHWM +${mib(hwmGrowth)} MiB`;
  };
  const reportCells = (row: ReportRow) => [
    row.label,
    Number.isNaN(row.medianMs) ? '—' : (row.medianMs / 1000).toFixed(2),
    Number.isNaN(row.bytes) ? '—' : grouped(row.bytes),
    mib(row.peakAnonMiB),
    mib(row.peakRssMiB),
    mib(row.memory?.peakMiB),
    mib(row.memory?.heapUsedMiB),
    reportGoal(row),
  ];

  if (rows.length > 0) {
    console.log(`\nMedians of ${REPEATS} runs × ${DURATION_S} s, ${CONNECTIONS} connections:\n`);
    printTable(header, rows.map(cells));
    for (const scenario of scenarios) for (const note of scenario.notes) console.log(`  ${note}`);
  }
  for (const note of notes) console.log(`  ${note}`);
  if (memory.length > 0) {
    console.log('\nMemory of the server process after its last GET run:\n');
    printTable(memoryHeader, memory.map(memoryCells));
  }
  if (reports.length > 0) {
    console.log(`\nReports of a payout of ${grouped(REPORT_REFERENCE)} and of ${grouped(REPORT_TRANSACTIONS)} transactions (medians of ${REPEATS} downloads; memory sampled every 10 ms during them):\n`);
    printTable(reportHeader, reports.map(reportCells), reportNumeric);
  }

  const soakHeader = ['soak round', 'requests/s', 'p50 ms', 'p99 ms', 'vs round 1', 'database MiB', 'WAL MiB', 'RSS MiB', 'anonymous MiB', 'goal'];
  const soakNumeric = new Set([1, 2, 3, 4, 5, 6, 7, 8]);
  const soakCells = (row: SoakOutcome['rounds'][number], first: number, last: boolean) => {
    const r = row.rps / first;
    return [
      `round ${row.round}`,
      row.rps.toFixed(0),
      fmt(row.p50),
      fmt(row.p99),
      `${r.toFixed(2)}×`,
      row.databaseMiB.toFixed(0),
      row.walMiB.toFixed(0),
      mib(row.rssMiB),
      mib(row.anonMiB),
      last && row.round > 1 ? `≥ ${GOALS.soakLastVsFirst}× round 1 ${passFail(r >= GOALS.soakLastVsFirst)}` : '',
    ];
  };
  const soakBody = soak ? soak.rounds.map((row, i) => soakCells(row, soak.rounds[0]?.rps ?? NaN, i === soak.rounds.length - 1)) : [];
  const soakNote = soak
    ? `bytes stored: ${Math.round(soak.bytesPerCapture)} per capture, ${Math.round(soak.bytesPerSession)} per Payments session (each with its settlement rows, e-mail and API call log); ${grouped(soak.orders)} orders, rounds of ${soak.seconds} s`
    : '';
  if (soak) {
    console.log(`\nSoak (${soak.rounds.length} rounds of mixed captures, GET order and Payments sessions, ${CONNECTIONS} connections):\n`);
    printTable(soakHeader, soakBody, soakNumeric);
    console.log(`  ${soakNote}`);
  }

  console.log('\nMarkdown (for docs/benchmarks.md):\n');
  if (rows.length > 0) printMarkdown(header, rows.map(cells));
  if (memory.length > 0) {
    console.log('');
    printMarkdown(memoryHeader, memory.map(memoryCells));
  }
  if (reports.length > 0) {
    console.log('');
    printMarkdown(reportHeader, reports.map(reportCells), reportNumeric);
  }
  if (soak) {
    console.log('');
    printMarkdown(soakHeader, soakBody, soakNumeric);
    console.log(`\n${soakNote}`);
  }
  console.log(`\n${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}; medians of ${REPEATS} runs × ${DURATION_S} s at ${CONNECTIONS} connections.`);
}

try {
  await main();
} catch (error) {
  problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
}
if (problems.length > 0) {
  console.error(`\nbenchmark errors:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
process.exit(0);
