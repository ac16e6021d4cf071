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
 *
 * Under `serve --processes N` a scrape reaches one worker, which asks the primary for the figures of
 * all workers (prom-client's AggregatorRegistry over the cluster's IPC channel): request counts,
 * histograms, connections and process figures are summed; the outbox figures, which every worker
 * reads from the same database, are taken once.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric, MetricValueWithName } from 'prom-client';
import type { Logger } from 'pino';
import { answerWorkers, askPrimary } from '../../platform/cluster-ipc.js';
import type { Db } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { CallbackDispatcher } from '../../platform/outbox/dispatcher.js';

/** Latency buckets (seconds): reads answer in about a millisecond; checkout calls may wait for the merchant. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Route label of requests that matched no route (404, 405). */
export const UNMATCHED_ROUTE = '(unmatched)';
/** Route and method label of requests the HTTP parser refused (malformed, oversized headers, bad framing). */
export const UNPARSED_ROUTE = '(unparsed)';

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

interface DatabaseFigures {
  pending: number;
  due: number;
  failed: number;
}

export class Metrics {
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;
  private readonly registry = new Registry();
  /** The outbox counts of the scrape under way: one read of the database serves its three gauges. */
  private figures: Promise<DatabaseFigures> | null = null;
  private readonly routes: RouteMetrics[] = [];
  private readonly unmatched = new Map<string, RouteMetrics>();
  private unparsed: RouteMetrics | undefined;

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
    // Read from the database shared by all processes: aggregated over workers by taking one value.
    const outboxGauge = (name: string, help: string, figure: keyof DatabaseFigures) => {
      const figures = () => this.databaseFigures();
      new Gauge({
        name,
        help,
        registers,
        aggregator: 'max',
        async collect() {
          this.set((await figures())[figure]);
        },
      });
    };
    outboxGauge('klarna_local_outbox_pending_callbacks', 'Merchant callbacks waiting for delivery (all processes; read at scrape time).', 'pending');
    outboxGauge('klarna_local_outbox_due_callbacks', 'Pending merchant callbacks whose next attempt is due now (sandbox clock).', 'due');
    outboxGauge('klarna_local_outbox_failed_callbacks', 'Merchant callbacks that used up every attempt without a 2xx answer.', 'failed');
    // Figures of this process, summed over workers.
    const { db, dispatcher } = deps;
    new Counter({
      name: 'klarna_local_outbox_failed_attempts_total',
      help: 'Callback delivery attempts by this process that got no 2xx answer.',
      registers,
      collect() {
        this.reset();
        this.inc(dispatcher.failedAttempts);
      },
    });
    new Gauge({
      name: 'klarna_local_db_connections',
      help: 'Open database connections (PostgreSQL pool; SQLite: write and read connection).',
      registers,
      collect() {
        this.set(db.stats().connections);
      },
    });
    if (db.dialect === 'postgres') {
      new Gauge({
        name: 'klarna_local_db_connections_idle',
        help: 'Idle connections in the PostgreSQL pool.',
        registers,
        collect() {
          this.set(db.stats().idle ?? Number.NaN);
        },
      });
    }
    new Gauge({
      name: 'klarna_local_db_waiting',
      help: 'Work waiting for a database connection: PostgreSQL queries waiting for the pool, SQLite writes queued for the next commit.',
      registers,
      collect() {
        this.set(db.stats().waiting);
      },
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

  /** Requests the HTTP parser refused before any route could see them (one label; no method is known). */
  forUnparsed(): RouteMetrics {
    this.unparsed ??= this.forRoute(UNPARSED_ROUTE, UNPARSED_ROUTE);
    return this.unparsed;
  }

  /**
   * The exposition text. In a worker of `serve --processes N`, that of every worker, aggregated by the
   * primary; rejects when the primary cannot collect it (a worker that does not answer).
   */
  async render(): Promise<string> {
    if (cluster.isWorker) return askPrimaryForMetrics();
    const own = await this.registry.metrics();
    return `${await processMetrics().metrics()}\n${own}`;
  }

  /** In a cluster worker: lets the primary collect this worker's metrics (called once per worker). */
  shareWithPrimary(): void {
    // Constructing one installs prom-client's answer to the primary's requests in this worker.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([processMetrics(), this.registry]);
  }

  /** The outbox counts, read once for all the gauges of one collection. */
  private databaseFigures(): Promise<DatabaseFigures> {
    if (!this.figures) {
      this.figures = this.readDatabase();
      // A collection asks every metric in the same turn of the event loop.
      setImmediate(() => (this.figures = null));
    }
    return this.figures;
  }

  private async readDatabase(): Promise<DatabaseFigures> {
    const { db, clock } = this.deps;
    try {
      // Each count reads a partial index that holds only pending, or only failed, callbacks.
      // Due on the clock of the merchant each callback is for.
      const wall = clock.wallClock();
      const [pending, due, failed] = await Promise.all([
        db.read.get<{ n: number | string }>("select count(*) as n from callbacks where status = 'pending'"),
        db.read.get<{ n: number | string }>(
          "select count(*) as n from callbacks cb join merchants m on m.merchant_id = cb.merchant_id join sandbox_clock c on c.id = 1 where cb.status = 'pending' and cb.next_attempt_at <= ? + c.offset_ms + m.clock_offset_ms",
          [wall],
        ),
        db.read.get<{ n: number | string }>("select count(*) as n from callbacks where status = 'failed'"),
      ]);
      return { pending: Number(pending?.n ?? 0), due: Number(due?.n ?? 0), failed: Number(failed?.n ?? 0) };
    } catch (error) {
      // The database is unreachable (see /readyz): the figures are unknown, not zero.
      this.deps.logger.warn({ err: error }, 'metrics: could not read the outbox figures');
      return { pending: Number.NaN, due: Number.NaN, failed: Number.NaN };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// `serve --processes N`: a worker asks the primary, the primary asks every worker.

const METRICS_TOPIC = 'metrics';
/** Longer than prom-client's own 5 s wait for the workers, so the primary's answer comes first. */
const PRIMARY_TIMEOUT_MS = 10_000;

function askPrimaryForMetrics(): Promise<string> {
  return askPrimary<string>(METRICS_TOPIC, null, PRIMARY_TIMEOUT_MS);
}

/** In the primary of `serve --processes N`: answers the workers' requests for everyone's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  answerWorkers(METRICS_TOPIC, () => aggregator.clusterMetrics());
}
