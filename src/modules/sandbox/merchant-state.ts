/**
 * A merchant's whole state as one unit, so a test run can start clean or from a fixture: every row
 * of every merchant-owned table (the registry below), its settings and its clock. Three operations:
 *
 *  - reset: deletes every row of the merchant, its settings back to the defaults, its clock back on
 *    the server's; nothing of another merchant is touched;
 *  - export: a snapshot of all of it, read in one consistent view;
 *  - import: a reset, then the snapshot's rows under this merchant, in the same transaction.
 *
 * Each is one transaction. PostgreSQL runs it at REPEATABLE READ after locking the merchant's row
 * and its parent rows: a write of that merchant that committed after the reset's snapshot is left
 * whole (it came after the reset), one that touched a row the reset deletes makes the attempt fail
 * with a serialization error and start again. SQLite's transaction holds the write lock throughout.
 *
 * Ids are kept as they are (they are the merchant's: order ids, session ids, …), except the columns
 * the database numbers itself (SERIAL): they are numbered afresh on import, in the original order,
 * and what refers to a callback's number is renumbered with it (docs/fidelity.md).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Value } from 'typebox/value';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { Database } from '../../platform/db/schema.js';
import type { Sql, SqlParam } from '../../platform/db/sql.js';
import { ApiError, badValue } from '../../platform/http/errors.js';
import { fieldPath } from '../../platform/http/validation.js';
import { SettingsBody } from '../merchants/schemas.js';
import { flushApiCalls } from './api-calls.js';
import { MerchantSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './state-schemas.js';

export type TableName = keyof Database & string;
export type Cell = string | number | null;
export type Row = Record<string, Cell>;
export type TableCounts = Record<string, number>;

/** A reference to another merchant table: the parent's rows are inserted first and deleted last. */
export interface ParentRef {
  readonly column: string;
  readonly table: TableName;
  readonly references: string;
  /** A foreign key in the schema (false: callback_attempts → callbacks, kept by the code alone). */
  readonly enforced: boolean;
}

export interface MerchantTable {
  readonly name: TableName;
  /** The primary key: the order of the rows in a snapshot. */
  readonly key: readonly string[];
  /** The column the database numbers (autoincrement / bigserial): left out on import and numbered afresh. */
  readonly serial?: string;
  /** Unique column sets besides the primary key. */
  readonly unique?: readonly (readonly string[])[];
  readonly parent?: ParentRef;
  /** No merchant_id column: the rows are the merchant's through their parent. */
  readonly throughParent?: true;
  /**
   * Rows the server writes and empties itself (API calls waiting to be unpacked, which an export
   * unpacks first): a reset deletes them, a snapshot leaves the table out.
   */
  readonly transient?: true;
}

const parent = (column: string, table: TableName, references = column, enforced = true): ParentRef => ({ column, table, references, enforced });

/**
 * Every table that holds a merchant's rows, parents before their children (the order of an import;
 * a reset deletes in the reverse order). test/api/sandbox/reset.test.ts checks it against the
 * migrated schema of both databases: every table is here or in SERVER_TABLES, with the same keys,
 * serial columns, unique sets and foreign keys.
 */
