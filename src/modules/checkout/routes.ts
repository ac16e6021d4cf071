/** Checkout v3: the 4 operations, the sandbox's shopper completion, and the push's stop condition. */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf, sendResult } from '../../platform/http/write.js';
import { CheckoutCreateBody, CheckoutParams, CheckoutUpdateBody, ShopperInput } from './schemas.js';
import { CheckoutService } from './service.js';

const BASE = '/checkout/v3/orders';

export function registerCheckoutRoutes(app: App, deps: ModuleDeps, service: CheckoutService = new CheckoutService(deps)): CheckoutService {
  const bad = { validationStyle: 'bad_value' as const };

  // Push retries end once the order is acknowledged or captured (§2.3), whatever the merchant answered.
  deps.dispatcher.onStop('checkout.push', async (sql, callback) => {
    const row = await sql.get<{ acknowledged_at: number | null; capture_count: number }>(
      'select acknowledged_at, capture_count from orders where order_id = ? and merchant_id = ?',
      [callback.order_id, callback.merchant_id],
    );
    return !row || row.acknowledged_at !== null || row.capture_count > 0;
  });

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
  return service;
}

/**
 * The sandbox's shopper: completes a checkout as the checkout page would (same callbacks), so a
 * merchant's CI needs no browser. Answers what happened.
 */
export function registerCheckoutSandboxRoutes(app: App, service: CheckoutService): void {
  app.post(
    '/sandbox/v1/checkout/orders/:order_id/complete',
    { config: { validationStyle: 'bad_value' }, schema: { params: CheckoutParams, body: ShopperInput } },
    async (request) => service.complete(merchantOf(request).merchant_id, request.params.order_id, request.body ?? {}),
  );
}
