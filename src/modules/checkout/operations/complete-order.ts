/**
 * The shopper buys (§2.3, §2.4). Details and a shipping choice given with the purchase go through
 * their calls first; then the test e-mail decides credit, the merchant's validation may deny, and the
 * purchase completes in one transaction: the same order_id becomes an AUTHORIZED Order Management
 * order (placeOrder), a recurring order gets its customer token, and the push is scheduled.
 */
import type { FraudOutcome } from '../../../kernel/test-data.js';
import { shopperOutcome } from '../../../kernel/test-data.js';
import { enqueueCallback } from '../../../platform/outbox/callbacks.js';
import type { NewCustomerToken } from '../../customer-token/token.js';
import { newCustomerToken } from '../../customer-token/token.js';
import { insertCustomerToken } from '../../customer-token/token.repository.js';
import type { Purchase } from '../../order-management/operations/place-order.js';
import { placeOrder } from '../../order-management/operations/place-order.js';
import { PUSH_CALLBACK, PUSH_FIRST_DELAY_MS, REQUIRED_VALIDATION_TIMEOUTS, VALIDATION_CALL, VALIDATION_TIMEOUTS } from '../callbacks.js';
import type { CheckoutRecord, ShopperOutcome } from '../checkout-order.js';
import { CHECKOUT_TRANSITIONS, linesWithShipping, mergeShopper, missingDetails, selectedShippingOption, shopperOf } from '../checkout-order.js';
import { saveCheckoutOrder } from '../checkout.repository.js';
import { badFields } from '../errors.js';
import type { CheckoutAddress, ShopperInput } from '../schemas.js';
import { callMerchant } from '../merchant-calls.js';
import { assertChangeable, loadLiveOrder, presentOrder } from './context.js';
import { chooseShippingOption } from './choose-shipping-option.js';
import { enterDetails } from './enter-details.js';
import type { ShopperAction, ShopperDeps } from './shopper.js';
import { loadForShopper, withOrderId } from './shopper.js';

/** Pure: the details a purchase still lacks once the input is merged in (400 BAD_VALUE naming them). */
export function decideDetailsComplete(order: CheckoutRecord, input: ShopperInput): void {
  const { shipping_option_id: _choice, ...details } = input;
  const missing = missingDetails(mergeShopper(order, shopperOf(order), details));
  if (missing.length > 0) throw badFields(missing);
}

/**
 * Pure: whether the shopper gets credit. The order must have a shipping choice when it offers
 * options (400 BAD_VALUE `shipping_option_id`); the shopper's e-mail decides (kernel/test-data.ts).
 */
export function decidePurchase(order: CheckoutRecord): { declined: 'denied' | 'pre_screen' } | { fraud: FraudOutcome } {
  if ((order.data.shipping_options ?? []).length > 0 && !selectedShippingOption(order)) throw badFields(['shipping_option_id']);
  const shopper = shopperOf(order);
  const outcome = shopperOutcome(shopper.billing_address?.email ?? shopper.email);
  return outcome.approved ? { fraud: outcome.fraud } : { declined: outcome.reason };
}

/** Checkout's address as Order Management stores it (OM has no street_name/number or care_of). */
function omsAddress(address: CheckoutAddress) {
  const { street_name, street_number, house_extension, care_of: _careOf, ...rest } = address;
  const street = rest.street_address ?? [street_name, street_number, house_extension].filter(Boolean).join(' ');
  return { ...rest, ...(street && { street_address: street }) };
}

/**
 * Pure: what the purchase becomes. The Order Management order keeps the checkout's id, gets the
 * shopper's addresses, the lines with the chosen shipping as a `shipping_fee` line, the fraud outcome
 * and the merchant URLs with `{checkout.order.id}` filled in; a recurring order also gets an ACTIVE
 * INVOICE customer token on the shopper's details.
 */
