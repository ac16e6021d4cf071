/**
 * Injected time. The sandbox can move time forward; the offset lives in the database so every
 * process against the same database agrees on "now".
 */
import type { Db } from './db/database.js';
import type { Sql } from './db/sql.js';

export const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Upper bound of one clock advance: ten years. */
export const MAX_CLOCK_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

export class Clock {
  constructor(
    private readonly db: Db,
    readonly wallClock: () => number = Date.now,
  ) {}

  /** Current server time in epoch milliseconds, wall clock plus the sandbox offset. */
  async now(sql: Sql = this.db.read): Promise<number> {
    return this.wallClock() + (await this.offset(sql));
  }

  async offset(sql: Sql = this.db.read): Promise<number> {
    const row = await sql.get<{ offset_ms: number }>('select offset_ms from sandbox_clock where id = 1');
    return row?.offset_ms ?? 0;
  }

  /** Moves time forward for every process; returns the new now. */
  async advance(seconds: number): Promise<number> {
    const deltaMs = seconds * MS_PER_SECOND;
    return this.db.transaction(async (sql) => {
      await sql.run('update sandbox_clock set offset_ms = offset_ms + ? where id = 1', [deltaMs]);
      return this.now(sql);
    });
  }
}

export function toIso(ms: number): string {
  // Klarna writes whole seconds with a Z suffix (2015-11-29T10:25:40Z).
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
