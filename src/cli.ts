#!/usr/bin/env node
/** `klarna-local serve | migrate | merchants add | exec | export | import | seed | doctor | report | --version`, configured by flags or environment variables. */
import cluster from 'node:cluster';
import os from 'node:os';
import type { Worker } from 'node:cluster';
import { Command } from 'commander';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, parseMerchants } from './config.js';
import type { Config, ConfigInput } from './config.js';
import { createLogger } from './platform/logging.js';
import { serveClusterMetrics } from './modules/operations/metrics.js';
import { RATE_LIMITS, serveClusterRateLimits } from './modules/operations/rate-limit.js';
import { requireWebBuild } from './modules/shopper/web-assets.js';
import { registerStateCommands } from './cli/state-commands.js';
import { registerSeedCommand } from './cli/seed.js';
import { registerDoctorCommand } from './cli/doctor.js';
import { registerVersion } from './cli/package-info.js';
import { registerReportCommand } from './cli/report.js';

const program = new Command();
program
  .name('klarna-local')
  .description("A self-hosted, stateful server that implements Klarna's merchant REST APIs.")
  .showHelpAfterError();

interface ServeFlags {
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

const toInput = (flags: ServeFlags): ConfigInput => ({
  port: flags.port,
  host: flags.host,
  databaseUrl: flags.databaseUrl,
  publicUrl: flags.publicUrl,
  logLevel: flags.logLevel,
  merchants: flags.merchants,
  sandbox: flags.sandbox === false ? false : undefined,
  // A worker of `--processes N` is one process.
  processes: cluster.isWorker ? '1' : flags.processes,
  rateLimit: flags.rateLimit,
  rateLimitLockout: flags.rateLimitLockout,
  sandboxClock: flags.sandboxClock,
  journal: flags.journal === false ? false : undefined,
});

function fail(error: unknown): never {
  if (error instanceof ConfigError) console.error(`klarna-local: ${error.message}`);
  else console.error(`klarna-local: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

program
  .command('serve', { isDefault: true })
  .description('start the server (migrations run first)')
  .option('--port <port>', 'port to listen on (env PORT, default 3000)')
  .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
  .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL, default sqlite:data/klarna-local.sqlite)')
  .option('--public-url <url>', 'base of absolute Location headers (env PUBLIC_URL, default http://<host>:<port>)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
  .option('--merchants <list>', 'username:password[,username:password…] to create or update (env KLARNA_LOCAL_MERCHANTS)')
  .option('--no-sandbox', 'do not serve /sandbox/v1 (env KLARNA_LOCAL_SANDBOX=false)')
  .option('--processes <n>', 'server processes sharing the port, or auto for one per CPU (env KLARNA_LOCAL_PROCESSES, default 1)')
  .option('--rate-limit <mode>', "Klarna's rate limits per merchant: playground|live|off, counted across the workers of --processes (env KLARNA_LOCAL_RATE_LIMIT, default off)")
  .option(
    '--rate-limit-lockout <scope>',
    'once a quota is used up, refuse every request of the merchant until its window ends (merchant, as Klarna describes) or only that category (category) (env KLARNA_LOCAL_RATE_LIMIT_LOCKOUT, default merchant)',
  )
  .option(
    '--sandbox-clock <scope>',
    "whose time a merchant's POST /sandbox/v1/clock/advance moves: its own (merchant) or every merchant's (server) (env KLARNA_LOCAL_SANDBOX_CLOCK, default merchant)",
  )
  .option('--no-journal', "do not journal the merchants' API calls: no calls in the timelines, and the integration report sees only stored state (env KLARNA_LOCAL_JOURNAL=false)")
  .addHelpText(
    'after',
    '\nEnvironment only:\n  KLARNA_LOCAL_DASHBOARD_ADMIN=username:password  an administrator of /dashboard who sees every merchant (default: none)',
  )
  .action(async (flags: ServeFlags) => {
    let config;
    try {
      config = loadConfig(toInput(flags));
      requireWebBuild();
    } catch (error) {
      fail(error);
    }
    const logger = createLogger(config);
    if (config.processes > 1) {
      await runPrimary(config, logger).catch(fail);
      return;
    }
    // Until the server is up, a stop signal ends the process at once, as Node's default action would
    // (a container's PID 1 has none): a transaction it interrupts is rolled back by the database.
    const stopEarly = (signal: 'SIGTERM' | 'SIGINT') => () => process.exit(128 + os.constants.signals[signal]);
    const early = { SIGTERM: stopEarly('SIGTERM'), SIGINT: stopEarly('SIGINT') };
    process.once('SIGTERM', early.SIGTERM);
    process.once('SIGINT', early.SIGINT);
    let server;
    try {
      // The server's code loads only for the commands that run one: `--version` and `--help` answer at once.
      const { startServer } = await import('./main.js');
      server = await startServer(config, logger);
    } catch (error) {
      fail(error);
    }
    process.off('SIGTERM', early.SIGTERM);
    process.off('SIGINT', early.SIGINT);
    const shown = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
    const generated = server.provision.generated;
    const lines = generated
      ? [
          'Created merchant credentials (shown once; set KLARNA_LOCAL_MERCHANTS to choose your own):',
          `  username: ${generated.username}`,
          `  password: ${generated.password}`,
        ]
      : [`Merchants: ${server.provision.usernames.join(', ')} (passwords as configured, or as shown when created)`];
    if (cluster.isWorker) {
      // The primary prints the credentials and the one "listening" line for all its workers.
      process.send?.({ type: 'listening', url: server.url, publicUrl: server.publicUrl });
    } else {
      // One write, the "listening" line last: whoever waits for it has the credentials too.
      console.log([...lines, `klarna-local listening on ${server.url} (public URL ${server.publicUrl}, database ${shown})`].join('\n'));
    }
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server
        .close()
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

/**
 * `serve --processes N`: the primary migrates and provisions once, then forks N workers that share
 * the port (node:cluster), prints one "listening" line when all listen, replaces a worker that dies,
 * and on SIGTERM/SIGINT lets every worker finish its requests and exits 0 once all have.
 */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const [{ migrateToLatest, openDatabase }, { provisionMerchants }] = await Promise.all([import('./platform/db/database.js'), import('./modules/merchants/provision.js')]);
  const db = openDatabase(config.databaseUrl);
  let provision;
  try {
    await migrateToLatest(db);
    provision = await provisionMerchants(db, config.merchants, Date.now());
  } finally {
    await db.close();
  }
  const lines = provision.generated
    ? ['Created merchant credentials (shown once; set KLARNA_LOCAL_MERCHANTS to choose your own):', `  username: ${provision.generated.username}`, `  password: ${provision.generated.password}`]
    : [`Merchants: ${provision.usernames.join(', ')} (passwords as configured, or as shown when created)`];
  let stopping = false;
  let announced = false;
  const listening = new Map<number, { url: string; publicUrl: string }>();
  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (message: { type?: string; url?: string; publicUrl?: string }) => {
      if (message.type !== 'listening' || !message.url) return;
      listening.set(worker.id, { url: message.url, publicUrl: message.publicUrl ?? message.url });
      if (!announced && listening.size === config.processes) {
        announced = true;
        const shown = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
        console.log([...lines, `klarna-local listening on ${message.url} (${config.processes} processes, public URL ${message.publicUrl}, database ${shown})`].join('\n'));
      }
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'server process died; starting another');
    fork();
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down all server processes');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  serveClusterMetrics();
  if (config.rateLimit !== 'off') serveClusterRateLimits(RATE_LIMITS[config.rateLimit], config.rateLimitLockout);
  for (let i = 0; i < config.processes; i += 1) fork();
}

program
  .command('migrate')
  .description('apply database migrations and exit')
  .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL)')
  .action(async (flags: { databaseUrl?: string }) => {
    try {
      const config = loadConfig({ databaseUrl: flags.databaseUrl });
      const { migrateToLatest, openDatabase } = await import('./platform/db/database.js');
      const db = openDatabase(config.databaseUrl);
      const applied = await migrateToLatest(db);
      await db.close();
      console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('merchants')
  .description('manage merchant credentials')
  .command('add <credential>')
  .description('create a merchant, or set its password: username:password')
  .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL)')
  .action(async (credential: string, flags: { databaseUrl?: string }) => {
    try {
      const [parsed] = parseMerchants(credential);
      if (!parsed) throw new ConfigError('credential', 'expected username:password');
      const config = loadConfig({ databaseUrl: flags.databaseUrl });
      const [{ migrateToLatest, openDatabase }, { upsertMerchant }] = await Promise.all([import('./platform/db/database.js'), import('./modules/merchants/provision.js')]);
      const db = openDatabase(config.databaseUrl);
      await migrateToLatest(db);
      const outcome = await upsertMerchant(db, parsed, Date.now());
      await db.close();
      console.log(`merchant ${parsed.username}: ${outcome}`);
    } catch (error) {
      fail(error);
    }
  });

// report (src/cli/report.ts).
registerReportCommand(program);

// exec, export and import (src/cli/state-commands.ts).
registerStateCommands(program);
// --version (src/cli/package-info.ts), seed and doctor (src/cli/seed.ts, src/cli/doctor.ts).
registerVersion(program);
registerSeedCommand(program);
registerDoctorCommand(program);

await program.parseAsync(process.argv);