export const MERCHANT_TABLES: readonly MerchantTable[] = [
  { name: 'orders', key: ['order_id'] },
  { name: 'captures', key: ['order_id', 'seq'], parent: parent('order_id', 'orders') },
  { name: 'refunds', key: ['refund_id'], parent: parent('order_id', 'orders') },
  { name: 'payment_sessions', key: ['session_id'] },
  { name: 'payment_authorizations', key: ['authorization_token'], parent: parent('session_id', 'payment_sessions') },
  { name: 'customer_tokens', key: ['token_id'] },
  { name: 'callbacks', key: ['callback_id'], serial: 'callback_id' },
  { name: 'callback_attempts', key: ['attempt_id'], serial: 'attempt_id', parent: parent('callback_id', 'callbacks', 'callback_id', false), throughParent: true },
  { name: 'events', key: ['event_id'], serial: 'event_id' },
  { name: 'idempotency_keys', key: ['merchant_id', 'idempotency_key'] },
  { name: 'checkout_orders', key: ['order_id'] },
  { name: 'hpp_sessions', key: ['session_id'], unique: [['page_code']] },
  { name: 'messages', key: ['seq'], serial: 'seq', unique: [['message_id']] },
  { name: 'settlement_transactions', key: ['seq'], serial: 'seq', unique: [['transaction_id']] },
  { name: 'settlement_payouts', key: ['seq'], serial: 'seq', unique: [['payment_reference']] },
  { name: 'settlement_schedules', key: ['merchant_id'] },
  { name: 'settlement_disputes', key: ['dispute_id'], unique: [['reversal_reference']] },
  { name: 'merchant_card_keys', key: ['key_id'] },
  { name: 'merchant_card_promises', key: ['promise_id'] },
  { name: 'merchant_card_settlements', key: ['settlement_id'], unique: [['order_id']] },
  { name: 'merchant_card_cards', key: ['card_id'], parent: parent('settlement_id', 'merchant_card_settlements') },
  { name: 'merchant_card_cancel_requests', key: ['order_id'] },
  { name: 'faults', key: ['seq'], serial: 'seq', unique: [['fault_id']] },
  { name: 'api_calls', key: ['call_id'], serial: 'call_id' },
  { name: 'api_call_batches', key: ['batch_id'], serial: 'batch_id', transient: true },
];

/**
 * Tables that are no merchant's state: the merchants themselves (their settings and clock are
 * handled apart), dashboard sign-ins (they survive a reset), the installation's secrets and clock,
 * and the migrators' own.
 */
/** The merchant tables a snapshot holds. */
export const SNAPSHOT_TABLES: readonly MerchantTable[] = MERCHANT_TABLES.filter((t) => t.transient !== true);

export const SERVER_TABLES: readonly string[] = ['merchants', 'dashboard_sessions', 'instance_secrets', 'sandbox_clock', 'kysely_migration', 'kysely_migration_lock', 'sqlite_sequence'];

const BY_NAME = new Map(SNAPSHOT_TABLES.map((t) => [t.name as string, t]));
/** Parents whose rows are locked before their children are deleted (PostgreSQL). */
const LOCKED_PARENTS = MERCHANT_TABLES.filter((t) => MERCHANT_TABLES.some((c) => c.parent?.table === t.name));
const ownedBy = (table: MerchantTable): string => {
  const ref = table.parent;
  return table.throughParent && ref ? `${ref.column} in (select ${ref.references} from ${ref.table} where merchant_id = ?)` : 'merchant_id = ?';
};

// ---------------------------------------------------------------------------------------------
// The schema as the database has it

export type ColumnKind = 'int32' | 'int64' | 'double' | 'text';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  hasDefault: boolean;
  /** varchar(n): at most n characters. */
  maxLength: number | null;
}

const kindOf = (type: string): ColumnKind => {
  const t = type.toLowerCase();
  if (t.includes('bigint') || t === 'int8') return 'int64';
  if (t.includes('int')) return 'int32';
  if (t.includes('double') || t.includes('real') || t.includes('float')) return 'double';
  return 'text';
};

/** `varchar(64)` → 64. */
const lengthOf = (type: string): number | null => {
  const n = /\((\d+)\)/.exec(type)?.[1];
  return n === undefined ? null : Number(n);
};

/** Every table of the database with its columns, in their order. */
async function describeTables(db: Db): Promise<Map<string, ColumnInfo[]>> {
  const tables = new Map<string, ColumnInfo[]>();
  if (db.dialect === 'postgres') {
    const rows = await db.read.all<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; character_maximum_length: number | null }>(
      "select c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.character_maximum_length from information_schema.columns c join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name where c.table_schema = current_schema() and t.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position",
    );
    for (const r of rows) {
      const list = tables.get(r.table_name) ?? [];
      list.push({ name: r.column_name, kind: kindOf(r.data_type), nullable: r.is_nullable === 'YES', hasDefault: r.column_default !== null, maxLength: r.character_maximum_length === null ? null : Number(r.character_maximum_length) });
      tables.set(r.table_name, list);
    }
    return tables;
  }
  const names = await db.read.all<{ name: string }>("select name from sqlite_master where type = 'table' order by name");
  for (const { name } of names) {
    const columns = await db.read.all<{ name: string; type: string; not_null: number; dflt_value: string | null; pk: number }>(
      'select name, type, "notnull" as not_null, dflt_value, pk from pragma_table_info(?) order by cid',
      [name],
    );
    tables.set(
      name,
      columns.map((c) => ({
        name: c.name,
        kind: kindOf(c.type),
        // SQLite's INTEGER PRIMARY KEY is never null (its rowid), though the pragma does not say so.
        nullable: c.not_null === 0 && c.pk === 0,
        hasDefault: c.dflt_value !== null,
        maxLength: lengthOf(c.type),
      })),
    );
  }
  return tables;
}

