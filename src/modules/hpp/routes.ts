/**
 * Hosted Payment Page v1: the 4 operations, each a thin edge over its operation. A browser that
 * opens `session_url` itself (no credentials, asking for HTML) is sent on to the hosted page.
 */
import type { FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { paymentsWrites } from '../payments/writes.js';
import { sessionNotFound } from './errors.js';
import { sessionUrls } from './hpp-session.js';
import { findHppSessionByCode } from './hpp-session.repository.js';
import { loadLiveSession } from './operations/context.js';
import { createHppSession, decideCreate } from './operations/create-session.js';
import { disableHppSession } from './operations/disable-session.js';
import { distributeHppSession } from './operations/distribute-session.js';
import { readHppSession } from './operations/read-session.js';
import { DistributionBody, HppCreateBody, HppSessionParams } from './schemas.js';

const BASE = '/hpp/v1/sessions';

/** Where a `payment_session_url` on this server may point: its public host, and the host this request came to. */
const localHosts = (request: FastifyRequest, publicUrl: string): string[] => [new URL(publicUrl).host, ...(request.headers.host ? [request.headers.host] : [])];

export function registerHppRoutes(app: App, deps: ModuleDeps): void {
  const writes = paymentsWrites(deps);
  const bad = { validationStyle: 'bad_value' as const };

  app.post(BASE, { config: bad, schema: { body: HppCreateBody } }, async (request, reply) => {
    // Decided before the write: a refused create uses no idempotency key.
    const target = decideCreate(request.body, localHosts(request, deps.config.publicUrl));
    return writes.handle(request, reply, (ctx) => createHppSession(ctx, request.body, target));
  });

  app.get(`${BASE}/:session_id`, { config: { ...bad, browserLanding: true }, schema: { params: HppSessionParams } }, async (request, reply) => {
    if (!request.merchant) {
      // A browser opening session_url: the hosted page (it answers for an unknown or ended session itself).
      const session = await findHppSessionByCode(deps.db.read, 'session_id', request.params.session_id);
      if (!session) throw sessionNotFound();
      return reply.redirect(sessionUrls(deps.config.publicUrl, session).redirect_url, 303);
    }
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(await readHppSession(deps, merchantOf(request).merchant_id, request.params.session_id)));
  });

  app.delete(`${BASE}/:session_id`, { config: bad, schema: { params: HppSessionParams } }, (request, reply) =>
    writes.handle(request, reply, (ctx) => disableHppSession(ctx, request.params.session_id)),
  );

  app.post(`${BASE}/:session_id/distribution`, { config: bad, schema: { params: HppSessionParams, body: DistributionBody } }, (request, reply) =>
    writes.handle(request, reply, (ctx) => distributeHppSession(ctx, request.params.session_id, request.body)),
  );

  // Manual identification is an in-store flow klarna-local does not emulate (MANUAL_ID_CHECK never
  // happens): the URL a session names answers that none is required (docs/fidelity.md).
  app.get(`${BASE}/:session_id/manual-id-check`, { config: bad, schema: { params: HppSessionParams } }, async (request) => {
    const { db, clock } = deps;
    const merchantId = merchantOf(request).merchant_id;
    const session = await loadLiveSession(db, db.read, merchantId, request.params.session_id, await clock.now(merchantId), false);
    return { session_id: session.session_id, status: session.status, manual_identification_required: false };
  });
}
