/**
 * Applying fault rules: a request hook for the merchant's calls, and the dispatcher's interceptor for
 * the callbacks sent to the merchant.
 *
 * The hook runs on every request that carries a merchant's valid credentials, after authentication
 * and the rate limit and before the body is read or any route runs, so an injected failure changes
 * nothing but the rule's own count and its event: a retry with the same `Klarna-Idempotency-Key`
 * then runs the operation for the first time. Routes with `config.faults === false` (the fault
 * routes themselves) and requests without a merchant (operations, shopper pages) are never faulted.
 *
 * Each process keeps every merchant's active API rules in memory, reloaded at most every
 * REFRESH_MS when a request needs them and at once after this process changes them; a merchant
 * without rules costs a map lookup. A rule created through another process is seen within
 * REFRESH_MS. Whether a rule still applies is decided by the database when it is taken: one
 * conditional update counts `times` down, so processes never inject more than `times` together,
 * and an expired or deleted rule is never applied however stale the cache.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { App, ModuleDeps } from '../../platform/app.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { recordEvent } from '../../platform/events.js';
import { ApiError } from '../../platform/http/errors.js';
import { loggableUrl } from '../../platform/logging.js';
import type { ClaimedCallback, DeliveryOutcome } from '../../platform/outbox/dispatcher.js';
import type { DeliveryPolicy } from '../../platform/outbox/callbacks.js';
import { RATE_LIMITS, quotaHeader, rateLimitHeaders } from '../operations/rate-limit.js';
import type { Fault } from './fault.js';
import { hits, matchesPath, patternSegments, requestSegments } from './fault.js';
import { activeFaults, activeFaultsOf, takeInjection } from './fault.repository.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: fault rules never apply to the route (default true). */
    faults?: boolean;
  }
}

/** How stale a process's copy of the rules may be (another process's change is seen within it). */
export const REFRESH_MS = 200;

export const FAULT_INJECTED_EVENT = 'fault.injected';

interface ApiRule {
  fault: Fault;
  pattern: string[];
}

const NONE: readonly ApiRule[] = [];

/** This process's copy of every merchant's active API rules. */
export class ApiRuleCache {
  private byMerchant = new Map<string, ApiRule[]>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;
  /** Bumped by every change this process makes; a load that began before one is not fresh. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly refreshMs = REFRESH_MS,
  ) {}

  /** The merchant's rules: at once from memory when fresh, else after one reload shared by every request waiting for it. */
  rulesOf(merchantId: string): readonly ApiRule[] | Promise<readonly ApiRule[]> {
    if (performance.now() - this.loadedAt < this.refreshMs) return this.byMerchant.get(merchantId) ?? NONE;
    return this.reload().then(() => this.byMerchant.get(merchantId) ?? NONE);
  }

