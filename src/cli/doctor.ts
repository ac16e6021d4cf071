/**
 * `klarna-local doctor`: checks what `serve` needs (Node's version, the configuration, the database,
 * its migrations and merchants, the browser build, the port, the public URL) and says in one line
 * per check what is right (✓) or wrong (✗) and how to fix it. It reads the same flags and
 * environment as `serve`, and changes nothing: the database is only read (the migration table, the
 * merchants; read-only, or query_only), no migration runs.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Command } from 'commander';
import pg from 'pg';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, localUrl } from '../config.js';
import type { Config, ConfigInput } from '../config.js';
import { requireWebBuild } from '../modules/shopper/web-assets.js';
import { packageInfo, satisfiesRange } from './package-info.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  /** What was checked: `database`, `migrations`, … */
  check: string;
  /** What was found, and when it is wrong, how to fix it: plain words. */
  message: string;
}

export interface DoctorFlags {
  port?: string;
  host?: string;
  databaseUrl?: string;
  publicUrl?: string;
  logLevel?: string;
  merchants?: string;
  sandbox?: boolean;
  processes?: string;
  rateLimit?: string;
  rateLimitLockout?: string;
  sandboxClock?: string;
  journal?: boolean;
}

const ok = (check: string, message: string): CheckResult => ({ status: 'ok', check, message });
const fail = (check: string, message: string): CheckResult => ({ status: 'fail', check, message });
const skip = (check: string, message: string): CheckResult => ({ status: 'skip', check, message });

/** Shown instead of a PostgreSQL URL's password. */
export const maskedUrl = (url: string): string => (url.startsWith('sqlite:') ? url : url.replace(/\/\/([^@/:]*):[^@/]*@/, '//$1:***@'));

// ---------------------------------------------------------------------------------------------
// Configuration: every setting on its own, so one bad value does not hide the others' checks.

interface Setting {
  key: keyof ConfigInput;
  env: string;
  flag?: string;
}

