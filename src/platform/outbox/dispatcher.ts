/**
 * Delivers the outbox (callbacks.ts). Every process runs one dispatcher; a due callback is claimed
 * in a short transaction that sets a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two processes
 * never claim the same row; SQLite: the database write lock), delivered outside any transaction,
 * and its outcome recorded in a second transaction. A process that dies while delivering leaves a
 * lease that runs out, after which the callback is claimed again: a callback may arrive twice
 * (Klarna's are "best effort; duplicates possible") but is never dropped.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { Clock } from '../clock.js';
import type { ClaimedCallback, DeliveryPolicy, StopCondition } from './callbacks.js';
import { MAX_STORED_RESPONSE_CHARS, STOPPED_STATUS_SQL } from './callbacks.js';
import { holdMerchantConnections, postToMerchant, releaseMerchantConnections } from './http-client.js';

export type { ClaimedCallback, StopCondition };

export interface DeliveryOutcome {
  status: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * Decides, before an attempt, that it is answered without calling the merchant (an outcome), or
 * goes out as usual (null). The outcome is recorded like any attempt's and retried on the policy.
 */
export type DeliveryInterceptor = (callback: ClaimedCallback, policy: DeliveryPolicy) => Promise<DeliveryOutcome | null>;

export interface DispatcherOptions {
  /** How often to look for due callbacks when nobody wakes the dispatcher. */
  pollIntervalMs?: number;
  /** Callbacks claimed per transaction. */
  batchSize?: number;
  /** How long a claim holds (wall clock) before another process may take the callback over. */
  leaseMs?: number;
}

const MAX_BACKOFF_MS = 5_000;
/**
 * Pending callbacks due on their merchant's clock and not leased (parameters: the wall clock twice).
 * Few rows are pending, and the partial index of pending callbacks holds only them.
 */
export const DUE_CALLBACKS =
  'from callbacks cb join merchants m on m.merchant_id = cb.merchant_id join sandbox_clock c on c.id = 1 ' +
  "where cb.status = 'pending' and cb.next_attempt_at <= ? + c.offset_ms + m.clock_offset_ms and (cb.lease_until is null or cb.lease_until <= ?)";
/** A callback's merchant's "now" inside an update of `callbacks` (parameter: the wall clock). */
const MERCHANT_NOW = '? + (select c.offset_ms + m.clock_offset_ms from sandbox_clock c, merchants m where c.id = 1 and m.merchant_id = callbacks.merchant_id)';

export class CallbackDispatcher {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly stopConditions = new Map<string, StopCondition>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** Whether this dispatcher holds the shared merchant connection pools (from start to stop). */
  private holdsConnections = false;
  /** Consecutive failed rounds (database unreachable): polling backs off while they last. */
  private failures = 0;
  /** Delivery attempts by this process that got no 2xx (for /metrics). */
  failedAttempts = 0;
  private interceptor: DeliveryInterceptor | null = null;

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

  onStop(kind: string, condition: StopCondition): void {
    this.stopConditions.set(kind, condition);
  }

