/** Environment and flags → one typed, validated Config. */
import os from 'node:os';
import path from 'node:path';
import { CLOCK_SCOPES } from './platform/clock.js';
import type { ClockScope } from './platform/clock.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Klarna's rate limits of one environment, or none (src/modules/operations/rate-limit.ts). */
export type RateLimitMode = 'off' | 'playground' | 'live';
const RATE_LIMIT_MODES: readonly RateLimitMode[] = ['off', 'playground', 'live'];
/**
 * What is refused once a quota is used up: every request of the merchant until that window ends
 * (Klarna's reading, the default), or only the requests of the exhausted category.
 */
export type RateLimitLockout = 'merchant' | 'category';
const RATE_LIMIT_LOCKOUTS: readonly RateLimitLockout[] = ['merchant', 'category'];

export interface MerchantCredential {
  readonly username: string;
  readonly password: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** `sqlite:<path>` or `postgres://…`. */
  readonly databaseUrl: string;
  /** Base of absolute URLs in `Location` headers, without a trailing slash. */
  readonly publicUrl: string;
  /** True when PUBLIC_URL was not given: the base then follows the address actually listened on. */
  readonly publicUrlFromListen: boolean;
  readonly logLevel: LogLevel;
  readonly merchants: readonly MerchantCredential[];
  /** When false, `/sandbox/v1/…` is not served. */
  readonly sandbox: boolean;
  /** How often background work (expiry sweep) runs. */
  readonly sweepIntervalMs: number;
  /** How often each process looks for due merchant callbacks (they are also sent at once when due). */
  readonly callbackPollMs: number;
  /** Server processes sharing the port (`serve --processes`); 1 runs in this process. */
  readonly processes: number;
  /** Emulate Klarna's rate limits of this environment (429 TOO_MANY_REQUESTS), or not. */
  readonly rateLimit: RateLimitMode;
  /** Whether a merchant over one quota is refused everything (`merchant`) or only that category. */
  readonly rateLimitLockout: RateLimitLockout;
  /** The dashboard's administrator, who sees every merchant (KLARNA_LOCAL_DASHBOARD_ADMIN); none when not set. */
  readonly dashboardAdmin: MerchantCredential | null;
  /** Whose time a merchant's `POST /sandbox/v1/clock/advance` moves: its own (`merchant`) or everyone's (`server`). */
  readonly sandboxClock: ClockScope;
  /** Whether merchants' API calls are journaled (the timeline's calls, the integration report); `--no-journal` turns it off. */
  readonly journal: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`invalid ${setting}: ${message}`);
  }
}

export interface ConfigInput {
  port?: string | undefined;
  host?: string | undefined;
  databaseUrl?: string | undefined;
  publicUrl?: string | undefined;
  logLevel?: string | undefined;
  merchants?: string | undefined;
  sandbox?: boolean | undefined;
  sweepIntervalMs?: string | undefined;
  callbackPollMs?: string | undefined;
  processes?: string | undefined;
  rateLimit?: string | undefined;
  rateLimitLockout?: string | undefined;
  /** `username:password` (only from the environment in the CLI: a password in a flag shows in `ps`). */
  dashboardAdmin?: string | undefined;
  sandboxClock?: string | undefined;
  journal?: boolean | undefined;
}

export const DEFAULT_DATABASE_URL = `sqlite:${path.join('data', 'klarna-local.sqlite')}`;

/** Flags win over environment variables; environment variables win over defaults. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (flag: string | undefined, name: string): string | undefined => {
    if (flag !== undefined) return flag;
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const port = parsePort(pick(flags.port, 'PORT') ?? '3000');
  const host = pick(flags.host, 'HOST') ?? '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError('HOST', `"${host}" is not a host name or address`);
  const databaseUrl = parseDatabaseUrl(pick(flags.databaseUrl, 'DATABASE_URL') ?? DEFAULT_DATABASE_URL);
  const publicUrlRaw = pick(flags.publicUrl, 'PUBLIC_URL');
  const publicUrl = parsePublicUrl(publicUrlRaw, host, port);
  const logLevel = parseLogLevel(pick(flags.logLevel, 'LOG_LEVEL') ?? 'info');
  const merchants = parseMerchants(pick(flags.merchants, 'KLARNA_LOCAL_MERCHANTS'));
  const sandboxEnv = env.KLARNA_LOCAL_SANDBOX;
  const sandbox = flags.sandbox ?? (sandboxEnv === undefined ? true : parseBoolean('KLARNA_LOCAL_SANDBOX', sandboxEnv));
  const sweepIntervalMs = parsePositiveInt('SWEEP_INTERVAL_MS', pick(flags.sweepIntervalMs, 'SWEEP_INTERVAL_MS') ?? '1000');
  const callbackPollMs = parsePositiveInt('CALLBACK_POLL_MS', pick(flags.callbackPollMs, 'CALLBACK_POLL_MS') ?? '200');
  const processes = parseProcesses(pick(flags.processes, 'KLARNA_LOCAL_PROCESSES') ?? '1');
  const rateLimit = parseRateLimit(pick(flags.rateLimit, 'KLARNA_LOCAL_RATE_LIMIT') ?? 'off');
  const rateLimitLockout = parseRateLimitLockout(pick(flags.rateLimitLockout, 'KLARNA_LOCAL_RATE_LIMIT_LOCKOUT') ?? 'merchant');
  const dashboardAdmin = parseDashboardAdmin(pick(flags.dashboardAdmin, 'KLARNA_LOCAL_DASHBOARD_ADMIN'));
  const sandboxClock = parseSandboxClock(pick(flags.sandboxClock, 'KLARNA_LOCAL_SANDBOX_CLOCK') ?? 'merchant');
  const journalEnv = pick(undefined, 'KLARNA_LOCAL_JOURNAL');
  const journal = flags.journal ?? (journalEnv === undefined ? true : parseBoolean('KLARNA_LOCAL_JOURNAL', journalEnv));
  return {
    port,
    host,
    databaseUrl,
    publicUrl,
    publicUrlFromListen: publicUrlRaw === undefined,
    logLevel,
    merchants,
    sandbox,
    sweepIntervalMs,
    callbackPollMs,
    processes,
    rateLimit,
    rateLimitLockout,
    dashboardAdmin,
    sandboxClock,
    journal,
  };
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', `"${raw}" is not a port number (0-65535)`);
  }
  return port;
}

function parsePositiveInt(setting: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1) throw new ConfigError(setting, `"${raw}" is not a positive integer`);
  return value;
}

/** A count of processes, or `auto` for one per CPU. */
function parseProcesses(raw: string): number {
  if (raw === 'auto') return Math.max(1, os.availableParallelism());
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 64) throw new ConfigError('KLARNA_LOCAL_PROCESSES', `"${raw}" is not a process count (1-64 or auto)`);
  return value;
}

