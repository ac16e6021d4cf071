/**
 * The API call log: every request an authenticated merchant makes to Klarna's APIs and the sandbox,
 * as one row of `api_calls` (method, path without query string, route pattern, status, correlation
 * id, duration, server time, and the order, session or other resource it concerns). Never a body, a
 * header or a credential.
 *
 * Off the hot path: a request only appends a small record to this process's buffer (a route-level
 * `onResponse` hook, added only to the routes that are logged). The buffer is written every ~200 ms
 * and at close as one packed row per merchant (`api_call_batches`: the rows as JSON), which costs
 * the server a serialisation per call instead of a row and four index entries; whoever reads
 * `api_calls` (timelines, the report, reset, export) first calls `flushApiCalls(db)`, which writes
 * this process's buffer and unpacks every process's batches into rows. The buffer is bounded: when
 * the database cannot keep up, the oldest records are dropped and counted (`dropped`). Each merchant
 * keeps its newest `maxPerMerchant` calls, packed or not (a packed batch whole); older ones are
 * pruned after a flush, at most once a minute.
 *
 * It is also the request journal the integration report reads (src/modules/report/): each call keeps
 * the `Klarna-Idempotency-Key` it carried, a fingerprint of a write's JSON body (SHA-256, worked out
 * at the flush, never the body itself), a refusal's error code and first message, and a call the
 * server answered with nothing (a fault rule's dropped connection) is a row with status 0. With
 * `--no-journal` nothing is recorded.
 *
 * Times are server times (the sandbox clock): the wall time a request arrived plus the clock offset
 * read at the flush. The sandbox's clock advance flushes first, so calls made before an advance keep
 * their time; a clock advanced by another process within the ~200 ms a record waits may date it
 * after the advance (docs/fidelity.md).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { SqlParam } from '../../platform/db/sql.js';
import { refusalOf } from '../../platform/http/errors.js';
import type { Refusal } from '../../platform/http/errors.js';
import { loggableUrl } from '../../platform/logging.js';
import type { Logger } from 'pino';
import './tables.js';

/** Where the resource ids of a call come from, fixed per route as it is added. */
export interface LoggedRoute {
  readonly route: string;
  /** Path parameters naming an order, a session, and the first other id. */
  readonly orderParam: string | null;
  readonly sessionParam: string | null;
  readonly otherParam: string | null;
  /** A create: which field of its JSON answer names what it created, and as what. */
  readonly created: { readonly field: string; readonly as: IdColumn } | null;
  /** A response header naming what was created (`Capture-Id`, `Refund-Id`). */
  readonly createdHeader: string | null;
  /** POST routes without an order parameter whose body may name the order (`{"order_id": …}`). */
  readonly orderInBody: boolean;
}

type IdColumn = 'order_id' | 'session_id' | 'resource_id';

/** What the answer of a create names, by route (method and pattern). */
const CREATES: Readonly<Record<string, { field: string; as: IdColumn }>> = {
  'POST /sandbox/v1/orders': { field: 'order_id', as: 'order_id' },
  'POST /payments/v1/authorizations/:authorization_token/order': { field: 'order_id', as: 'order_id' },
  'POST /customer-token/v1/tokens/:customerToken/order': { field: 'order_id', as: 'order_id' },
  'POST /checkout/v3/orders': { field: 'order_id', as: 'order_id' },
  'POST /payments/v1/sessions': { field: 'session_id', as: 'session_id' },
  'POST /hpp/v1/sessions': { field: 'session_id', as: 'session_id' },
  'POST /payments/v1/authorizations/:authorization_token/customer-token': { field: 'token_id', as: 'resource_id' },
  'POST /sandbox/v1/customer-tokens': { field: 'token_id', as: 'resource_id' },
  'POST /merchantcard/v3/promises': { field: 'promise_id', as: 'resource_id' },
  'POST /merchantcard/v3/settlements': { field: 'settlement_id', as: 'resource_id' },
  'POST /sandbox/v1/settlements/disputes': { field: 'dispute_id', as: 'resource_id' },
};

/** Paths that are not merchant API calls: operations, and the dashboard's own pages and actions. */
const NOT_LOGGED = /^\/(?:healthz|readyz|metrics|dashboard)(?:[/?]|$)/;
const MAX_ID_LENGTH = 255;