const SETTINGS: readonly Setting[] = [
  { key: 'port', env: 'PORT', flag: '--port' },
  { key: 'host', env: 'HOST', flag: '--host' },
  { key: 'databaseUrl', env: 'DATABASE_URL', flag: '--database-url' },
  { key: 'publicUrl', env: 'PUBLIC_URL', flag: '--public-url' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level' },
  { key: 'merchants', env: 'KLARNA_LOCAL_MERCHANTS', flag: '--merchants' },
  { key: 'sandbox', env: 'KLARNA_LOCAL_SANDBOX', flag: '--no-sandbox' },
  { key: 'processes', env: 'KLARNA_LOCAL_PROCESSES', flag: '--processes' },
  { key: 'rateLimit', env: 'KLARNA_LOCAL_RATE_LIMIT', flag: '--rate-limit' },
  { key: 'rateLimitLockout', env: 'KLARNA_LOCAL_RATE_LIMIT_LOCKOUT', flag: '--rate-limit-lockout' },
  { key: 'sandboxClock', env: 'KLARNA_LOCAL_SANDBOX_CLOCK', flag: '--sandbox-clock' },
  { key: 'journal', env: 'KLARNA_LOCAL_JOURNAL', flag: '--no-journal' },
  { key: 'dashboardAdmin', env: 'KLARNA_LOCAL_DASHBOARD_ADMIN' },
  { key: 'sweepIntervalMs', env: 'SWEEP_INTERVAL_MS' },
  { key: 'callbackPollMs', env: 'CALLBACK_POLL_MS' },
];

const toInput = (flags: DoctorFlags): ConfigInput => ({
  port: flags.port,
  host: flags.host,
  databaseUrl: flags.databaseUrl,
  publicUrl: flags.publicUrl,
  logLevel: flags.logLevel,
  merchants: flags.merchants,
  sandbox: flags.sandbox === false ? false : undefined,
  processes: flags.processes,
  rateLimit: flags.rateLimit,
  rateLimitLockout: flags.rateLimitLockout,
  sandboxClock: flags.sandboxClock,
  journal: flags.journal === false ? false : undefined,
});

/** The configuration made of only these settings (the others at their defaults), or the error they give. */
function partialConfig(input: ConfigInput, env: NodeJS.ProcessEnv, keys: readonly (keyof ConfigInput)[]): Config | ConfigError {
  const only: ConfigInput = {};
  const onlyEnv: NodeJS.ProcessEnv = {};
  for (const setting of SETTINGS) {
    if (!keys.includes(setting.key)) continue;
    (only as Record<string, unknown>)[setting.key] = input[setting.key];
    if (env[setting.env] !== undefined) onlyEnv[setting.env] = env[setting.env];
  }
  try {
    return loadConfig(only, onlyEnv);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

function checkConfiguration(input: ConfigInput, env: NodeJS.ProcessEnv): CheckResult[] {
  const results: CheckResult[] = [];
  for (const setting of SETTINGS) {
    const outcome = partialConfig(input, env, [setting.key]);
    if (!(outcome instanceof ConfigError)) continue;
    const fromFlag = input[setting.key] !== undefined;
    const where = fromFlag && setting.flag ? `the flag ${setting.flag}` : `the environment variable ${setting.env}`;
    results.push(fail('configuration', `${outcome.message} (from ${where}). Correct it, or ${fromFlag ? 'leave the flag out' : `unset ${setting.env}`} for the default; \`klarna-local serve --help\` lists the values.`));
  }
  if (results.length > 0) return results;
  // Every setting is valid on its own; together they must be too.
  try {
    const config = loadConfig(input, env);
    return [ok('configuration', `the flags and environment are valid (database ${maskedUrl(config.databaseUrl)}, listening on ${config.host}:${config.port})`)];
  } catch (error) {
    return [fail('configuration', error instanceof Error ? error.message : String(error))];
  }
}

// ---------------------------------------------------------------------------------------------
// Node.js

function checkNode(nodeVersion: string): CheckResult {
  let range: string | undefined;
  try {
    range = packageInfo().nodeRange;
  } catch (error) {
    return fail('Node.js', `${nodeVersion}, but ${(error as Error).message}: reinstall klarna-local`);
  }
  if (range === undefined) return ok('Node.js', `${nodeVersion} (klarna-local's package.json names no engines.node range)`);
  const inRange = satisfiesRange(nodeVersion, range);
  if (inRange === null) return ok('Node.js', `${nodeVersion} (engines.node "${range}" could not be read, so it was not compared)`);
  if (inRange) return ok('Node.js', `${nodeVersion} is within klarna-local's engines.node "${range}"`);
  return fail('Node.js', `${nodeVersion} is not within klarna-local's engines.node "${range}": install a Node.js in that range (e.g. with nvm, fnm or your package manager) and run klarna-local with it.`);
}

// ---------------------------------------------------------------------------------------------
// The database: opened read-only, only read.

interface Reader {
  /** Whether a table of klarna-local's exists (in PostgreSQL's current schema). */
  hasTable(name: string): Promise<boolean>;
  all<T>(text: string): Promise<T[]>;
  close(): Promise<void>;
}

interface DatabaseCheck {
  results: CheckResult[];
  reader: Reader | null;
}

/** Where `from` or its nearest existing ancestor is, and whether a folder can be made there. */
function nearestExisting(from: string): string {
  let dir = from;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

const canWrite = (target: string): boolean => {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

const canReadWrite = (target: string): boolean => {
  try {
    fs.accessSync(target, fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

const MIGRATE_HINT = (url: string) => `\`klarna-local migrate --database-url ${maskedUrl(url)}\` creates it (\`serve\` does too, at start)`;

/**
 * Whether SQLite's write-ahead log works in `dir` (a shared-memory file next to the database): tried
 * on a scratch database of its own there, deleted at once. The database itself is not touched.
 */
function walWorksIn(dir: string): string | null {
  const scratch = path.join(dir, `.klarna-local-doctor-${process.pid}-${Date.now()}.sqlite`);
  let connection: SqliteDatabase.Database | undefined;
  try {
    connection = new SqliteDatabase(scratch);
    const mode = connection.pragma('journal_mode = WAL', { simple: true }) as string;
    connection.exec('create table t (x integer); insert into t values (1);');
    return String(mode).toLowerCase() === 'wal' ? null : `SQLite answered journal mode "${mode}" instead of wal`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    connection?.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${scratch}${suffix}`, { force: true });
  }
}

function checkSqlite(url: string): DatabaseCheck {
  const file = url.slice('sqlite:'.length);
  if (file === ':memory:') {
    return { results: [ok('database', `${url}: in memory, a new empty database at every start that is gone when the server stops (nothing to check)`)], reader: null };
  }
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  if (!fs.existsSync(dir)) {
    const existing = nearestExisting(dir);
    const creatable = fs.statSync(existing).isDirectory() && canWrite(existing);
    const reason = creatable ? '' : `, and it cannot be created because ${existing} is ${fs.statSync(existing).isDirectory() ? 'not writable for this user' : 'not a folder'}`;
    return {
      results: [fail('database', `there is no database at ${absolute}: its folder ${dir} does not exist${reason}. ${creatable ? `${MIGRATE_HINT(url)}, or` : 'Create the folder (or choose another place) and'} check --database-url / DATABASE_URL.`)],
      reader: null,
    };
  }
  if (!fs.statSync(dir).isDirectory()) {
    return { results: [fail('database', `${dir} is a file, not a folder, so ${absolute} cannot be a database: choose another path with --database-url / DATABASE_URL.`)], reader: null };
  }
  if (!fs.existsSync(absolute)) {
    const writable = canWrite(dir);
    return {
      results: [
        fail(
          'database',
          `there is no database at ${absolute} yet${writable ? '' : ` (and its folder ${dir} is not writable for this user, so it cannot be created)`}: ${writable ? MIGRATE_HINT(url) : `make ${dir} writable`}, or point --database-url / DATABASE_URL at the database you meant.`,
        ),
      ],
      reader: null,
    };
  }
  if (fs.statSync(absolute).isDirectory()) {
    return { results: [fail('database', `${absolute} is a folder, not a database file: point --database-url / DATABASE_URL at a file inside it (e.g. sqlite:${path.join(file, 'klarna-local.sqlite')}).`)], reader: null };
  }
  if (!canReadWrite(absolute)) {
    return {
      results: [fail('database', `${absolute} is not readable and writable for this user (${currentUser()}): change its owner or permissions (chown / chmod u+rw), or run klarna-local as its owner.`)],
      reader: null,
    };
  }
  if (!canWrite(dir)) {
    return {
      results: [
        fail('database', `the folder ${dir} is not writable for this user: SQLite keeps its write-ahead log (${path.basename(absolute)}-wal and -shm) next to the database, so the folder must be writable (chmod u+w, or move the database).`),
      ],
      reader: null,
    };
  }
  for (const suffix of ['-wal', '-shm']) {
    const side = `${absolute}${suffix}`;
    if (fs.existsSync(side) && !canReadWrite(side)) {
      return { results: [fail('database', `${side} is not readable and writable for this user: give it the database file's owner and permissions.`)], reader: null };
    }
  }
  let connection: SqliteDatabase.Database;
  let journal: string;
  try {
    // Read-only when its -wal and -shm exist (in use, or left over); otherwise a connection that only
    // reads (query_only), so SQLite removes the -wal and -shm it makes when it closes, as it does for
    // a server's, instead of leaving them behind with this user as their owner.
    const sideFiles = fs.existsSync(`${absolute}-wal`) || fs.existsSync(`${absolute}-shm`);
    connection = new SqliteDatabase(absolute, { readonly: sideFiles, fileMustExist: true });
    if (!sideFiles) connection.pragma('query_only = ON');
    journal = String(connection.pragma('journal_mode', { simple: true }));
    connection.prepare('select count(*) from sqlite_master').get();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const what =
      code === 'SQLITE_NOTADB'
        ? `${absolute} is not a SQLite database (another kind of file)`
        : code.startsWith('SQLITE_CORRUPT')
          ? `${absolute} is damaged (${(error as Error).message})`
          : `${absolute} cannot be opened: ${(error as Error).message}`;
    return { results: [fail('database', `${what}: point --database-url / DATABASE_URL at klarna-local's database, or move this file away and let \`klarna-local migrate\` create a new one.`)], reader: null };
  }
  const walProblem = journal.toLowerCase() === 'wal' ? null : walWorksIn(dir);
  if (walProblem !== null) {
    connection.close();
    return {
      results: [
        fail('database', `SQLite's write-ahead log does not work in ${dir} (${walProblem}): it needs a local file system with shared memory (not a network share); move the database, e.g. --database-url sqlite:data/klarna-local.sqlite.`),
      ],
      reader: null,
    };
  }
  const reader: Reader = {
    hasTable: async (name) => connection.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined,
    all: async <T>(text: string) => connection.prepare(text).all() as T[],
    close: async () => void connection.close(),
  };
  const mode = journal.toLowerCase() === 'wal' ? 'write-ahead log on' : `journal mode ${journal}; serve turns the write-ahead log on, which works in ${dir}`;
  return { results: [ok('database', `${absolute} opens and is a SQLite database (${mode})`)], reader };
}

const PG_TIMEOUT_MS = 5000;

/** The user this process runs as (what PostgreSQL's client assumes without one in the URL). */
function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'postgres';
  }
}

/** A PostgreSQL connection error in plain words, with what to do. */
export function describePostgresError(error: unknown, url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || 'localhost';
  const port = parsed.port || '5432';
  const user = decodeURIComponent(parsed.username) || currentUser();
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user;
  const first = error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as unknown) : error;
  const code = (first as { code?: string }).code ?? (error as { code?: string }).code ?? '';
  const message = (first as Error).message ?? String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${host}:${port}: PostgreSQL is not running there, or listens on another port. Start it, or correct the host and port in --database-url / DATABASE_URL.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name "${host}" does not resolve: correct the host in --database-url / DATABASE_URL.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no answer from ${host}:${port} (${code}): the host is unreachable from here (a firewall, or the wrong host).`;
    case 'ECONNRESET':
      return `${host}:${port} closed the connection at once (${message}): is it PostgreSQL? A server that insists on TLS needs ?sslmode=require in the URL.`;
    case '28P01':
      return `PostgreSQL refused the password of user "${user}": correct it in the URL (postgres://${user}:PASSWORD@${host}:${port}/${database}).`;
    case '28000':
      return `PostgreSQL does not let user "${user}" in from here (${message}): the role may not exist, or pg_hba.conf has no entry for this host, user and database.`;
    case '3D000':
      return `the database "${database}" does not exist on ${host}:${port}: create it (createdb -h ${host} -p ${port} -U ${user} ${database}), or correct the database name in the URL.`;
    case '53300':
      return `PostgreSQL has no connection left (too many clients): close some, or raise max_connections.`;
    case '57P03':
      return `PostgreSQL at ${host}:${port} is starting up or shutting down: try again in a moment.`;
    case '42501':
      return `user "${user}" lacks a privilege klarna-local needs (${message}): grant it CONNECT and CREATE on the database and its schema.`;
    default:
      if (/timeout/i.test(message)) return `no answer from ${host}:${port} within ${PG_TIMEOUT_MS / 1000} s: the host is unreachable from here (a firewall, or the wrong host or port).`;
      if (/password must be a string|no password/i.test(message)) return `PostgreSQL asks user "${user}" for a password and the URL has none: write it in (postgres://${user}:PASSWORD@${host}:${port}/${database}).`;
      if (/ssl|tls|certificate/i.test(message)) return `TLS failed (${message}): set sslmode in the URL to what the server expects (e.g. ?sslmode=require, or ?sslmode=disable for a local server).`;
      return `PostgreSQL at ${host}:${port} answered: ${message}${code ? ` (${code})` : ''}.`;
  }
}

async function checkPostgres(url: string): Promise<DatabaseCheck> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PG_TIMEOUT_MS });
  // An idle client that loses its server must not end the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return { results: [fail('database', describePostgresError(error, url))], reader: null };
  }
  let info: { database: string; username: string; schema: string | null; version: string };
  try {
    await client.query('set default_transaction_read_only = on');
    const { rows } = await client.query<{ database: string; username: string; schema: string | null; version: string }>(
      "select current_database() as database, current_user as username, current_schema() as schema, current_setting('server_version') as version",
    );
    info = rows[0] as typeof info;
  } catch (error) {
    await client.end().catch(() => undefined);
    return { results: [fail('database', describePostgresError(error, url))], reader: null };
  }
  if (info.schema === null) {
    await client.end().catch(() => undefined);
    return {
      results: [fail('database', `connected to "${info.database}" as ${info.username}, but no schema of its search_path exists: create the schema (create schema …), or correct search_path in the URL's options.`)],
      reader: null,
    };
  }
  const reader: Reader = {
    hasTable: async (name) =>
      (await client.query('select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1', [name])).rows.length > 0,
    all: async <T>(text: string) => (await client.query(text)).rows as T[],
    close: () => client.end().catch(() => undefined),
  };
  return { results: [ok('database', `PostgreSQL ${info.version.split(' ')[0] ?? info.version} answers: database "${info.database}", user ${info.username}, schema ${info.schema} (${maskedUrl(url)})`)], reader };
}