  /** Sets the one interceptor consulted before every attempt (the sandbox's callback faults). */
  intercept(interceptor: DeliveryInterceptor | null): void {
    this.interceptor = interceptor;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (!this.holdsConnections) holdMerchantConnections();
    this.holdsConnections = true;
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
    const held = this.holdsConnections;
    this.holdsConnections = false;
    await releaseMerchantConnections(held);
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
        this.failures = 0;
      } catch (error) {
        // A database that is down would otherwise log every tick: warn on the first failure and
        // then every 32nd, while the polling backs off (schedule()).
        if (this.failures % 32 === 0) this.logger.warn({ err: error, failures: this.failures + 1 }, 'callback delivery round failed; retrying with backoff');
        this.failures += 1;
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
      // After failures the next look waits longer, doubling up to 5 s.
      void this.runOnce().then(() => this.schedule(Math.min(MAX_BACKOFF_MS, this.pollIntervalMs * 2 ** Math.min(this.failures, 10))));
    }, delayMs);
    this.timer.unref();
  }

  /** Claims and delivers one batch; true when the batch was full. */
  private async deliverBatch(): Promise<boolean> {
    const wall = this.clock.wallClock();
    // Due on the clock of the merchant each callback is for: its next attempt time is in that
    // merchant's time, compared with the wall clock plus the server's and the merchant's offsets.
    // A cheap look first (read connection), so an idle server takes no write lock.
    const due = await this.db.read.get<{ one: number }>(`select 1 as one ${DUE_CALLBACKS} limit 1`, [wall, wall]);
    if (!due) return false;
    const leaseUntil = wall + this.leaseMs;
    const skipLocked = this.db.dialect === 'postgres' ? ' for update of cb skip locked' : '';
    const claimed = await this.db.transaction((sql) =>
      sql.all<ClaimedCallback>(
        `update callbacks set lease_until = ?, updated_at = ${MERCHANT_NOW} where callback_id in (` +
          `select cb.callback_id ${DUE_CALLBACKS} order by cb.next_attempt_at, cb.callback_id limit ?${skipLocked}) ` +
          'returning callback_id, merchant_id, kind, order_id, session_id, url, body, attempts, policy, lease_until, last_status',
        [leaseUntil, wall, wall, wall, this.batchSize],
      ),
    );
    // Callbacks about one resource (same kind, order and session) go out one after another, in the
    // order they were queued, so a merchant sees e.g. an HPP session's status changes in order;
    // different resources are delivered in parallel.
    const groups = new Map<string, ClaimedCallback[]>();
    for (const callback of claimed.map((c) => ({ ...c, callback_id: Number(c.callback_id) })).sort((a, b) => a.callback_id - b.callback_id)) {
      const key = JSON.stringify([callback.kind, callback.order_id, callback.session_id]);
      const group = groups.get(key);
      if (group) group.push(callback);
      else groups.set(key, [callback]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const [i, callback] of group.entries()) {
          // A lease is sized for one attempt from the claim: a later one that could outlast it after
          // the earlier ones is given back, to be claimed afresh (never delivered by two processes).
          const policy = JSON.parse(callback.policy) as DeliveryPolicy;
          if (i > 0 && Date.now() + policy.connect_timeout_ms + policy.response_timeout_ms >= callback.lease_until) await this.release(callback);
          else await this.attempt(callback);
        }
      }),
    );
    return claimed.length === this.batchSize;
  }

  /** Gives a claimed callback back undelivered (its lease cleared), and looks again after this round. */
  private async release(callback: ClaimedCallback): Promise<void> {
    await this.db.transaction((sql) => sql.run('update callbacks set lease_until = null where callback_id = ? and lease_until = ?', [callback.callback_id, callback.lease_until]));
    this.again = true;
  }

  /**
   * Sends one callback again at once, as a new attempt recorded like any other (the same URL and
   * body), whatever its status and without its stop condition: a pending one is delivered now and
   * keeps to its schedule after; a finished one stays finished, delivered after a 2xx. Resolves once
   * the attempt is recorded: `unknown` for no such callback of the merchant, `busy` while another
   * delivery holds it.
   */
  async deliverNow(callbackId: number, merchantId: string): Promise<'attempted' | 'unknown' | 'busy'> {
    const wall = Date.now();
    const now = await this.clock.now(merchantId);
    const claimed = await this.db.transaction(async (sql) => {
      const row = await sql.get<{ status: string; lease_until: number | string | null }>(
        `select status, lease_until from callbacks where callback_id = ? and merchant_id = ?${this.db.forUpdate}`,
        [callbackId, merchantId],
      );
      if (!row) return 'unknown' as const;
      if (row.lease_until !== null && Number(row.lease_until) > wall) return 'busy' as const;
      const callback = await sql.get<ClaimedCallback>(
        'update callbacks set lease_until = ?, updated_at = ? where callback_id = ? ' +
          'returning callback_id, merchant_id, kind, order_id, session_id, url, body, attempts, policy, lease_until, last_status',
        [wall + this.leaseMs, now, callbackId],
      );
      return callback ? { callback: { ...callback, callback_id: Number(callback.callback_id), lease_until: Number(callback.lease_until) }, status: row.status } : ('unknown' as const);
    });
    if (typeof claimed === 'string') return claimed;
    await this.attempt(claimed.callback, { previousStatus: claimed.status });
    return 'attempted';
  }

  private async attempt(callback: ClaimedCallback, redelivery?: { previousStatus: string }): Promise<void> {
    const policy = JSON.parse(callback.policy) as DeliveryPolicy;
    const stop = redelivery ? undefined : this.stopConditions.get(callback.kind);
    if (stop) {
      const stopped = await this.db.transaction(async (sql) => {
        if (!(await stop(sql, callback))) return false;
        const now = await this.clock.now(callback.merchant_id, sql);
        // Stopped after an answered attempt counts as delivered (a push the merchant took), else cancelled.
        await sql.run(`update callbacks set status = ${STOPPED_STATUS_SQL}, lease_until = null, finished_at = ?, updated_at = ? where callback_id = ? and lease_until = ?`, [
          now,
          now,
          callback.callback_id,
          callback.lease_until,
        ]);
        return true;
      });
      if (stopped) return;
    }
    const startedAt = await this.clock.now(callback.merchant_id);
    const outcome = await this.deliver(callback, policy);
    const attempt = callback.attempts + 1;
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    await this.db.transaction(async (sql) => {
      const now = await this.clock.now(callback.merchant_id, sql);
      const delay = policy.retry_delays_ms[attempt - 1];
      const scheduled = delay !== undefined && (!ok || policy.repeat_after_success === true) ? 'pending' : ok ? 'delivered' : 'failed';
      // A redelivery of a finished callback leaves it finished: delivered after a 2xx, else as it was.
      const finished = redelivery !== undefined && redelivery.previousStatus !== 'pending';
      const status = finished ? (ok ? 'delivered' : redelivery.previousStatus) : scheduled;
      const updated = await sql.run(
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
      // The attempt is recorded with its callback, whose row the update (or this read) locks: a
      // callback deleted meanwhile (a sandbox reset of its merchant) leaves no attempt behind.
      const present = updated > 0 || (await sql.get(`select 1 as one from callbacks where callback_id = ?${this.db.forUpdate}`, [callback.callback_id])) !== undefined;
      if (present) {
        await sql.run(
          'insert into callback_attempts (callback_id, attempt, started_at, duration_ms, response_status, response_body, error) values (?, ?, ?, ?, ?, ?, ?)',
          [callback.callback_id, attempt, startedAt, outcome.durationMs, outcome.status, outcome.body, outcome.error],
        );
      }
    });
    if (!ok) {
      this.failedAttempts += 1;
      this.logger.info(
        { callback_id: callback.callback_id, kind: callback.kind, attempt, status: outcome.status, error: outcome.error },
        'merchant callback attempt failed',
      );
    }
  }

  /** One HTTP attempt, unless the interceptor answers it; never throws. */
  private async deliver(callback: ClaimedCallback, policy: DeliveryPolicy): Promise<DeliveryOutcome> {
    if (this.interceptor) {
      try {
        const intercepted = await this.interceptor(callback, policy);
        if (intercepted) return intercepted;
      } catch (error) {
        this.logger.warn({ err: error, callback_id: callback.callback_id }, 'callback interceptor failed; delivering as usual');
      }
    }
    const outcome = await postToMerchant(callback.url, callback.body, policy, MAX_STORED_RESPONSE_CHARS);
    return { status: outcome.status, body: outcome.body, error: outcome.error, durationMs: outcome.durationMs };
  }
}
