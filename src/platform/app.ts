/**
 * The types every part of the server shares: the Fastify instance (`App`), what building it takes
 * (`AppDeps`), what each module's routes receive (`ModuleDeps`), and what the cross-cutting hooks
 * add to requests and route configs. They live here, below every module, so that `src/app.ts` can
 * import the modules without any module importing it back.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock, ClockGroup } from './clock.js';
import type { Db } from './db/database.js';
import type { AuthenticatedMerchant, Authenticator } from './http/auth.js';
import type { ValidationStyle } from './http/validation.js';
import type { Reactions } from './reactions.js';
import type { CallbackDispatcher } from './outbox/dispatcher.js';

export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  authenticator: Authenticator;
  logger: Logger;
  /** Delivers merchant callbacks; buildApp creates one when none is given, started and stopped with the app. */
  dispatcher?: CallbackDispatcher;
}

/**
 * Timed behaviour that falls due with the (sandbox) clock, run for one group of merchants that share a
 * "now" (every merchant when their clocks agree).
 */
export type DueStep = (db: Db, group: ClockGroup) => Promise<void>;

/**
 * A module's timed step. It gets every module's reactions, for a step that makes a change other
 * modules react to (a cancelled virtual-card order refunds in Order Management, which Settlements books).
 */
export type ModuleDueStep = (db: Db, group: ClockGroup, reactions: Reactions) => Promise<void>;

/** What every module's routes receive: the app's dependencies, and what the modules declared together. */
export interface ModuleDeps extends AppDeps {
  dispatcher: CallbackDispatcher;
  /** Every module's reactions to facts announced in a write (platform/module.ts). */
  reactions: Reactions;
  /** Every module's background steps, in order: what the sweep and a sandbox clock advance run. */
  dueWork: DueStep;
}

export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyInstance {
    dispatcher: CallbackDispatcher;
  }
  interface FastifyRequest {
    merchant: AuthenticatedMerchant | null;
  }
  interface FastifyContextConfig {
    /** Whether the route needs a merchant's Basic credentials (default true). */
    auth?: boolean;
    /** How request-schema violations are answered (default: 422 UNPROCESSABLE_ENTITY). */
    validationStyle?: ValidationStyle;
    /**
     * A browser opening this URL itself (no `Authorization`, asking for HTML) is let through without a
     * merchant (`request.merchant` null), for the route to send it to a page; every other request
     * needs credentials as usual.
     */
    browserLanding?: boolean;
  }
}
