/**
 * Group commit for the single SQLite write connection of a process. A commit costs far more than
 * the statements of one operation (the WAL frames of every page touched), so operations that wait
 * for the connection at the same time run one after another inside one transaction, each in its own
 * savepoint, and are answered together once that transaction has committed. Semantics stay those of
 * serial transactions: each operation sees its predecessors' effects, a failing one is rolled back
 * to its savepoint alone, and no caller hears of success before its write is durable.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { Mutex, SqliteSql } from './sql.js';
import type { Sql } from './sql.js';

/** Upper bound of operations per transaction, so one commit never holds back too many answers. */
export const MAX_OPERATIONS_PER_COMMIT = 64;

interface Job {
  fn: (sql: Sql) => Promise<unknown>;
  /** Writes only what no read cache holds: its commit alone is not reported to `committed`. */
  uncached: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { job: Job; ok: true; value: unknown } | { job: Job; ok: false; error: unknown };

export class GroupCommitter {
  private readonly queue: Job[] = [];
  private draining = false;

  constructor(
    private readonly writer: SqliteSql,
    private readonly connection: SqliteDatabase.Database,
    private readonly mutex: Mutex,
    /** Told after each commit that made a change a read cache may hold. */
    private readonly committed: () => void = () => undefined,
  ) {}

  /** Writes waiting for the next transaction (not counting the one running). */
  get waiting(): number {
    return this.queue.length;
  }

  run<T>(fn: (sql: Sql) => Promise<T>, uncached = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, uncached, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Let requests that have already arrived join this transaction.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const release = await this.mutex.lock();
        try {
          await this.runBatch();
        } finally {
          release();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(): Promise<void> {
    try {
      await this.writer.exec('begin immediate');
    } catch (error) {
      // The database could not be locked (busy beyond busy_timeout, or broken): fail who is waiting.
      for (const job of this.queue.splice(0)) job.reject(error);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      while (this.queue.length > 0 && outcomes.length < MAX_OPERATIONS_PER_COMMIT) {
        const job = this.queue.shift() as Job;
        await this.writer.exec('savepoint operation');
        try {
          const value = await job.fn(this.writer);
          await this.writer.exec('release operation');
          outcomes.push({ job, ok: true, value });
        } catch (error) {
          await this.writer.exec('rollback to operation');
          await this.writer.exec('release operation');
          outcomes.push({ job, ok: false, error });
        }
      }
      await this.writer.exec('commit');
      if (outcomes.some((o) => o.ok && !o.job.uncached)) this.committed();
    } catch (error) {
      if (this.connection.inTransaction) await this.writer.exec('rollback');
      for (const outcome of outcomes) outcome.job.reject(error);
      return;
    }
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.job.resolve(outcome.value);
      else outcome.job.reject(outcome.error);
    }
  }
}
