/**
 * The Hosted Payment Page's sandbox routes: the consumer's actions without a browser,
 * `POST /sandbox/v1/hpp/sessions/{id}/{open|approve|decline|back|cancel}`, the same operations as
 * the hosted page's buttons. Each answers the new status, where the page would send the consumer
 * (`redirect_url`, null for klarna-local's own page) and the session as the merchant reads it.
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { consumerDeps } from './consumer-api.js';
import { presentHppSession } from './hpp-session.js';
import type { ConsumerAction, ConsumerOutcome } from './operations/consumer.js';
import { approveHppSession, endHppAttempt, openHppSession } from './operations/consumer.js';
import { HppActionResponse, HppApproveBody, HppSessionParams } from './schemas.js';

const present = (outcome: ConsumerOutcome) => ({ status: outcome.status, redirect_url: outcome.redirect_url, session: presentHppSession(outcome.session) });

export function registerHppSandboxRoutes(app: App, deps: ModuleDeps): void {
  const consumer = consumerDeps(deps);
  const config = { validationStyle: 'bad_value' as const };
  const base = '/sandbox/v1/hpp/sessions/:session_id';
  const who = (request: { params: { session_id: string }; id: string } & Parameters<typeof merchantOf>[0]): ConsumerAction => ({
    merchantId: merchantOf(request).merchant_id,
    sessionId: (request.params as { session_id: string }).session_id,
    correlationId: request.id,
  });

  app.post(`${base}/open`, { config, schema: { params: HppSessionParams, response: { 200: HppActionResponse } } }, async (request) => present(await openHppSession(consumer, who(request))));
  app.post(`${base}/approve`, { config, schema: { params: HppSessionParams, body: HppApproveBody, response: { 200: HppActionResponse } } }, async (request) =>
    present(await approveHppSession(consumer, who(request), request.body ?? {})),
  );
  app.post(`${base}/decline`, { config, schema: { params: HppSessionParams, response: { 200: HppActionResponse } } }, async (request) => present(await endHppAttempt(consumer, who(request), 'decline')));
  app.post(`${base}/back`, { config, schema: { params: HppSessionParams, response: { 200: HppActionResponse } } }, async (request) => present(await endHppAttempt(consumer, who(request), 'back')));
  app.post(`${base}/cancel`, { config, schema: { params: HppSessionParams, response: { 200: HppActionResponse } } }, async (request) => present(await endHppAttempt(consumer, who(request), 'cancel')));
}
