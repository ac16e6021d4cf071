/**
 * klarna-local as a library, for test suites (Vitest, Jest, `node:test`): `startKlarnaLocal()` starts
 * the whole server in this process, on a free port and an in-memory database by default, with its
 * own merchants, and hands back their credentials and a typed sandbox client. Several instances may
 * run side by side, each with its own database; `stop()` releases everything the instance holds.
 *
 * The user's environment is not read (no DATABASE_URL, PORT, LOG_LEVEL, …): an instance is what its
 * options say, so a developer's shell never points a test at another database.
 */
import path from 'node:path';
import { createLogger, startServer } from './main.js';
import type { Server } from './main.js';
import { ConfigError, loadConfig } from './config.js';
import type { Config, LogLevel, MerchantCredential } from './config.js';
import type { ClockScope } from './platform/clock.js';
import { generateCredential } from './modules/merchants/provision.js';
import type { SettingsBody } from './modules/merchants/schemas.js';
import { SandboxClient, durationSeconds } from './client/sandbox-client.js';
import type { Duration } from './client/sandbox-client.js';

export { SandboxClient, KlarnaLocalError, durationSeconds } from './client/sandbox-client.js';
export type { Duration, RequestInput, SandboxClientOptions } from './client/sandbox-client.js';
export { SANDBOX_ROUTES } from './client/routes.js';
export type { HttpMethod, RouteBody, RouteParams, RouteQuery, RouteResponse, SandboxRoute, SandboxRouteName } from './client/routes.js';
export type { LogLevel, MerchantCredential } from './config.js';
export type { ClockScope } from './platform/clock.js';
export type { MerchantSettings } from './modules/merchants/merchant.js';

/**
 * Where the instance keeps its data: `'memory'` (the default: SQLite in memory, gone at `stop()`),
 * `{ file }` (a SQLite file, kept across stops), or a database URL (`sqlite:<path>`, `postgres://…`).
 */
export type DatabaseOption = 'memory' | { file: string } | string;

export interface KlarnaLocalOptions {
  /** Default `'memory'`. */
  database?: DatabaseOption;
  /**
   * The merchants to provision: their credentials, or how many to generate. Default: one generated.
   * With a kept database (a file, PostgreSQL), give credentials to find the same merchant again.
   */
  merchants?: number | readonly MerchantCredential[];
  /** Base of the absolute URLs the server writes (`Location`, redirect URLs, the checkout snippet); default: `url`. */
  publicUrl?: string;
  /** Settings for every merchant of this instance (`PATCH /sandbox/v1/settings`, docs/fidelity.md). */
  settings?: SettingsBody;
  /** Default `'silent'`. */
  logLevel?: LogLevel;
  /** Where the sandbox clock starts (every merchant's): a Date, an ISO 8601 string or epoch milliseconds. Default: now. */
  clockStart?: Date | string | number;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Whose time `advanceClock` moves: the merchant's own (default) or every merchant's (`'server'`). */
  sandboxClock?: ClockScope;
}