/** One call as buffered: references and numbers only; the row is worked out at the flush. */
export interface BufferedCall {
  spec: LoggedRoute;
  merchantId: string;
  method: string;
  url: string;
  status: number;
  correlationId: string;
  durationMs: number;
  /** Wall-clock time the request arrived. */
  wallAt: number;
  params: unknown;
  bodyOrderId: string | null;
  created: string | null;
  /** The `Klarna-Idempotency-Key` header, as sent. */
  idempotencyKey: string | null;
  /** A write's parsed JSON body, fingerprinted at the flush (undefined for reads and bodiless requests). */
  body: unknown;
  /** What the request was refused with (status ≥ 400): its error code and first message. */
  refusal: Refusal | null;
}

export interface ApiCallLogOptions {
  /** How often the buffer is written (default 200 ms). */
  flushIntervalMs?: number;
  /** Records held at most; beyond, the oldest are dropped (default 20 000). */
  maxBuffered?: number;
  /** Calls kept per merchant, newest first (default 20 000). */
  maxPerMerchant?: number;
  /** How often merchants over the cap are pruned (default 60 s). */
  pruneIntervalMs?: number;
}

/** The logs of this process, by database, so any reader can flush what it is about to read. */
const logsByDb = new WeakMap<Db, Set<ApiCallLog>>();

/**
 * Writes what this process has buffered for `db` now and unpacks every process's packed calls into
 * `api_calls` rows: what readers of the table (timelines, the report, reset and export) call first.
 */
export async function flushApiCalls(db: Db): Promise<void> {
  const logs = logsByDb.get(db);
  if (logs) await Promise.all([...logs].map((log) => log.flush()));
  await unpackApiCalls(db);
}

/** Calls as buffered: each one's merchant, and its row as JSON text (its time still the wall clock's). */
interface Buffered {
  merchants: string[];
  rows: string[];
}

