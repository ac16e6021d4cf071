/**
 * Operations: liveness, readiness and metrics (no credentials), the request metrics hook and the
 * optional rate limit.
 */
import cluster from 'node:cluster';
import type { App, ModuleDeps } from '../../platform/app.js';
import { ping } from '../../platform/db/database.js';
import { temporarilyUnavailable } from '../../platform/http/errors.js';
import { Metrics } from './metrics.js';
import type { RouteMetrics } from './metrics.js';
import { askPrimary } from '../../platform/cluster-ipc.js';
import { RATE_LIMITS, RATE_LIMIT_TOPIC, RateLimiter, rateLimitCategory, tooManyRequests } from './rate-limit.js';
import type { RateLimitCategory, RateLimitVerdict } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route is left out of the request metrics (default true). */
    metrics?: boolean;
    /** Set as the route is added: its prepared request metrics (null when left out). */
    routeMetrics?: RouteMetrics | null;
    /** Set as the route is added: its rate-limit category (null when not limited). */
    rateLimitCategory?: RateLimitCategory | null;
  }
}

/**
 * Hooks that see every route as it is added (call before any route is registered) and every request
 * after authentication (the rate limit is per merchant). Returns the metrics /metrics renders.
 */
export function instrumentRequests(app: App, deps: ModuleDeps): Metrics {
  const metrics = new Metrics(deps);
  // A worker of `serve --processes N` builds one app; its primary aggregates every worker's metrics.
  if (cluster.isWorker) metrics.shareWithPrimary();
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    const config = route.config ?? {};
    // A fresh object: Fastify's HEAD twin of a GET route shares the GET route's config object.
    route.config = {
      ...config,
      routeMetrics: config.metrics === false ? null : metrics.forRoute(route.url, method),
      rateLimitCategory: rateLimitCategory(method, route.url, config.auth !== false),
    };
  });
  // One hook, callback style: a map lookup by status and prom-client's update with prepared labels.
  app.addHook('onResponse', (request, reply, done) => {
    const routeMetrics = request.is404 ? metrics.forUnmatched(request.method) : request.routeOptions.config.routeMetrics;
    routeMetrics?.record(reply.statusCode, reply.elapsedTime);
    done();
  });

  const mode = deps.config.rateLimit;
  if (mode !== 'off') {
    const limiter = new RateLimiter(RATE_LIMITS[mode], deps.config.rateLimitLockout);
    // Under `serve --processes N` the primary counts for all workers, so the quota holds for the port.
    const take = cluster.isWorker ? (merchantId: string, category: RateLimitCategory) => takeFromPrimary(limiter, merchantId, category, deps.logger) : null;
    app.addHook('onRequest', (request, reply, done) => {
      const merchant = request.merchant;
      if (!merchant) return done();
      const category = request.routeOptions.config.rateLimitCategory;
      if (!category) return done();
      const apply = (verdict: RateLimitVerdict) => {
        if (!verdict.allowed) return done(tooManyRequests(category, verdict.exhausted ?? category, verdict.headers));
        reply.headers(verdict.headers);
        done();
      };
      if (take) void take(merchant.merchant_id, category).then(apply);
      else apply(limiter.take(merchant.merchant_id, category));
    });
  }
  return metrics;
}

/** The primary's verdict; this process's own count when the primary does not answer within a second. */
async function takeFromPrimary(local: RateLimiter, merchantId: string, category: RateLimitCategory, logger: ModuleDeps['logger']): Promise<RateLimitVerdict> {
  try {
    return await askPrimary<RateLimitVerdict>(RATE_LIMIT_TOPIC, { merchantId, category }, 1000);
  } catch (error) {
    logger.warn({ err: error }, 'rate limit: counted in this process only');
    return local.take(merchantId, category);
  }
}

export function registerOperationsRoutes(app: App, deps: ModuleDeps, metrics: Metrics): void {
  // Registered only once the app is built and migrated, so 200 means "can serve".
  app.get('/healthz', { config: { auth: false } }, async () => ({ status: 'ok' }));

  // 503 while the database cannot serve (unreachable, or its file gone); 200 again once it can.
  app.get('/readyz', { config: { auth: false } }, async (request) => {
    try {
      await ping(deps.db);
    } catch (error) {
      request.log.warn({ err: error }, 'not ready: the database cannot serve');
      throw temporarilyUnavailable();
    }
    return { status: 'ready' };
  });

  // Without credentials like /healthz, for scrapers on a private network: not to be exposed publicly.
  // With --processes, 503 when the figures of every worker cannot be had (never one worker's alone,
  // which a scraper would read as counters going back).
  app.get('/metrics', { config: { auth: false, metrics: false } }, async (request, reply) => {
    let text: string;
    try {
      text = await metrics.render();
    } catch (error) {
      request.log.warn({ err: error }, 'metrics: the figures of every server process could not be collected');
      throw temporarilyUnavailable();
    }
    return reply.type(metrics.contentType).send(text);
  });
}
