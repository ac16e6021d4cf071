/**
 * Checkout v3's pure decisions (behaviour reference §2, docs/fidelity.md "Checkout v3" and
 * "Checkout page"), without a database or a server: what the merchant's create, update and abort
 * answer, which merchant call a shopper's entry makes, what the shopper sees when the merchant
 * answers, whether the shopper gets credit, and what the purchase becomes in Order Management.
 * Each refusal is asserted with the status, error code and messages the caller gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderLine } from '../../src/kernel/schemas.js';
import { ADDRESS_UPDATE_CALL, COUNTRY_CHANGE_CALL, SHIPPING_OPTION_UPDATE_CALL, VALIDATION_CALL } from '../../src/modules/checkout/callbacks.js';
import {
  CHECKOUT_LIFETIME_MS,
  CHECKOUT_STATUSES,
  CHECKOUT_TRANSITIONS,
  isExpired,
  isReadOnly,
  linesWithShipping,
  missingDetails,
  selectedShippingOption,
} from '../../src/modules/checkout/checkout-order.js';
import type { CheckoutRecord, CheckoutShopper } from '../../src/modules/checkout/checkout-order.js';
import type { MerchantAnswer } from '../../src/modules/checkout/merchant-calls.js';
import { decideAbort } from '../../src/modules/checkout/operations/abort-order.js';
import { decideShippingChoice } from '../../src/modules/checkout/operations/choose-shipping-option.js';
import { decideDetailsComplete, decidePlacement, decidePurchase } from '../../src/modules/checkout/operations/complete-order.js';
import { decideCreate } from '../../src/modules/checkout/operations/create-order.js';
import { decideDetails } from '../../src/modules/checkout/operations/enter-details.js';
import { applyCart, decideAnswer } from '../../src/modules/checkout/operations/shopper.js';
import { decideUpdate } from '../../src/modules/checkout/operations/update-order.js';
import type {
  CheckoutAddress,
  CheckoutCreateBody,
  CheckoutMerchantUrls,
  CheckoutOrderLine,
  ShippingOption,
  ShippingServiceResponse,
} from '../../src/modules/checkout/schemas.js';
import { ApiError } from '../../src/platform/http/errors.js';

// ---------------------------------------------------------------------------------------------
// Factories

const HOUR = 60 * 60 * 1000;
const NOW = Date.UTC(2025, 3, 1, 12, 0, 0);
const ORDER_ID = '7c2e9a41-3b5d-4f6e-8a1c-2d4b6f8e0a13';
const MERCHANT_ID = 'merchant-1';

const line = (over: Partial<CheckoutOrderLine> = {}): CheckoutOrderLine => ({
  type: 'physical',
  reference: 'SKU-1',
  name: 'T-shirt',
  quantity: 1,
  unit_price: 10000,
  tax_rate: 2500,
  total_amount: 10000,
  total_tax_amount: 2000,
  ...over,
});

/** The merchant URLs a merchant sends, with Klarna's `{checkout.order.id}` placeholder where it is usual. */
const urls = (over: Partial<CheckoutMerchantUrls> = {}): CheckoutMerchantUrls => ({
  terms: 'https://shop.example/terms',
  checkout: 'https://shop.example/checkout?order={checkout.order.id}',
  confirmation: 'https://shop.example/confirmation?order={checkout.order.id}',
  push: 'https://shop.example/klarna/push?order={checkout.order.id}',
  ...over,
});

/** Standard delivery, 49.00 SEK with 25 % VAT (tax 9.80), preselected. */
const STANDARD: ShippingOption = { id: 'standard', name: 'Standard delivery', price: 4900, tax_amount: 980, tax_rate: 2500, preselected: true };
/** Express delivery, 99.00 SEK with 25 % VAT (tax 19.80). */
const EXPRESS: ShippingOption = { id: 'express', name: 'Express delivery', price: 9900, tax_amount: 1980, tax_rate: 2500 };
/** Pick-up in store, free. */
const PICKUP: ShippingOption = { id: 'pickup', name: 'Pick up in store', price: 0, tax_amount: 0, tax_rate: 2500 };

/** A valid Swedish create body: one T-shirt, 100.00 SEK with 25 % VAT; override what the case is about. */
function body(over: Partial<CheckoutCreateBody> = {}): CheckoutCreateBody {
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 10000,
    order_tax_amount: 2000,
    order_lines: [line()],
    merchant_urls: urls(),
    ...over,
  };
}

/** Klarna's approved Swedish test shopper, as the shopper types it in. */
const address = (over: Partial<CheckoutAddress> = {}): CheckoutAddress => ({
  given_name: 'Testperson-se',
  family_name: 'Approved',
  email: 'customer@email.se',
  street_address: 'Stårgatan 1',
  postal_code: '12345',
  city: 'Ankeborg',
  phone: '+46765260000',
  country: 'SE',
  ...over,
});

function shopper(over: Partial<CheckoutShopper> = {}): CheckoutShopper {
  return {
    email: 'customer@email.se',
    billing_address: address(),
    shipping_address: null,
    customer: null,
    selected_shipping_option_id: null,
    ...over,
  };
}

/** A fresh, incomplete order created an hour ago, with nothing entered by the shopper yet. */
function checkoutOrder(over: Partial<CheckoutRecord> = {}, data: Partial<CheckoutCreateBody> = {}): CheckoutRecord {
  return {
    order_id: ORDER_ID,
    merchant_id: MERCHANT_ID,
    status: 'checkout_incomplete',
    data: body(data),
    shopper: null,
    recurring_token: null,
    aborted_at: null,
    created_at: NOW - HOUR,
    updated_at: NOW - HOUR,
    completed_at: null,
    expires_at: NOW - HOUR + CHECKOUT_LIFETIME_MS,
    ...over,
  };
}

const completed = (): CheckoutRecord => checkoutOrder({ status: 'checkout_complete', completed_at: NOW - HOUR / 2, updated_at: NOW - HOUR / 2 });
const aborted = (): CheckoutRecord => checkoutOrder({ aborted_at: NOW - HOUR / 2, updated_at: NOW - HOUR / 2 });