export class ApiCallLog {
  // A call is turned into its row's JSON text as it is recorded: the buffer then holds flat strings
  // for the ~200 ms until the flush, not the request's objects (which the young generation would
  // have to copy into the old one).
  private buffer: Buffered = { merchants: [], rows: [] };
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly touched = new Set<string>();
  private lastPrune = Date.now();
  private failures = 0;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly maxPerMerchant: number;
  private readonly pruneIntervalMs: number;
  /** Records dropped because the buffer was full (the database did not keep up). */
  dropped = 0;
  private reportedDrops = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: ApiCallLogOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxBuffered = options.maxBuffered ?? 20_000;
    this.maxPerMerchant = options.maxPerMerchant ?? 20_000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  }

  start(): void {
    if (this.timer) return;
    let set = logsByDb.get(this.db);
    if (!set) logsByDb.set(this.db, (set = new Set()));
    set.add(this);
    this.timer = setInterval(() => {
      if (this.buffer.rows.length > 0 && !this.flushing) void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    logsByDb.get(this.db)?.delete(this);
  }

  /** Records held in memory, not yet written. */
  get buffered(): number {
    return this.buffer.rows.length;
  }

  record(call: BufferedCall): void {
    if (this.buffer.rows.length >= this.maxBuffered) {
      this.buffer.merchants.shift();
      this.buffer.rows.shift();
      this.dropped += 1;
    }
    this.buffer.merchants.push(call.merchantId);
    this.buffer.rows.push(JSON.stringify(toRow(call)));
  }

  /** Writes everything buffered so far; resolves once it is committed (or given up on). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.rows.length === 0) return;
    const batch = this.buffer;
    this.buffer = { merchants: [], rows: [] };
    this.flushing = this.write(batch).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async write(batch: Buffered): Promise<void> {
    try {
      // Each call is written in its merchant's time: the wall clock plus the offset read now.
      const offsets = await this.clock.offsets();
      const serverOffset = offsets.size === 0 ? await this.clock.serverOffset() : 0;
      const byMerchant = new Map<string, string[]>();
      batch.merchants.forEach((merchantId, i) => {
        const rows = byMerchant.get(merchantId);
        const row = batch.rows[i] as string;
        if (rows) rows.push(row);
        else byMerchant.set(merchantId, [row]);
      });
      const now = Date.now();
      // One packed row per merchant: a row per call (and its four index entries) cost GET order a
      // third of its throughput at tens of thousands of calls a second; readers unpack first.
      await this.db.transaction(
        async (sql) => {
          for (const [merchantId, rows] of byMerchant) {
            await sql.run('insert into api_call_batches (merchant_id, calls, rows_json, offset_ms, created_at) values (?, ?, ?, ?, ?)', [
              merchantId,
              rows.length,
              `[${rows.join(',')}]`,
              offsets.get(merchantId) ?? serverOffset,
              now,
            ]);
          }
        },
        // No read cache holds the journal: its commits leave the caches of orders alone.
        { cached: false },
      );
      this.failures = 0;
      if (this.dropped > this.reportedDrops) {
        this.logger.warn({ dropped: this.dropped - this.reportedDrops }, 'API call log: the buffer was full; the oldest calls were not recorded');
        this.reportedDrops = this.dropped;
      }
      for (const merchantId of byMerchant.keys()) this.touched.add(merchantId);
      if (Date.now() - this.lastPrune >= this.pruneIntervalMs) await this.prune();
    } catch (error) {
      // Kept for the next flush, as far as the buffer allows (the oldest go first).
      const room = Math.max(0, this.maxBuffered - this.buffer.rows.length);
      const from = Math.max(0, batch.rows.length - room);
      this.dropped += from;
      this.buffer = { merchants: [...batch.merchants.slice(from), ...this.buffer.merchants], rows: [...batch.rows.slice(from), ...this.buffer.rows] };
      if (this.failures % 32 === 0) this.logger.warn({ err: error, buffered: this.buffer.rows.length, dropped: this.dropped }, 'API call log: writing failed; retrying');
      this.failures += 1;
    }
  }

  /**
   * Keeps each recently active merchant's newest `maxPerMerchant` calls only (packed ones whole:
   * a batch goes once the newer calls alone reach the limit), deleting rows PRUNE_ROWS at a time so
   * a busy merchant's calls never hold the write connection long.
   */
  async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const merchants = [...this.touched];
    this.touched.clear();
    for (const merchantId of merchants) {
      const packed = await this.db.read.all<{ batch_id: number | string; calls: number | string }>(
        'select batch_id, calls from api_call_batches where merchant_id = ? order by batch_id desc',
        [merchantId],
      );
      let kept = 0;
      const firstGone = packed.find((batch) => {
        if (kept >= this.maxPerMerchant) return true;
        kept += Number(batch.calls);
        return false;
      });
      if (firstGone) {
        await this.db.transaction((sql) => sql.run('delete from api_call_batches where merchant_id = ? and batch_id <= ?', [merchantId, Number(firstGone.batch_id)]), {
          cached: false,
        });
      }
      // The unpacked rows are older than every packed call: they fill what is left of the limit.
      const room = Math.max(0, this.maxPerMerchant - kept);
      const edge = await this.db.read.get<{ call_id: number | string }>('select call_id from api_calls where merchant_id = ? order by call_id desc limit 1 offset ?', [merchantId, room]);
      if (!edge) continue;
      for (;;) {
        const deleted = await this.db.transaction(
          (sql) =>
            sql.run('delete from api_calls where call_id in (select call_id from api_calls where merchant_id = ? and call_id <= ? order by call_id limit ?)', [
              merchantId,
              Number(edge.call_id),
              PRUNE_ROWS,
            ]),
          { cached: false },
        );
        if (deleted < PRUNE_ROWS) break;
      }
    }
  }
}

/** Batches unpacked per transaction. */
const UNPACK_BATCHES = 20;

/**
 * Unpacks every packed batch (any process's) into `api_calls` rows, oldest first, each batch once:
 * a batch is deleted in the transaction that inserts its rows (on PostgreSQL, batches another
 * process is unpacking at the same moment are skipped, not waited for).
 */
