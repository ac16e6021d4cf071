/**
 * Injected time. The sandbox moves time forward, and each merchant has its own clock: its "now" is
 * the wall clock plus the server offset (`sandbox_clock`, moved by a server-wide advance) plus the
 * merchant's own offset (`merchants.clock_offset_ms`, moved by its `POST /sandbox/v1/clock/advance`).
 * Both live in the database, so every process against the same database agrees on each "now".
 * Work on a merchant's rows (expiry, fraud decisions, callbacks, payouts) runs on that merchant's
 * clock; only work that belongs to no merchant uses the server clock.
 */
import type { Db } from './db/database.js';
import type { Sql } from './db/sql.js';

export const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Upper bound of one clock advance: ten years. */
export const MAX_CLOCK_ADVANCE_SECONDS = 10 * 366 * 24 * 3600;

/**
 * `merchant` (default): each merchant's advance moves its own clock only. `server`: one clock for
 * everyone, as a single-team server may prefer: any merchant's advance moves the server clock.
 */
export const CLOCK_SCOPES = ['merchant', 'server'] as const;
export type ClockScope = (typeof CLOCK_SCOPES)[number];

/** The SQL expression of a merchant's whole offset, for statements that join `merchants m` and `sandbox_clock c`. */
const OFFSET_OF = 'select c.offset_ms + m.clock_offset_ms as offset_ms from sandbox_clock c, merchants m where c.id = 1 and m.merchant_id = ?';

/** Merchants that share one "now": background work runs once per group, on that group's time. */
export interface ClockGroup {
  now: number;
  /** The merchants on this time; undefined when it is every merchant (the usual case: one clock for all). */
  merchantIds: string[] | undefined;
}

export class Clock {
  constructor(
    private readonly db: Db,
    readonly wallClock: () => number = Date.now,
    readonly scope: ClockScope = 'merchant',
  ) {}

  /** A merchant's current time in epoch milliseconds. */
  async now(merchantId: string, sql: Sql = this.db.read): Promise<number> {
    return this.wallClock() + (await this.offset(merchantId, sql));
  }

  /** A merchant's whole offset from the wall clock (server offset plus its own). */
  async offset(merchantId: string, sql: Sql = this.db.read): Promise<number> {
    const row = await sql.get<{ offset_ms: number }>(OFFSET_OF, [merchantId]);
    return row?.offset_ms ?? (await this.serverOffset(sql));
  }

  /** Every merchant's whole offset, in one read. */
  async offsets(sql: Sql = this.db.read): Promise<Map<string, number>> {
    const rows = await sql.all<{ merchant_id: string; offset_ms: number }>(
      'select m.merchant_id, c.offset_ms + m.clock_offset_ms as offset_ms from sandbox_clock c, merchants m where c.id = 1',
    );
    return new Map(rows.map((r) => [r.merchant_id, Number(r.offset_ms)]));
  }

  /**
   * The merchants grouped by their "now", for background work: one group of every merchant when all
   * clocks agree (no merchant filter needed), else one group per distinct time.
   */
  async groups(sql: Sql = this.db.read): Promise<ClockGroup[]> {
    const wall = this.wallClock();
    const byOffset = new Map<number, string[]>();
    for (const [merchantId, offset] of await this.offsets(sql)) {
      const ids = byOffset.get(offset);
      if (ids) ids.push(merchantId);
      else byOffset.set(offset, [merchantId]);
    }
    if (byOffset.size === 0) return [{ now: wall + (await this.serverOffset(sql)), merchantIds: undefined }];
    if (byOffset.size === 1) {
      const [offset] = byOffset.keys();
      return [{ now: wall + (offset ?? 0), merchantIds: undefined }];
    }
    return [...byOffset].map(([offset, merchantIds]) => ({ now: wall + offset, merchantIds }));
  }

  /** The earliest of every merchant's "now": what is over by then is over for everyone (a cache of rules still in force). */
  async earliestNow(sql: Sql = this.db.read): Promise<number> {
    const offsets = [...(await this.offsets(sql)).values()];
    return this.wallClock() + (offsets.length > 0 ? Math.min(...offsets) : await this.serverOffset(sql));
  }

  /** The server clock: for work that belongs to no merchant (the dashboard's sign-ins, the metrics' view). */
  async serverNow(sql: Sql = this.db.read): Promise<number> {
    return this.wallClock() + (await this.serverOffset(sql));
  }

  async serverOffset(sql: Sql = this.db.read): Promise<number> {
    const row = await sql.get<{ offset_ms: number }>('select offset_ms from sandbox_clock where id = 1');
    return Number(row?.offset_ms ?? 0);
  }

  /**
   * A merchant's advance: its own clock, or with scope `server` everyone's. Returns the merchant's
   * new "now".
   */
  async advance(merchantId: string, seconds: number): Promise<number> {
    if (this.scope === 'server') {
      await this.advanceServer(seconds);
      return this.now(merchantId);
    }
    return this.db.transaction(async (sql) => {
      await sql.run('update merchants set clock_offset_ms = clock_offset_ms + ? where merchant_id = ?', [seconds * MS_PER_SECOND, merchantId]);
      return this.now(merchantId, sql);
    });
  }

  /** Moves every merchant's time forward (the server clock); returns the server's new now. */
  async advanceServer(seconds: number): Promise<number> {
    return this.db.transaction(async (sql) => {
      await sql.run('update sandbox_clock set offset_ms = offset_ms + ? where id = 1', [seconds * MS_PER_SECOND]);
      return this.serverNow(sql);
    });
  }

  /** Sets the server clock so that it reads `nowMs` (a sandbox that starts at a chosen date). */
  async setServerNow(nowMs: number): Promise<void> {
    await this.db.transaction((sql) => sql.run('update sandbox_clock set offset_ms = ? where id = 1', [Math.round(nowMs - this.wallClock())]));
  }

  /** Sets a merchant's clock so that it reads `nowMs` (a restored snapshot), in the caller's transaction. */
  async setNow(sql: Sql, merchantId: string, nowMs: number): Promise<void> {
    const server = await this.serverOffset(sql);
    await sql.run('update merchants set clock_offset_ms = ? where merchant_id = ?', [Math.round(nowMs - this.wallClock() - server), merchantId]);
  }

  /** Puts a merchant's clock back on the server clock (a reset), in the caller's transaction. */
  async resetMerchant(sql: Sql, merchantId: string): Promise<void> {
    await sql.run('update merchants set clock_offset_ms = 0 where merchant_id = ?', [merchantId]);
  }
}

export function toIso(ms: number): string {
  // Klarna writes whole seconds with a Z suffix (2015-11-29T10:25:40Z).
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The condition that keeps a statement to a clock group's merchants: ` and merchant_id in (?, …)`, or nothing for every merchant. */
export function inGroup(group: Pick<ClockGroup, 'merchantIds'>, column = 'merchant_id'): { text: string; params: string[] } {
  if (group.merchantIds === undefined) return { text: '', params: [] };
  if (group.merchantIds.length === 0) return { text: ' and 1 = 0', params: [] };
  return { text: ` and ${column} in (${group.merchantIds.map(() => '?').join(', ')})`, params: group.merchantIds };
}
