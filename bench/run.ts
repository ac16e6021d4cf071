/**
 * `npm run bench`: throughput and latency of klarna-local against a bare Fastify baseline, on this
 * machine, in one run.
 *
 * Two child processes: bench/hello-server.ts (bare Fastify, GET / → {"hello":"world"}) and the built
 * klarna-local (`node dist/src/cli.js serve`, SQLite in a temporary directory, log level warn). This
 * process drives each with autocannon: 32 connections, 10 s per run, 3 runs per scenario after a
 * 2 s warm-up, runs of the scenarios interleaved; the medians are reported against the baseline.
 *
 * Exit status: 0 when every request answered 2xx (a missed goal is reported, not failed); 1 when a
 * server failed or any response was non-2xx, an error or a timeout.
 *
 * Environment: BENCH_DURATION (seconds per run, default 10), BENCH_REPEATS (default 3),
 * BENCH_WARMUP (seconds, default 2), BENCH_CONNECTIONS (default 32).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

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
const MERCHANT = { username: 'bench', password: 'bench' };
const AUTH = `Basic ${Buffer.from(`${MERCHANT.username}:${MERCHANT.password}`).toString('base64')}`;
/** Largest amount of one line and of an order (src/kernel/schemas.ts MAX_AMOUNT). */
const MAX_AMOUNT = 200_000_000;
/** Captures per order the create-capture scenario aims to stay under (orders are rotated). */
const CAPTURES_PER_ORDER = 20;

const GOALS = { getOrderRatio: 0.5, createCaptureRatio: 0.2, p99Ms: 25 };

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  /** The last output of the process, for error reports. */
  tail(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

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
  return {
    name,
    url,
    process: child,
    tail: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Setup requests

/** A valid sandbox order (Swedish market, 25% VAT) of `amount` in one line. */
function orderBody(amount: number): Record<string, unknown> {
  const tax = amount / 5; // 25% VAT included: tax = total × 2500 / 12500
  if (!Number.isInteger(tax)) throw new Error('amount must be a multiple of 5');
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: amount,
    order_tax_amount: tax,
    order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'Bench item', quantity: 1, unit_price: amount, tax_rate: 2500, total_amount: amount, total_tax_amount: tax }],
    billing_address: {
      given_name: 'Testperson-se',
      family_name: 'Approved',
      email: 'customer@email.se',
      street_address: 'Stårgatan 1',
      postal_code: '12345',
      city: 'Ankeborg',
      country: 'SE',
      phone: '+46765260000',
    },
    merchant_reference1: 'BENCH',
  };
}

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

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

interface Scenario {
  name: string;
  /** Autocannon options for one run of `seconds` (called before each run, outside the measurement). */
  prepare(seconds: number): Promise<autocannon.Options>;
  measurements: Measurement[];
  /** Notes printed under the table. */
  notes: string[];
}

const problems: string[] = [];

