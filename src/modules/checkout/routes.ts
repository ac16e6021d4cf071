/** Checkout v3: the 4 merchant operations, each a thin edge over its operation. */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { abortCheckoutOrder } from './operations/abort-order.js';
import { createCheckoutOrder, decideCreate } from './operations/create-order.js';
import { readCheckoutOrder } from './operations/read-order.js';
import { updateCheckoutOrder } from './operations/update-order.js';
import { CheckoutCreateBody, CheckoutParams, CheckoutUpdateBody } from './schemas.js';
import type { CheckoutWrites } from './writes.js';

const BASE = '/checkout/v3/orders';

export function registerCheckoutRoutes(app: App, deps: ModuleDeps, writes: CheckoutWrites): void {
  const bad = { validationStyle: 'bad_value' as const };

  app.post(BASE, { config: bad, schema: { body: CheckoutCreateBody } }, async (request, reply) => {
    // Klarna's rules are checked before the write: a refused create uses no idempotency key.
    const data = decideCreate(request.body);
    return writes.handle(request, reply, (ctx) => createCheckoutOrder(ctx, merchantOf(request).username, data));
  });

  app.get(`${BASE}/:order_id`, { config: bad, schema: { params: CheckoutParams } }, async (request, reply) => {
    const presenter = { pageKey: await writes.pageKey(), publicUrl: deps.config.publicUrl };
    const order = await readCheckoutOrder(deps, presenter, merchantOf(request), request.params.order_id);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(order));
  });

  app.post(`${BASE}/:order_id`, { config: bad, schema: { params: CheckoutParams, body: CheckoutUpdateBody } }, async (request, reply) =>
    writes.handle(request, reply, (ctx) => updateCheckoutOrder(ctx, merchantOf(request).username, request.params.order_id, request.body)),
  );

  app.post(`${BASE}/:order_id/abort`, { config: bad, schema: { params: CheckoutParams } }, async (request, reply) =>
    writes.handle(request, reply, (ctx) => abortCheckoutOrder(ctx, merchantOf(request).username, request.params.order_id)),
  );
}
