/**
 * The write pipeline every API shares: a merchant's write is one transaction with Klarna's
 * idempotency (`Klarna-Idempotency-Key`, idempotency.ts), the server time and the merchant's settings
 * read in its first statement, and an operation that receives them as its context. The answer is
 * sent as Klarna sends it: 201 with headers and no body, 204 without a content type, or JSON.
 *
 * Modules add only what is theirs: how settings are read from their JSON (and whether refusals are
 * replayed), anything to prepare outside the transaction (a signing key), and what to do after the
 * commit (wake the callback dispatcher). Operations receive the context and never see Fastify.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Sql } from '../db/sql.js';
import type { Reactions } from '../reactions.js';
import type { AuthenticatedMerchant } from './auth.js';
import type { WriteResult } from './idempotency.js';
import { readIdempotencyKey, runWrite } from './idempotency.js';
import { noteRefusal } from './errors.js';

/** What an operation receives: the open transaction, the time, the merchant and its settings. */
export interface WriteContext<Settings> {
  db: Db;
  /** The open transaction. */
  sql: Sql;
  /** Server time at the start of the transaction (sandbox offset included). */
  now: number;
  merchantId: string;
  settings: Settings;
  /** Base of absolute URLs (`Location`, redirect URLs); read per write, as it is known only once listening. */
  publicUrl: string;
  /** States a fact in this transaction; the rules other modules declared for it run here (platform/module.ts). */
  announce(type: string, subjectId: string, data?: unknown): Promise<void>;
}

/** Who writes, under which correlation id and idempotency key. */
export interface MerchantWrite {
  merchantId: string;
  correlationId: string;
  idempotencyKey: string | undefined;
}

/** How a module reads the merchant's settings (stored as JSON) and whether refusals are replayed. */
export interface SettingsReader<Settings> {
  parse(json: string): Settings;
  replaysErrors(settings: Settings): boolean;
}

export interface WritePipelineDeps {
  db: Db;
  clock: Clock;
  config: { publicUrl: string };
  /** Every module's reactions to announced facts. */
  reactions: Reactions;
}

export interface WritePipelineOptions<Settings, Extra extends object> {
  settings: SettingsReader<Settings>;
  /** Prepared before the transaction (it may need one of its own) and added to every context. */
  prepare?: () => Promise<Extra>;
  /** Run after each commit (e.g. wake the dispatcher for a callback the write queued). */
  afterCommit?: () => void;
}

export type Operation<Ctx> = (ctx: Ctx) => Promise<WriteResult>;

export interface WritePipeline<Ctx> {
  /** One write: one transaction, idempotency, time and settings, the operation. */
  run(write: MerchantWrite, operation: Operation<Ctx>): Promise<WriteResult>;
  /** The request's write, answered. */
  handle(request: FastifyRequest, reply: FastifyReply, operation: Operation<Ctx>): Promise<FastifyReply>;
}

export function writePipeline<Settings, Extra extends object = object>(
  deps: WritePipelineDeps,
  options: WritePipelineOptions<Settings, Extra>,
): WritePipeline<WriteContext<Settings> & Extra> {
  const { db, clock, config, reactions } = deps;
  const { settings: reader, prepare, afterCommit } = options;
  const run = async (write: MerchantWrite, operation: Operation<WriteContext<Settings> & Extra>): Promise<WriteResult> => {
    const extra = prepare ? await prepare() : ({} as Extra);
    const result = await runWrite(
      db,
      clock,
      { merchantId: write.merchantId, idempotencyKey: write.idempotencyKey, correlationId: write.correlationId, replayErrors: (json) => reader.replaysErrors(reader.parse(json)) },
      ({ sql, now, settingsJson }) => {
        const merchantId = write.merchantId;
        const announce = (type: string, subjectId: string, data?: unknown) => reactions.announce(sql, { type, merchantId, subjectId, now, data, settingsJson });
        return operation({ ...extra, db, sql, now, merchantId, settings: reader.parse(settingsJson), publicUrl: config.publicUrl, announce });
      },
    );
    afterCommit?.();
    return result;
  };
  return {
    run,
    handle: async (request, reply, operation) => sendResult(reply, await run(requestWrite(request), operation)),
  };
}

/** The authenticated merchant of a request (every route with credentials has one). */
export function merchantOf(request: FastifyRequest): AuthenticatedMerchant {
  if (!request.merchant) throw new Error(`${request.method} ${request.url}: no authenticated merchant`);
  return request.merchant;
}

/** The write an authenticated request asks for (its merchant, correlation id and idempotency key). */
export function requestWrite(request: FastifyRequest): MerchantWrite {
  return { merchantId: merchantOf(request).merchant_id, correlationId: request.id, idempotencyKey: readIdempotencyKey(request.headers['klarna-idempotency-key']) };
}

/** Sends a write's result: 201 with headers and no body, 204 without a content type, or JSON. */
export function sendResult(reply: FastifyReply, result: WriteResult): FastifyReply {
  reply.code(result.status);
  const body = result.body as { error_code?: unknown; error_messages?: unknown } | undefined;
  // A refusal replayed for its idempotency key is journaled like the first.
  if (result.status >= 400 && typeof body?.error_code === 'string') noteRefusal(reply.request, body.error_code, Array.isArray(body.error_messages) ? body.error_messages : []);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.body === undefined) return reply.send();
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.body));
}
