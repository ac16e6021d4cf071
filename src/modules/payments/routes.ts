/** Payments v1: the 6 operations, each a thin edge over its operation. */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { readSettings } from '../merchants/merchant.js';
import { cancelAuthorization } from './operations/cancel-authorization.js';
import { createOrderFromAuthorization } from './operations/create-order.js';
import { createSession } from './operations/create-session.js';
import { generateCustomerToken } from './operations/generate-customer-token.js';
import { readSession } from './operations/read-session.js';
import { updateSession } from './operations/update-session.js';
import { AuthorizationParams, CreateOrderBody, CustomerTokenBody, SessionCreateBody, SessionParams, SessionUpdateBody } from './schemas.js';
import { paymentsWrites } from './writes.js';

export function registerPaymentsRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock, config } = deps;
  const writes = paymentsWrites(deps);
  const run = writes.handle;
  const bad = { validationStyle: 'bad_value' as const };

  app.post('/payments/v1/sessions', { config: bad, schema: { body: SessionCreateBody } }, (request, reply) =>
    run(request, reply, (ctx) => createSession(ctx, request.body)),
  );

  app.post('/payments/v1/sessions/:session_id', { config: bad, schema: { params: SessionParams, body: SessionUpdateBody } }, (request, reply) =>
    run(request, reply, (ctx) => updateSession(ctx, request.params.session_id, request.body)),
  );

  app.get('/payments/v1/sessions/:session_id', { config: bad, schema: { params: SessionParams } }, async (request, reply) => {
    const merchantId = merchantOf(request).merchant_id;
    const [now, settings, key] = await Promise.all([clock.now(merchantId), readSettings(db, merchantId), writes.clientTokenKey()]);
    const session = await readSession(db, { merchantId, sessionId: request.params.session_id, now, settings, publicUrl: config.publicUrl, clientTokenKey: key });
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(session));
  });

  app.delete('/payments/v1/authorizations/:authorization_token', { config: bad, schema: { params: AuthorizationParams } }, (request, reply) =>
    run(request, reply, (ctx) => cancelAuthorization(ctx, request.params.authorization_token)),
  );

  app.post(
    '/payments/v1/authorizations/:authorization_token/order',
    { config: bad, schema: { params: AuthorizationParams, body: CreateOrderBody } },
    (request, reply) => run(request, reply, (ctx) => createOrderFromAuthorization(ctx, request.params.authorization_token, request.body)),
  );

  app.post(
    '/payments/v1/authorizations/:authorization_token/customer-token',
    { config: bad, schema: { params: AuthorizationParams, body: CustomerTokenBody } },
    (request, reply) => run(request, reply, (ctx) => generateCustomerToken(ctx, request.params.authorization_token, request.body)),
  );
}
