/**
 * Injected time. The sandbox can move time forward; the offset lives in the database so every
 * process against the same database agrees on "now".
 */
import { sql } from 'kysely';
import type { Db, Executor } from './db/database.js';

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Upper bound of one clock advance: ten years. */
export const MAX_CLOCK_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

export class Clock {
  constructor(
    private readonly db: Db,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** Current server time in epoch milliseconds, wall clock plus the sandbox offset. */
  async now(executor: Executor = this.db.kysely): Promise<number> {
    return this.wallClock() + (await this.offset(executor));
  }

  async offset(executor: Executor = this.db.kysely): Promise<number> {
    const row = await executor.selectFrom('sandbox_clock').select('offset_ms').where('id', '=', 1).executeTakeFirst();
    return row?.offset_ms ?? 0;
  }

  /** Moves time forward for every process; returns the new now. */
  async advance(seconds: number): Promise<number> {
    const deltaMs = seconds * MS_PER_SECOND;
    await this.db.kysely
      .updateTable('sandbox_clock')
      .set({ offset_ms: sql<number>`offset_ms + ${deltaMs}` })
      .where('id', '=', 1)
      .execute();
    return this.now();
  }
}

export function toIso(ms: number): string {
  // Klarna writes whole seconds with a Z suffix (2015-11-29T10:25:40Z).
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
