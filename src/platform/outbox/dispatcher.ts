/**
 * Delivers the outbox (callbacks.ts). Every process runs one dispatcher; a due callback is claimed
 * in a short transaction that sets a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two processes
 * never claim the same row; SQLite: the database write lock), delivered outside any transaction,
 * and its outcome recorded in a second transaction. A process that dies while delivering leaves a
 * lease that runs out, after which the callback is claimed again: a callback may arrive twice
 * (Klarna's are "best effort; duplicates possible") but is never dropped.
 */
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import type { Clock } from '../clock.js';
import type { CallbackKind, DeliveryPolicy } from './callbacks.js';
import { MAX_STORED_RESPONSE_CHARS } from './callbacks.js';

export interface ClaimedCallback {
  callback_id: number;
  merchant_id: string;
  kind: CallbackKind;
  order_id: string | null;
  session_id: string | null;
  url: string;
  body: string | null;
  attempts: number;
  policy: string;
  lease_until: number;
}

export interface DeliveryOutcome {
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/** Decides, just before an attempt, that a callback is no longer wanted (e.g. push after acknowledgement). */
export type StopCondition = (sql: Sql, callback: ClaimedCallback) => Promise<boolean>;

export interface DispatcherOptions {
  /** How often to look for due callbacks when nobody wakes the dispatcher. */
  pollIntervalMs?: number;
  /** Callbacks claimed per transaction. */
  batchSize?: number;
  /** How long a claim holds (wall clock) before another process may take the callback over. */
  leaseMs?: number;
}

const USER_AGENT = 'klarna-local';

export class CallbackDispatcher {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly agents = new Map<string, Agent>();
  private readonly stopConditions = new Map<CallbackKind, StopCondition>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 16;
    // Longer than any attempt can take (the longest policy allows 20 s), short enough that a
    // delivery cut off by a crash is retried soon after a restart.
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  onStop(kind: CallbackKind, condition: StopCondition): void {
    this.stopConditions.set(kind, condition);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks for due callbacks now (after a commit that enqueued one, or a clock advance). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    this.agents.clear();
  }

  /** Delivers every callback that is due now; resolves when they are recorded. */
  runOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while (await this.deliverBatch()) {
            // A full batch: there may be more.
          }
        } while (this.again);
      } catch (error) {
        this.logger.warn({ err: error }, 'callback delivery round failed; retrying on the next tick');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().then(() => this.schedule(this.pollIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** Claims and delivers one batch; true when the batch was full. */
  private async deliverBatch(): Promise<boolean> {
    const now = await this.clock.now();
    const wall = Date.now();
    // A cheap look first (read connection), so an idle server takes no write lock.
    const due = await this.db.read.get<{ one: number }>(
      "select 1 as one from callbacks where status = 'pending' and next_attempt_at <= ? and (lease_until is null or lease_until <= ?) limit 1",
      [now, wall],
    );
    if (!due) return false;
    const leaseUntil = wall + this.leaseMs;
    const skipLocked = this.db.dialect === 'postgres' ? ' for update skip locked' : '';
    const claimed = await this.db.transaction((sql) =>
      sql.all<ClaimedCallback>(
        'update callbacks set lease_until = ?, updated_at = ? where callback_id in (' +
          "select callback_id from callbacks where status = 'pending' and next_attempt_at <= ? and (lease_until is null or lease_until <= ?) " +
          `order by next_attempt_at, callback_id limit ?${skipLocked}) ` +
          'returning callback_id, merchant_id, kind, order_id, session_id, url, body, attempts, policy, lease_until',
        [leaseUntil, now, now, wall, this.batchSize],
      ),
    );
    await Promise.all(claimed.map((callback) => this.attempt({ ...callback, callback_id: Number(callback.callback_id) })));
    return claimed.length === this.batchSize;
  }

  private async attempt(callback: ClaimedCallback): Promise<void> {
    const policy = JSON.parse(callback.policy) as DeliveryPolicy;
    const stop = this.stopConditions.get(callback.kind);
    if (stop) {
      const stopped = await this.db.transaction(async (sql) => {
        if (!(await stop(sql, callback))) return false;
        const now = await this.clock.now(sql);
        await sql.run("update callbacks set status = 'cancelled', lease_until = null, finished_at = ?, updated_at = ? where callback_id = ? and lease_until = ?", [
          now,
          now,
          callback.callback_id,
          callback.lease_until,
        ]);
        return true;
      });
      if (stopped) return;
    }
    const startedAt = await this.clock.now();
    const outcome = await this.deliver(callback, policy);
    const attempt = callback.attempts + 1;
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    await this.db.transaction(async (sql) => {
      const now = await this.clock.now(sql);
      await sql.run(
        'insert into callback_attempts (callback_id, attempt, started_at, duration_ms, response_status, response_body, error) values (?, ?, ?, ?, ?, ?, ?)',
        [callback.callback_id, attempt, startedAt, outcome.durationMs, outcome.status, outcome.body, outcome.error],
      );
      const delay = policy.retry_delays_ms[attempt - 1];
      const status = ok ? 'delivered' : delay === undefined ? 'failed' : 'pending';
      await sql.run(
        'update callbacks set status = ?, attempts = ?, next_attempt_at = ?, lease_until = null, last_status = ?, last_error = ?, ' +
          'finished_at = ?, updated_at = ? where callback_id = ? and lease_until = ?',
        [
          status,
          attempt,
          status === 'pending' ? now + (delay ?? 0) : now,
          outcome.status,
          outcome.error,
          status === 'pending' ? null : now,
          now,
          callback.callback_id,
          callback.lease_until,
        ],
      );
    });
    if (!ok) {
      this.logger.info(
        { callback_id: callback.callback_id, kind: callback.kind, attempt, status: outcome.status, error: outcome.error },
        'merchant callback attempt failed',
      );
    }
  }

  private agentFor(policy: DeliveryPolicy): Agent {
    const key = `${policy.connect_timeout_ms}/${policy.response_timeout_ms}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: { timeout: policy.connect_timeout_ms },
        headersTimeout: policy.response_timeout_ms,
        bodyTimeout: policy.response_timeout_ms,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** One HTTP attempt; never throws. */
  private async deliver(callback: ClaimedCallback, policy: DeliveryPolicy): Promise<DeliveryOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(callback.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
    } catch (error) {
      return { status: null, body: null, error: `invalid URL: ${(error as Error).message}`, durationMs: 0 };
    }
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    if (callback.body !== null) headers['content-type'] = 'application/json';
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body: callback.body ?? '',
        dispatcher: this.agentFor(policy),
        signal: AbortSignal.timeout(policy.connect_timeout_ms + policy.response_timeout_ms),
      });
      const body = await readCapped(response.body);
      return { status: response.statusCode, body, error: null, durationMs: elapsed() };
    } catch (error) {
      const err = error as Error & { code?: string };
      return { status: null, body: null, error: err.code ? `${err.code}: ${err.message}` : err.message, durationMs: elapsed() };
    }
  }
}

/** The start of a response body as text; the rest is discarded unread. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString('utf8');
    if (text.length >= MAX_STORED_RESPONSE_CHARS) {
      body.destroy();
      break;
    }
  }
  return text.slice(0, MAX_STORED_RESPONSE_CHARS);
}
