/** Fault rules in the `faults` table: plain SQL (platform/db/sql.ts). */
import type { Sql } from '../../platform/db/sql.js';
import type { CallbackEffect, Fault, FaultMethod, FaultTarget } from './fault.js';
import type { FaultsTable } from './tables.js';

const COLUMNS =
  'fault_id, merchant_id, target, method, path, callback_kind, effect, status, error_code, error_messages, delay_ms, drop_connection, times, remaining, share, injected, expires_at, created_at';

function fromRow(row: FaultsTable): Fault {
  return {
    fault_id: row.fault_id,
    merchant_id: row.merchant_id,
    target: row.target as FaultTarget,
    method: row.method as FaultMethod | null,
    path: row.path,
    callback_kind: row.callback_kind,
    effect: row.effect as CallbackEffect | null,
    status: row.status === null ? null : Number(row.status),
    error_code: row.error_code,
    error_messages: row.error_messages === null ? null : (JSON.parse(row.error_messages) as string[]),
    delay_ms: Number(row.delay_ms),
    drop: Number(row.drop_connection) === 1,
    times: row.times === null ? null : Number(row.times),
    remaining: row.remaining === null ? null : Number(row.remaining),
    share: row.share === null ? null : Number(row.share),
    injected: Number(row.injected),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
    created_at: Number(row.created_at),
  };
}

export async function insertFault(sql: Sql, fault: Fault): Promise<void> {
  await sql.run(`insert into faults (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    fault.fault_id,
    fault.merchant_id,
    fault.target,
    fault.method,
    fault.path,
    fault.callback_kind,
    fault.effect,
    fault.status,
    fault.error_code,
    fault.error_messages === null ? null : JSON.stringify(fault.error_messages),
    fault.delay_ms,
    fault.drop ? 1 : 0,
    fault.times,
    fault.remaining,
    fault.share,
    fault.injected,
    fault.expires_at,
    fault.created_at,
  ]);
}

export async function findFault(sql: Sql, merchantId: string, faultId: string): Promise<Fault | undefined> {
  const row = await sql.get<FaultsTable>(`select ${COLUMNS} from faults where merchant_id = ? and fault_id = ?`, [merchantId, faultId]);
  return row && fromRow(row);
}

const ACTIVE = '(remaining is null or remaining > 0) and (expires_at is null or expires_at > ?)';
/** At most this many active rules per merchant are listed (and matched). */
export const MAX_ACTIVE_FAULTS = 1000;

/** Every merchant's rules of a target that still apply at `now`, oldest first: what a process caches. */
export async function activeFaults(sql: Sql, target: FaultTarget, now: number): Promise<Fault[]> {
  const rows = await sql.all<FaultsTable>(`select ${COLUMNS} from faults where target = ? and ${ACTIVE} order by seq`, [target, now]);
  return rows.map(fromRow);
}

/** One merchant's rules that still apply at `now` (of one target, or all), oldest first. */
export async function activeFaultsOf(sql: Sql, merchantId: string, now: number, target?: FaultTarget): Promise<Fault[]> {
  const rows =
    target === undefined
      ? await sql.all<FaultsTable>(`select ${COLUMNS} from faults where merchant_id = ? and ${ACTIVE} order by seq limit ?`, [merchantId, now, MAX_ACTIVE_FAULTS])
      : await sql.all<FaultsTable>(`select ${COLUMNS} from faults where merchant_id = ? and target = ? and ${ACTIVE} order by seq limit ?`, [
          merchantId,
          target,
          now,
          MAX_ACTIVE_FAULTS,
        ]);
  return rows.map(fromRow);
}

export async function deleteFault(sql: Sql, merchantId: string, faultId: string): Promise<boolean> {
  return (await sql.run('delete from faults where merchant_id = ? and fault_id = ?', [merchantId, faultId])) > 0;
}

/**
 * Counts one injection if the rule still applies: one conditional statement, so processes sharing
 * the database never take more than `times` between them. Returns what is left (null: no limit), or
 * undefined when the rule is used up, expired or deleted.
 */
export async function takeInjection(sql: Sql, faultId: string, now: number): Promise<{ remaining: number | null } | undefined> {
  const row = await sql.get<{ remaining: number | null }>(
    'update faults set remaining = remaining - 1, injected = injected + 1 ' +
      'where fault_id = ? and (remaining is null or remaining > 0) and (expires_at is null or expires_at > ?) returning remaining',
    [faultId, now],
  );
  return row && { remaining: row.remaining === null ? null : Number(row.remaining) };
}
