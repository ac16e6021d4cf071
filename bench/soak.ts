/**
 * The `soak` group of `npm run bench` (bench/run.ts): whether a write's cost grows with history.
 *
 * On a klarna-local of its own (a fresh SQLite file):
 * 1. Bytes stored per write: the database's used pages (page_count − freelist_count, WAL included,
 *    read through a connection of this process) before and after SOAK_SAMPLE captures of 1 unit,
 *    and before and after as many Payments sessions; divided by the count. It includes everything
 *    the write stores: the capture or session, its settlement rows, e-mail and the API call log.
 * 2. SOAK_ORDERS orders, then SOAK_ROUNDS rounds of BENCH_SOAK_SECONDS at the bench's connections of
 *    mixed load: a capture of 1 unit on a random order, a GET of a random order and a Payments
 *    session, in turn on every connection. Per round: requests/s, p50, p99, the database file and
 *    WAL, and the server's memory. The goal: the last round ≥ GOALS.soakLastVsFirst × the first.
 *
 * The history scenario (capture on orders that already hold HISTORY_CAPTURES captures, against
 * captures on fresh orders on the same server) runs with the other scenarios, interleaved; its
 * orders are prepared here.
 */
import fs from 'node:fs';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { AUTH, paymentsSessionBody } from './fixtures.js';

export const HISTORY_CAPTURES = 100;

export interface SoakRound {
  round: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
  databaseMiB: number;
  walMiB: number;
  rssMiB: number;
  anonMiB: number;
}

export interface SoakOutcome {
  orders: number;
  seconds: number;
  bytesPerCapture: number;
  bytesPerSession: number;
  rounds: SoakRound[];
  problems: string[];
}

interface Server {
  url: string;
  pid: number | undefined;
}

const MiB = 1024 * 1024;
const JSON_BODY = { authorization: AUTH, 'content-type': 'application/json' };

/** `perOrder` captures of 1 unit on each order, driven by autocannon (the fastest way through the API). */
export async function addCaptures(base: string, orderIds: readonly string[], perOrder: number, connections: number): Promise<void> {
  let next = 0;
  const total = orderIds.length * perOrder;
  const result = await autocannon({
    url: base,
    connections,
    amount: total,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    requests: [{ method: 'POST', body: '{"captured_amount":1}', setupRequest: (r) => ({ ...r, path: `/ordermanagement/v1/orders/${orderIds[next++ % orderIds.length]}/captures` }) }],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} of ${total} history captures failed`);
}

/** Bytes of the database's used pages as the latest commit sees them (WAL included). */
function usedBytes(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  } finally {
    db.close();
  }
}

const fileMiB = (file: string) => (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) / MiB;

function memoryOf(pid: number | undefined): { rssMiB: number; anonMiB: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rssMiB: kib('VmRSS'), anonMiB: kib('RssAnon') };
  } catch {
    return { rssMiB: NaN, anonMiB: NaN };
  }
}

export interface SoakOptions {
  orders: number;
  rounds: number;
  seconds: number;
  sample: number;
  connections: number;
  /** Makes `count` orders on the server (bench/run.ts's, through the sandbox). */
  makeOrders(base: string, count: number): Promise<string[]>;
  log: (line: string) => void;
}

export async function runSoak(server: Server, file: string, options: SoakOptions): Promise<SoakOutcome> {
  const { log, makeOrders } = options;
  const problems: string[] = [];
  const base = server.url;

  // Bytes per capture and per session, on a few orders made first.
  const sampleOrders = await makeOrders(base, Math.max(10, Math.ceil(options.sample / 20)));
  let before = usedBytes(file);
  await addCaptures(base, sampleOrders, Math.ceil(options.sample / sampleOrders.length), options.connections);
  const captures = sampleOrders.length * Math.ceil(options.sample / sampleOrders.length);
  const bytesPerCapture = (usedBytes(file) - before) / captures;
  before = usedBytes(file);
  const sessions = await autocannon({
    url: base,
    connections: options.connections,
    amount: options.sample,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    requests: [{ method: 'POST', path: '/payments/v1/sessions', body: JSON.stringify(paymentsSessionBody()) }],
  });
  if (sessions.non2xx + sessions.errors + sessions.timeouts > 0) problems.push(`soak: ${sessions.non2xx + sessions.errors + sessions.timeouts} of the sample sessions failed`);
  const bytesPerSession = (usedBytes(file) - before) / options.sample;
  log(`  soak: ${Math.round(bytesPerCapture)} bytes stored per capture, ${Math.round(bytesPerSession)} per Payments session (${captures} and ${options.sample} written)`);

  const ids = await makeOrders(base, options.orders);
  log(`  soak: ${ids.length} orders; ${options.rounds} rounds × ${options.seconds} s of captures, GET order and Payments sessions in turn`);
  const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
  const sessionBody = JSON.stringify(paymentsSessionBody());
  const rounds: SoakRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const result = await autocannon({
      url: base,
      connections: options.connections,
      duration: options.seconds,
      // Content-Type only with a body: a GET that declares one without a length closes its connection
      // (src/platform/http/wire.ts).
      headers: { authorization: AUTH },
      requests: [
        { method: 'POST', headers: JSON_BODY, body: '{"captured_amount":1}', setupRequest: (r) => ({ ...r, path: `/ordermanagement/v1/orders/${pick()}/captures` }) },
        { method: 'GET', setupRequest: (r) => ({ ...r, path: `/ordermanagement/v1/orders/${pick()}` }) },
        { method: 'POST', headers: JSON_BODY, path: '/payments/v1/sessions', body: sessionBody },
      ],
    });
    const memory = memoryOf(server.pid);
    const row: SoakRound = {
      round,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      bad: result.non2xx + result.errors + result.timeouts,
      databaseMiB: fileMiB(file),
      walMiB: fileMiB(`${file}-wal`),
      ...memory,
    };
    rounds.push(row);
    log(
      `  soak round ${round}: ${row.rps.toFixed(0)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  (${row.requests} requests${row.bad ? `, ${row.bad} NOT OK` : ''}); ` +
        `database ${row.databaseMiB.toFixed(0)} MiB + WAL ${row.walMiB.toFixed(0)} MiB; RSS ${row.rssMiB.toFixed(0)} MiB, anonymous ${row.anonMiB.toFixed(0)} MiB`,
    );
    if (row.bad > 0) problems.push(`soak round ${round}: ${row.bad} requests not 2xx [${Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}×${s.count ?? 0}`).join(', ')}]`);
  }
  return { orders: ids.length, seconds: options.seconds, bytesPerCapture, bytesPerSession, rounds, problems };
}