/** The call must be refused with exactly this answer (status, error code, messages, envelope). */
function refuses(decide: () => unknown, statusCode: number, errorCode: string, messages: readonly string[]): void {
  assert.throws(decide, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.statusCode, statusCode);
    assert.equal(error.errorCode, errorCode);
    assert.deepEqual(error.errorMessages, messages);
    assert.equal(error.page, null, 'answered in Klarna’s envelope');
    return true;
  });
}

/** 400 BAD_VALUE naming these fields, in this order (`Bad value: <field>`). */
function badValues(decide: () => unknown, fields: readonly string[]): void {
  refuses(
    decide,
    400,
    'BAD_VALUE',
    fields.map((f) => `Bad value: ${f}`),
  );
}

/** 403 READ_ONLY_ORDER "Resource is read-only" (behaviour reference §2.1). */
function readOnly(decide: () => unknown): void {
  refuses(decide, 403, 'READ_ONLY_ORDER', ['Resource is read-only']);
}

// ---------------------------------------------------------------------------------------------
// checkout-order.ts: rules

describe('CHECKOUT_TRANSITIONS: the only status change is the purchase', () => {
  it('an incomplete order may stay incomplete or complete; a complete one stays complete', () => {
    assert.deepEqual(CHECKOUT_STATUSES, ['checkout_incomplete', 'checkout_complete']);
    assert.equal(CHECKOUT_TRANSITIONS.allows('checkout_incomplete', 'checkout_incomplete'), true);
    assert.equal(CHECKOUT_TRANSITIONS.allows('checkout_incomplete', 'checkout_complete'), true);
    assert.equal(CHECKOUT_TRANSITIONS.allows('checkout_complete', 'checkout_complete'), true);
    assert.doesNotThrow(() => CHECKOUT_TRANSITIONS.assert('checkout_incomplete', 'checkout_complete'));
  });

  it('a complete order never becomes incomplete again (a bug, not a refusal)', () => {
    assert.equal(CHECKOUT_TRANSITIONS.allows('checkout_complete', 'checkout_incomplete'), false);
    assert.throws(() => CHECKOUT_TRANSITIONS.assert('checkout_complete', 'checkout_incomplete'), {
      message: 'illegal checkout order status transition checkout_complete → checkout_incomplete',
    });
  });
});

describe('isExpired: an incomplete order is gone 48 h after its last activity', () => {
  it('an incomplete order is expired from the instant expires_at is reached, not a millisecond before', () => {
    const order = checkoutOrder();
    assert.equal(order.expires_at - order.updated_at, 48 * HOUR);
    assert.equal(isExpired(order, order.expires_at - 1), false);
    assert.equal(isExpired(order, order.expires_at), true);
    assert.equal(isExpired(order, order.expires_at + 30 * 24 * HOUR), true);
  });

  it('a complete order never expires', () => {
    const order = completed();
    assert.equal(isExpired(order, order.expires_at + 365 * 24 * HOUR), false);
  });
});

describe('isReadOnly: updates and shopper actions only on an incomplete, not aborted order', () => {
  it('an incomplete order can be changed; an aborted or complete one cannot', () => {
    assert.equal(isReadOnly(checkoutOrder()), false);
    assert.equal(isReadOnly(aborted()), true);
    assert.equal(isReadOnly(completed()), true);
  });
});

describe('selectedShippingOption: the shopper’s choice, else selected_shipping_option, else the preselected one', () => {
  it('the shopper’s choice wins over the merchant’s selected and preselected options', () => {
    const order = checkoutOrder(
      { shopper: shopper({ selected_shipping_option_id: 'pickup' }) },
      { shipping_options: [STANDARD, EXPRESS, PICKUP], selected_shipping_option: EXPRESS },
    );
    assert.deepEqual(selectedShippingOption(order), PICKUP);
  });

  it('without a choice, the merchant’s selected_shipping_option comes before the preselected option', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS], selected_shipping_option: EXPRESS });
    assert.deepEqual(selectedShippingOption(order), EXPRESS);
  });

  it('a choice the options no longer offer falls back to the preselected option', () => {
    const order = checkoutOrder({ shopper: shopper({ selected_shipping_option_id: 'drone' }) }, { shipping_options: [STANDARD, EXPRESS] });
    assert.deepEqual(selectedShippingOption(order), STANDARD);
  });

  it('no options, or options with nothing chosen nor preselected: none', () => {
    assert.equal(selectedShippingOption(checkoutOrder()), undefined);
    assert.equal(selectedShippingOption(checkoutOrder({}, { shipping_options: [EXPRESS, PICKUP] })), undefined);
  });
});

describe('linesWithShipping: the lines Order Management receives', () => {
  const shippingFee = (option: ShippingOption): OrderLine => ({
    type: 'shipping_fee',
    reference: option.id,
    name: option.name,
    quantity: 1,
    unit_price: option.price,
    tax_rate: option.tax_rate,
    total_amount: option.price,
    total_tax_amount: option.tax_amount,
  });

  it('the chosen option with a price becomes a shipping_fee line (reference = option id) and adds to the amount', () => {
    const order = checkoutOrder({ shopper: shopper({ selected_shipping_option_id: 'express' }) }, { shipping_options: [STANDARD, EXPRESS] });
    assert.deepEqual(linesWithShipping(order), { lines: [line(), shippingFee(EXPRESS)], amount: 10000 + 9900 });
  });

  it('the preselected option counts when the shopper has not chosen', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS] });
    assert.deepEqual(linesWithShipping(order), { lines: [line(), shippingFee(STANDARD)], amount: 14900 });
  });

  it('a free option adds no line', () => {
    const order = checkoutOrder({ shopper: shopper({ selected_shipping_option_id: 'pickup' }) }, { shipping_options: [STANDARD, PICKUP] });
    assert.deepEqual(linesWithShipping(order), { lines: [line()], amount: 10000 });
  });

  it('a cart that already has a shipping_fee line is left as the merchant made it', () => {
    const cartShipping = line({ type: 'shipping_fee', reference: 'ship', name: 'Shipping', unit_price: 4900, total_amount: 4900, total_tax_amount: 980 });
    const order = checkoutOrder({}, { order_lines: [line(), cartShipping], order_amount: 14900, order_tax_amount: 2980, shipping_options: [STANDARD] });
    assert.deepEqual(linesWithShipping(order), { lines: [line(), cartShipping], amount: 14900 });
  });

  it('no shipping options: the cart as it is', () => {
    assert.deepEqual(linesWithShipping(checkoutOrder()), { lines: [line()], amount: 10000 });
  });
});

