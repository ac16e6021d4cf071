/** Payments v1: the 6 operations, and the sandbox's shopper authorization; each a thin edge over its operation. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, ModuleDeps } from '../../platform/app.js';
import type { WriteResult } from '../../platform/http/idempotency.js';
import { readIdempotencyKey } from '../../platform/http/idempotency.js';
import { loadInstanceSecret } from '../../platform/secrets.js';
import { readSettings } from '../merchants/merchant.js';
import { runMerchantWrite } from '../merchant-write.js';
import { sendResult } from '../order-management/routes.js';
import type { PaymentsContext } from './operations/context.js';
import { authorizeSession } from './operations/authorize-session.js';
import { cancelAuthorization } from './operations/cancel-authorization.js';
import { createOrderFromAuthorization } from './operations/create-order.js';
import { createSession } from './operations/create-session.js';
import { generateCustomerToken } from './operations/generate-customer-token.js';
import { readSession } from './operations/read-session.js';
import { updateSession } from './operations/update-session.js';
import { AuthorizationParams, AuthorizeBody, CreateOrderBody, CustomerTokenBody, SessionCreateBody, SessionParams, SessionUpdateBody } from './schemas.js';

const CLIENT_TOKEN_SECRET = 'client_token';

/** One Payments write for a merchant: one transaction, idempotency, settings, the signing key. */
export type PaymentsWriter = <T extends WriteResult>(
  merchantId: string,
  correlationId: string,
  idempotencyKey: string | undefined,
  operation: (ctx: PaymentsContext) => Promise<T>,
) => Promise<WriteResult>;

export function paymentsWriter(deps: ModuleDeps): { write: PaymentsWriter; clientTokenKey: () => Promise<Buffer> } {
  const { db, dispatcher } = deps;
  let key: Promise<Buffer> | null = null;
  const clientTokenKey = () => (key ??= loadInstanceSecret(db, CLIENT_TOKEN_SECRET).catch((error: unknown) => {
    key = null;
    throw error;
  }));
  const write: PaymentsWriter = async (merchantId, correlationId, idempotencyKey, operation) => {
    // The key may need its own transaction the first time: never inside the operation's.
    const signingKey = await clientTokenKey();
    const result = await runMerchantWrite(deps, { merchantId, correlationId, idempotencyKey }, (ctx) => operation({ ...ctx, clientTokenKey: signingKey }));
    // A write may have queued a callback (authorization, fraud notification): send it now.
    dispatcher.wake();
    return result;
  };
  return { write, clientTokenKey };
}

export function registerPaymentsRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock, config } = deps;
  const { write, clientTokenKey } = paymentsWriter(deps);
  const bad = { validationStyle: 'bad_value' as const };
  const merchantOf = (request: FastifyRequest): string => {
    if (!request.merchant) throw new Error('payments request without an authenticated merchant');
    return request.merchant.merchant_id;
  };
  const run = async (request: FastifyRequest, reply: FastifyReply, operation: (ctx: PaymentsContext) => Promise<WriteResult>) =>
    sendResult(reply, await write(merchantOf(request), request.id, readIdempotencyKey(request.headers['klarna-idempotency-key']), operation));

  app.post('/payments/v1/sessions', { config: bad, schema: { body: SessionCreateBody } }, (request, reply) =>
    run(request, reply, (ctx) => createSession(ctx, request.body)),
  );

  app.post('/payments/v1/sessions/:session_id', { config: bad, schema: { params: SessionParams, body: SessionUpdateBody } }, (request, reply) =>
    run(request, reply, (ctx) => updateSession(ctx, request.params.session_id, request.body)),
  );

  app.get('/payments/v1/sessions/:session_id', { config: bad, schema: { params: SessionParams } }, async (request, reply) => {
    const merchantId = merchantOf(request);
    const [now, settings, key] = await Promise.all([clock.now(), readSettings(db, merchantId), clientTokenKey()]);
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

/** The sandbox's shopper: authorizes a session as the widget would, with the merchant's credentials. */
export function registerPaymentsSandboxRoutes(app: App, deps: ModuleDeps): void {
  const { write } = paymentsWriter(deps);
  app.post(
    '/sandbox/v1/payments/sessions/:session_id/authorize',
    { config: { validationStyle: 'bad_value' }, schema: { params: SessionParams, body: AuthorizeBody } },
    async (request, reply) => {
      const merchantId = request.merchant?.merchant_id;
      if (!merchantId) throw new Error('sandbox request without an authenticated merchant');
      const result = await write(merchantId, request.id, readIdempotencyKey(request.headers['klarna-idempotency-key']), async (ctx) => ({
        status: 200,
        body: await authorizeSession(ctx, request.params.session_id, request.body ?? {}),
      }));
      return sendResult(reply, result);
    },
  );
}