export function decidePlacement(order: CheckoutRecord, fraud: FraudOutcome): { purchase: Purchase; token: NewCustomerToken | null } {
  const shopper = shopperOf(order);
  const billing = shopper.billing_address as CheckoutAddress;
  // A shipping address the shopper gave is used; the page offers one only with allow_separate_shipping_address.
  const shipping = shopper.shipping_address ?? billing;
  const { lines, amount } = linesWithShipping(order);
  const urls = order.data.merchant_urls;
  const selected = selectedShippingOption(order);
  const customer = shopper.customer ?? order.data.customer;
  const purchase: Purchase = {
    order_id: order.order_id,
    purchase_country: order.data.purchase_country,
    purchase_currency: order.data.purchase_currency,
    locale: order.data.locale,
    order_amount: amount,
    order_lines: lines,
    billing_address: omsAddress(billing),
    shipping_address: omsAddress(shipping),
    ...(customer?.date_of_birth !== undefined && { customer: { date_of_birth: customer.date_of_birth } }),
    merchant_reference1: order.data.merchant_reference1,
    merchant_reference2: order.data.merchant_reference2,
    merchant_data: order.data.merchant_data,
    fraud,
    auto_capture: order.data.options?.auto_capture === true,
    initial_payment_method: { type: 'INVOICE', description: 'Pay later in 30 days' },
    ...(selected && { selected_shipping_option: selected as unknown as Record<string, unknown> }),
    merchant_urls: {
      confirmation: withOrderId(urls.confirmation, order.order_id),
      push: withOrderId(urls.push, order.order_id),
      ...(urls.notification && { notification: withOrderId(urls.notification, order.order_id) }),
    },
    source: 'checkout',
  };
  const token: NewCustomerToken | null =
    order.data.recurring === true
      ? {
          merchant_id: order.merchant_id,
          payment_method_type: 'INVOICE',
          purchase_country: order.data.purchase_country,
          purchase_currency: order.data.purchase_currency,
          locale: order.data.locale,
          description: null,
          intended_use: 'SUBSCRIPTION',
          billing_address: billing,
          shipping_address: shipping,
          customer: shopper.customer
            ? { ...(shopper.customer.date_of_birth && { date_of_birth: shopper.customer.date_of_birth }), ...(shopper.customer.type && { type: shopper.customer.type }) }
            : null,
          email: billing.email ?? shopper.email,
          source: 'checkout',
          source_id: order.order_id,
        }
      : null;
  return { purchase, token };
}

export async function completeCheckoutOrder(deps: ShopperDeps, action: ShopperAction, input: ShopperInput): Promise<ShopperOutcome> {
  const { shipping_option_id, ...details } = input;
  // Bad input changes nothing: the shopper's details are checked before any is stored or sent.
  decideDetailsComplete(await loadForShopper(deps, action), input);
  // (A shipping choice is checked after the address step: the merchant's answer may bring new options.)
  if (Object.values(details).some((v) => v !== undefined)) {
    const entered = await enterDetails(deps, action, details);
    if (entered.status !== 'updated') return entered;
  }
  if (shipping_option_id !== undefined) {
    const chosen = await chooseShippingOption(deps, action, shipping_option_id);
    if (chosen.status !== 'updated') return chosen;
  }
  const order = await loadForShopper(deps, action);
  const decision = decidePurchase(order);
  if ('declined' in decision) return { status: 'declined', reason: decision.declined };

  const validationUrl = order.data.merchant_urls.validation;
  if (validationUrl) {
    const required = order.data.options?.require_validate_callback_success === true;
    const merchant = await deps.db.read.get<{ username: string }>('select username from merchants where merchant_id = ?', [action.merchantId]);
    const presenter = { pageKey: await deps.writes.pageKey(), publicUrl: deps.config.publicUrl };
    const answer = await callMerchant(deps.db, deps.clock, {
      merchantId: action.merchantId,
      orderId: action.orderId,
      kind: VALIDATION_CALL,
      url: withOrderId(validationUrl, action.orderId),
      // The validation callback receives the whole order, as a read answers it (§2.4).
      body: presentOrder(presenter, order, merchant?.username ?? ''),
      timeouts: required ? REQUIRED_VALIDATION_TIMEOUTS : VALIDATION_TIMEOUTS,
    });
    if (answer.kind === 'redirect') return { status: 'redirect', redirect_url: answer.location, callback: VALIDATION_CALL.kind };
    if (answer.kind === 'error') return { status: 'error', error_type: answer.error_type, error_text: answer.error_text, callback: VALIDATION_CALL.kind };
    if (answer.kind === 'no_answer' && required) return { status: 'validation_failed', reason: answer.reason };
  }

  const result = await deps.writes.run({ merchantId: action.merchantId, correlationId: action.correlationId, idempotencyKey: undefined }, async (ctx) => {
    const locked = assertChangeable(await loadLiveOrder(ctx.db, ctx.sql, action.merchantId, action.orderId, ctx.now, { lock: true }));
    const { purchase, token } = decidePlacement(locked, decision.fraud);
    await placeOrder(ctx, purchase);
    if (token) {
      const record = newCustomerToken(token, ctx.now);
      await insertCustomerToken(ctx.sql, record);
      locked.recurring_token = record.token_id;
    }
    await enqueueCallback(ctx.sql, {
      merchant_id: ctx.merchantId,
      kind: PUSH_CALLBACK,
      order_id: locked.order_id,
      url: withOrderId(locked.data.merchant_urls.push, locked.order_id),
      due_at: ctx.now + PUSH_FIRST_DELAY_MS,
      now: ctx.now,
    });
    CHECKOUT_TRANSITIONS.assert(locked.status, 'checkout_complete');
    locked.status = 'checkout_complete';
    locked.completed_at = ctx.now;
    locked.updated_at = ctx.now;
    await saveCheckoutOrder(ctx.sql, locked);
    return { status: 200, body: { order_id: locked.order_id, redirect_url: withOrderId(locked.data.merchant_urls.confirmation, locked.order_id) } };
  });
  const completed = result.body as { order_id: string; redirect_url: string };
  return { status: 'checkout_complete', order_id: completed.order_id, redirect_url: completed.redirect_url };
}
