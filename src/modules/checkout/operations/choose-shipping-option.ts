/** The shopper picks a shipping option (§2.4); `shipping_option_update` lets the merchant reprice the cart. */
import { SHIPPING_OPTION_UPDATE_CALL } from '../callbacks.js';
import type { CheckoutRecord, CheckoutShopper, ShopperOutcome } from '../checkout-order.js';
import { shopperOf } from '../checkout-order.js';
import { badFields } from '../errors.js';
import type { ShopperAction, ShopperDeps } from './shopper.js';
import { applyShopperChange, askMerchant, loadForShopper } from './shopper.js';

/** Pure: the shopper's details with the option chosen; an option the order does not offer is 400 BAD_VALUE. */
export function decideShippingChoice(order: CheckoutRecord, optionId: string): CheckoutShopper {
  if (!(order.data.shipping_options ?? []).some((o) => o.id === optionId)) throw badFields(['shipping_option_id']);
  return { ...shopperOf(order), selected_shipping_option_id: optionId };
}

export async function chooseShippingOption(deps: ShopperDeps, action: ShopperAction, optionId: string): Promise<ShopperOutcome> {
  const order = await loadForShopper(deps, action);
  const shopper = decideShippingChoice(order, optionId);
  const url = order.data.merchant_urls.shipping_option_update;
  const answer = url ? await askMerchant(deps, order, shopper, SHIPPING_OPTION_UPDATE_CALL, url) : null;
  return applyShopperChange(deps, action, shopper, answer, url ? SHIPPING_OPTION_UPDATE_CALL : null);
}