describe('missingDetails: what a purchase needs from the shopper', () => {
  it('nothing is missing from a complete billing address without a separate shipping address', () => {
    assert.deepEqual(missingDetails(shopper()), []);
  });

  it('names every required billing field the shopper has not given, in order', () => {
    assert.deepEqual(missingDetails(shopper({ billing_address: null })), [
      'billing_address.given_name',
      'billing_address.family_name',
      'billing_address.email',
      'billing_address.street_address',
      'billing_address.postal_code',
      'billing_address.city',
      'billing_address.country',
    ]);
    assert.deepEqual(missingDetails(shopper({ billing_address: address({ country: '' }) })), ['billing_address.country']);
  });

  it('a shipping address the shopper gave must be whole (no e-mail needed there)', () => {
    assert.deepEqual(missingDetails(shopper({ shipping_address: address({ email: undefined, phone: undefined }) })), []);
    assert.deepEqual(missingDetails(shopper({ shipping_address: { given_name: 'Testperson-se', city: 'Ankeborg' } })), [
      'shipping_address.family_name',
      'shipping_address.street_address',
      'shipping_address.postal_code',
      'shipping_address.country',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Merchant operations

describe('decideCreate: the order as stored, or 400 BAD_VALUE naming every bad field', () => {
  it('accepts a valid order and stores country and currency in upper case (locale as given)', () => {
    const given = body({ purchase_country: 'se', purchase_currency: 'sek', locale: 'sv-se' });
    const data = decideCreate(given);
    assert.deepEqual(data, { ...given, purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-se' });
    assert.equal(given.purchase_country, 'se', 'the request body is not changed');
  });

  it('an unknown purchase country', () => {
    badValues(() => decideCreate(body({ purchase_country: 'XX' })), ['purchase_country']);
  });

  it('a currency the purchase country does not settle in', () => {
    badValues(() => decideCreate(body({ purchase_currency: 'EUR' })), ['purchase_currency, purchase_country']);
  });

  it('a locale that is not language-country', () => {
    badValues(() => decideCreate(body({ locale: 'sv' })), ['locale']);
  });

  it('a line total that is not quantity × unit_price; a line tax that does not fit its total', () => {
    badValues(() => decideCreate(body({ order_lines: [line({ quantity: 2 })] })), ['order_lines[0].total_amount']);
    badValues(() => decideCreate(body({ order_lines: [line({ total_amount: 9000 })], order_amount: 9000 })), [
      'order_lines[0].total_amount',
      'order_lines[0].total_tax_amount',
    ]);
  });

  it('an order_amount that is not the sum of the lines; an order_tax_amount off by more than the line count', () => {
    badValues(() => decideCreate(body({ order_amount: 10001 })), ['order_amount']);
    assert.doesNotThrow(() => decideCreate(body({ order_tax_amount: 2001 })), 'off by 1 with one line');
    badValues(() => decideCreate(body({ order_tax_amount: 2002 })), ['order_tax_amount']);
  });

  it('each required merchant URL that is missing or empty', () => {
    const { push: _push, ...withoutPush } = urls();
    badValues(() => decideCreate(body({ merchant_urls: { ...withoutPush, terms: '' } as CheckoutMerchantUrls })), ['merchant_urls.terms', 'merchant_urls.push']);
    badValues(() => decideCreate(body({ merchant_urls: urls({ checkout: '', confirmation: '' }) })), ['merchant_urls.checkout', 'merchant_urls.confirmation']);
  });

  it('a merchant URL that is not http(s), required or optional', () => {
    badValues(() => decideCreate(body({ merchant_urls: urls({ terms: 'javascript:alert(1)' }) })), ['merchant_urls.terms']);
    badValues(() => decideCreate(body({ merchant_urls: urls({ validation: 'ftp://shop.example/validate', address_update: 'not a url' }) })), [
      'merchant_urls.validation',
      'merchant_urls.address_update',
    ]);
  });

  it('http and https URLs are accepted, with {checkout.order.id} anywhere in them', () => {
    const accepted = urls({
      push: 'http://localhost:8080/push/{checkout.order.id}',
      validation: 'https://shop.example/{checkout.order.id}/validate',
      country_change: 'https://shop.example/country?id={checkout.order.id}',
    });
    assert.deepEqual(decideCreate(body({ merchant_urls: accepted })).merchant_urls, accepted);
  });

  it('shipping options with the same id (the repeat is named)', () => {
    badValues(() => decideCreate(body({ shipping_options: [STANDARD, EXPRESS, { ...EXPRESS, name: 'Express again' }] })), ['shipping_options[2].id']);
  });

  it('a shipping option tax more than 1 off price × rate / (10000 + rate); exactly 1 off is accepted', () => {
    // 4900 at 25 %: 980.
    assert.doesNotThrow(() => decideCreate(body({ shipping_options: [{ ...STANDARD, tax_amount: 981 }] })));
    assert.doesNotThrow(() => decideCreate(body({ shipping_options: [{ ...STANDARD, tax_amount: 979 }] })));
    badValues(() => decideCreate(body({ shipping_options: [EXPRESS, { ...STANDARD, tax_amount: 982 }] })), ['shipping_options[1].tax_amount']);
    badValues(() => decideCreate(body({ shipping_options: [{ ...STANDARD, tax_amount: 978 }] })), ['shipping_options[0].tax_amount']);
  });

  it('two preselected shipping options; one is fine', () => {
    assert.doesNotThrow(() => decideCreate(body({ shipping_options: [STANDARD, EXPRESS] })));
    badValues(() => decideCreate(body({ shipping_options: [STANDARD, { ...EXPRESS, preselected: true }] })), ['shipping_options.preselected']);
  });

  it('a prefilled billing country that is neither the purchase country nor in billing_countries', () => {
    badValues(() => decideCreate(body({ billing_address: address({ country: 'NO' }) })), ['billing_address.country']);
    badValues(() => decideCreate(body({ billing_address: address({ country: 'NO' }), billing_countries: ['DK', 'FI'] })), ['billing_address.country']);
  });

  it('a prefilled billing country that is the purchase country or one of billing_countries (any case)', () => {
    assert.doesNotThrow(() => decideCreate(body({ billing_address: address({ country: 'se' }) })));
    assert.doesNotThrow(() => decideCreate(body({ billing_address: address({ country: 'NO' }), billing_countries: ['dk', 'no'] })));
  });

  it('names every broken rule at once, in the order of the checks', () => {
    badValues(
      () =>
        decideCreate(
          body({
            purchase_currency: 'NOK',
            order_amount: 1,
            merchant_urls: urls({ terms: '', notification: 'mailto:shop@example.com' }),
            shipping_options: [STANDARD, { ...STANDARD, tax_amount: 0 }],
            billing_address: address({ country: 'DE' }),
          }),
        ),
      [
        'purchase_currency, purchase_country',
        'order_amount',
        'merchant_urls.terms',
        'merchant_urls.notification',
        'shipping_options[1].id',
        'shipping_options[1].tax_amount',
        'shipping_options.preselected',
        'billing_address.country',
      ],
    );
  });
});

describe('decideUpdate: a partial update of an incomplete order', () => {
  it('a complete or an aborted order is 403 READ_ONLY_ORDER, whatever the body', () => {
    readOnly(() => decideUpdate(completed(), { merchant_reference1: 'R1' }));
    readOnly(() => decideUpdate(aborted(), { merchant_reference1: 'R1' }));
    readOnly(() => decideUpdate(aborted(), { order_amount: 1 }));
  });

  it('present properties replace the stored ones; omitted ones are kept', () => {
    const order = checkoutOrder({}, { merchant_reference1: 'R1', shipping_options: [STANDARD], merchant_data: '{"cart":7}' });
    const before = structuredClone(order.data);
    const data = decideUpdate(order, { merchant_reference2: 'R2', shipping_options: [STANDARD, EXPRESS] });
    assert.deepEqual(data, { ...before, merchant_reference2: 'R2', shipping_options: [STANDARD, EXPRESS] });
    assert.deepEqual(order.data, before, 'the stored order is not changed by the decision');
  });

  it('a new cart with its totals replaces the old one; country and currency are upper-cased', () => {
    const lines = [line(), line({ reference: 'SKU-2', name: 'Cap', unit_price: 5000, total_amount: 5000, total_tax_amount: 1000 })];
    const data = decideUpdate(checkoutOrder(), { order_lines: lines, order_amount: 15000, order_tax_amount: 3000, purchase_country: 'fi', purchase_currency: 'eur', locale: 'fi-FI' });
    assert.equal(data.purchase_country, 'FI');
    assert.equal(data.purchase_currency, 'EUR');
    assert.deepEqual(data.order_lines, lines);
    assert.equal(data.order_amount, 15000);
  });

  it('no body: the stored order unchanged', () => {
    const order = checkoutOrder({}, { merchant_reference1: 'R1' });
    assert.deepEqual(decideUpdate(order, undefined), order.data);
  });

  it('a merged order that breaks the rules is 400 BAD_VALUE naming the fields', () => {
    // New lines without new totals.
    badValues(() => decideUpdate(checkoutOrder(), { order_lines: [line(), line({ reference: 'SKU-2' })] }), ['order_amount', 'order_tax_amount']);
    // A new country whose currency is not the stored one.
    badValues(() => decideUpdate(checkoutOrder(), { purchase_country: 'DE' }), ['purchase_currency, purchase_country']);
    // The stored billing address (NO) no longer allowed by the new billing_countries.
    const order = checkoutOrder({}, { billing_address: address({ country: 'NO' }), billing_countries: ['NO'] });
    badValues(() => decideUpdate(order, { billing_countries: ['DK'] }), ['billing_address.country']);
    // Options added next to a stored preselected one.
    const withOption = checkoutOrder({}, { shipping_options: [STANDARD] });
    badValues(() => decideUpdate(withOption, { shipping_options: [STANDARD, { ...EXPRESS, preselected: true }] }), ['shipping_options.preselected']);
  });
});

describe('decideAbort', () => {
  it('marks an incomplete order the first time', () => {
    assert.equal(decideAbort(checkoutOrder()), true);
  });

  it('answers without marking again when the order is already aborted', () => {
    assert.equal(decideAbort(aborted()), false);
  });

  it('a complete order is 403 READ_ONLY_ORDER', () => {
    readOnly(() => decideAbort(completed()));
  });
});

// ---------------------------------------------------------------------------------------------
// The shopper's actions

const withShopperUrls = (over: Partial<CheckoutMerchantUrls> = {}) =>
  urls({ address_update: 'https://shop.example/address/{checkout.order.id}', country_change: 'https://shop.example/country/{checkout.order.id}', ...over });

describe('decideDetails: which merchant call an entry makes', () => {
  it('a first address in the purchase country calls address_update', () => {
    const order = checkoutOrder({}, { merchant_urls: withShopperUrls() });
    const { shopper: after, call } = decideDetails(order, { billing_address: address() });
    assert.deepEqual(call, { kind: ADDRESS_UPDATE_CALL, url: 'https://shop.example/address/{checkout.order.id}' });
    assert.deepEqual(after.billing_address, address());
  });

  it('a first address without a country is in the purchase country: address_update, never country_change', () => {
    const order = checkoutOrder({}, { merchant_urls: withShopperUrls() });
    const { shopper: after, call } = decideDetails(order, { billing_address: address({ country: undefined }) });
    assert.equal(call?.kind, ADDRESS_UPDATE_CALL);
    assert.equal(after.billing_address?.country, 'SE');
  });

  it('the purchase country in lower case is no country change', () => {
    const order = checkoutOrder({}, { merchant_urls: withShopperUrls() });
    assert.equal(decideDetails(order, { billing_address: address({ country: 'se' }) }).call?.kind, ADDRESS_UPDATE_CALL);
  });

  it('a billing country other than the one known before calls country_change only, never both', () => {
    const order = checkoutOrder({ shopper: shopper() }, { merchant_urls: withShopperUrls(), billing_countries: ['NO'] });
    const { shopper: after, call } = decideDetails(order, { billing_address: address({ country: 'NO', city: 'Oslo' }), shipping_address: address({ country: 'NO' }) });
    assert.deepEqual(call, { kind: COUNTRY_CHANGE_CALL, url: 'https://shop.example/country/{checkout.order.id}' });
    assert.equal(after.billing_address?.country, 'NO');
  });

  it('a billing country change without a country_change URL calls address_update', () => {
    const order = checkoutOrder({ shopper: shopper() }, { merchant_urls: withShopperUrls({ country_change: undefined }) });
    assert.deepEqual(decideDetails(order, { billing_address: { country: 'NO' } }).call, { kind: ADDRESS_UPDATE_CALL, url: 'https://shop.example/address/{checkout.order.id}' });
  });

  it('a change with neither URL set calls nothing, and the details are still merged', () => {
    const order = checkoutOrder({ shopper: shopper() });
    const { shopper: after, call } = decideDetails(order, { billing_address: { country: 'NO' } });
    assert.equal(call, null);
    assert.deepEqual(after.billing_address, address({ country: 'NO' }));
  });

  it('a street or a shipping address entered or changed in the same country calls address_update', () => {
    const order = checkoutOrder({ shopper: shopper() }, { merchant_urls: withShopperUrls() });
    assert.equal(decideDetails(order, { billing_address: { street_address: 'Stårgatan 2' } }).call?.kind, ADDRESS_UPDATE_CALL);
    assert.equal(decideDetails(order, { shipping_address: address({ street_address: 'Lillgatan 3' }) }).call?.kind, ADDRESS_UPDATE_CALL);
  });

  it('no address change calls nothing: the same address again, a customer only, or nothing', () => {
    const order = checkoutOrder({ shopper: shopper() }, { merchant_urls: withShopperUrls() });
    assert.equal(decideDetails(order, { billing_address: address() }).call, null);
    assert.equal(decideDetails(order, { email: 'customer@email.se' }).call, null);
    assert.equal(decideDetails(order, { customer: { date_of_birth: '1970-01-01' } }).call, null);
    assert.equal(decideDetails(order, {}).call, null);
  });

  it('a merchant’s prefilled billing country is the one known before', () => {
    const prefill = { billing_address: address({ country: 'NO', street_address: undefined }), billing_countries: ['NO'], merchant_urls: withShopperUrls() };
    // Completing the prefilled Norwegian address is no country change…
    assert.equal(decideDetails(checkoutOrder({}, prefill), { billing_address: address({ country: 'NO' }) }).call?.kind, ADDRESS_UPDATE_CALL);
    // …but going to the purchase country from it is one.
    assert.equal(decideDetails(checkoutOrder({}, prefill), { billing_address: address({ country: 'SE' }) }).call?.kind, COUNTRY_CHANGE_CALL);
  });

  it('the shopper’s earlier billing country comes before the merchant’s prefill', () => {
    const order = checkoutOrder(
      { shopper: shopper({ billing_address: address({ country: 'SE' }) }) },
      { billing_address: address({ country: 'NO' }), billing_countries: ['NO'], merchant_urls: withShopperUrls() },
    );
    assert.equal(decideDetails(order, { billing_address: { country: 'NO' } }).call?.kind, COUNTRY_CHANGE_CALL);
    assert.equal(decideDetails(order, { billing_address: { city: 'Ankeborg C' } }).call?.kind, ADDRESS_UPDATE_CALL);
  });
});

describe('decideDetails: the merged shopper', () => {
  it('the e-mail comes from the input and is written into the billing address', () => {
    const { shopper: after } = decideDetails(checkoutOrder(), { email: 'customer+red@email.se', billing_address: address({ email: undefined }) });
    assert.equal(after.email, 'customer+red@email.se');
    assert.equal(after.billing_address?.email, 'customer+red@email.se');
  });

  it('without an e-mail field, the billing address’s e-mail is the shopper’s', () => {
    const { shopper: after } = decideDetails(checkoutOrder(), { billing_address: address({ email: 'customer+denied@email.se' }) });
    assert.equal(after.email, 'customer+denied@email.se');
  });

  it('the e-mail field wins over the billing address’s', () => {
    const { shopper: after } = decideDetails(checkoutOrder(), { email: 'customer@email.se', billing_address: address({ email: 'customer+denied@email.se' }) });
    assert.equal(after.email, 'customer@email.se');
    assert.equal(after.billing_address?.email, 'customer@email.se');
  });

  it('nothing entered yet: the billing country is the purchase country and the e-mail is unknown', () => {
    const { shopper: after } = decideDetails(checkoutOrder(), { customer: { type: 'person' } });
    assert.deepEqual(after, { email: null, billing_address: { country: 'SE' }, shipping_address: null, customer: { type: 'person' }, selected_shipping_option_id: null });
  });

  it('new fields merge over the earlier entries; the shipping choice and customer are kept', () => {
    const before = shopper({ shipping_address: address({ street_address: 'Lillgatan 3' }), customer: { date_of_birth: '1970-01-01' }, selected_shipping_option_id: 'express' });
    const order = checkoutOrder({ shopper: before }, { shipping_options: [STANDARD, EXPRESS] });
    const { shopper: after } = decideDetails(order, { billing_address: { postal_code: '12346' }, shipping_address: { city: 'Gåsby' } });
    assert.deepEqual(after, {
      email: 'customer@email.se',
      billing_address: address({ postal_code: '12346' }),
      shipping_address: address({ street_address: 'Lillgatan 3', city: 'Gåsby' }),
      customer: { date_of_birth: '1970-01-01' },
      selected_shipping_option_id: 'express',
    });
  });

  it('before any entry, the merchant’s prefill is the starting point', () => {
    const order = checkoutOrder({}, { billing_address: address({ street_address: undefined }), customer: { date_of_birth: '1970-01-01' } });
    const { shopper: after } = decideDetails(order, { billing_address: { street_address: 'Stårgatan 1' } });
    assert.deepEqual(after.billing_address, address());
    assert.equal(after.email, 'customer@email.se');
    assert.deepEqual(after.customer, { date_of_birth: '1970-01-01' });
  });
});

describe('decideShippingChoice', () => {
  const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS], billing_address: address(), merchant_urls: urls({ shipping_option_update: 'https://shop.example/shipping' }) });

  it('an offered option is chosen; the merchant’s prefill becomes the shopper’s details', () => {
    assert.deepEqual(decideShippingChoice(order, 'express'), {
      email: 'customer@email.se',
      billing_address: address(),
      shipping_address: null,
      customer: null,
      selected_shipping_option_id: 'express',
    });
  });

  it('a new choice replaces the earlier one and keeps what the shopper entered', () => {
    const entered = shopper({ billing_address: address({ city: 'Gåsby' }), selected_shipping_option_id: 'express' });
    assert.deepEqual(decideShippingChoice({ ...order, shopper: entered }, 'standard'), { ...entered, selected_shipping_option_id: 'standard' });
  });

  it('an option the order does not offer is 400 BAD_VALUE shipping_option_id', () => {
    badValues(() => decideShippingChoice(order, 'drone'), ['shipping_option_id']);
    badValues(() => decideShippingChoice(checkoutOrder(), 'standard'), ['shipping_option_id']);
  });
});

describe('decideDetailsComplete: the details a purchase still lacks', () => {
  const billingFields = ['given_name', 'family_name', 'street_address', 'postal_code', 'city'] as const;

  it('a whole billing address passes', () => {
    assert.equal(decideDetailsComplete(checkoutOrder(), { billing_address: address() }), undefined);
  });

  for (const field of billingFields) {
    it(`a missing billing ${field} is 400 BAD_VALUE billing_address.${field}`, () => {
      badValues(() => decideDetailsComplete(checkoutOrder(), { billing_address: address({ [field]: undefined }) }), [`billing_address.${field}`]);
    });
  }

  it('a missing e-mail is billing_address.email; the e-mail field supplies it', () => {
    badValues(() => decideDetailsComplete(checkoutOrder(), { billing_address: address({ email: undefined }) }), ['billing_address.email']);
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder(), { email: 'customer@email.se', billing_address: address({ email: undefined }) }));
  });

  it('a missing country is the purchase country, not a missing field', () => {
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder(), { billing_address: address({ country: undefined }) }));
  });

  it('nothing given: every field the shopper must enter is named', () => {
    badValues(() => decideDetailsComplete(checkoutOrder(), {}), [
      'billing_address.given_name',
      'billing_address.family_name',
      'billing_address.email',
      'billing_address.street_address',
      'billing_address.postal_code',
      'billing_address.city',
    ]);
  });

  it('the merchant’s prefill and the shopper’s earlier entries count', () => {
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder({}, { billing_address: address() }), {}));
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder({ shopper: shopper() }), {}));
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder({}, { billing_address: address({ city: undefined }) }), { billing_address: { city: 'Ankeborg' } }));
  });

  it('a partial shipping address names each shipping field it lacks', () => {
    badValues(() => decideDetailsComplete(checkoutOrder(), { billing_address: address(), shipping_address: { given_name: 'Testperson-se', family_name: 'Approved', postal_code: '12345' } }), [
      'shipping_address.street_address',
      'shipping_address.city',
      'shipping_address.country',
    ]);
  });

  it('the shipping choice in the same input is not checked here (the address step may bring new options)', () => {
    assert.doesNotThrow(() => decideDetailsComplete(checkoutOrder(), { billing_address: address(), shipping_option_id: 'drone' }));
  });
});

