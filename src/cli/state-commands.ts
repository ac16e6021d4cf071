/**
 * `klarna-local exec`, `export` and `import`: a server for one command's lifetime (CI runs each
 * project's tests against a server of its own), and a merchant's whole state saved to and restored
 * from a JSON snapshot, in a database or through a running server's sandbox routes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import pino from 'pino';
import type { Logger } from 'pino';
import { loadConfig } from '../config.js';
import type { Config, MerchantCredential } from '../config.js';
import type { Server } from '../main.js';
import type { Db } from '../platform/db/database.js';
import { ApiError } from '../platform/http/errors.js';
import { createLogger } from '../platform/logging.js';
import type { TableCounts } from '../modules/sandbox/merchant-state.js';
import { requireWebBuild } from '../modules/shopper/web-assets.js';

// What a command needs is loaded when it runs: the server's code for exec, the database's for the rest.
const serverCode = () => import('../main.js');
const stateCode = async () => {
  const [{ Clock }, { migrateToLatest, openDatabase }, state] = await Promise.all([
    import('../platform/clock.js'),
    import('../platform/db/database.js'),
    import('../modules/sandbox/merchant-state.js'),
  ]);
  return { Clock, migrateToLatest, openDatabase, ...state };
};

/** A refusal the command reports in one line and exits 1 for. */
class CommandError extends Error {}

