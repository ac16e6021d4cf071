/**
 * The checkout page's view of the shopper's operations (checkout/page/routes.ts), until the page
 * routes take checkout/shopper-api.ts directly.
 */
import type { ModuleDeps } from '../../platform/app.js';
import type { CheckoutRecord, ShopperOutcome } from './checkout-order.js';
import type { DetailsInput } from './operations/enter-details.js';
import type { ShopperInput } from './schemas.js';
import type { CheckoutShopperApi } from './shopper-api.js';
import { checkoutShopperApi } from './shopper-api.js';

export type { ShopperOutcome };
export { linesWithShipping } from './checkout-order.js';

export class CheckoutService {
  private readonly shopper: CheckoutShopperApi;

  constructor(deps: ModuleDeps) {
    this.shopper = checkoutShopperApi(deps);
  }

  fromPageToken(token: string): Promise<{ order: CheckoutRecord; merchantName: string }> {
    return this.shopper.fromPageToken(token);
  }

  enterDetails(merchantId: string, orderId: string, input: DetailsInput, correlationId = ''): Promise<ShopperOutcome> {
    return this.shopper.enterDetails({ merchantId, orderId, correlationId }, input);
  }

  chooseShippingOption(merchantId: string, orderId: string, optionId: string, correlationId = ''): Promise<ShopperOutcome> {
    return this.shopper.chooseShippingOption({ merchantId, orderId, correlationId }, optionId);
  }

  complete(merchantId: string, orderId: string, input: ShopperInput, correlationId = ''): Promise<ShopperOutcome> {
    return this.shopper.complete({ merchantId, orderId, correlationId }, input);
  }
}