describe('decidePurchase: whether the shopper gets credit', () => {
  const withEmail = (email: string): CheckoutRecord => checkoutOrder({ shopper: shopper({ email, billing_address: address({ email }) }) });

  it('options offered but none chosen nor preselected is 400 BAD_VALUE shipping_option_id', () => {
    badValues(() => decidePurchase(checkoutOrder({ shopper: shopper() }, { shipping_options: [EXPRESS, PICKUP] })), ['shipping_option_id']);
  });

  it('a chosen, preselected or merchant-selected option is enough', () => {
    assert.deepEqual(decidePurchase(checkoutOrder({ shopper: shopper({ selected_shipping_option_id: 'pickup' }) }, { shipping_options: [EXPRESS, PICKUP] })), {
      fraud: { fraud_status: 'ACCEPTED' },
    });
    assert.deepEqual(decidePurchase(checkoutOrder({ shopper: shopper() }, { shipping_options: [STANDARD, EXPRESS] })), { fraud: { fraud_status: 'ACCEPTED' } });
    assert.deepEqual(decidePurchase(checkoutOrder({ shopper: shopper() }, { shipping_options: [EXPRESS], selected_shipping_option: EXPRESS })), {
      fraud: { fraud_status: 'ACCEPTED' },
    });
  });

  it('customer@email.se is approved with fraud status ACCEPTED', () => {
    assert.deepEqual(decidePurchase(withEmail('customer@email.se')), { fraud: { fraud_status: 'ACCEPTED' } });
  });

  it('customer+denied@ is declined (denied)', () => {
    assert.deepEqual(decidePurchase(withEmail('customer+denied@email.se')), { declined: 'denied' });
  });

  it('customer+red@ is declined (pre_screen)', () => {
    assert.deepEqual(decidePurchase(withEmail('customer+red@email.se')), { declined: 'pre_screen' });
  });

  it('customer+pend-accept-05@ is approved PENDING, ACCEPTED 5 minutes later', () => {
    assert.deepEqual(decidePurchase(withEmail('customer+pend-accept-05@email.se')), { fraud: { fraud_status: 'PENDING', decision: 'ACCEPTED', after_minutes: 5 } });
  });

  it('the shopper’s billing e-mail wins over the order’s prefill', () => {
    const prefill = { billing_address: address({ email: 'customer+denied@email.se' }) };
    assert.deepEqual(decidePurchase(checkoutOrder({}, prefill)), { declined: 'denied' }, 'the prefill alone decides');
    const entered = shopper({ email: 'customer@email.se', billing_address: address({ email: 'customer@email.se' }) });
    assert.deepEqual(decidePurchase(checkoutOrder({ shopper: entered }, prefill)), { fraud: { fraud_status: 'ACCEPTED' } });
  });
});