function parseBoolean(setting: string, raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(setting, `"${raw}" is not a boolean (true/false)`);
}

function parseDatabaseUrl(raw: string): string {
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return raw;
  }
  if (raw.startsWith('sqlite:')) {
    if (raw.length === 'sqlite:'.length) throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:data/db.sqlite');
    return raw;
  }
  throw new ConfigError('DATABASE_URL', 'must start with postgres://, postgresql:// or sqlite:');
}

/** The URL a client on this machine uses to reach a server listening on host:port. */
export function localUrl(host: string, port: number): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}`;
}

function parsePublicUrl(raw: string | undefined, host: string, port: number): string {
  if (raw === undefined) return localUrl(host, port);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('PUBLIC_URL', 'must be http:// or https://');
  return raw.replace(/\/+$/, '');
}

function parseRateLimit(raw: string): RateLimitMode {
  const mode = raw.toLowerCase() as RateLimitMode;
  if (!RATE_LIMIT_MODES.includes(mode)) throw new ConfigError('KLARNA_LOCAL_RATE_LIMIT', `"${raw}" is not one of ${RATE_LIMIT_MODES.join(', ')}`);
  return mode;
}

function parseRateLimitLockout(raw: string): RateLimitLockout {
  const lockout = raw.toLowerCase() as RateLimitLockout;
  if (!RATE_LIMIT_LOCKOUTS.includes(lockout)) throw new ConfigError('KLARNA_LOCAL_RATE_LIMIT_LOCKOUT', `"${raw}" is not one of ${RATE_LIMIT_LOCKOUTS.join(', ')}`);
  return lockout;
}

function parseSandboxClock(raw: string): ClockScope {
  const scope = raw.toLowerCase() as ClockScope;
  if (!CLOCK_SCOPES.includes(scope)) throw new ConfigError('KLARNA_LOCAL_SANDBOX_CLOCK', `"${raw}" is not one of ${CLOCK_SCOPES.join(', ')}`);
  return scope;
}

function parseLogLevel(raw: string): LogLevel {
  const level = raw.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new ConfigError('LOG_LEVEL', `"${raw}" is not one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** `username:password` (the password is everything after the first colon), or null when not set. */
export function parseDashboardAdmin(raw: string | undefined): MerchantCredential | null {
  if (raw === undefined) return null;
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new ConfigError('KLARNA_LOCAL_DASHBOARD_ADMIN', 'expected username:password');
  const username = raw.slice(0, colon);
  if (username.length > 255) throw new ConfigError('KLARNA_LOCAL_DASHBOARD_ADMIN', 'the username is longer than 255 characters');
  return { username, password: raw.slice(colon + 1) };
}

/** `username:password[,username:password…]`; the password is everything after the first colon. */
export function parseMerchants(raw: string | undefined): MerchantCredential[] {
  if (raw === undefined) return [];
  const merchants: MerchantCredential[] = [];
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    if (colon <= 0 || colon === trimmed.length - 1) {
      throw new ConfigError('KLARNA_LOCAL_MERCHANTS', 'expected username:password[,username:password…]');
    }
    const username = trimmed.slice(0, colon);
    if (username.length > 255) throw new ConfigError('KLARNA_LOCAL_MERCHANTS', 'a username is longer than 255 characters');
    if (merchants.some((m) => m.username === username)) {
      throw new ConfigError('KLARNA_LOCAL_MERCHANTS', `username "${username}" appears twice`);
    }
    merchants.push({ username, password: trimmed.slice(colon + 1) });
  }
  return merchants;
}