  /** After this process created, deleted or used up a rule. */
  invalidate(): void {
    this.generation += 1;
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** Drops a rule the database says no longer applies, until the next reload. */
  forget(faultId: string, merchantId: string): void {
    const rules = this.byMerchant.get(merchantId);
    if (rules) this.byMerchant.set(merchantId, rules.filter((r) => r.fault.fault_id !== faultId));
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      const generation = this.generation;
      try {
        // Rules still in force on the earliest merchant clock: each injection checks its own merchant's time again (take).
        const faults = await activeFaults(this.db.read, 'api', await this.clock.earliestNow());
        const byMerchant = new Map<string, ApiRule[]>();
        for (const fault of faults) {
          const rule = { fault, pattern: patternSegments(fault.path ?? '/') };
          const rules = byMerchant.get(fault.merchant_id);
          if (rules) rules.push(rule);
          else byMerchant.set(fault.merchant_id, [rule]);
        }
        this.byMerchant = byMerchant;
        if (generation === this.generation) this.loadedAt = performance.now();
      } catch (error) {
        // The request goes on without faults; it meets the database's trouble itself.
        this.logger.warn({ err: error }, 'fault rules could not be read; requests go unfaulted');
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}

/** Counts one injection of a rule and records its event, in one transaction; false when the rule no longer applies. */
async function take(db: Db, clock: Clock, fault: Fault, event: { order_id: string | null; payload: Record<string, unknown> }): Promise<boolean> {
  return db.transaction(async (sql) => {
    const now = await clock.now(fault.merchant_id, sql);
    const taken = await takeInjection(sql, fault.fault_id, now);
    if (!taken) return false;
    await recordEvent(sql, {
      merchant_id: fault.merchant_id,
      order_id: event.order_id,
      type: FAULT_INJECTED_EVENT,
      payload: { fault_id: fault.fault_id, ...event.payload, remaining: taken.remaining },
      created_at: now,
    });
    return true;
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The request hook: finds the first matching rule that hits, counts it, then delays, drops or answers as it says. */
export function registerFaultHook(app: App, deps: ModuleDeps, cache: ApiRuleCache, random: () => number = Math.random): void {
  const { db, clock } = deps;
  const limits = RATE_LIMITS[deps.config.rateLimit === 'off' ? 'playground' : deps.config.rateLimit];

  const errorOf = (fault: Fault, request: FastifyRequest): ApiError => {
    const status = fault.status as number;
    // A 429 tells its quota as the rate limiter's refusals do (modules/operations/rate-limit.ts).
    const headers = status === 429 ? rateLimitHeaders(quotaHeader(limits[request.routeOptions.config.rateLimitCategory ?? 'other']), 0, 1, true) : {};
    return new ApiError(status, fault.error_code ?? 'INTERNAL_SERVER_ERROR', fault.error_messages ?? [], headers);
  };

  /** The rule to apply to this request, already counted; null when none hits. */
  const pick = async (request: FastifyRequest, rules: readonly ApiRule[]): Promise<Fault | null> => {
    const segments = requestSegments(request.url);
    const path = loggableUrl(request.url.split('?', 1)[0] ?? '/');
    const params = request.params as Record<string, unknown> | undefined;
    const orderId = typeof params?.order_id === 'string' ? params.order_id : null;
    for (const { fault, pattern } of rules) {
      if (fault.method !== null && fault.method !== request.method) continue;
      if (!matchesPath(pattern, segments) || !hits(fault, random)) continue;
      const payload = {
        target: 'api',
        method: request.method,
        path,
        status: fault.status,
        error_code: fault.error_code,
        delay_ms: fault.delay_ms,
        drop: fault.drop,
        correlation_id: request.id,
      };
      const taken = await take(db, clock, fault, { order_id: orderId, payload });
      if (fault.remaining !== null || !taken) cache.invalidate();
      if (!taken) {
        cache.forget(fault.fault_id, fault.merchant_id);
        continue;
      }
      request.log.warn({ fault_id: fault.fault_id, method: request.method, path, status: fault.status, delay_ms: fault.delay_ms, drop: fault.drop }, 'fault injected');
      return fault;
    }
    return null;
  };

  const apply = async (request: FastifyRequest, reply: FastifyReply, rules: readonly ApiRule[]): Promise<ApiError | 'dropped' | null> => {
    const fault = await pick(request, rules);
    if (!fault) return null;
    if (fault.delay_ms > 0) await sleep(fault.delay_ms);
    if (fault.drop) {
      // No answer at all: the client sees its connection closed (ECONNRESET, "socket hang up").
      // Hijacked, the reply ends the lifecycle here: no route runs.
      request.server.journalUnanswered?.(request);
      reply.hijack();
      request.raw.socket?.destroy();
      reply.raw.destroy();
      return 'dropped';
    }
    return fault.status === null ? null : errorOf(fault, request);
  };

  app.addHook('onRequest', (request, reply, done) => {
    const merchant = request.merchant;
    if (!merchant || request.routeOptions.config.faults === false) return done();
    const rules = cache.rulesOf(merchant.merchant_id);
    if (rules === NONE) return done();
    const run = (found: readonly ApiRule[]) => {
      if (found.length === 0) return done();
      apply(request, reply, found).then((outcome) => done(outcome === 'dropped' ? undefined : (outcome ?? undefined)), done);
    };
    if (Array.isArray(rules)) run(rules as readonly ApiRule[]);
    else void (rules as Promise<readonly ApiRule[]>).then(run);
  });
}

/** What an attempt hit by a callback rule records: the merchant seemed to time out, refuse, or answer a status. */
function outcomeOf(fault: Fault, policy: DeliveryPolicy): DeliveryOutcome {
  const by = `(injected by fault ${fault.fault_id})`;
  switch (fault.effect) {
    case 'timeout':
      return { status: null, body: null, error: `UND_ERR_HEADERS_TIMEOUT: the merchant did not answer within ${policy.response_timeout_ms} ms ${by}`, durationMs: 0 };
    case 'refuse':
      return { status: null, body: null, error: `ECONNREFUSED: the merchant refused the connection ${by}`, durationMs: 0 };
    default:
      return { status: fault.status, body: '', error: null, durationMs: 0 };
  }
}

/**
 * The dispatcher's interceptor: before each attempt, the merchant's callback rules are read (an
 * attempt is rare next to a request, so no cache) and the first that matches and hits answers it.
 */
export function callbackInterceptor(deps: ModuleDeps, random: () => number = Math.random) {
  const { db, clock, logger } = deps;
  return async (callback: ClaimedCallback, policy: DeliveryPolicy): Promise<DeliveryOutcome | null> => {
    const rules = await activeFaultsOf(db.read, callback.merchant_id, await clock.now(callback.merchant_id), 'callbacks');
    for (const fault of rules) {
      if (fault.callback_kind !== null && fault.callback_kind !== callback.kind) continue;
      if (!hits(fault, random)) continue;
      const effect = fault.effect === 'status' ? fault.status : fault.effect;
      const payload = { target: 'callbacks', callback_id: String(callback.callback_id), kind: callback.kind, attempt: callback.attempts + 1, effect };
      if (!(await take(db, clock, fault, { order_id: callback.order_id, payload }))) continue;
      logger.warn({ fault_id: fault.fault_id, callback_id: callback.callback_id, kind: callback.kind, effect }, 'fault injected into a merchant callback');
      return outcomeOf(fault, policy);
    }
    return null;
  };
}