describe('decidePlacement: what the purchase becomes in Order Management', () => {
  const fraud = { fraud_status: 'ACCEPTED' } as const;
  /** A shopper who gave street name and number, c/o, a separate delivery address and chose express. */
  const buyer = shopper({
    billing_address: address({ street_address: undefined, street_name: 'Stårgatan', street_number: '1', care_of: 'Kalle Anka' }),
    shipping_address: address({ street_address: 'Lillgatan 3', street_name: 'Lillgatan', street_number: '3', email: undefined }),
    customer: { type: 'person', date_of_birth: '1970-01-01', gender: 'male' },
    selected_shipping_option_id: 'express',
  });
  const placed = (over: Partial<CheckoutRecord> = {}, data: Partial<CheckoutCreateBody> = {}) =>
    decidePlacement(
      checkoutOrder(
        { shopper: buyer, ...over },
        {
          shipping_options: [STANDARD, EXPRESS],
          merchant_reference1: 'ORDER-1001',
          merchant_reference2: 'CART-77',
          merchant_data: '{"cart":77}',
          merchant_urls: urls({ notification: 'https://shop.example/notify/{checkout.order.id}' }),
          ...data,
        },
      ),
      fraud,
    );

  it('the Order Management order: same id, lines with the shipping fee, mapped addresses, URLs filled in', () => {
    const { purchase } = placed();
    assert.deepEqual(purchase, {
      order_id: ORDER_ID,
      purchase_country: 'SE',
      purchase_currency: 'SEK',
      locale: 'sv-SE',
      order_amount: 19900,
      order_lines: [
        line(),
        { type: 'shipping_fee', reference: 'express', name: 'Express delivery', quantity: 1, unit_price: 9900, tax_rate: 2500, total_amount: 9900, total_tax_amount: 1980 },
      ],
      billing_address: {
        given_name: 'Testperson-se',
        family_name: 'Approved',
        email: 'customer@email.se',
        street_address: 'Stårgatan 1',
        postal_code: '12345',
        city: 'Ankeborg',
        phone: '+46765260000',
        country: 'SE',
      },
      shipping_address: {
        given_name: 'Testperson-se',
        family_name: 'Approved',
        street_address: 'Lillgatan 3',
        postal_code: '12345',
        city: 'Ankeborg',
        phone: '+46765260000',
        country: 'SE',
        email: undefined,
      },
      customer: { date_of_birth: '1970-01-01' },
      merchant_reference1: 'ORDER-1001',
      merchant_reference2: 'CART-77',
      merchant_data: '{"cart":77}',
      fraud,
      auto_capture: false,
      initial_payment_method: { type: 'INVOICE', description: 'Pay later in 30 days' },
      selected_shipping_option: EXPRESS,
      merchant_urls: {
        confirmation: `https://shop.example/confirmation?order=${ORDER_ID}`,
        push: `https://shop.example/klarna/push?order=${ORDER_ID}`,
        notification: `https://shop.example/notify/${ORDER_ID}`,
      },
      source: 'checkout',
    });
  });

  it('the house extension joins street name and number; a given street_address is kept as it is', () => {
    const { purchase } = placed({
      shopper: shopper({ billing_address: address({ street_address: undefined, street_name: 'Keizersgracht', street_number: '12', house_extension: 'B' }) }),
    });
    assert.equal(purchase.billing_address?.street_address, 'Keizersgracht 12 B');
    assert.equal('house_extension' in (purchase.billing_address ?? {}), false);
    assert.equal(placed().purchase.shipping_address?.street_address, 'Lillgatan 3');
  });

  it('without a separate shipping address, the billing address is shipped to', () => {
    const { purchase } = placed({ shopper: shopper({ selected_shipping_option_id: 'express' }) });
    assert.deepEqual(purchase.shipping_address, address());
    assert.deepEqual(purchase.billing_address, address());
    assert.equal('customer' in purchase, false, 'no date of birth, no customer');
  });

  it('a cart with its own shipping_fee line gets no second one, and order_amount stays the cart’s', () => {
    const cartShipping = line({ type: 'shipping_fee', reference: 'ship', name: 'Shipping', unit_price: 9900, total_amount: 9900, total_tax_amount: 1980 });
    const { purchase } = placed({}, { order_lines: [line(), cartShipping], order_amount: 19900, order_tax_amount: 3980 });
    assert.deepEqual(purchase.order_lines, [line(), cartShipping]);
    assert.equal(purchase.order_amount, 19900);
    assert.deepEqual(purchase.selected_shipping_option, EXPRESS);
  });

  it('options.auto_capture is passed on; the fraud outcome is passed through', () => {
    assert.equal(placed({}, { options: { auto_capture: true } }).purchase.auto_capture, true);
    assert.equal(placed({}, { options: { auto_capture: false } }).purchase.auto_capture, false);
    const pending = { fraud_status: 'PENDING', decision: 'REJECTED', after_minutes: 10 } as const;
    assert.deepEqual(decidePlacement(checkoutOrder({ shopper: shopper() }), pending).purchase.fraud, pending);
  });

  it('without notification URL, only confirmation and push are passed on', () => {
    const { purchase } = decidePlacement(checkoutOrder({ shopper: shopper() }), fraud);
    assert.deepEqual(purchase.merchant_urls, {
      confirmation: `https://shop.example/confirmation?order=${ORDER_ID}`,
      push: `https://shop.example/klarna/push?order=${ORDER_ID}`,
    });
  });

  it('no customer token unless the order is recurring: true', () => {
    assert.equal(placed().token, null);
    assert.equal(placed({}, { recurring: false }).token, null);
  });

  it('a recurring order gets an INVOICE subscription token on the shopper’s details', () => {
    const { token } = placed({}, { recurring: true });
    assert.deepEqual(token, {
      merchant_id: MERCHANT_ID,
      payment_method_type: 'INVOICE',
      purchase_country: 'SE',
      purchase_currency: 'SEK',
      locale: 'sv-SE',
      description: null,
      intended_use: 'SUBSCRIPTION',
      billing_address: buyer.billing_address,
      shipping_address: buyer.shipping_address,
      customer: { date_of_birth: '1970-01-01', type: 'person' },
      email: 'customer@email.se',
      source: 'checkout',
      source_id: ORDER_ID,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The merchant's answer to address_update, country_change and shipping_option_update

/** The merchant's new cart: the T-shirt and the express fee, 199.00 SEK. */
const cart = (over: Partial<ShippingServiceResponse> = {}): ShippingServiceResponse => ({
  order_amount: 19900,
  order_tax_amount: 3980,
  order_lines: [line(), line({ type: 'shipping_fee', reference: 'express', name: 'Express delivery', unit_price: 9900, total_amount: 9900, total_tax_amount: 1980 })],
  purchase_currency: 'SEK',
  ...over,
});

describe('decideAnswer: what the merchant’s answer means for the shopper', () => {
  it('a redirect ends the action and sends the shopper there', () => {
    const answer: MerchantAnswer = { kind: 'redirect', location: 'https://shop.example/sorry' };
    assert.deepEqual(decideAnswer(answer, ADDRESS_UPDATE_CALL), { outcome: { status: 'redirect', redirect_url: 'https://shop.example/sorry', callback: 'checkout.address_update' } });
  });

  it('a 400 error is shown to the shopper with its type and text', () => {
    const answer: MerchantAnswer = { kind: 'error', error_type: 'unsupported_shipping_address', error_text: 'We do not ship to Svalbard' };
    assert.deepEqual(decideAnswer(answer, COUNTRY_CHANGE_CALL), {
      outcome: { status: 'error', error_type: 'unsupported_shipping_address', error_text: 'We do not ship to Svalbard', callback: 'checkout.country_change' },
    });
  });

  it('a 200 with a valid cart is applied', () => {
    const body = cart({ purchase_currency: 'sek', shipping_options: [EXPRESS] });
    assert.deepEqual(decideAnswer({ kind: 'ok', body, status: 200 }, SHIPPING_OPTION_UPDATE_CALL), { cart: body });
  });

  it('a 200 whose cart breaks the schema is not applied and shows merchant_error', () => {
    const invalid = { outcome: { status: 'error', error_type: 'merchant_error', error_text: 'The store answered with an order that is not valid.', callback: 'checkout.address_update' } };
    const { order_lines: _lines, ...withoutLines } = cart();
    assert.deepEqual(decideAnswer({ kind: 'ok', body: withoutLines, status: 200 }, ADDRESS_UPDATE_CALL), invalid);
    assert.deepEqual(decideAnswer({ kind: 'ok', body: { ...cart(), order_amount: '19900' }, status: 200 }, ADDRESS_UPDATE_CALL), invalid);
    assert.deepEqual(decideAnswer({ kind: 'ok', body: 'OK', status: 200 }, ADDRESS_UPDATE_CALL), invalid);
  });

  it('a 200 whose cart breaks Klarna’s arithmetic is not applied and shows merchant_error', () => {
    assert.deepEqual(decideAnswer({ kind: 'ok', body: cart({ order_amount: 20000 }), status: 200 }, SHIPPING_OPTION_UPDATE_CALL), {
      outcome: { status: 'error', error_type: 'merchant_error', error_text: 'The store answered with an order that is not valid.', callback: 'checkout.shipping_option_update' },
    });
  });

  it('no answer, an empty 200 or no call at all leaves the cart as it was', () => {
    assert.deepEqual(decideAnswer({ kind: 'no_answer', reason: 'timeout' }, ADDRESS_UPDATE_CALL), { cart: null });
    assert.deepEqual(decideAnswer({ kind: 'ok', body: undefined, status: 204 }, ADDRESS_UPDATE_CALL), { cart: null });
    assert.deepEqual(decideAnswer(null, null), { cart: null });
  });

  it('the outcome names the validation call too, and no call as empty', () => {
    assert.deepEqual(decideAnswer({ kind: 'redirect', location: 'https://shop.example/x' }, VALIDATION_CALL), {
      outcome: { status: 'redirect', redirect_url: 'https://shop.example/x', callback: 'checkout.validation' },
    });
    assert.deepEqual(decideAnswer({ kind: 'error', error_type: 'approval_failed', error_text: null }, null), {
      outcome: { status: 'error', error_type: 'approval_failed', error_text: null, callback: '' },
    });
  });
});

describe('applyCart: the shopper’s details stored with the merchant’s cart', () => {
  it('without a cart only the shopper’s details change', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD] });
    const data = structuredClone(order.data);
    applyCart(order, shopper(), null);
    assert.deepEqual(order.shopper, shopper());
    assert.deepEqual(order.data, data);
  });

  it('the cart replaces amounts and lines, the currency upper-cased; the rest of the order is kept', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS], merchant_reference1: 'ORDER-1001' });
    const before = structuredClone(order.data);
    const entered = shopper({ selected_shipping_option_id: 'express' });
    applyCart(order, entered, cart({ purchase_currency: 'sek', merchant_data: '{"zone":2}' }));
    assert.deepEqual(order.data, { ...before, ...cart(), purchase_currency: 'SEK', merchant_data: '{"zone":2}' });
    assert.deepEqual(order.data.shipping_options, [STANDARD, EXPRESS], 'no options in the answer: the old ones stay');
    assert.deepEqual(order.shopper, entered, 'the choice is still offered');
  });

  it('new shipping options replace the old; a chosen option they lack is dropped', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS] });
    applyCart(order, shopper({ selected_shipping_option_id: 'express' }), cart({ shipping_options: [STANDARD, PICKUP] }));
    assert.deepEqual(order.data.shipping_options, [STANDARD, PICKUP]);
    assert.deepEqual(order.shopper, shopper({ selected_shipping_option_id: null }));
    assert.deepEqual(selectedShippingOption(order), STANDARD, 'the preselected option again');
  });

  it('a chosen option the new options still offer is kept', () => {
    const order = checkoutOrder({}, { shipping_options: [STANDARD, EXPRESS] });
    applyCart(order, shopper({ selected_shipping_option_id: 'express' }), cart({ shipping_options: [EXPRESS, PICKUP] }));
    assert.equal(order.shopper?.selected_shipping_option_id, 'express');
  });
});