async function checkMigrations(reader: Reader, url: string): Promise<CheckResult[]> {
  // The migrations (and Kysely) load only for this check, not for every start of the CLI.
  const { MIGRATION_NAMES: known } = await import('../platform/db/database.js');
  const migrate = `\`klarna-local migrate --database-url ${maskedUrl(url)}\``;
  if (!(await reader.hasTable('kysely_migration'))) {
    return [fail('migrations', `the database is empty: none of the ${known.length} migrations has run. ${migrate} applies them (serve does too, at start).`)];
  }
  const applied = (await reader.all<{ name: string }>('select name from kysely_migration order by name')).map((r) => r.name);
  const results: CheckResult[] = [];
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    results.push(
      fail(
        'migrations',
        `the database has ${unknown.length === 1 ? 'a migration' : `${unknown.length} migrations`} this klarna-local does not know (${unknown.join(', ')}): a newer klarna-local migrated it, and this one cannot serve it. Run that newer version, or use another database.`,
      ),
    );
  }
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0) {
    results.push(fail('migrations', `${pending.length} of ${known.length} pending (${pending.join(', ')}): ${migrate} applies them (serve does too, at start).`));
  }
  return results.length > 0 ? results : [ok('migrations', `all ${known.length} applied (newest ${known[known.length - 1] ?? 'none'})`)];
}