export async function unpackApiCalls(db: Db): Promise<void> {
  const skipLocked = db.dialect === 'postgres' ? ' for update skip locked' : '';
  for (;;) {
    const unpacked = await db.transaction(
      async (sql) => {
        const batches = await sql.all<{ batch_id: number | string; rows_json: string; offset_ms: number | string }>(
          `delete from api_call_batches where batch_id in (select batch_id from api_call_batches order by batch_id limit ?${skipLocked}) returning batch_id, rows_json, offset_ms`,
          [UNPACK_BATCHES],
        );
        batches.sort((a, b) => Number(a.batch_id) - Number(b.batch_id));
        for (const batch of batches) {
          const rows = JSON.parse(batch.rows_json) as SqlParam[][];
          // Times were the wall clock's: the merchant's offset read at the flush makes them server times.
          const offset = Number(batch.offset_ms);
          for (const row of rows) row[CREATED_AT] = Number(row[CREATED_AT]) + offset;
          if (db.dialect === 'postgres') {
            await sql.run(
              `insert into api_calls (${COLUMNS.join(', ')}) select ${COLUMNS.join(', ')} from json_to_recordset(?::json) as r(` +
                'merchant_id text, method text, path text, route text, status integer, correlation_id text, duration_ms double precision, ' +
                'created_at bigint, order_id text, session_id text, resource_id text, idempotency_key text, body_hash text, error_code text, error_message text)',
              [JSON.stringify(rows.map((row) => Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]]))))],
            );
          } else {
            for (let i = 0; i < rows.length; i += INSERT_ROWS) {
              const chunk = rows.slice(i, i + INSERT_ROWS);
              await sql.run(insertOf(chunk.length), chunk.flat());
            }
          }
        }
        return batches.length;
      },
      { cached: false },
    );
    if (unpacked < UNPACK_BATCHES) return;
  }
}

const COLUMNS = [
  'merchant_id',
  'method',
  'path',
  'route',
  'status',
  'correlation_id',
  'duration_ms',
  'created_at',
  'order_id',
  'session_id',
  'resource_id',
  'idempotency_key',
  'body_hash',
  'error_code',
  'error_message',
] as const;
const MAX_ERROR_MESSAGE = 500;
/** Rows per INSERT statement of a flush, and per DELETE of a prune. */
const INSERT_ROWS = 50;
const PRUNE_ROWS = 5000;
const insertStatements = new Map<number, string>();
function insertOf(rows: number): string {
  let statement = insertStatements.get(rows);
  if (statement === undefined) {
    const row = `(${COLUMNS.map(() => '?').join(', ')})`;
    statement = `insert into api_calls (${COLUMNS.join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')}`;
    insertStatements.set(rows, statement);
  }
  return statement;
}
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** SHA-256 of the body as parsed and serialised again (key order as sent), 32 hex digits. */
export function bodyFingerprint(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}



function idOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_ID_LENGTH) : null;
}

/** Where `created_at` is in a row. */
const CREATED_AT = COLUMNS.indexOf('created_at');

/** The call's row (the columns of COLUMNS), its time the wall clock's. */
function toRow(call: BufferedCall): SqlParam[] {
  const { spec } = call;
  const params = (call.params ?? {}) as Record<string, unknown>;
  let orderId = spec.orderParam ? idOf(params[spec.orderParam]) : call.bodyOrderId;
  let sessionId = spec.sessionParam ? idOf(params[spec.sessionParam]) : null;
  let resourceId = spec.otherParam ? idOf(params[spec.otherParam]) : null;
  if (call.created !== null) {
    const as = spec.created?.as ?? 'resource_id';
    if (as === 'order_id') orderId = call.created;
    else if (as === 'session_id') sessionId = call.created;
    else resourceId = call.created;
  }
  const query = call.url.indexOf('?');
  const path = loggableUrl(query === -1 ? call.url : call.url.slice(0, query));
  const refusal = call.refusal;
  return [
    call.merchantId,
    call.method,
    path,
    spec.route,
    call.status,
    call.correlationId,
    Math.round(call.durationMs * 1000) / 1000,
    Math.round(call.wallAt),
    orderId,
    sessionId,
    resourceId,
    call.idempotencyKey,
    WRITE_METHODS.has(call.method) ? bodyFingerprint(call.body) : null,
    refusal === null ? null : refusal.code.slice(0, 64),
    refusal?.message == null ? null : refusal.message.slice(0, MAX_ERROR_MESSAGE),
  ];
}

/** How a route's calls are logged, or null when they are not (operations, dashboard, routes without credentials). */
function specOf(route: RouteOptions): LoggedRoute | null {
  if (NOT_LOGGED.test(route.url) || route.config?.auth === false) return null;
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  const names = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
  const orderParam = names.find((n) => n === 'order_id') ?? null;
  const sessionParam = names.find((n) => n === 'session_id') ?? null;
  const otherParam = names.find((n) => n !== 'order_id' && n !== 'session_id') ?? null;
  const header = method === 'POST' && /\/captures$/.test(route.url) ? 'capture-id' : method === 'POST' && /\/refunds$/.test(route.url) ? 'refund-id' : null;
  return {
    route: route.url,
    orderParam,
    sessionParam,
    otherParam,
    created: CREATES[`${method} ${route.url}`] ?? null,
    createdHeader: header,
    orderInBody: method === 'POST' && orderParam === null && sessionParam === null,
  };
}

