/** Kysely factory per dialect, the migrator, and the one transaction helper every write goes through. */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import type { DatabaseIntrospector, DatabaseMetadata, SchemaMetadata, TableMetadata } from 'kysely';
import type { DatabaseConnection, Driver, Migration, MigrationProvider, QueryResult, Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { Mutex, PgSql, SqliteReadSql, SqliteSql } from './sql.js';
import { GroupCommitter } from './group-commit.js';
import { startCheckpointer } from './checkpointer.js';
import type { Sql } from './sql.js';
import * as m0001 from '../../../migrations/0001_initial.js';
import * as m0002 from '../../../migrations/0002_payments.js';
import * as m0003 from '../../../migrations/0003_checkout.js';
import * as m0004 from '../../../migrations/0004_callbacks_failed_index.js';
import * as m0005 from '../../../migrations/0005_hpp_and_messages.js';
import * as m0006 from '../../../migrations/0006_settlements.js';
import * as m0007 from '../../../migrations/0007_merchant_card.js';
import * as m0008 from '../../../migrations/0008_api_calls.js';
import * as m0009 from '../../../migrations/0009_faults.js';
import * as m0010 from '../../../migrations/0010_dashboard.js';
import * as m0011 from '../../../migrations/0011_merchant_clocks.js';
import * as m0012 from '../../../migrations/0012_captures_rowid.js';
import * as m0013 from '../../../migrations/0013_request_journal.js';

export type Dialect = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  /** Migrations and work off the hot path. On SQLite it shares the write connection and its lock. */
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** Reads outside a transaction; they only ever see committed data. */
  readonly read: Sql;
  /**
   * Runs `fn` in one transaction that holds the write lock for what it changes. SQLite:
   * `BEGIN IMMEDIATE` takes the database write lock up front (across processes too, others wait in
   * busy_timeout), one in-process mutex serialises the write connection, and concurrent callers
   * share one commit, each in its own savepoint (group-commit.ts). PostgreSQL: an ordinary
   * transaction in which operations lock their rows with `SELECT … FOR UPDATE`.
   */
  transaction<T>(fn: (sql: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** ` for update` on PostgreSQL; empty on SQLite, where the transaction already holds the lock. */
  readonly forUpdate: string;
  /**
   * SQLite: a number that changes whenever something was committed since the last call, by another
   * connection or process (SQLite's `data_version` of the write connection) or by this process
   * (each commit counts, except those of `{ cached: false }` transactions), so read caches can be
   * exact. PostgreSQL: undefined.
   */
  dataVersion(): number | undefined;
  /**
   * Fails when the database cannot serve: PostgreSQL does not answer; the SQLite file is gone or was
   * replaced since it was opened (an open connection would go on writing to the removed file).
   */
  check(): Promise<void>;
  /** Connection use, for /metrics. */
  stats(): DbStats;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * false: the transaction writes only what no read cache holds (the request journal), so its
   * commit does not change `dataVersion()` for this process. Default true.
   */
  cached?: boolean;
}

export interface DbStats {
  /** Open connections: the PostgreSQL pool's, or SQLite's write and read connections. */
  connections: number;
  /** Idle pool connections (PostgreSQL); null on SQLite. */
  idle: number | null;
  /**
   * Work waiting for a connection: PostgreSQL queries waiting for the pool; SQLite writes queued for
   * the next group commit on the one write connection.
   */
  waiting: number;
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

function openSqlite(file: string, readonly: boolean): SqliteDatabase.Database {
  const connection = new SqliteDatabase(file, readonly ? { readonly: true, fileMustExist: true } : {});
  if (!readonly) {
    connection.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives a process crash (SIGKILL); only power loss can
    // drop the last commits.
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
  }
  // Savepoints (one per operation in a group commit) and sorts keep their work in memory, not in temp files.
  connection.pragma('temp_store = MEMORY');
  // A page cache large enough for the working set of a busy sandbox (the default is 2 MiB), and reads
  // through a memory map of up to 2 GiB (SQLite's limit) instead of one system call per page: reads
  // spread over a million orders ran about 20% faster than with a 256 MiB map (docs/benchmarks.md).
  // The mapped pages are the file's, shared with the OS page cache, not process memory of our own.
  connection.pragma('cache_size = -65536');
  connection.pragma('mmap_size = 2147418112');
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return connection;
}

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema of the database and calls
 * has_schema_privilege() with each schema's name: a schema that someone else drops meanwhile (another
 * test run, another tenant of a shared database) made our migrations fail with "schema … does not
 * exist". The migrator only asks whether its own tables exist in the current schema (migrateToLatest
 * names it), so this introspector knows the current schema and its tables only, by name.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely hands introspectors an untyped instance
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string | null }>`select current_schema() as name`.execute(this.db);
    return rows.flatMap((row) => (row.name === null ? [] : [{ name: row.name }]));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, ns.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as PostgresDialect's own signature
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

export function openDatabase(databaseUrl: string, options: { poolMax?: number } = {}): Db {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteDatabase(databaseUrl.slice('sqlite:'.length));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolMax ?? POSTGRES_POOL_MAX });
  // A client that loses its server must not crash the process, idle (the pool's 'error') or checked
  // out between two queries of a transaction (the client's own 'error', which has no listener while
  // it is out of the pool): the next query reports it, and the connection is discarded.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const kysely = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    read: new PgSql(pool),
    forUpdate: ' for update',
    dataVersion: () => undefined,
    async check() {
      await pool.query('select 1');
    },
    stats: () => ({ connections: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        try {
          const result = await fn(new PgSql(client));
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
          throw error;
        }
      } finally {
        client.release(broken);
      }
    },
    close: () => kysely.destroy(),
  };
}

