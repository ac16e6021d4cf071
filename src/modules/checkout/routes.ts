/** Checkout v3: the 4 merchant operations, each a thin edge over its operation. */
import type { App } from '../../platform/app.js';
import { merchantOf, sendResult } from '../../platform/http/write.js';
import { CheckoutCreateBody, CheckoutParams, CheckoutUpdateBody } from './schemas.js';
import type { CheckoutService } from './service.js';

const BASE = '/checkout/v3/orders';

export function registerCheckoutRoutes(app: App, service: CheckoutService): void {
  const bad = { validationStyle: 'bad_value' as const };

  app.post(BASE, { config: bad, schema: { body: CheckoutCreateBody } }, async (request, reply) =>
    sendResult(reply, await service.create(merchantOf(request), request.body, request.id, request.headers['klarna-idempotency-key'])),
  );

  app.get(`${BASE}/:order_id`, { config: bad, schema: { params: CheckoutParams } }, async (request, reply) => {
    const order = await service.read(merchantOf(request), request.params.order_id);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(order));
  });

  app.post(`${BASE}/:order_id`, { config: bad, schema: { params: CheckoutParams, body: CheckoutUpdateBody } }, async (request, reply) =>
    sendResult(reply, await service.update(merchantOf(request), request.params.order_id, request.body, request.id, request.headers['klarna-idempotency-key'])),
  );

  app.post(`${BASE}/:order_id/abort`, { config: bad, schema: { params: CheckoutParams } }, async (request, reply) =>
    sendResult(reply, await service.abort(merchantOf(request), request.params.order_id, request.id, request.headers['klarna-idempotency-key'])),
  );
}