export interface KlarnaLocal extends AsyncDisposable {
  /** Where the server listens, e.g. `http://127.0.0.1:53117`: the base URL for the merchant's Klarna client. */
  readonly url: string;
  /** Base of the absolute URLs the server writes (`url` unless the `publicUrl` option says otherwise). */
  readonly publicUrl: string;
  /** The first merchant's API credentials (HTTP Basic). */
  readonly credentials: MerchantCredential;
  /** Every merchant of this instance, the first one first. */
  readonly merchants: readonly MerchantCredential[];
  /** The sandbox API as the first merchant. */
  readonly sandbox: SandboxClient;
  /** The sandbox API as another merchant of this instance. */
  sandboxFor(username: string): SandboxClient;
  /**
   * Empties every merchant of this instance (`POST /sandbox/v1/reset`: orders, sessions, callbacks,
   * …, its own clock back on the server's) and applies the `settings` option again, which the
   * sandbox's reset alone puts back to the defaults.
   */
  reset(): Promise<void>;
  /** Moves every merchant's clock forward; what falls due for each merchant happens before it resolves. */
  advanceServerClock(by: Duration): Promise<void>;
  /** Closes the HTTP server and its connections, the background work, the callback dispatcher and the database. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startKlarnaLocal(options: KlarnaLocalOptions = {}): Promise<KlarnaLocal> {
  const merchants = merchantsOf(options.merchants);
  const clockStart = options.clockStart === undefined ? undefined : startOf(options.clockStart);
  const port = options.port ?? 0;
  if (!Number.isInteger(port)) throw new ConfigError('port', `${port} is not a port number (0-65535)`);
  const loaded = loadConfig(
    {
      port: String(port),
      host: options.host ?? '127.0.0.1',
      databaseUrl: databaseUrlOf(options.database ?? 'memory'),
      publicUrl: options.publicUrl,
      logLevel: options.logLevel ?? 'silent',
      sandbox: true,
      sandboxClock: options.sandboxClock,
    },
    {},
  );
  // Credentials as given (loadConfig's text form cannot hold a password with a comma).
  const config: Config = { ...loaded, merchants };
  const server = await startServer(config, createLogger(config));
  const clients = new Map(merchants.map((m) => [m.username, new SandboxClient({ url: server.url, ...m })]));
  const first = clients.get(merchants[0]?.username ?? '');
  try {
    if (!first) throw new Error('no merchant');
    // Before any traffic: nothing has been stamped with the wall clock yet.
    if (clockStart !== undefined) await server.clock.setServerNow(clockStart);
    if (options.settings !== undefined) for (const client of clients.values()) await client.updateSettings(options.settings);
  } catch (error) {
    await server.close();
    throw error;
  }
  return instance(server, merchants, clients, first, options.settings);
}

function instance(
  server: Server,
  merchants: readonly MerchantCredential[],
  clients: Map<string, SandboxClient>,
  first: SandboxClient,
  settings: SettingsBody | undefined,
): KlarnaLocal {
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= server.close());
  return {
    url: server.url,
    publicUrl: server.publicUrl,
    credentials: merchants[0] as MerchantCredential,
    merchants,
    sandbox: first,
    sandboxFor(username) {
      const client = clients.get(username);
      if (!client) throw new Error(`no merchant "${username}" in this klarna-local (${[...clients.keys()].join(', ')})`);
      return client;
    },
    async reset() {
      for (const client of clients.values()) {
        await client.reset();
        if (settings !== undefined) await client.updateSettings(settings);
      }
    },
    async advanceServerClock(by) {
      const seconds = durationSeconds(by);
      // Every merchant's due work and due callbacks are done before it resolves, those of merchants
      // this instance did not create (a kept database) included.
      await server.advanceServerClock(seconds);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function merchantsOf(option: KlarnaLocalOptions['merchants']): MerchantCredential[] {
  if (option === undefined) return [generateCredential()];
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 1 || option > 100) throw new ConfigError('merchants', `${option} is not a number of merchants (1-100)`);
    return Array.from({ length: option }, () => generateCredential());
  }
  if (option.length === 0) throw new ConfigError('merchants', 'give at least one merchant, or a number of merchants');
  const seen = new Set<string>();
  return option.map(({ username, password }) => {
    // Basic authentication splits at the first colon: a username cannot hold one.
    if (typeof username !== 'string' || username === '' || username.includes(':') || username.length > 255) {
      throw new ConfigError('merchants', `"${username}" is not a username (1-255 characters, no colon)`);
    }
    if (typeof password !== 'string' || password === '') throw new ConfigError('merchants', `merchant "${username}" has no password`);
    if (seen.has(username)) throw new ConfigError('merchants', `username "${username}" appears twice`);
    seen.add(username);
    return { username, password };
  });
}

function databaseUrlOf(option: DatabaseOption): string {
  if (option === 'memory') return 'sqlite::memory:';
  if (typeof option === 'object') {
    if (typeof option.file !== 'string' || option.file === '') throw new ConfigError('database', '{ file } needs a file path');
    return `sqlite:${path.resolve(option.file)}`;
  }
  return option;
}

function startOf(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (!Number.isFinite(ms)) throw new ConfigError('clockStart', `${String(value)} is not a date (a Date, an ISO 8601 string or epoch milliseconds)`);
  return ms;
}