async function checkMerchants(reader: Reader, configured: readonly string[]): Promise<CheckResult> {
  if (!(await reader.hasTable('merchants'))) return skip('merchants', 'not checked: the database has no tables yet (see migrations)');
  const rows = await reader.all<{ username: string }>('select username from merchants order by created_at, username');
  if (rows.length === 0) {
    if (configured.length > 0) return ok('merchants', `none stored yet; serve creates ${configured.join(', ')} (--merchants / KLARNA_LOCAL_MERCHANTS) at start`);
    return fail(
      'merchants',
      'no merchant yet, so no credentials work: `klarna-local merchants add NAME:PASSWORD` creates one (or set KLARNA_LOCAL_MERCHANTS; without either, serve creates one at its first start and prints its password once).',
    );
  }
  const shown = rows.slice(0, 5).map((r) => r.username);
  return ok('merchants', `${rows.length} (${shown.join(', ')}${rows.length > shown.length ? ', …' : ''})`);
}

async function checkDatabase(url: string, configuredMerchants: readonly string[]): Promise<CheckResult[]> {
  const { results, reader } = url.startsWith('sqlite:') ? checkSqlite(url) : await checkPostgres(url);
  if (!reader) {
    const why = results.some((r) => r.status === 'fail') ? 'not checked: the database did not open (above)' : 'applied at every start (in-memory database)';
    const status = results.some((r) => r.status === 'fail') ? skip : ok;
    return [...results, status('migrations', why), status('merchants', url.endsWith(':memory:') ? 'created at every start (in-memory database)' : why)];
  }
  try {
    results.push(...(await checkMigrations(reader, url)));
    results.push(await checkMerchants(reader, configuredMerchants));
  } catch (error) {
    results.push(fail('migrations', `the database could not be read: ${(error as Error).message}`));
  } finally {
    await reader.close();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// The web build, the port, the public URL

function checkWebBuild(): CheckResult {
  try {
    requireWebBuild();
    return ok('web build', 'the browser code (dist/web) is built');
  } catch (error) {
    return fail('web build', (error as Error).message);
  }
}

/** Whether something answers `url`/healthz as klarna-local does ({"status":"ok"} with a Klarna-Correlation-Id). */
function probeHealth(url: string): Promise<{ klarnaLocal: boolean; answer: string } | null> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/healthz`, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 1000)));
      res.on('end', () => {
        let status: unknown;
        try {
          status = (JSON.parse(body) as { status?: unknown }).status;
        } catch {
          status = undefined;
        }
        const server = res.headers.server ? `, Server: ${res.headers.server}` : '';
        resolve({ klarnaLocal: res.statusCode === 200 && status === 'ok' && res.headers['klarna-correlation-id'] !== undefined, answer: `HTTP ${res.statusCode ?? '?'}${server}` });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(null));
  });
}

function tryListen(port: number, host: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

async function checkPort(config: Config): Promise<CheckResult> {
  const { port, host } = config;
  if (port === 0) return ok('port', `port 0: the server takes a free port at every start (its address is in the "listening on" line)`);
  const error = await tryListen(port, host);
  if (!error) return ok('port', `${host}:${port} is free`);
  switch (error.code) {
    case 'EADDRINUSE': {
      const url = localUrl(host, port);
      const probe = await probeHealth(url);
      if (probe?.klarnaLocal) return fail('port', `${host}:${port} is in use by a klarna-local that is already running (${url}/healthz answers): use that one, stop it, or choose another --port / PORT.`);
      const by = probe ? `another program that answers HTTP (${probe.answer})` : 'another program';
      return fail('port', `${host}:${port} is in use by ${by}: stop it, or choose another --port / PORT.`);
    }
    case 'EACCES':
      return fail('port', `this user may not listen on port ${port}${port < 1024 ? ' (ports below 1024 need administrator rights)' : ''}: choose --port / PORT 1024 or higher, e.g. 3000.`);
    case 'EADDRNOTAVAIL':
      return fail('port', `${host} is not an address of this machine: use --host / HOST 127.0.0.1 (this machine only) or 0.0.0.0 (every network).`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail('port', `the host name "${host}" does not resolve: use --host / HOST 127.0.0.1 or 0.0.0.0.`);
    default:
      return fail('port', `cannot listen on ${host}:${port}: ${error.message}`);
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '::', '[::0]']);

function checkPublicUrl(config: Config): CheckResult {
  if (config.publicUrlFromListen && config.port === 0) {
    return ok('public URL', 'not set: the URLs the server writes follow the address it listens on (a free port at every start); set --public-url / PUBLIC_URL when clients reach it by another name');
  }
  if (config.publicUrlFromListen) {
    const wildcard = WILDCARD_HOSTS.has(config.host);
    return ok(
      'public URL',
      `not set: the URLs the server writes (Location, redirect and checkout URLs) use ${config.publicUrl}${wildcard ? ', which works on this machine only' : ''}; set --public-url / PUBLIC_URL when shops or browsers reach it by another name (a container, a proxy, another machine)`,
    );
  }
  const url = new URL(config.publicUrl);
  const problems: string[] = [];
  if (WILDCARD_HOSTS.has(url.hostname)) problems.push(`its host ${url.hostname} is an address to listen on, not one a client can connect to: write the name or address clients use`);
  if (url.port === '0') problems.push('port 0 is not a port a client can connect to: write the port clients use');
  if (url.username || url.password) problems.push('it holds credentials, which would be written into every URL: leave them out');
  if (url.search || url.hash) problems.push('a base URL has no ?query or #fragment: leave them out');
  if (problems.length > 0) return fail('public URL', `${config.publicUrl}: ${problems.join('; ')}.`);
  const prefix = url.pathname !== '/' && url.pathname !== '' ? ` (with the path ${url.pathname}: the proxy in front must remove it before passing requests on)` : '';
  return ok('public URL', `the URLs the server writes start with ${config.publicUrl}${prefix}`);
}

// ---------------------------------------------------------------------------------------------

/** Every check, in the order they are printed. */
export async function runDoctor(flags: DoctorFlags, env: NodeJS.ProcessEnv = process.env, nodeVersion: string = process.version): Promise<CheckResult[]> {
  const input = toInput(flags);
  const results: CheckResult[] = [checkNode(nodeVersion), ...checkConfiguration(input, env)];

  const database = partialConfig(input, env, ['databaseUrl', 'merchants']);
  if (database instanceof ConfigError) {
    const merchantsOnly = partialConfig(input, env, ['databaseUrl']);
    const url = merchantsOnly instanceof ConfigError ? null : merchantsOnly.databaseUrl;
    if (url === null) results.push(skip('database', `not checked: the database URL is invalid (above); the default is ${DEFAULT_DATABASE_URL}`), skip('migrations', 'not checked'), skip('merchants', 'not checked'));
    else results.push(...(await checkDatabase(url, [])));
  } else {
    results.push(...(await checkDatabase(database.databaseUrl, database.merchants.map((m) => m.username))));
  }

  results.push(checkWebBuild());

  const listen = partialConfig(input, env, ['port', 'host']);
  results.push(listen instanceof ConfigError ? skip('port', 'not checked: the port or host is invalid (above)') : await checkPort(listen));

  const publicUrl = partialConfig(input, env, ['port', 'host', 'publicUrl']);
  results.push(publicUrl instanceof ConfigError ? skip('public URL', 'not checked: it, the port or the host is invalid (above)') : checkPublicUrl(publicUrl));
  return results;
}

const MARKS: Record<CheckStatus, string> = { ok: '✓', fail: '✗', skip: '-' };

export function formatResults(results: readonly CheckResult[]): string {
  const failed = results.filter((r) => r.status === 'fail').length;
  const lines = results.map((r) => `${MARKS[r.status]} ${r.check}: ${r.message}`);
  lines.push(failed === 0 ? 'Everything klarna-local needs is in place.' : `${failed} ${failed === 1 ? 'check' : 'checks'} failed: fix ${failed === 1 ? 'it' : 'them'} and run \`klarna-local doctor\` again.`);
  return `${lines.join('\n')}\n`;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check what serve needs (Node.js, configuration, database, migrations, merchants, web build, port, public URL) and say what is wrong and how to fix it; changes nothing")
    .option('--port <port>', 'port serve would listen on (env PORT, default 3000)')
    .option('--host <host>', 'address serve would listen on (env HOST, default 127.0.0.1)')
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL, default sqlite:data/klarna-local.sqlite)')
    .option('--public-url <url>', 'base of the URLs the server writes (env PUBLIC_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL)')
    .option('--merchants <list>', 'username:password[,…] serve would create (env KLARNA_LOCAL_MERCHANTS)')
    .option('--no-sandbox', 'as serve --no-sandbox (env KLARNA_LOCAL_SANDBOX=false)')
    .option('--processes <n>', 'as serve --processes (env KLARNA_LOCAL_PROCESSES)')
    .option('--rate-limit <mode>', 'as serve --rate-limit (env KLARNA_LOCAL_RATE_LIMIT)')
    .option('--rate-limit-lockout <scope>', 'as serve --rate-limit-lockout (env KLARNA_LOCAL_RATE_LIMIT_LOCKOUT)')
    .option('--sandbox-clock <scope>', 'as serve --sandbox-clock (env KLARNA_LOCAL_SANDBOX_CLOCK)')
    .option('--no-journal', 'as serve --no-journal (env KLARNA_LOCAL_JOURNAL=false)')
    .addHelpText(
      'after',
      `
Give it the flags and environment serve gets. One line per check: ✓ in place, ✗ wrong (with what to
do), - not checked because of an earlier ✗. Exit code 0 when every check passes, 1 otherwise.

The database is only read: doctor runs no migration and creates nothing (to check that SQLite's
write-ahead log works, it makes and deletes a scratch file next to a database that does not use it
yet). The port is free when doctor can listen on it for a moment.

Example:
  DATABASE_URL=postgres://klarna@db:5432/klarna klarna-local doctor --port 3000`,
    )
    .action(async (flags: DoctorFlags) => {
      let results: CheckResult[];
      try {
        results = await runDoctor(flags);
      } catch (error) {
        console.error(`klarna-local: doctor failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      }
      process.stdout.write(formatResults(results));
      process.exitCode = results.some((r) => r.status === 'fail') ? 1 : 0;
    });
}