function openSqliteDatabase(file: string): Db {
  const inMemory = file === ':memory:';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const writerConnection = openSqlite(file, false);
  const opened = inMemory ? null : fs.statSync(file);
  // WAL checkpoints run in a worker thread, not in the commits of the event loop (checkpointer.ts).
  const checkpointer = inMemory ? null : startCheckpointer(file, writerConnection);
  const writer = new SqliteSql(writerConnection);
  // WAL lets a second connection read committed data while the writer holds its transaction.
  const readerConnection = inMemory ? null : openSqlite(file, true);
  // What other connections committed, asked of the write connection: its own commits do not change
  // it, so unlike the read connection's it never has to look again at a WAL this process just wrote
  // (that was 13 % of GET order's CPU under the API call log's five commits a second). This
  // process's own commits are counted as they happen.
  const externalVersion = inMemory ? null : writerConnection.prepare('pragma data_version').pluck();
  let seenExternal = -1;
  let externalFresh = false;
  const expireExternal = () => {
    externalFresh = false;
  };
  let version = 0;
  const committed = () => {
    version += 1;
  };
  const mutex = new Mutex();
  const driver = new SharedSqliteDriver(writer, writerConnection, mutex, committed);
  const committer = new GroupCommitter(writer, writerConnection, mutex, committed);
  const kysely = new Kysely<Database>({
    dialect: {
      createAdapter: () => new MigrationLockingSqliteAdapter(writerConnection),
      createDriver: () => driver,
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  return {
    kysely,
    dialect: 'sqlite',
    read: readerConnection ? new SqliteReadSql(writer, writerConnection, new SqliteSql(readerConnection)) : writer,
    forUpdate: '',
    dataVersion: externalVersion
      ? () => {
          // Asked once per turn of the event loop: every request handled in a turn was read from
          // its socket after the turn's poll began, so a commit another process answered before
          // such a request was sent is already visible to the first look of the turn. (Asking SQLite
          // for every request cost up to 17 % of GET order while another connection was writing:
          // the read snapshot waits on the wal-index that writer is updating.)
          if (!externalFresh) {
            externalFresh = true;
            setImmediate(expireExternal);
            const external = externalVersion.get() as number;
            if (external !== seenExternal) {
              seenExternal = external;
              version += 1;
            }
          }
          return version;
        }
      : () => undefined,
    transaction: (fn, options) => committer.run(fn, options?.cached === false),
    async check() {
      if (opened) {
        // A removed or replaced file cannot be seen through the connections that hold it open.
        const current = await fs.promises.stat(file);
        if (current.ino !== opened.ino || current.dev !== opened.dev) throw new Error(`${file} is no longer the database file that was opened`);
      }
      await (readerConnection ? new SqliteSql(readerConnection) : writer).get('select count(*) as n from sqlite_master');
    },
    stats: () => ({ connections: readerConnection ? 2 : 1, idle: null, waiting: committer.waiting }),
    async close() {
      // The writer last: the last connection to close checkpoints the WAL and removes -wal and -shm.
      await checkpointer?.stop();
      readerConnection?.close();
      await kysely.destroy();
    },
  };
}

/**
 * Kysely's driver for the one SQLite write connection, sharing its mutex and statement cache with
 * `Db.transaction`, so Kysely queries and hot-path SQL never interleave on the connection.
 */
class SharedSqliteDriver implements Driver {
  private release: (() => void) | null = null;
  private readonly connection: DatabaseConnection;

  constructor(
    writer: SqliteSql,
    private readonly raw: SqliteDatabase.Database,
    private readonly mutex: Mutex,
    /** Told of every commit (a write outside a transaction, or a transaction's COMMIT). */
    private readonly committed: () => void,
  ) {
    this.connection = {
      executeQuery: <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => {
        const statement = writer.statement(compiled.sql);
        const parameters = compiled.parameters as unknown[];
        if (statement.reader) return Promise.resolve({ rows: statement.all(...parameters) as R[] });
        const { changes, lastInsertRowid } = statement.run(...parameters);
        if (!raw.inTransaction) committed();
        return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
      },
      streamQuery: () => {
        throw new Error('streaming is not used');
      },
    };
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.release = await this.mutex.lock();
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = null;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.raw.close();
  }
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


const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_payments': m0002,
  '0003_checkout': m0003,
  '0004_callbacks_failed_index': m0004,
  '0005_hpp_and_messages': m0005,
  '0006_settlements': m0006,
  '0007_merchant_card': m0007,
  '0008_api_calls': m0008,
  '0009_faults': m0009,
  '0010_dashboard': m0010,
  '0011_merchant_clocks': m0011,
  '0012_captures_rowid': m0012,
  '0013_request_journal': m0013,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Every migration this version knows, by name, oldest first (`doctor` compares a database's applied
 * ones with them; tests migrate a database part of the way).
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = migrations;
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

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

/** A Kysely transaction (off the hot path); on SQLite it begins IMMEDIATE like every write. */
export async function inTransaction<T>(db: Db, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.kysely.transaction().execute(fn);
}

/** Readiness: the database answers (Db.check) within timeoutMs. */
export async function ping(db: Db, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([db.check(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
