/**
 * Prometheus metrics for /metrics: requests by route pattern, method and status with latency
 * histograms, the outbox (pending, due and failed callbacks), database connection use, and the
 * process (prom-client's default metrics).
 *
 * Request metrics are recorded by one onResponse hook. The labels of every route are fixed when the
 * route is added (its pattern, never the URL with ids), so the hook does one map lookup by status and
 * hands prom-client the prepared label set. Database figures are read at scrape time, not kept up to
 * date on the hot path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { CallbackDispatcher } from '../../platform/outbox/dispatcher.js';

/** Latency buckets (seconds): reads answer in about a millisecond; checkout calls may wait for the merchant. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Route label of requests that matched no route (404, 405). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Process metrics, one set per process however many apps it builds (tests build many). */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Labels = 'route' | 'method' | 'status';

/** The prepared metrics of one route and method. */
export class RouteMetrics {
  private readonly byStatus = new Map<number, () => void>();
  private readonly observe: (seconds: number) => void;

  constructor(
    private readonly requests: Counter<Labels>,
    duration: Histogram<'route' | 'method'>,
    private readonly route: string,
    private readonly method: string,
  ) {
    this.observe = duration.labels(route, method).observe;
  }

  record(status: number, elapsedMs: number): void {
    let increment = this.byStatus.get(status);
    if (!increment) {
      const counter = this.requests.labels(this.route, this.method, String(status));
      increment = () => counter.inc();
      this.byStatus.set(status, increment);
    }
    increment();
    this.observe(elapsedMs / 1000);
  }
}

export interface MetricsDeps {
  db: Db;
  clock: Clock;
  dispatcher: CallbackDispatcher;
  logger: Logger;
}

export class Metrics {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly registry = new Registry();
  private readonly requests: Counter<Labels>;
  private readonly duration: Histogram<'route' | 'method'>;
  private readonly unmatched = new Map<string, RouteMetrics>();
  private readonly pending: Gauge;
  private readonly due: Gauge;
  private readonly failed: Gauge;
  private readonly failedAttempts: Counter;
  private readonly connections: Gauge;
  /** PostgreSQL only: SQLite's two connections are not a pool. */
  private readonly idle: Gauge | null;
  private readonly waiting: Gauge;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'klarna_local_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'klarna_local_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.pending = new Gauge({ name: 'klarna_local_outbox_pending_callbacks', help: 'Merchant callbacks waiting for delivery (all processes; read at scrape time).', registers });
    this.due = new Gauge({ name: 'klarna_local_outbox_due_callbacks', help: 'Pending merchant callbacks whose next attempt is due now (sandbox clock).', registers });
    this.failed = new Gauge({ name: 'klarna_local_outbox_failed_callbacks', help: 'Merchant callbacks that used up every attempt without a 2xx answer.', registers });
    this.failedAttempts = new Counter({
      name: 'klarna_local_outbox_failed_attempts_total',
      help: 'Callback delivery attempts by this process that got no 2xx answer.',
      registers,
    });
    this.connections = new Gauge({ name: 'klarna_local_db_connections', help: 'Open database connections (PostgreSQL pool; SQLite: write and read connection).', registers });
    this.idle = deps.db.dialect === 'postgres' ? new Gauge({ name: 'klarna_local_db_connections_idle', help: 'Idle connections in the PostgreSQL pool.', registers }) : null;
    this.waiting = new Gauge({
      name: 'klarna_local_db_waiting',
      help: 'Work waiting for a database connection: PostgreSQL queries waiting for the pool, SQLite writes queued for the next commit.',
      registers,
    });
  }

  /** The prepared metrics of one route (its pattern) and method; made once, when the route is added. */
  forRoute(route: string, method: string): RouteMetrics {
    return new RouteMetrics(this.requests, this.duration, route, method);
  }

  /** Requests that matched no route share one label per method. */
  forUnmatched(method: string): RouteMetrics {
    let metrics = this.unmatched.get(method);
    if (!metrics) {
      metrics = this.forRoute(UNMATCHED_ROUTE, method);
      this.unmatched.set(method, metrics);
    }
    return metrics;
  }

  /** The exposition text: read the database figures, then render every metric. */
  async render(): Promise<string> {
    await this.readDatabase();
    const own = await this.registry.metrics();
    return `${await processMetrics().metrics()}\n${own}`;
  }

  private async readDatabase(): Promise<void> {
    const { db, clock, dispatcher } = this.deps;
    const stats = db.stats();
    this.connections.set(stats.connections);
    if (stats.idle !== null) this.idle?.set(stats.idle);
    this.waiting.set(stats.waiting);
    this.failedAttempts.reset();
    this.failedAttempts.inc(dispatcher.failedAttempts);
    try {
      // Each count reads a partial index that holds only pending, or only failed, callbacks.
      const now = await clock.now();
      const [pending, due, failed] = await Promise.all([
        db.read.get<{ n: number | string }>("select count(*) as n from callbacks where status = 'pending'"),
        db.read.get<{ n: number | string }>("select count(*) as n from callbacks where status = 'pending' and next_attempt_at <= ?", [now]),
        db.read.get<{ n: number | string }>("select count(*) as n from callbacks where status = 'failed'"),
      ]);
      this.pending.set(Number(pending?.n ?? 0));
      this.due.set(Number(due?.n ?? 0));
      this.failed.set(Number(failed?.n ?? 0));
    } catch (error) {
      // The database is unreachable (see /readyz): the figures are unknown, not zero.
      for (const gauge of [this.pending, this.due, this.failed]) gauge.set(Number.NaN);
      this.deps.logger.warn({ err: error }, 'metrics: could not read the outbox figures');
    }
  }
}