/** The schema does not change while a server runs (migrations come first): read once per Db. */
const described = new WeakMap<Db, Promise<Map<string, ColumnInfo[]>>>();
function columnsOf(db: Db): Promise<Map<string, ColumnInfo[]>> {
  let found = described.get(db);
  if (!found) {
    found = describeTables(db);
    described.set(db, found);
    found.catch(() => described.delete(db));
  }
  return found;
}

const migrationNumber = (name: string): number => Number(/^(\d+)_/.exec(name)?.[1] ?? Number.NaN);

/** The migrations applied to the database, oldest first. */
async function appliedMigrations(db: Db): Promise<string[]> {
  const rows = await db.read.all<{ name: string }>('select name from kysely_migration order by name');
  return rows.map((r) => r.name);
}

// ---------------------------------------------------------------------------------------------
// Transactions

/** Attempts at one reset or import before the merchant's own traffic is given up on (409): each is milliseconds. */
const MAX_ATTEMPTS = 50;
/** PostgreSQL: serialization failure, deadlock, and a foreign key broken by a concurrent child (all races of the merchant's own writes). */
const RETRYABLE = new Set(['40001', '40P01', '23503']);
const UNIQUE_VIOLATIONS = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The merchant kept writing during every attempt (PostgreSQL). */
const stateBusy = () => new ApiError(409, 'CONFLICT', ["The merchant's data changed while it was being replaced; try again"]);
/** An id of the snapshot is taken: by another merchant, since this one's rows are gone by then. */
const idTaken = (what: string) => new ApiError(409, 'CONFLICT', [`${what} belongs to another merchant; nothing was imported`]);

async function inMerchantTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction(async (sql) => {
        if (db.dialect === 'postgres') await sql.exec('set transaction isolation level repeatable read');
        return fn(sql);
      });
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && UNIQUE_VIOLATIONS.has(code)) throw idTaken('An id of the snapshot');
      if (db.dialect !== 'postgres' || code === undefined || !RETRYABLE.has(code)) throw error;
      if (attempt >= MAX_ATTEMPTS) throw stateBusy();
      // Let the merchant's write that got in the way finish (a few milliseconds).
      await sleep(1 + Math.random() * Math.min(50, 2 ** attempt));
    }
  }
}

/**
 * Locks the merchant's row (PostgreSQL), so a reset or import of one merchant waits for another.
 * NO KEY UPDATE: the merchant's writes check their foreign keys to it (FOR KEY SHARE), which must
 * not wait for this lock while they hold the order it waits for.
 */
async function lockMerchant(db: Db, sql: Sql, merchantId: string): Promise<void> {
  const lock = db.dialect === 'postgres' ? ' for no key update' : '';
  const merchant = await sql.get<{ merchant_id: string }>(`select merchant_id from merchants where merchant_id = ?${lock}`, [merchantId]);
  if (!merchant) throw new Error(`no merchant ${merchantId}`);
}

/** Deletes every row of the merchant, children first; the counts in registry order. */
async function deleteRows(db: Db, sql: Sql, merchantId: string): Promise<TableCounts> {
  if (db.dialect === 'postgres') {
    // A capture, refund or attempt of the merchant that is being written waits for these locks
    // (it locks its parent first) and then finds its parent gone, instead of breaking the delete.
    for (const table of LOCKED_PARENTS) {
      await sql.get(`select count(*) as n from (select 1 from ${table.name} where merchant_id = ? for update) locked`, [merchantId]);
    }
  }
  const counts = new Map<string, number>();
  for (const table of [...MERCHANT_TABLES].reverse()) counts.set(table.name, await sql.run(`delete from ${table.name} where ${ownedBy(table)}`, [merchantId]));
  return Object.fromEntries(MERCHANT_TABLES.map((t) => [t.name, counts.get(t.name) ?? 0]));
}

