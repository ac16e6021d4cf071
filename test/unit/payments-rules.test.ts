/**
 * The pure rules of a Payments session (src/modules/payments/session.ts; behaviour reference §3,
 * docs/fidelity.md "Payments v1") that create-session, update, authorize, read and create-order use
 * to decide, without a database or a server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PaymentsAddress } from '../../src/modules/payments/schemas.js';
import {
  AUTHORIZATION_LIFETIME_MS,
  AUTHORIZATION_STATUSES,
  AUTHORIZATION_TRANSITIONS,
  CATEGORY_IDENTIFIERS,
  DEFAULT_LOCALE,
  SESSION_LIFETIME_MS,
  SESSION_STATUSES,
  SESSION_TRANSITIONS,
  canonical,
  categoryDefinition,
  isExpired,
  merchantUrlErrors,
  mismatchingFields,
  paymentMethodCategories,
  presentSession,
  sessionDataErrors,
} from '../../src/modules/payments/session.js';
import type { AuthorizationSnapshot, OrderRequestData, SessionData, SessionRecord, Shopper } from '../../src/modules/payments/session.js';

// ---------------------------------------------------------------------------------------------
// Factories

const HOUR = 60 * 60 * 1000;
const CREATED = Date.UTC(2025, 2, 1, 12, 0, 0);
type Line = SessionData['order_lines'][number];

const line = (over: Partial<Line> = {}): Line => ({
  type: 'physical',
  reference: '19-402-USA',
  name: 'Red T-Shirt',
  quantity: 2,
  unit_price: 5000,
  tax_rate: 2500,
  total_amount: 10000,
  total_tax_amount: 2000,
  ...over,
});

/** What the merchant sent for a Swedish session of 100.00 SEK with 25 % VAT. */
function data(over: Partial<SessionData> = {}): SessionData {
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 10000,
    order_tax_amount: 2000,
    order_lines: [line()],
    ...over,
  };
}

const merchantAddress = (over: Partial<PaymentsAddress> = {}): PaymentsAddress => ({
  given_name: 'Anna',
  family_name: 'Andersson',
  email: 'anna@example.se',
  street_address: 'Storgatan 1',
  postal_code: '11122',
  city: 'Stockholm',
  country: 'SE',
  ...over,
});

/** What the shopper entered in the widget: another street than the merchant knew. */
const shopperAddress = (over: Partial<PaymentsAddress> = {}): PaymentsAddress =>
  merchantAddress({ street_address: 'Lilla Nygatan 5', postal_code: '11128', phone: '+46701234567', ...over });

function shopper(over: Partial<Shopper> = {}): Shopper {
  return {
    email: 'anna@example.se',
    billing_address: shopperAddress(),
    shipping_address: shopperAddress(),
    customer: { date_of_birth: '1980-05-17', national_identification_number: '198005171234' },
    payment_method_category: 'klarna',
    ...over,
  };
}

function snapshot(over: { data?: Partial<SessionData>; shopper?: Partial<Shopper> } = {}): AuthorizationSnapshot {
  return { data: data(over.data), shopper: shopper(over.shopper), intent: 'buy' };
}

