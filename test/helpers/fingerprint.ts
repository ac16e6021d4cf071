/**
 * A fingerprint of everything a database holds: per table, its row count and a hash of its rows
 * (order-independent). Two equal fingerprints mean no request in between changed any stored state,
 * whichever table it would have touched, including tables added later.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../src/platform/db/database.js';
import type { TestDialect } from './databases.js';

export type Fingerprint = Record<string, { rows: number; hash: string }>;

async function tableNames(db: Db, dialect: TestDialect): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`;
  const { rows } = await query.execute(db.kysely);
  return rows.map((r) => r.name);
}

/** BIGINTs come back as strings on PostgreSQL and Buffers may appear on SQLite: make every value printable. */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `buffer:${value.toString('base64')}`;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** Logs of the requests themselves, not stored state: every request adds to them, refusals included. */
const REQUEST_LOGS = new Set(['api_calls', 'api_call_batches']);

export async function fingerprint(db: Db, dialect: TestDialect): Promise<Fingerprint> {
  const result: Fingerprint = {};
  for (const table of await tableNames(db, dialect)) {
    if (REQUEST_LOGS.has(table)) continue;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely);
    const lines = rows.map((row) => JSON.stringify(Object.keys(row).sort().map((k) => [k, canonical(row[k])]))).sort();
    result[table] = { rows: rows.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16) };
  }
  return result;
}

/** Asserts that nothing stored changed since `before`, naming the tables that did. */
export async function assertUnchanged(db: Db, dialect: TestDialect, before: Fingerprint, what: string): Promise<void> {
  const after = await fingerprint(db, dialect);
  const changed = Object.keys({ ...before, ...after }).filter((table) => JSON.stringify(before[table]) !== JSON.stringify(after[table]));
  assert.deepEqual(changed, [], `${what} changed stored state in: ${changed.join(', ')}`);
}
