/**
 * Prometheus metrics for /metrics: requests by route pattern, method and status with latency
 * histograms, the outbox (pending, due and failed callbacks), database connection use, and the
 * process (prom-client's default metrics).
 *
 * Request metrics are recorded by one onResponse hook into plain numbers kept per route (its
 * pattern and method, fixed when the route is added; never the URL with ids): a count per status
 * and the latency buckets. prom-client renders them at scrape time. Handing every request to
 * prom-client's Counter and Histogram cost about a microsecond each (label hashing, objects per
 * call); this costs a map update and a few additions. Database figures too are read at scrape time.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric, MetricValueWithName } from 'prom-client';
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

/** What one route (pattern and method) has answered since the process started. */
export class RouteMetrics {
  /** Requests by status code. */
  readonly statuses = new Map<number, number>();
  /** Observations per bucket of DURATION_BUCKETS (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(
    readonly route: string,
    readonly method: string,
  ) {}

  record(status: number, elapsedMs: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const seconds = elapsedMs / 1000;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) bucket += 1;
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.sum += seconds;
    this.count += 1;
  }
}

type Sample = MetricValueWithName<string>;

/**
 * A metric whose samples are computed when scraped, in the shape prom-client's registry renders
 * (its own Counter and Histogram offer no way to hand over totals kept elsewhere).
 */
function collected(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', samples: () => Sample[]): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
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
  private readonly routes: RouteMetrics[] = [];
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
    collected(this.registry, 'klarna_local_http_requests_total', 'HTTP requests answered, by route pattern, method and status code.', 'counter', () =>
      this.routes.flatMap(({ route, method, statuses }) => [...statuses].map(([status, value]) => ({ labels: { route, method, status }, value }))),
    );
    const durationName = 'klarna_local_http_request_duration_seconds';
    collected(this.registry, durationName, 'Time from receiving a request to finishing its response, by route pattern and method.', 'histogram', () =>
      this.routes.flatMap((r) => {
        if (r.count === 0) return [];
        const labels = { route: r.route, method: r.method };
        let cumulative = 0;
        const samples: Sample[] = DURATION_BUCKETS.map((le, i) => {
          cumulative += r.buckets[i] as number;
          return { metricName: `${durationName}_bucket`, labels: { le, ...labels }, value: cumulative };
        });
        samples.push({ metricName: `${durationName}_bucket`, labels: { le: '+Inf', ...labels }, value: r.count });
        samples.push({ metricName: `${durationName}_sum`, labels, value: r.sum }, { metricName: `${durationName}_count`, labels, value: r.count });
        return samples;
      }),
    );
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
    const metrics = new RouteMetrics(route, method);
    this.routes.push(metrics);
    return metrics;
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
