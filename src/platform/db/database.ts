/** Kysely factory per dialect, the migrator, and the one transaction helper every write goes through. */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
import type { Migration, MigrationProvider, Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import * as m0001 from '../../../migrations/0001_initial.js';

export type Dialect = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

/** PostgreSQL BIGINT arrives as a string: parse it and refuse anything that is not a safe integer. */
function parseBigint(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`BIGINT value ${value} is not a safe integer`);
  return n;
}
pg.types.setTypeParser(pg.types.builtins.INT8, parseBigint);

const SQLITE_BUSY_TIMEOUT_MS = 10_000;
const POSTGRES_POOL_MAX = 10;

export function openDatabase(databaseUrl: string, options: { poolMax?: number } = {}): Db {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives a process crash (SIGKILL); only power loss can
    // drop the last commits.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    const kysely = new Kysely<Database>({ dialect: new MigrationLockingSqliteDialect(sqlite) });
    return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolMax ?? POSTGRES_POOL_MAX });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}

/**
 * Kysely's SQLite adapter takes no migration lock (it assumes one connection per database), so two
 * processes starting at once on a fresh file both ran the migrations and one failed ("table
 * merchants already exists"). Here the whole migration run holds the database write lock
 * (`BEGIN IMMEDIATE`, across processes; the others wait in busy_timeout, then find nothing to do).
 */
class MigrationLockingSqliteAdapter extends SqliteAdapter {
  constructor(private readonly sqlite: SqliteDatabase.Database) {
    super();
  }

  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`begin immediate`.execute(db);
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    if (this.sqlite.inTransaction) await sql`commit`.execute(db);
  }
}

class MigrationLockingSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: SqliteDatabase.Database) {
    super({ database: sqlite });
  }

  override createAdapter(): SqliteAdapter {
    return new MigrationLockingSqliteAdapter(this.sqlite);
  }
}

const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  // PostgreSQL: Kysely looks for its migration tables in every schema unless told which one, so a
  // fresh schema next to another schema holding them failed ("kysely_migration_lock does not exist").
  const migrationTableSchema = db.dialect === 'postgres' ? await currentSchema(db) : undefined;
  const migrator = new Migrator({ db: db.kysely, provider, ...(migrationTableSchema !== undefined && { migrationTableSchema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(db: Db): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db.kysely);
  return rows[0]?.schema ?? undefined;
}

/**
 * Runs `fn` in one transaction that holds the write lock for what it changes.
 * SQLite: `BEGIN IMMEDIATE` takes the database write lock up front (across processes too), so two
 * writers never interleave. PostgreSQL: an ordinary transaction; operations lock their rows with
 * `forUpdate()` (see `lockForUpdate`).
 */
export async function inTransaction<T>(db: Db, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.dialect === 'postgres') return db.kysely.transaction().execute(fn);
  return db.kysely.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

/** Appends `FOR UPDATE` on PostgreSQL; SQLite already holds the database write lock. */
export function lockForUpdate<QB extends { forUpdate(): QB }>(db: Db, qb: QB): QB {
  return db.dialect === 'postgres' ? qb.forUpdate() : qb;
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
