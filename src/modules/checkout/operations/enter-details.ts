/**
 * The shopper enters or changes e-mail and addresses (§2.4). A billing country other than the one
 * known before (the shopper's earlier billing country, else the merchant's prefilled one, else the
 * purchase country) is announced to `country_change`; entering or changing an address otherwise,
 * including a first address in the purchase country, to `address_update`; never both for one
 * change. The merchant's 200 answer updates the cart and shipping options.
 */
import type { CallbackKind } from '../../../platform/outbox/callbacks.js';
import { ADDRESS_UPDATE_CALL, COUNTRY_CHANGE_CALL } from '../callbacks.js';
import type { CheckoutRecord, CheckoutShopper, ShopperOutcome } from '../checkout-order.js';
import { mergeShopper, sameAddress, shopperOf } from '../checkout-order.js';
import type { ShopperInput } from '../schemas.js';
import type { ShopperAction, ShopperDeps } from './shopper.js';
import { applyShopperChange, askMerchant, loadForShopper } from './shopper.js';

export type DetailsInput = Omit<ShopperInput, 'shipping_option_id'>;

/** Pure: the shopper's details after the input, and the merchant call it makes (if the merchant set that URL). */
export function decideDetails(order: CheckoutRecord, input: DetailsInput): { shopper: CheckoutShopper; call: { kind: CallbackKind; url: string } | null } {
  const before = shopperOf(order);
  const after = mergeShopper(order, before, input);
  const knownCountry = before.billing_address?.country ?? order.data.billing_address?.country ?? order.data.purchase_country;
  const billingCountryChanged = (after.billing_address?.country ?? knownCountry).toUpperCase() !== knownCountry.toUpperCase();
  const addressChanged = !sameAddress(before.billing_address, after.billing_address) || !sameAddress(before.shipping_address, after.shipping_address);
  const urls = order.data.merchant_urls;
  if (billingCountryChanged && urls.country_change) return { shopper: after, call: { kind: COUNTRY_CHANGE_CALL, url: urls.country_change } };
  if (addressChanged && urls.address_update) return { shopper: after, call: { kind: ADDRESS_UPDATE_CALL, url: urls.address_update } };
  return { shopper: after, call: null };
}

export async function enterDetails(deps: ShopperDeps, action: ShopperAction, input: DetailsInput): Promise<ShopperOutcome> {
  const order = await loadForShopper(deps, action);
  const { shopper, call } = decideDetails(order, input);
  const answer = call ? await askMerchant(deps, order, shopper, call.kind, call.url) : null;
  return applyShopperChange(deps, action, shopper, answer, call?.kind ?? null);
}