async function runOnce(scenario: Scenario, seconds: number, label: string): Promise<Measurement> {
  const options = await scenario.prepare(seconds);
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: seconds });
  const measurement: Measurement = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
  const bad = result.non2xx + result.errors + result.timeouts;
  console.log(
    `  ${scenario.name.padEnd(28)} ${label.padEnd(8)} ${measurement.rps.toFixed(0).padStart(7)} req/s  p50 ${fmt(measurement.p50)} ms  p99 ${fmt(measurement.p99)} ms  (${measurement.requests} requests${bad ? `, ${bad} NOT OK` : ''})`,
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
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${path.relative(ROOT, CLI)} is missing: run \`npm run bench\` (it builds first) or \`npm run build\``);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-bench-'));
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['PORT', 'HOST', 'DATABASE_URL', 'PUBLIC_URL', 'LOG_LEVEL', 'KLARNA_LOCAL_MERCHANTS', 'KLARNA_LOCAL_SANDBOX']) delete cleanEnv[name];

  const started: Child[] = [];
  try {
    const helloPort = await freePort();
    const hello = await startChild('hello', ['--import', 'tsx', path.join('bench', 'hello-server.ts'), String(helloPort)], cleanEnv);
    started.push(hello);
    const klarnaPort = await freePort();
    const klarna = await startChild(
      'klarna-local',
      [CLI, 'serve', '--port', String(klarnaPort), '--database-url', `sqlite:${path.join(tmp, 'bench.sqlite')}`, '--log-level', 'warn'],
      { ...cleanEnv, KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` },
    );
    started.push(klarna);

    const getOrderId = await createOrder(klarna.url, 12_500);
    let captureRate = 500; // req/s, re-estimated from the warm-up and each run
    let lastPool = { orders: 0, captures: 0 };

    const scenarios: Scenario[] = [
      {
        name: 'hello (bare Fastify) GET /',
        measurements: [],
        notes: [],
        prepare: async () => ({ url: `${hello.url}/` }),
      },
      {
        name: 'klarna-local GET order',
        measurements: [],
        notes: [],
        prepare: async () => ({ url: `${klarna.url}/ordermanagement/v1/orders/${getOrderId}`, headers: { authorization: AUTH } }),
      },
      {
        name: 'klarna-local create capture',
        measurements: [],
        notes: [],
        async prepare(seconds) {
          // Fresh orders for every run, rotated so no order collects more than ~CAPTURES_PER_ORDER
          // captures (a real order has a handful; each write loads the order with all of them).
          const count = Math.max(50, Math.ceil((captureRate * seconds * 1.5) / CAPTURES_PER_ORDER));
          const ids = await createOrders(klarna.url, count, MAX_AMOUNT);
          lastPool = { orders: count, captures: 0 };
          let next = 0;
          const body = JSON.stringify({ captured_amount: 1 });
          return {
            url: klarna.url,
            headers: { authorization: AUTH, 'content-type': 'application/json' },
            requests: [
              {
                method: 'POST',
                body,
                setupRequest: (request) => {
                  lastPool.captures++;
                  return { ...request, path: `/ordermanagement/v1/orders/${ids[next++ % ids.length]}/captures` };
                },
              },
            ],
          };
        },
      },
    ];
    const captureScenario = scenarios[2];
    if (!captureScenario) throw new Error('scenario list');

    console.log(`klarna-local benchmark: ${CONNECTIONS} connections, ${REPEATS} × ${DURATION_S} s per scenario after a ${WARMUP_S} s warm-up`);
    console.log(`machine: ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`hello ${hello.url} | klarna-local ${klarna.url} (SQLite ${path.join(tmp, 'bench.sqlite')})\n`);

    for (const scenario of scenarios) {
      const warm = await runOnce(scenario, WARMUP_S, 'warm-up');
      if (scenario === captureScenario) captureRate = Math.max(captureRate, warm.rps);
    }
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const scenario of scenarios) {
        const m = await runOnce(scenario, DURATION_S, `run ${repeat}`);
        scenario.measurements.push(m);
        if (scenario === captureScenario) {
          captureRate = Math.max(captureRate, m.rps);
          captureScenario.notes.push(`run ${repeat}: ${lastPool.captures} captures over ${lastPool.orders} fresh orders (≤ ${Math.ceil(lastPool.captures / lastPool.orders)} per order)`);
        }
      }
    }
    console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    for (const child of started) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) problems.push(`${child.name} died during the run:\n${child.tail()}`);
    }

    report(scenarios);
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    fs.rmSync(tmp, { recursive: true, force: true });
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

function report(scenarios: Scenario[]): void {
  const [hello, getOrder, capture] = scenarios;
  if (!hello || !getOrder || !capture) throw new Error('scenario list');
  const baseline = median(hello.measurements.map((m) => m.rps));
  const passFail = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const row = (scenario: Scenario, ratioGoal: number | null): Row => {
    const rps = median(scenario.measurements.map((m) => m.rps));
    const p50 = median(scenario.measurements.map((m) => m.p50));
    const p99 = median(scenario.measurements.map((m) => m.p99));
    const ratio = rps / baseline;
    const goal =
      ratioGoal === null
        ? 'baseline'
        : `≥ ${ratioGoal}× ${passFail(ratio >= ratioGoal)}; p99 < ${GOALS.p99Ms} ms ${passFail(p99 < GOALS.p99Ms)}`;
    return { scenario: scenario.name, rps, p50, p99, ratio, goal };
  };
  const rows = [row(hello, null), row(getOrder, GOALS.getOrderRatio), row(capture, GOALS.createCaptureRatio)];
  const cells = (r: Row) => [r.scenario, r.rps.toFixed(0), fmt(r.p50), fmt(r.p99), `${r.ratio.toFixed(2)}×`, r.goal];
  const header = ['scenario', 'requests/s', 'p50 ms', 'p99 ms', 'vs hello', 'goal'];
  const table = [header, ...rows.map(cells)];
  const widths = header.map((_, i) => Math.max(...table.map((line) => (line[i] ?? '').length)));
  const numeric = new Set([1, 2, 3, 4]);
  const line = (values: string[]) => values.map((v, i) => (numeric.has(i) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ');

  console.log(`\nMedians of ${REPEATS} runs × ${DURATION_S} s, ${CONNECTIONS} connections:\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(cells(r)));
  for (const note of capture.notes) console.log(`  create capture ${note}`);

  console.log('\nMarkdown (for docs/benchmarks.md):\n');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map((_, i) => (numeric.has(i) ? '---:' : '---')).join(' | ')} |`);
  for (const r of rows) console.log(`| ${cells(r).join(' | ')} |`);
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