function fail(error: unknown): never {
  if (error instanceof ApiError) console.error(`klarna-local: ${error.errorMessages.join('; ')}`);
  else console.error(`klarna-local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const shownDatabase = (url: string) => (url.startsWith('sqlite:') ? url : url.replace(/\/\/[^@/]*@/, '//***@'));

/** The server's logger on stderr: `exec`'s stdout is the command's. */
const stderrLogger = (config: Pick<Config, 'logLevel'>): Logger => createLogger(config, pino.destination({ dest: 2, sync: true }));

/** Only klarna-local's own variables configure `exec`'s server: PORT, DATABASE_URL, … are left to the command. */
function ownEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('KLARNA_LOCAL_') && name !== 'KLARNA_LOCAL_PROCESSES'));
}

async function readSnapshot(file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      throw new CommandError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  if (process.stdin.isTTY) throw new CommandError('give the snapshot with --file FILE, or pipe it to stdin');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseSnapshot(text: string, from: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CommandError(`${from} is not JSON: ${(error as Error).message}`);
  }
}

const describeCounts = (counts: TableCounts): string => {
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  const listed = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `${table} ${n}`);
  return `${rows} rows${listed.length > 0 ? ` (${listed.join(', ')})` : ''}`;
};

// ---------------------------------------------------------------------------------------------
// exec

interface ExecFlags {
  databaseUrl?: string;
  port?: string;
  merchants?: string;
  logLevel?: string;
  import?: string;
  publicUrl?: string;
}

/** The merchant whose credentials the command gets: the first configured, else the one generated now. */
async function commandMerchant(server: Server, config: Config): Promise<MerchantCredential> {
  const chosen = config.merchants[0] ?? server.provision.generated;
  if (!chosen) throw new CommandError(`the database already has merchants (${server.provision.usernames.join(', ')}): name one with --merchants username:password`);
  return chosen;
}

async function importFixture(server: Server, username: string, file: string): Promise<void> {
  const snapshot = parseSnapshot(await readSnapshot(file), file);
  const { importMerchantState, merchantIdOf } = await stateCode();
  const merchantId = await merchantIdOf(server.db, username);
  if (merchantId === undefined) throw new CommandError(`no merchant named "${username}"`);
  try {
    await importMerchantState(server.db, server.clock, merchantId, snapshot);
  } catch (error) {
    if (error instanceof ApiError) throw new CommandError(`cannot import ${file}: ${error.errorMessages.join('; ')}`);
    throw error;
  }
}

async function exec(command: string, args: string[], flags: ExecFlags): Promise<never> {
  let config: Config;
  try {
    config = loadConfig(
      {
        databaseUrl: flags.databaseUrl ?? 'sqlite::memory:',
        port: flags.port ?? '0',
        host: '127.0.0.1',
        logLevel: flags.logLevel ?? 'warn',
        merchants: flags.merchants,
        publicUrl: flags.publicUrl,
        processes: '1',
      },
      ownEnvironment(),
    );
    requireWebBuild();
  } catch (error) {
    fail(error);
  }
  let server: Server;
  try {
    const { startServer } = await serverCode();
    server = await startServer(config, stderrLogger(config));
  } catch (error) {
    fail(error);
  }
  let merchant: MerchantCredential;
  try {
    merchant = await commandMerchant(server, config);
    if (flags.import !== undefined) await importFixture(server, merchant.username, flags.import);
  } catch (error) {
    await server.close();
    fail(error);
  }

  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, KLARNA_LOCAL_URL: server.url, KLARNA_LOCAL_USERNAME: merchant.username, KLARNA_LOCAL_PASSWORD: merchant.password },
  });
  // Ctrl-C or a CI runner's SIGTERM reaches the command; the server stops once the command has.
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await server.close();
  if ('error' in outcome) {
    console.error(`klarna-local: cannot run ${command}: ${outcome.error.message}`);
    // As a shell reports a command it cannot find (127) or cannot run (126).
    process.exit(outcome.error.code === 'ENOENT' ? 127 : 126);
  }
  if (outcome.code !== null) process.exit(outcome.code);
  process.exit(128 + (outcome.signal ? (os.constants.signals[outcome.signal] ?? 0) : 0));
}

// ---------------------------------------------------------------------------------------------
// export / import

interface StateFlags {
  merchant?: string;
  databaseUrl?: string;
  url?: string;
  username?: string;
  password?: string;
}

interface Remote {
  url: string;
  authorization: string;
}

/** A running server's sandbox (`--url`, or KLARNA_LOCAL_URL unless --database-url is given), or undefined for a database. */
function remoteOf(flags: StateFlags): Remote | undefined {
  const url = flags.url ?? (flags.databaseUrl === undefined ? process.env.KLARNA_LOCAL_URL : undefined);
  if (url === undefined || url === '') return undefined;
  const username = flags.username ?? flags.merchant ?? process.env.KLARNA_LOCAL_USERNAME;
  const password = flags.password ?? process.env.KLARNA_LOCAL_PASSWORD;
  if (!username || password === undefined) throw new CommandError(`${url}: give the merchant's --username and --password (or KLARNA_LOCAL_USERNAME and KLARNA_LOCAL_PASSWORD)`);
  return { url: url.replace(/\/+$/, ''), authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** One sandbox call; the answer's text, or a CommandError with the server's refusal. */
async function callRemote(remote: Remote, method: 'GET' | 'PUT', path: string, body?: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${remote.url}${path}`, {
      method,
      headers: { authorization: remote.authorization, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body }),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CommandError(`cannot reach ${remote.url}: ${cause ?? (error as Error).message}`);
  }
  const text = await res.text();
  if (res.ok) return text;
  let detail = text.slice(0, 500);
  try {
    const envelope = JSON.parse(text) as { error_code?: string; error_messages?: string[] };
    if (envelope.error_code) detail = `${envelope.error_code}: ${(envelope.error_messages ?? []).join('; ')}`;
  } catch {
    // Not the envelope: shown as it came.
  }
  throw new CommandError(`${method} ${remote.url}${path}: ${res.status} ${detail}`);
}

/** A migrated database and the merchant's id in it; closed by the caller. */
async function openMerchant(flags: StateFlags): Promise<{ db: Db; merchantId: string }> {
  if (!flags.merchant) throw new CommandError('name the merchant with --merchant USERNAME');
  const config = loadConfig({ databaseUrl: flags.databaseUrl });
  const { migrateToLatest, openDatabase, merchantIdOf } = await stateCode();
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const merchantId = await merchantIdOf(db, flags.merchant);
    if (merchantId === undefined) throw new CommandError(`no merchant named "${flags.merchant}" in ${shownDatabase(config.databaseUrl)}`);
    return { db, merchantId };
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function exportState(flags: StateFlags & { output?: string }): Promise<void> {
  const remote = remoteOf(flags);
  let text: string;
  if (remote) {
    text = await callRemote(remote, 'GET', '/sandbox/v1/snapshot');
  } else {
    const { db, merchantId } = await openMerchant(flags);
    const { Clock, exportMerchantState } = await stateCode();
    try {
      text = JSON.stringify(await exportMerchantState(db, new Clock(db), merchantId));
    } finally {
      await db.close();
    }
  }
  if (flags.output !== undefined) await fs.promises.writeFile(flags.output, `${text}\n`);
  // No process.exit after this: stdout to a pipe is written asynchronously.
  else process.stdout.write(`${text}\n`);
}

async function importState(flags: StateFlags & { file?: string; keepClock?: boolean }): Promise<void> {
  const remote = remoteOf(flags);
  const text = await readSnapshot(flags.file);
  const from = flags.file ?? 'stdin';
  if (remote) {
    const answer = JSON.parse(await callRemote(remote, 'PUT', `/sandbox/v1/snapshot${flags.keepClock ? '?keep_clock=true' : ''}`, text)) as { imported: TableCounts; clock: { now: string } };
    process.stdout.write(`imported ${from}: ${describeCounts(answer.imported)}; the merchant's clock reads ${answer.clock.now}\n`);
    return;
  }
  const snapshot = parseSnapshot(text, from);
  const { db, merchantId } = await openMerchant(flags);
  const { Clock, importMerchantState } = await stateCode();
  try {
    const clock = new Clock(db);
    let imported: TableCounts;
    try {
      imported = await importMerchantState(db, clock, merchantId, snapshot, { keepClock: flags.keepClock === true });
    } catch (error) {
      if (error instanceof ApiError) throw new CommandError(`cannot import ${from}: ${error.errorMessages.join('; ')}`);
      throw error;
    }
    const now = new Date(await clock.now(merchantId)).toISOString();
    process.stdout.write(`imported ${from} into ${flags.merchant ?? ''}: ${describeCounts(imported)}; its clock reads ${now}\n`);
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------

const SNAPSHOT_HELP = `
A snapshot is one JSON document: every row of the merchant's orders, captures, refunds, Payments
sessions and authorizations, customer tokens, Checkout and HPP sessions, callbacks and their
attempts, events, messages, settlements, Merchant Card data, fault rules, API call log and
idempotency keys, with its settings and its clock. It imports on SQLite and PostgreSQL alike, into
a database at the same migration or a newer one.

Either a database (--database-url, env DATABASE_URL, default sqlite:data/klarna-local.sqlite;
migrated first) or a running server through its sandbox routes (--url with the merchant's
--username and --password, or KLARNA_LOCAL_URL, KLARNA_LOCAL_USERNAME and KLARNA_LOCAL_PASSWORD, as
\`klarna-local exec\` sets them): a server on sqlite::memory: has a database nobody else can open.`;

export function registerStateCommands(program: Command): void {
  program
    .command('exec')
    .description(
      'start a server, run a command against it and stop the server: the command gets KLARNA_LOCAL_URL, KLARNA_LOCAL_USERNAME and KLARNA_LOCAL_PASSWORD, and exec exits with its exit code',
    )
    .usage('[options] -- <command> [args...]')
    .argument('<command>', 'the command to run (no shell: write `sh -c "…"` for one)')
    .argument('[args...]', "the command's arguments")
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (default sqlite::memory:, a database of this run only)')
    .option('--port <port>', 'port to listen on, on 127.0.0.1 (default 0: a free port)')
    .option('--merchants <list>', 'username:password[,…] to create; the command gets the first (env KLARNA_LOCAL_MERCHANTS; default: one generated merchant)')
    .option('--import <file>', "a snapshot (klarna-local export) to start from, imported into the command's merchant")
    .option('--public-url <url>', 'base of absolute URLs in answers (default the address listened on)')
    .option('--log-level <level>', "the server's log level, on stderr: fatal|error|warn|info|debug|trace|silent (default warn)")
    .addHelpText(
      'after',
      `
Nothing of exec's own is written to stdout (the server logs to stderr), so \`exec -- cmd > out\` holds
only the command's output. SIGINT and SIGTERM are passed on to the command; a command killed by a
signal makes exec exit with 128 + its number. Of the environment only KLARNA_LOCAL_* variables
configure the server: PORT, DATABASE_URL, PUBLIC_URL and LOG_LEVEL are left to the command.

Example:
  klarna-local exec --import fixtures/shop.json -- npm test`,
    )
    .action((command: string, args: string[], flags: ExecFlags) => exec(command, args, flags));

  program
    .command('export')
    .description("write a merchant's whole state (orders, sessions, tokens, settings, clock, …) as a JSON snapshot")
    .option('--merchant <username>', 'the merchant (its username)')
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL)')
    .option('--url <url>', 'a running klarna-local instead of a database (env KLARNA_LOCAL_URL)')
    .option('--username <username>', "with --url: the merchant's username (env KLARNA_LOCAL_USERNAME; default --merchant)")
    .option('--password <password>', "with --url: the merchant's password (env KLARNA_LOCAL_PASSWORD)")
    .option('--output <file>', 'write the snapshot to this file (default stdout)')
    .addHelpText('after', `${SNAPSHOT_HELP}\n\nExample:\n  klarna-local export --merchant shop --database-url sqlite:data/shop.sqlite > snapshot.json`)
    .action((flags: StateFlags & { output?: string }) => exportState(flags).catch(fail));

  program
    .command('import')
    .description("replace a merchant's whole state with a snapshot's (everything it had is deleted first); its clock reads the snapshot's time")
    .option('--merchant <username>', 'the merchant (its username); it must exist')
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL)')
    .option('--url <url>', 'a running klarna-local instead of a database (env KLARNA_LOCAL_URL)')
    .option('--username <username>', "with --url: the merchant's username (env KLARNA_LOCAL_USERNAME; default --merchant)")
    .option('--password <password>', "with --url: the merchant's password (env KLARNA_LOCAL_PASSWORD)")
    .option('--file <file>', 'the snapshot (default stdin)')
    .option('--keep-clock', "leave the merchant's clock as it is instead of the snapshot's time")
    .addHelpText('after', `${SNAPSHOT_HELP}\n\nExample:\n  klarna-local import --merchant shop --database-url sqlite:data/shop.sqlite < snapshot.json`)
    .action((flags: StateFlags & { file?: string; keepClock?: boolean }) => importState(flags).catch(fail));
}