/** Marks this module's route hooks, so a route added twice (a GET's HEAD twin) gets them once. */
const OURS = Symbol('api-call-log');
type Marked = { [OURS]?: true };

function withHook<T>(existing: T | T[] | undefined, hook: T): T[] {
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return [...list.filter((h) => !(h as Marked)[OURS]), hook];
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Journals a call the server answers with nothing at all (a fault rule that drops the
     * connection before any route runs): status 0. Absent with `--no-journal`.
     */
    journalUnanswered?: (request: FastifyRequest) => void;
  }
}

const idempotencyKeyOf = (request: FastifyRequest): string | null => {
  const key = request.headers['klarna-idempotency-key'];
  return typeof key === 'string' && key !== '' ? key.slice(0, MAX_ID_LENGTH) : null;
};

/**
 * Adds the log to every merchant route as it is registered (call before any route) and writes it
 * every ~200 ms; closed (and written out) with the app.
 */
export function registerApiCallLog(app: App, deps: ModuleDeps, options: ApiCallLogOptions = {}): ApiCallLog {
  const log = new ApiCallLog(deps.db, deps.clock, deps.logger, options);
  const wall = deps.clock.wallClock;
  const created = new WeakMap<FastifyRequest, string>();
  const specs = new Map<string, LoggedRoute>();
  app.decorate('journalUnanswered', (request: FastifyRequest) => {
    const merchant = request.merchant;
    const spec = specs.get(`${request.method} ${request.routeOptions.url ?? ''}`);
    if (!merchant || !spec) return;
    log.record({
      spec,
      merchantId: merchant.merchant_id,
      method: request.method,
      url: request.url,
      status: 0,
      correlationId: request.id,
      durationMs: 0,
      wallAt: wall(),
      params: request.params,
      bodyOrderId: null,
      created: null,
      idempotencyKey: idempotencyKeyOf(request),
      body: undefined,
      refusal: null,
    });
  });
  app.addHook('onRoute', (route) => {
    const spec = specOf(route as unknown as RouteOptions);
    if (!spec) return;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) specs.set(`${method} ${route.url}`, spec);
    const onResponse = Object.assign(
      (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const merchant = request.merchant;
        if (merchant) {
          let made = spec.created ? (created.get(request) ?? null) : null;
          if (spec.createdHeader !== null && reply.statusCode < 300) made = idOf(reply.getHeader(spec.createdHeader));
          const body = spec.orderInBody ? (request.body as { order_id?: unknown } | undefined) : undefined;
          const elapsed = reply.elapsedTime;
          log.record({
            spec,
            merchantId: merchant.merchant_id,
            method: request.method,
            url: request.url,
            status: reply.statusCode,
            correlationId: request.id,
            durationMs: elapsed,
            wallAt: wall() - elapsed,
            params: request.params,
            bodyOrderId: body !== null && typeof body === 'object' ? idOf(body.order_id) : null,
            created: made,
            idempotencyKey: idempotencyKeyOf(request),
            body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
            refusal: reply.statusCode >= 400 ? (refusalOf(request) ?? null) : null,
          });
        }
        done();
      },
      { [OURS]: true as const },
    );
    const r = route as unknown as { onResponse?: unknown; onSend?: unknown };
    r.onResponse = withHook(r.onResponse, onResponse);
    // Only a create reads its answer (for the id it names): an onSend hook on every route would put
    // Fastify's slower send path under every request.
    if (spec.created) {
      const field = spec.created.field;
      const onSend = Object.assign(
        (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
          if (request.merchant && reply.statusCode < 300 && typeof payload === 'string') {
            try {
              const id = idOf((JSON.parse(payload) as Record<string, unknown>)[field]);
              if (id !== null) created.set(request, id);
            } catch {
              // Not JSON: nothing to name.
            }
          }
          done(null, payload);
        },
        { [OURS]: true as const },
      );
      r.onSend = withHook(r.onSend, onSend);
    }
  });
  app.addHook('onReady', async () => log.start());
  app.addHook('onClose', async () => log.close());
  return log;
}