// ---------------------------------------------------------------------------------------------
// Reset

/**
 * Deletes everything of the merchant (every merchant table), sets its settings back to the defaults
 * and its clock back on the server clock, in one transaction; returns the rows deleted per table.
 */
export async function resetMerchantState(db: Db, clock: Clock, merchantId: string): Promise<TableCounts> {
  // What this process logged before the reset is written now, so it is deleted with the rest.
  await flushApiCalls(db);
  return inMerchantTransaction(db, async (sql) => {
    await lockMerchant(db, sql, merchantId);
    const deleted = await deleteRows(db, sql, merchantId);
    await sql.run("update merchants set settings = '{}', updated_at = ? where merchant_id = ?", [Date.now(), merchantId]);
    await clock.resetMerchant(sql, merchantId);
    return deleted;
  });
}

// ---------------------------------------------------------------------------------------------
// Export

/** A stored value as JSON holds it (drivers may give BIGINTs as bigint). */
function plainCell(table: string, column: string, value: unknown): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new Error(`${table}.${column} holds a value a snapshot cannot carry (${typeof value})`);
}

/** Key order independent of the database's collation, so both dialects list rows alike. */
function compareByKey(columns: readonly string[]) {
  return (a: Row, b: Row): number => {
    for (const column of columns) {
      const x = a[column] ?? null;
      const y = b[column] ?? null;
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  };
}

/** The merchant's whole state, read in one consistent view. */
export async function exportMerchantState(db: Db, clock: Clock, merchantId: string): Promise<MerchantSnapshot> {
  await flushApiCalls(db);
  const migrations = await appliedMigrations(db);
  return db.transaction(async (sql) => {
    // PostgreSQL: one snapshot for every read; SQLite: the transaction holds the write lock.
    if (db.dialect === 'postgres') await sql.exec('set transaction isolation level repeatable read, read only');
    const merchant = await sql.get<{ username: string; settings: string }>('select username, settings from merchants where merchant_id = ?', [merchantId]);
    if (!merchant) throw new Error(`no merchant ${merchantId}`);
    const nowMs = await clock.now(merchantId, sql);
    const tables: Record<string, Row[]> = {};
    for (const table of SNAPSHOT_TABLES) {
      const text = table.throughParent ? `select * from ${table.name} where ${ownedBy(table)}` : `select * from ${table.name} where merchant_id = ?`;
      const rows = (await sql.all<Record<string, unknown>>(text, [merchantId])).map((raw) =>
        Object.fromEntries(Object.entries(raw).map(([column, value]) => [column, plainCell(table.name, column, value)])),
      );
      tables[table.name] = rows.sort(compareByKey(table.key));
    }
    const settings = JSON.parse(merchant.settings) as unknown;
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      schema: migrations.at(-1) ?? '',
      exported_at: new Date().toISOString(),
      merchant: { username: merchant.username },
      clock: { now: new Date(nowMs).toISOString(), now_ms: nowMs },
      settings: settings !== null && typeof settings === 'object' && !Array.isArray(settings) ? (settings as Record<string, unknown>) : {},
      tables,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Import: checks

const MAX_MESSAGES = 20;

class Problems {
  readonly messages: string[] = [];
  add(message: string): void {
    if (this.messages.length < MAX_MESSAGES) this.messages.push(message);
  }
  get full(): boolean {
    return this.messages.length >= MAX_MESSAGES;
  }
  throwIfAny(): void {
    if (this.messages.length > 0) throw badValue(...this.messages);
  }
}

const INT32 = 2 ** 31;

/** Why a value does not fit the column, or null. */
function misfit(info: ColumnInfo, value: Cell): string | null {
  if (value === null) return info.nullable ? null : 'may not be null';
  switch (info.kind) {
    case 'int32':
      return Number.isInteger(value) && (value as number) >= -INT32 && (value as number) < INT32 ? null : 'a 32-bit integer';
    case 'int64':
      return Number.isSafeInteger(value) ? null : 'an integer';
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'a number';
    case 'text':
      if (typeof value !== 'string') return 'a string';
      // PostgreSQL text cannot hold NUL (the HTTP body parser refuses it too; a file given to the CLI may not).
      if (value.includes('\u0000')) return 'no NUL character';
      // PostgreSQL counts characters (code points), not UTF-16 units.
      return info.maxLength !== null && value.length > info.maxLength && [...value].length > info.maxLength ? `at most ${info.maxLength} characters` : null;
  }
}

/** What an import inserts, table by table, checked. */
interface Plan {
  snapshot: MerchantSnapshot;
  tables: { table: MerchantTable; columns: ColumnInfo[]; rows: Row[] }[];
}

/** A snapshot this database can take whole, or a 400 naming what is wrong with it. */
/** Refuses, before anything else is looked at, what is not a snapshot of this format and version. */
export function checkSnapshotHead(input: unknown): void {
  const head = input as { format?: unknown; version?: unknown } | null;
  if (head === null || typeof head !== 'object' || Array.isArray(head)) throw badValue('Bad value: body (a klarna-local merchant snapshot)');
  if (head.format !== SNAPSHOT_FORMAT) throw badValue(`Bad value: format (not a klarna-local merchant snapshot: "${SNAPSHOT_FORMAT}" expected)`);
  if (head.version !== SNAPSHOT_VERSION) throw badValue(`Bad value: version (this server reads snapshots of version ${SNAPSHOT_VERSION})`);
}

async function checkSnapshot(db: Db, input: unknown): Promise<Plan> {
  checkSnapshotHead(input);
  if (!Value.Check(MerchantSnapshot, input)) {
    const messages = [...Value.Errors(MerchantSnapshot, input)].slice(0, MAX_MESSAGES).map((error) => {
      const e = error as { instancePath?: string; message?: string };
      return `Bad value: ${fieldPath(e.instancePath ?? '')} (${e.message ?? 'invalid'})`;
    });
    throw badValue(...new Set(messages));
  }
  const snapshot = input as MerchantSnapshot;

  const applied = await appliedMigrations(db);
  const newest = applied.at(-1) ?? '';
  if (!applied.includes(snapshot.schema)) {
    if (!(migrationNumber(snapshot.schema) <= migrationNumber(newest))) {
      throw badValue(`Bad value: schema (the snapshot is of schema ${snapshot.schema}, newer than this database's ${newest}: import it with a newer klarna-local)`);
    }
    throw badValue(`Bad value: schema (${snapshot.schema} is not a migration of this database)`);
  }
  if (!Value.Check(SettingsBody, snapshot.settings)) {
    // The settings as PATCH /sandbox/v1/settings would take them: a setting it does not know, or a value it refuses.
    const fields = [...Value.Errors(SettingsBody, snapshot.settings)].map((error) => {
      const field = fieldPath((error as { instancePath?: string }).instancePath ?? '');
      return field === 'body' ? 'settings' : `settings.${field}`;
    });
    throw badValue(...[...new Set(fields)].slice(0, MAX_MESSAGES).map((field) => `Bad value: ${field} (not a setting value this server takes)`));
  }

  const described = await columnsOf(db);
  const problems = new Problems();
  for (const name of Object.keys(snapshot.tables)) {
    if (!BY_NAME.has(name)) problems.add(`Bad value: tables.${name} (not a merchant table of this server)`);
  }
  problems.throwIfAny();

  const plan: Plan = { snapshot, tables: [] };
  const keysOf = new Map<string, Set<string>>();
  for (const table of SNAPSHOT_TABLES) {
    const rows = snapshot.tables[table.name] ?? [];
    const columns = described.get(table.name) ?? [];
    const byName = new Map(columns.map((c) => [c.name, c]));
    const required = columns.filter((c) => !c.nullable && !c.hasDefault && c.name !== 'merchant_id' && c.name !== table.serial);
    rows.forEach((row, i) => {
      const at = `tables.${table.name}[${i}]`;
      for (const [column, value] of Object.entries(row)) {
        const info = byName.get(column);
        if (!info) problems.add(`Bad value: ${at}.${column} (not a column of ${table.name})`);
        else if (column === table.serial) {
          if (!Number.isSafeInteger(value) || (value as number) < 1) problems.add(`Bad value: ${at}.${column} (a positive integer)`);
        } else if (column !== 'merchant_id') {
          const why = misfit(info, value);
          if (why) problems.add(`Bad value: ${at}.${column} (${why})`);
        }
      }
      if (table.serial !== undefined && !(table.serial in row)) problems.add(`Bad value: ${at}.${table.serial} (required)`);
      for (const column of required) if (!(column.name in row)) problems.add(`Bad value: ${at}.${column.name} (required)`);
    });
    if (problems.full) break;

    // Unique within the snapshot (merchant_id is the same for every row once imported).
    for (const set of [table.key, ...(table.unique ?? [])]) {
      const seen = new Set<string>();
      rows.forEach((row, i) => {
        const value = JSON.stringify(set.map((column) => (column === 'merchant_id' ? '' : (row[column] ?? null))));
        if (seen.has(value)) problems.add(`Bad value: tables.${table.name}[${i}].${set.filter((c) => c !== 'merchant_id').join(', ')} (the same as an earlier row's)`);
        seen.add(value);
      });
    }
    // Children name parents of the snapshot.
    const ref = table.parent;
    if (ref) {
      const parents = keysOf.get(`${ref.table}.${ref.references}`) ?? new Set<string>();
      rows.forEach((row, i) => {
        if (!parents.has(String(row[ref.column]))) problems.add(`Bad value: tables.${table.name}[${i}].${ref.column} (no row of ${ref.table} in the snapshot has it)`);
      });
    }
    for (const child of MERCHANT_TABLES.filter((t) => t.parent?.table === table.name)) {
      const references = child.parent?.references as string;
      keysOf.set(`${table.name}.${references}`, new Set(rows.map((row) => String(row[references]))));
    }
    // The database numbers serial rows afresh in the snapshot's order.
    const serial = table.serial;
    const ordered = serial === undefined ? rows : [...rows].sort((a, b) => Number(a[serial]) - Number(b[serial]));
    plan.tables.push({ table, columns, rows: ordered });
  }
  problems.throwIfAny();
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Import: writing

/** Rows per INSERT: a few fixed sizes, so the statements (prepared once per text) stay few. */
const BATCH_SIZES = [100, 10, 1];

/** A 409 when a globally unique id of the snapshot is another merchant's (this one's rows are deleted by then). */
async function refuseTakenIds(dialect: Db['dialect'], sql: Sql, plan: Plan): Promise<void> {
  for (const { table, rows } of plan.tables) {
    for (const set of [table.key, ...(table.unique ?? [])]) {
      if (set.length !== 1 || set[0] === table.serial || set[0] === 'merchant_id') continue;
      const column = set[0] as string;
      const values = rows.map((row) => row[column]).filter((v) => v !== null && v !== undefined);
      if (values.length === 0) continue;
      // The ids as one JSON parameter: one statement text per column, whatever the count.
      const list = dialect === 'postgres' ? 'select jsonb_array_elements_text(?::jsonb)' : 'select value from json_each(?)';
      const taken = await sql.get<Record<string, Cell>>(`select ${column} from ${table.name} where ${column} in (${list}) limit 1`, [JSON.stringify(values)]);
      if (taken) throw idTaken(`${table.name}.${column} ${String(taken[column])}`);
    }
  }
}

/** Rewrites what names a callback by its number (payloads, logged paths) to the callback's new number. */
function renumberCallbacks(table: TableName, row: Row, callbackIds: Map<number, number>): Row {
  if (callbackIds.size === 0) return row;
  if (table === 'callback_attempts') return { ...row, callback_id: callbackIds.get(Number(row.callback_id)) ?? row.callback_id ?? null };
  if (table === 'events' && typeof row.payload === 'string' && row.payload.includes('"callback_id"')) {
    // A fault injected into a callback names it (`fault.injected`).
    try {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      const renumbered = typeof payload.callback_id === 'string' ? callbackIds.get(Number(payload.callback_id)) : undefined;
      if (renumbered !== undefined) return { ...row, payload: JSON.stringify({ ...payload, callback_id: String(renumbered) }) };
    } catch {
      // Not JSON: stored as it came.
    }
    return row;
  }
  if (table === 'api_calls' && typeof row.route === 'string' && row.route.includes(':callback_id') && typeof row.resource_id === 'string') {
    const renumbered = callbackIds.get(Number(row.resource_id));
    if (renumbered === undefined || !/^\d+$/.test(row.resource_id)) return row;
    const path = typeof row.path === 'string' ? row.path.replace(new RegExp(`/${row.resource_id}(?=/|$)`), `/${renumbered}`) : row.path;
    return { ...row, resource_id: String(renumbered), path: path ?? null };
  }
  return row;
}

async function insertRows(sql: Sql, plan: Plan, merchantId: string): Promise<TableCounts> {
  const counts: TableCounts = {};
  const callbackIds = new Map<number, number>();
  for (const { table, columns, rows } of plan.tables) {
    counts[table.name] = rows.length;
    const prepared = rows.map((original) => {
      const row: Row = { ...renumberCallbacks(table.name, original, callbackIds) };
      if (!table.throughParent) row.merchant_id = merchantId;
      // A lease belongs to a process of the server the snapshot came from.
      if (table.name === 'callbacks') row.lease_until = null;
      return row;
    });
    const names = (row: Row) => columns.map((c) => c.name).filter((name) => name !== table.serial && name in row);
    if (table.name === 'callbacks') {
      // One at a time: each new number is needed for the rows that name the callback.
      for (const [i, row] of prepared.entries()) {
        const cols = names(row);
        const inserted = await sql.get<{ callback_id: number | string }>(
          `insert into callbacks (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')}) returning callback_id`,
          cols.map((c) => row[c] ?? null),
        );
        callbackIds.set(Number(rows[i]?.callback_id), Number(inserted?.callback_id));
      }
      continue;
    }
    // Consecutive rows with the same columns go in one statement, in order (serials follow it).
    let start = 0;
    while (start < prepared.length) {
      const cols = names(prepared[start] as Row);
      const signature = cols.join(',');
      let end = start + 1;
      while (end < prepared.length && end - start < (BATCH_SIZES[0] as number) && names(prepared[end] as Row).join(',') === signature) end += 1;
      const size = BATCH_SIZES.find((s) => s <= end - start) ?? 1;
      const batch = prepared.slice(start, start + size);
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      await sql.run(
        `insert into ${table.name} (${cols.join(', ')}) values ${batch.map(() => tuple).join(', ')}`,
        batch.flatMap((row) => cols.map((c): SqlParam => row[c] ?? null)),
      );
      start += size;
    }
  }
  return counts;
}

export interface ImportOptions {
  /** Leave the merchant's clock as it is instead of setting it to the snapshot's time. */
  keepClock?: boolean;
}

/**
 * Replaces the merchant's whole state with a snapshot's, in one transaction: a reset, then every
 * row under this merchant (serial numbers afresh), the snapshot's settings, and the merchant's clock
 * set to read the snapshot's time (unless keepClock). Refuses (400, nothing changed) a snapshot of
 * another format or version, of a newer schema, with unknown tables or columns or values that do not
 * fit; 409 when an id of it belongs to another merchant.
 */
export async function importMerchantState(db: Db, clock: Clock, merchantId: string, input: unknown, options: ImportOptions = {}): Promise<TableCounts> {
  const plan = await checkSnapshot(db, input);
  await flushApiCalls(db);
  return inMerchantTransaction(db, async (sql) => {
    await lockMerchant(db, sql, merchantId);
    await deleteRows(db, sql, merchantId);
    await refuseTakenIds(db.dialect, sql, plan);
    const imported = await insertRows(sql, plan, merchantId);
    await sql.run('update merchants set settings = ?, updated_at = ? where merchant_id = ?', [JSON.stringify(plan.snapshot.settings), Date.now(), merchantId]);
    if (!options.keepClock) await clock.setNow(sql, merchantId, plan.snapshot.clock.now_ms);
    return imported;
  });
}

/** The merchant of a username, for the command line. */
export async function merchantIdOf(db: Db, username: string): Promise<string | undefined> {
  const row = await db.read.get<{ merchant_id: string }>('select merchant_id from merchants where username = ?', [username]);
  return row?.merchant_id;
}
