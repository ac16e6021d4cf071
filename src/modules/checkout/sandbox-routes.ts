/**
 * Checkout's sandbox route: the shopper buys, as the checkout page would (the same callbacks), so a
 * merchant's CI needs no browser. Answers what happened.
 */
import type { App } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { CheckoutParams, ShopperInput } from './schemas.js';
import type { CheckoutService } from './service.js';

export function registerCheckoutSandboxRoutes(app: App, service: CheckoutService): void {
  app.post(
    '/sandbox/v1/checkout/orders/:order_id/complete',
    { config: { validationStyle: 'bad_value' }, schema: { params: CheckoutParams, body: ShopperInput } },
    async (request) => service.complete(merchantOf(request).merchant_id, request.params.order_id, request.body ?? {}),
  );
}
