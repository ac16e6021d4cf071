/**
 * What the shopper's actions share (checkout page and sandbox completion): who acts on which order,
 * reading an order the shopper may still change, asking the merchant about a changed cart
 * (address_update, country_change, shipping_option_update) and applying the answer in one write.
 */
import { Value } from 'typebox/value';
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import type { CallbackKind } from '../../../platform/outbox/callbacks.js';
import { substitutePlaceholders } from '../../../platform/outbox/callbacks.js';
import { orderTotalsErrors } from '../../../kernel/order-lines.js';
import { SHIPPING_CALLBACK_TIMEOUTS } from '../callbacks.js';
import type { CheckoutRecord, CheckoutShopper, ShopperOutcome } from '../checkout-order.js';
import { selectedShippingOption, touch } from '../checkout-order.js';
import { saveCheckoutOrder } from '../checkout.repository.js';
import type { MerchantAnswer } from '../merchant-calls.js';
import { callMerchant } from '../merchant-calls.js';
import { ShippingServiceResponse } from '../schemas.js';
import type { CheckoutWrites } from '../writes.js';
import { assertChangeable, loadLiveOrder } from './context.js';

export interface ShopperDeps {
  db: Db;
  clock: Clock;
  /** Read per action: with port 0 the public URL is known only once listening. */
  config: { publicUrl: string };
  writes: CheckoutWrites;
}

/** A shopper's action on one order, under the correlation id of the request that carries it. */
export interface ShopperAction {
  merchantId: string;
  orderId: string;
  correlationId: string;
}

/** `{checkout.order.id}` filled in, as in every merchant URL. */
export const withOrderId = (url: string, orderId: string): string => substitutePlaceholders(url, { 'checkout.order.id': orderId });

/** The order as it is now, if the shopper may still change it (404 when gone, 403 when read-only). */
export async function loadForShopper(deps: ShopperDeps, action: ShopperAction): Promise<CheckoutRecord> {
  const { db, clock } = deps;
  return assertChangeable(await loadLiveOrder(db, db.read, action.merchantId, action.orderId, await clock.now(action.merchantId), { lock: false }));
}

/** Asks the merchant about the cart with the shopper's new details (§2.4 `shipping_service_request`). */
export async function askMerchant(deps: ShopperDeps, order: CheckoutRecord, shopper: CheckoutShopper, kind: CallbackKind, url: string): Promise<MerchantAnswer> {
  const selected = selectedShippingOption({ ...order, shopper });
  const billing = shopper.billing_address;
  const body = {
    order_amount: order.data.order_amount,
    order_tax_amount: order.data.order_tax_amount,
    order_lines: order.data.order_lines,
    purchase_currency: order.data.purchase_currency,
    ...(billing && { billing_address: billing }),
    ...((shopper.shipping_address ?? billing) && { shipping_address: shopper.shipping_address ?? billing }),
    ...(selected && { selected_shipping_option: selected }),
    ...((shopper.customer ?? order.data.customer) && { customer: shopper.customer ?? order.data.customer }),
    ...(order.data.merchant_data !== undefined && { merchant_data: order.data.merchant_data }),
    ...(order.data.merchant_reference1 !== undefined && { merchant_reference1: order.data.merchant_reference1 }),
    ...(order.data.merchant_reference2 !== undefined && { merchant_reference2: order.data.merchant_reference2 }),
    locale: order.data.locale,
    ...(order.data.tags && { tags: order.data.tags }),
  };
  return callMerchant(deps.db, deps.clock, { merchantId: order.merchant_id, orderId: order.order_id, kind, url: withOrderId(url, order.order_id), body, timeouts: SHIPPING_CALLBACK_TIMEOUTS });
}

/**
 * Pure: what the merchant's answer means for the shopper. A redirect or an error ends the action with
 * that outcome; a 200 brings a new cart, applied only when it keeps Klarna's schema and arithmetic;
 * no answer (timeout, unreachable, another status) leaves the cart as it was.
 */
export function decideAnswer(answer: MerchantAnswer | null, kind: CallbackKind | null): { outcome: ShopperOutcome } | { cart: ShippingServiceResponse | null } {
  const callback = kind?.kind ?? '';
  if (answer?.kind === 'redirect') return { outcome: { status: 'redirect', redirect_url: answer.location, callback } };
  if (answer?.kind === 'error') return { outcome: { status: 'error', error_type: answer.error_type, error_text: answer.error_text, callback } };
  if (answer?.kind !== 'ok' || answer.body === undefined) return { cart: null };
  if (!Value.Check(ShippingServiceResponse, answer.body) || orderTotalsErrors(answer.body).length > 0) {
    return { outcome: { status: 'error', error_type: 'merchant_error', error_text: 'The store answered with an order that is not valid.', callback } };
  }
  return { cart: answer.body };
}

/** Pure: the shopper's details stored, the merchant's cart applied; a chosen option the new options lack is dropped. */
export function applyCart(order: CheckoutRecord, shopper: CheckoutShopper, cart: ShippingServiceResponse | null): void {
  order.shopper = shopper;
  if (!cart) return;
  const { shipping_options, ...rest } = cart;
  order.data = { ...order.data, ...rest, purchase_currency: rest.purchase_currency.toUpperCase(), ...(shipping_options && { shipping_options }) };
  const chosen = shopper.selected_shipping_option_id;
  if (chosen !== null && !(order.data.shipping_options ?? []).some((o) => o.id === chosen)) order.shopper = { ...shopper, selected_shipping_option_id: null };
}

/** Stores the shopper's details with what the merchant answered, in one transaction that re-checks the order is open. */
export async function applyShopperChange(deps: ShopperDeps, action: ShopperAction, shopper: CheckoutShopper, answer: MerchantAnswer | null, kind: CallbackKind | null): Promise<ShopperOutcome> {
  const decided = decideAnswer(answer, kind);
  if ('outcome' in decided) return decided.outcome;
  await deps.writes.run({ merchantId: action.merchantId, correlationId: action.correlationId, idempotencyKey: undefined }, async (ctx) => {
    const order = assertChangeable(await loadLiveOrder(ctx.db, ctx.sql, action.merchantId, action.orderId, ctx.now, { lock: true }));
    applyCart(order, shopper, decided.cart);
    touch(order, ctx.now);
    await saveCheckoutOrder(ctx.sql, order);
    return { status: 204 };
  });
  return { status: 'updated' };
}
