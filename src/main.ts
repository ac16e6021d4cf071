/** Process entry: config → deps → migrate → listen → background work → graceful shutdown. */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { localUrl } from './config.js';
import { buildApp } from './app.js';
import type { App } from './platform/app.js';
import { migrateToLatest, openDatabase } from './platform/db/database.js';
import type { Db } from './platform/db/database.js';
import { Clock } from './platform/clock.js';
import { Authenticator } from './platform/http/auth.js';
import { deleteExpiredIdempotencyKeys } from './platform/http/idempotency.js';
import { provisionMerchants } from './modules/merchants/provision.js';
import type { ProvisionResult } from './modules/merchants/provision.js';
import { MODULES } from './modules/index.js';
import { dueWorkOf } from './platform/module.js';
import { advanceServerClock } from './modules/sandbox/clock-advance.js';
import type { DueStep } from './platform/app.js';
import type { CallbackDispatcher } from './platform/outbox/dispatcher.js';

export interface Server {
  app: App;
  db: Db;
  clock: Clock;
  url: string;
  publicUrl: string;
  provision: ProvisionResult;
  /** Moves every merchant's time forward (the server clock); every merchant's due work and due callbacks are done when it resolves. */
  advanceServerClock(seconds: number): Promise<number>;
  close(): Promise<void>;
}


import { createLogger } from './platform/logging.js';

export { createLogger };

/**
 * Background work of one process: every module's due steps (expiry, fraud decisions, …), old
 * idempotency keys; wakes the dispatcher.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly dueWork: DueStep,
    private readonly dispatcher?: CallbackDispatcher,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        // Each merchant's rows fall due on its own clock: one pass per group of merchants sharing a "now".
        for (const group of await this.clock.groups()) {
          await this.dueWork(this.db, group);
          await deleteExpiredIdempotencyKeys(this.db, group);
        }
        this.dispatcher?.wake();
      } catch (error) {
        this.logger.warn({ err: error }, 'background sweep failed; retrying on the next tick');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

export async function startServer(config: Config, logger: Logger = createLogger(config)): Promise<Server> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const clock = new Clock(db, Date.now, config.sandboxClock);
  const provision = await provisionMerchants(db, config.merchants, Date.now());
  const authenticator = new Authenticator(db);
  // Routes read the public URL per request; with port 0 it is only known once listening.
  const runtimeConfig: { -readonly [K in keyof Config]: Config[K] } = { ...config };
  const app = await buildApp({ config: runtimeConfig, db, clock, authenticator, logger });
  const dueWork = dueWorkOf(MODULES);
  const sweeper = new Sweeper(db, clock, logger, config.sweepIntervalMs, dueWork, app.dispatcher);
  const address = await app.listen({ port: config.port, host: config.host });
  const url = localUrl(config.host, Number(new URL(address).port));
  if (config.publicUrlFromListen) runtimeConfig.publicUrl = url;
  sweeper.start();
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    // Stop accepting, let in-flight requests finish, stop workers, close the database.
    closing ??= (async () => {
      await app.close();
      await sweeper.stop();
      await db.close();
    })();
    return closing;
  };
  const advanceServer = (seconds: number) => advanceServerClock({ db, clock, dueWork, dispatcher: app.dispatcher }, seconds);
  return { app, db, clock, url, publicUrl: runtimeConfig.publicUrl, provision, advanceServerClock: advanceServer, close };
}