/** A create-order body that repeats exactly what was authorized. */
function orderBody(over: Partial<OrderRequestData> = {}): OrderRequestData {
  return { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', order_amount: 10000, order_tax_amount: 2000, order_lines: [line()], ...over };
}

function session(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    session_id: '7b1e5c2a-3f4d-4e6b-8a9c-0d1e2f3a4b5c',
    merchant_id: 'merchant-1',
    status: 'incomplete',
    intent: 'buy',
    data: data({ billing_address: merchantAddress(), customer: { date_of_birth: '1980-05-17', national_identification_number: '198005171234' } }),
    shopper: null,
    order_id: null,
    created_at: CREATED,
    updated_at: CREATED,
    expires_at: CREATED + SESSION_LIFETIME_MS,
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Lifetimes and statuses

describe('isExpired and the lifetimes: a session lives 48 h, an authorization 60 min', () => {
  it('the lifetimes are 48 hours and 60 minutes', () => {
    assert.equal(SESSION_LIFETIME_MS, 48 * HOUR);
    assert.equal(AUTHORIZATION_LIFETIME_MS, HOUR);
  });

  it('a session is live until the last millisecond and expired from expires_at on', () => {
    const s = { expires_at: CREATED + SESSION_LIFETIME_MS };
    assert.equal(isExpired(s, CREATED), false);
    assert.equal(isExpired(s, CREATED + 48 * HOUR - 1), false);
    assert.equal(isExpired(s, CREATED + 48 * HOUR), true);
    assert.equal(isExpired(s, CREATED + 72 * HOUR), true);
  });

  it('an authorization token expires 60 minutes after it was given', () => {
    const authorization = { expires_at: CREATED + AUTHORIZATION_LIFETIME_MS };
    assert.equal(isExpired(authorization, CREATED + 59 * 60 * 1000), false);
    assert.equal(isExpired(authorization, CREATED + 60 * 60 * 1000), true);
  });
});

describe('status changes of sessions and authorizations', () => {
  /** Every pair the table allows, as `from → to`. */
  const allowedPairs = <S extends string>(statuses: readonly S[], table: { allows(from: S, to: S): boolean }) =>
    statuses.flatMap((from) => statuses.filter((to) => table.allows(from, to)).map((to) => `${from} → ${to}`));

  it('a session goes from incomplete to complete once and never back', () => {
    assert.deepEqual(allowedPairs(SESSION_STATUSES, SESSION_TRANSITIONS), ['incomplete → incomplete', 'incomplete → complete', 'complete → complete']);
    assert.doesNotThrow(() => SESSION_TRANSITIONS.assert('incomplete', 'complete'));
    assert.throws(() => SESSION_TRANSITIONS.assert('complete', 'incomplete'), { message: 'illegal payments session status transition complete → incomplete' });
  });

  it('an authorization is consumed by its order or cancelled, and either is final', () => {
    assert.deepEqual(allowedPairs(AUTHORIZATION_STATUSES, AUTHORIZATION_TRANSITIONS), [
      'active → active',
      'active → cancelled',
      'active → consumed',
      'cancelled → cancelled',
      'consumed → consumed',
    ]);
    assert.throws(() => AUTHORIZATION_TRANSITIONS.assert('consumed', 'cancelled'), { message: 'illegal authorization status transition consumed → cancelled' });
    assert.throws(() => AUTHORIZATION_TRANSITIONS.assert('cancelled', 'active'), { message: 'illegal authorization status transition cancelled → active' });
  });
});

// ---------------------------------------------------------------------------------------------
// Session data (create, update, authorize and create-order all check it)

describe('sessionDataErrors', () => {
  it('a correct session has no errors', () => {
    assert.deepEqual(sessionDataErrors(data()), []);
    assert.deepEqual(sessionDataErrors(data({ billing_address: merchantAddress() })), []);
  });

  it('the purchase country must be a Klarna market, paid in its own currency', () => {
    assert.deepEqual(sessionDataErrors(data({ purchase_country: 'XX' })), ['purchase_country']);
    assert.deepEqual(sessionDataErrors(data({ purchase_currency: 'EUR' })), ['purchase_currency, purchase_country']);
    assert.deepEqual(sessionDataErrors(data({ purchase_country: 'se', purchase_currency: 'sek' })), []);
  });

  it('the locale must be language-COUNTRY', () => {
    assert.deepEqual(sessionDataErrors(data({ locale: 'sv' })), ['locale']);
    assert.deepEqual(sessionDataErrors(data({ locale: DEFAULT_LOCALE })), []);
  });

  it('Klarna’s arithmetic: each line’s total and tax, order_amount and order_tax_amount', () => {
    assert.deepEqual(sessionDataErrors(data({ order_lines: [line({ total_amount: 9000 })], order_amount: 9000 })), ['order_lines[0].total_amount', 'order_lines[0].total_tax_amount']);
    assert.deepEqual(sessionDataErrors(data({ order_amount: 10001 })), ['order_amount']);
    assert.deepEqual(sessionDataErrors(data({ order_tax_amount: 2002 })), ['order_tax_amount']);
    assert.deepEqual(sessionDataErrors(data({ order_tax_amount: 2001 })), []);
  });

  it('a missing order_tax_amount counts as 0, so a taxed cart without it is refused', () => {
    assert.deepEqual(sessionDataErrors(data({ order_tax_amount: 0 })), ['order_tax_amount']);
    assert.deepEqual(sessionDataErrors(data({ order_tax_amount: 0, order_lines: [line({ tax_rate: 0, total_tax_amount: 0 })] })), []);
  });

  it('the billing country must be the purchase country (case-insensitively)', () => {
    assert.deepEqual(sessionDataErrors(data({ billing_address: merchantAddress({ country: 'NO' }) })), ['billing_address.country']);
    assert.deepEqual(sessionDataErrors(data({ billing_address: merchantAddress({ country: 'se' }) })), []);
    // The shipping address may be elsewhere.
    assert.deepEqual(sessionDataErrors(data({ shipping_address: merchantAddress({ country: 'NO' }) })), []);
  });

  it('names every bad field: market first, then the arithmetic, then the billing country', () => {
    assert.deepEqual(sessionDataErrors(data({ purchase_currency: 'EUR', locale: 'swedish', order_amount: 1, billing_address: merchantAddress({ country: 'DK' }) })), [
      'purchase_currency, purchase_country',
      'locale',
      'order_amount',
      'billing_address.country',
    ]);
  });
});

describe('merchantUrlErrors', () => {
  it('no URLs, or absolute http(s) URLs with placeholders, are fine', () => {
    assert.deepEqual(merchantUrlErrors(undefined), []);
    assert.deepEqual(merchantUrlErrors({}), []);
    assert.deepEqual(
      merchantUrlErrors({
        confirmation: 'https://shop.example/thanks?sid={session.id}&oid={order.id}',
        notification: 'https://shop.example/klarna/notify/{order.id}',
        push: 'http://localhost:8080/push',
        authorization: 'https://{session.id}.hooks.shop.example/authorized',
      }),
      [],
    );
  });

  it('names each URL that is relative, unparsable or not http(s)', () => {
    assert.deepEqual(
      merchantUrlErrors({ confirmation: '/thanks', notification: 'ftp://shop.example/n', push: 'https://shop.example/push', authorization: 'javascript:void(0)' }),
      ['merchant_urls.confirmation', 'merchant_urls.notification', 'merchant_urls.authorization'],
    );
    assert.deepEqual(merchantUrlErrors({ confirmation: 'shop.example/thanks' }), ['merchant_urls.confirmation']);
  });

  it('an empty URL is treated as not given', () => {
    assert.deepEqual(merchantUrlErrors({ confirmation: '' }), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Create order: the body against what was authorized

describe('canonical: a body’s identity for replays does not depend on key order', () => {
  it('sorts keys at every depth, keeps array order and drops undefined values', () => {
    const a = { order_amount: 100, billing_address: { city: 'Malmö', country: 'SE' }, order_lines: [{ name: 'B', quantity: 1 }, { name: 'A' }], note: undefined };
    const b = { order_lines: [{ quantity: 1, name: 'B' }, { name: 'A' }], billing_address: { country: 'SE', city: 'Malmö' }, order_amount: 100 };
    assert.equal(JSON.stringify(canonical(a)), JSON.stringify(canonical(b)));
    assert.equal(JSON.stringify(canonical(a)), '{"billing_address":{"city":"Malmö","country":"SE"},"order_amount":100,"order_lines":[{"name":"B","quantity":1},{"name":"A"}]}');
  });

  it('a different value or another line order is another body', () => {
    assert.notEqual(JSON.stringify(canonical({ a: [1, 2] })), JSON.stringify(canonical({ a: [2, 1] })));
    assert.notEqual(JSON.stringify(canonical({ order_amount: 100 })), JSON.stringify(canonical({ order_amount: 101 })));
  });

  it('keeps primitives and null as they are', () => {
    assert.equal(canonical('x'), 'x');
    assert.equal(canonical(0), 0);
    assert.equal(canonical(null), null);
    assert.deepEqual(canonical({ merchant_data: null }), { merchant_data: null });
  });
});

describe('mismatchingFields: 409 "Not matching fields" at create-order', () => {
  it('a body that repeats the authorization matches', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody()), []);
  });

  it('fields the body leaves out are taken from the authorization (locale, order_tax_amount, addresses)', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ locale: undefined, order_tax_amount: undefined })), []);
  });

  it('country, currency and locale are compared case-insensitively', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ purchase_country: 'se', purchase_currency: 'sek', locale: 'SV-se' })), []);
  });

  it('names each top-level field that differs, in Klarna’s order', () => {
    assert.deepEqual(
      mismatchingFields(snapshot(), orderBody({ purchase_country: 'NO', purchase_currency: 'NOK', locale: 'nb-NO', order_amount: 9000, order_tax_amount: 1800 })),
      ['purchase_country', 'purchase_currency', 'locale', 'order_amount', 'order_tax_amount'],
    );
  });

  it('another number of lines is order_lines', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ order_lines: [line(), line({ name: 'Blue T-Shirt' })] })), ['order_lines']);
  });

  it('a changed line field is named with its index, whatever the key order', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ order_lines: [line({ name: 'Blue T-Shirt' })] })), ['order_lines[0].name']);
    const reordered = Object.fromEntries(Object.entries(line()).reverse()) as Line;
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ order_lines: [reordered] })), []);
  });

  it('a line field that was authorized but left out, or added, is a mismatch too', () => {
    const { reference: _reference, ...withoutReference } = line();
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ order_lines: [withoutReference] })), ['order_lines[0].reference']);
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ order_lines: [line({ product_url: 'https://shop.example/p/1' })] })), ['order_lines[0].product_url']);
  });

  it('nested line objects are compared by value, not key order', () => {
    const authorized = snapshot({ data: { order_lines: [line({ product_identifiers: { brand: 'Acme', color: 'red' } })] } });
    assert.deepEqual(mismatchingFields(authorized, orderBody({ order_lines: [line({ product_identifiers: { color: 'red', brand: 'Acme' } })] })), []);
    assert.deepEqual(mismatchingFields(authorized, orderBody({ order_lines: [line({ product_identifiers: { color: 'blue', brand: 'Acme' } })] })), ['order_lines[0].product_identifiers']);
  });

  it('an address field may repeat what the shopper entered or what the merchant sent', () => {
    const authorized = snapshot({ data: { billing_address: merchantAddress(), shipping_address: merchantAddress() } });
    assert.deepEqual(mismatchingFields(authorized, orderBody({ billing_address: shopperAddress(), shipping_address: shopperAddress() })), []);
    assert.deepEqual(mismatchingFields(authorized, orderBody({ billing_address: merchantAddress(), shipping_address: merchantAddress() })), []);
    assert.deepEqual(mismatchingFields(authorized, orderBody({ billing_address: { given_name: 'Anna' } })), []);
  });

  it('e-mail and country are compared case-insensitively, the other address fields exactly', () => {
    const authorized = snapshot();
    assert.deepEqual(mismatchingFields(authorized, orderBody({ billing_address: shopperAddress({ email: 'ANNA@Example.SE', country: 'se' }) })), []);
    assert.deepEqual(mismatchingFields(authorized, orderBody({ billing_address: shopperAddress({ given_name: 'anna', city: 'STOCKHOLM' }) })), [
      'billing_address.city',
      'billing_address.given_name',
    ]);
  });

  it('names each address field that neither the shopper nor the merchant gave', () => {
    assert.deepEqual(mismatchingFields(snapshot(), orderBody({ shipping_address: shopperAddress({ street_address: 'Drottninggatan 9', region: 'AB' }) })), [
      'shipping_address.region',
      'shipping_address.street_address',
    ]);
  });

  it('lists every mismatch of a body at once', () => {
    assert.deepEqual(
      mismatchingFields(snapshot(), orderBody({ order_amount: 20000, order_lines: [line({ quantity: 4, total_amount: 20000, total_tax_amount: 4000 })], billing_address: { city: 'Göteborg' } })),
      ['order_amount', 'order_lines[0].quantity', 'order_lines[0].total_amount', 'order_lines[0].total_tax_amount', 'billing_address.city'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Categories and the session read

describe('payment method categories', () => {
  it('each category places the order on its payment method', () => {
    const initial = Object.fromEntries(CATEGORY_IDENTIFIERS.map((id) => [id, categoryDefinition(id).initial.type]));
    assert.deepEqual(initial, {
      klarna: 'INVOICE',
      pay_later: 'INVOICE',
      pay_over_time: 'FIXED_AMOUNT',
      pay_now: 'CARD',
      direct_bank_transfer: 'BANK_TRANSFER',
      direct_debit: 'DIRECT_DEBIT',
    });
    assert.deepEqual(categoryDefinition('klarna').authorized, { type: 'invoice', number_of_days: 30 });
    assert.deepEqual(categoryDefinition('pay_over_time').authorized, { type: 'fixed_amount', number_of_installments: 3 });
  });

  it('each category gives its customer token type (pay_over_time SLICE_IT_BY_CARD, pay_now CARD, bank transfer and debit DIRECT_DEBIT)', () => {
    const tokens = Object.fromEntries(CATEGORY_IDENTIFIERS.map((id) => [id, categoryDefinition(id).token_type]));
    assert.deepEqual(tokens, {
      klarna: 'INVOICE',
      pay_later: 'INVOICE',
      pay_over_time: 'SLICE_IT_BY_CARD',
      pay_now: 'CARD',
      direct_bank_transfer: 'DIRECT_DEBIT',
      direct_debit: 'DIRECT_DEBIT',
    });
  });

  it('an unknown identifier falls back to "Pay with Klarna"', () => {
    assert.deepEqual(categoryDefinition('pay_with_crypto'), categoryDefinition('klarna'));
    assert.equal(categoryDefinition('pay_with_crypto').name, 'Pay with Klarna');
  });

  it('the offered list keeps the merchant’s order, with klarna-local’s own asset URLs', () => {
    assert.deepEqual(paymentMethodCategories(['pay_now', 'klarna'], 'http://localhost:3000'), [
      {
        identifier: 'pay_now',
        name: 'Pay now',
        asset_urls: { descriptive: 'http://localhost:3000/kp/assets/pay_now/descriptive.svg', standard: 'http://localhost:3000/kp/assets/pay_now/standard.svg' },
      },
      {
        identifier: 'klarna',
        name: 'Pay with Klarna',
        asset_urls: { descriptive: 'http://localhost:3000/kp/assets/klarna/descriptive.svg', standard: 'http://localhost:3000/kp/assets/klarna/standard.svg' },
      },
    ]);
  });
});

describe('presentSession: the GET answer', () => {
  const categories = paymentMethodCategories(['klarna'], 'http://localhost:3000');

  it('before an authorization it shows what the merchant sent, without identity numbers', () => {
    const view = presentSession(session(), 'client-token', categories, null);
    assert.deepEqual(view.billing_address, merchantAddress());
    assert.deepEqual(view.customer, { date_of_birth: '1980-05-17' });
    assert.equal(view.status, 'incomplete');
    assert.equal(view.intent, 'buy');
    assert.equal(view.client_token, 'client-token');
    assert.equal(view.expires_at, '2025-03-03T12:00:00Z');
    assert.deepEqual(view.payment_method_categories, categories);
    assert.equal('authorization_token' in view, false);
    assert.equal(view.order_amount, 10000);
  });

  it('after an authorization it shows the shopper’s addresses and the latest token, still without identity numbers', () => {
    const view = presentSession(session({ shopper: shopper({ customer: { date_of_birth: '1980-05-17', last_four_ssn: '1234', national_identification_number: '198005171234', gender: 'female' } }) }), 'ct', categories, 'auth-token-2');
    assert.deepEqual(view.billing_address, shopperAddress());
    assert.deepEqual(view.shipping_address, shopperAddress());
    assert.deepEqual(view.customer, { date_of_birth: '1980-05-17', gender: 'female' });
    assert.equal(view.authorization_token, 'auth-token-2');
  });

  it('a session without any customer has no customer key', () => {
    const view = presentSession(session({ data: data() }), 'ct', categories, null);
    assert.equal('customer' in view, false);
  });

  it('a completed session says so', () => {
    assert.equal(presentSession(session({ status: 'complete', order_id: 'order-1', shopper: shopper() }), 'ct', categories, 'auth').status, 'complete');
  });
});
