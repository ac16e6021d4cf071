/**
 * The hot-path query layer: plain SQL with `?` placeholders and prepared statements that are reused
 * (better-sqlite3 statement cache; named PostgreSQL prepared statements). Kysely builds and compiles
 * every query anew and better-sqlite3 under Kysely re-prepares each one, which costs more than the
 * query itself on the request paths measured by `npm run bench`. Kysely stays in use for migrations
 * and for work off the hot path.
 */
import { createHash } from 'node:crypto';
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';

export type SqlParam = string | number | bigint | null;

export interface Sql {
  all<T>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(text: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(text: string, params?: readonly SqlParam[]): Promise<number>;
  /** A statement without parameters that is not prepared (transaction control, savepoints). */
  exec(text: string): Promise<void>;
}

/** Prepared statements per connection, by SQL text. The set of texts is fixed by the code. */
export class SqliteSql implements Sql {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(private readonly connection: SqliteDatabase.Database) {}

  statement(text: string): SqliteDatabase.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.connection.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  all<T>(text: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return Promise.resolve(this.statement(text).all(...params) as T[]);
  }

  get<T>(text: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return Promise.resolve(this.statement(text).get(...params) as T | undefined);
  }

  run(text: string, params: readonly SqlParam[] = []): Promise<number> {
    return Promise.resolve(this.statement(text).run(...params).changes);
  }

  exec(text: string): Promise<void> {
    this.statement(text).run();
    return Promise.resolve();
  }
}

/**
 * Reads for a process that has one SQLite write connection and one read connection. SQLite drops a
 * connection's page cache, and its memory map, whenever another connection has committed since its
 * last read: with every read on the read connection, each commit of the writer (the API call log
 * alone commits five times a second) sent the next reads back to re-fetching every B-tree page. The
 * write connection never loses its cache to its own commits, so a read goes there whenever it holds
 * no transaction (statements are synchronous: nothing else runs on it meanwhile), and to the read
 * connection while a write transaction is open.
 */
export class SqliteReadSql implements Sql {
  constructor(
    private readonly writer: SqliteSql,
    private readonly writerConnection: SqliteDatabase.Database,
    private readonly reader: SqliteSql,
  ) {}

  private pick(): SqliteSql {
    return this.writerConnection.inTransaction ? this.reader : this.writer;
  }

  all<T>(text: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.pick().all<T>(text, params);
  }

  get<T>(text: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.pick().get<T>(text, params);
  }

  run(): Promise<number> {
    return Promise.reject(new Error('db.read does not write'));
  }

  exec(): Promise<void> {
    return Promise.reject(new Error('db.read does not write'));
  }
}

interface PgText {
  name: string;
  text: string;
}
const pgTexts = new Map<string, PgText>();

/** `?` → `$n`, once per SQL text, with a stable prepared-statement name. */
function toPgText(text: string): PgText {
  let converted = pgTexts.get(text);
  if (!converted) {
    let n = 0;
    const pgText = text.replace(/\?/g, () => `$${(n += 1)}`);
    converted = { name: `kl_${createHash('sha1').update(pgText).digest('hex').slice(0, 20)}`, text: pgText };
    pgTexts.set(text, converted);
  }
  return converted;
}

export class PgSql implements Sql {
  constructor(private readonly queryable: pg.Pool | pg.PoolClient) {}

  async all<T>(text: string, params: readonly SqlParam[] = []): Promise<T[]> {
    const { name, text: pgText } = toPgText(text);
    const result = await this.queryable.query({ name, text: pgText, values: params as unknown[] });
    return result.rows as T[];
  }

  async get<T>(text: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }

  async run(text: string, params: readonly SqlParam[] = []): Promise<number> {
    const { name, text: pgText } = toPgText(text);
    const result = await this.queryable.query({ name, text: pgText, values: params as unknown[] });
    return result.rowCount ?? 0;
  }

  async exec(text: string): Promise<void> {
    await this.queryable.query(text);
  }
}

/** One holder at a time: the single SQLite write connection of a process. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    return release;
  }
}
