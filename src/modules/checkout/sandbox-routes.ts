/**
 * Checkout's sandbox route: the shopper buys, as the checkout page would (the same callbacks), so a
 * merchant's CI needs no browser. Answers what happened.
 */
import type { App } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { CheckoutParams, CompletionOutcome, ShopperInput } from './schemas.js';
import type { CheckoutShopperApi } from './shopper-api.js';

export function registerCheckoutSandboxRoutes(app: App, shopper: CheckoutShopperApi): void {
  app.post(
    '/sandbox/v1/checkout/orders/:order_id/complete',
    { config: { validationStyle: 'bad_value' }, schema: { params: CheckoutParams, body: ShopperInput, response: { 200: CompletionOutcome } } },
    async (request) => shopper.complete({ merchantId: merchantOf(request).merchant_id, orderId: request.params.order_id, correlationId: request.id }, request.body ?? {}),
  );
}
