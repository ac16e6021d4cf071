/**
 * What the shopper's side of Checkout may do: the checkout page (authenticated by its page token)
 * and the sandbox's completion route (by the merchant's credentials) share these operations, as
 * Payments' widget and sandbox share payments/shopper-api.ts.
 */
import type { ModuleDeps } from '../../platform/app.js';
import type { CheckoutRecord, ShopperOutcome } from './checkout-order.js';
import { chooseShippingOption } from './operations/choose-shipping-option.js';
import { completeCheckoutOrder } from './operations/complete-order.js';
import type { DetailsInput } from './operations/enter-details.js';
import { enterDetails } from './operations/enter-details.js';
import { orderForPageToken } from './operations/read-order.js';
import type { ShopperAction } from './operations/shopper.js';
import type { ShopperInput } from './schemas.js';
import { checkoutWrites } from './writes.js';
import type { CheckoutWrites } from './writes.js';

export type { ShopperAction };

export interface CheckoutShopperApi {
  /** The order a page token acts for (401 for a token this installation did not sign, 404 when gone). */
  fromPageToken(token: string): Promise<{ order: CheckoutRecord; merchantName: string }>;
  enterDetails(action: ShopperAction, input: DetailsInput): Promise<ShopperOutcome>;
  chooseShippingOption(action: ShopperAction, optionId: string): Promise<ShopperOutcome>;
  complete(action: ShopperAction, input: ShopperInput): Promise<ShopperOutcome>;
}

export function checkoutShopperApi(deps: ModuleDeps, writes: CheckoutWrites = checkoutWrites(deps)): CheckoutShopperApi {
  const shopperDeps = { db: deps.db, clock: deps.clock, config: deps.config, writes };
  return {
    fromPageToken: async (token) => orderForPageToken(deps, await writes.pageKey(), token),
    enterDetails: (action, input) => enterDetails(shopperDeps, action, input),
    chooseShippingOption: (action, optionId) => chooseShippingOption(shopperDeps, action, optionId),
    complete: (action, input) => completeCheckoutOrder(shopperDeps, action, input),
  };
}
