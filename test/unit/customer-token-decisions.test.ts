/**
 * Customer Token create-order decisions (behaviour reference §4, docs/fidelity.md "Customer Token
 * API"), without a database or a server: the field rules, each refusal in the documented order of
 * checks, and the fraud outcome an accepted order gets from the token's shopper.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  badFields,
  currencyMismatch,
  notMatching,
  paymentMethodFailed,
  tokenCancelled,
  tokenSuspended,
  unavailablePaymentMethod,
} from '../../src/modules/customer-token/errors.js';
import { decideTokenOrder, tokenOrderFieldErrors } from '../../src/modules/customer-token/operations/create-token-order.js';
import type { CreateTokenOrderBody, TokenOrderLine } from '../../src/modules/customer-token/schemas.js';
import type { CustomerTokenRecord } from '../../src/modules/customer-token/token.js';
import { ApiError } from '../../src/platform/http/errors.js';

// ---------------------------------------------------------------------------------------------
// Factories

const NOW = Date.UTC(2025, 2, 1, 12, 0, 0);

/** An ACTIVE Swedish invoice token of an approved test shopper. */
function token(over: Partial<CustomerTokenRecord> = {}): CustomerTokenRecord {
  const billing = {
    given_name: 'Testperson-se',
    family_name: 'Approved',
    street_address: 'Stårgatan 1',
    postal_code: '12345',
    city: 'Ankeborg',
    country: 'SE',
    email: 'customer@email.se',
  };
  return {
    token_id: '0b1f0a9e-8d7c-4b6a-9e5f-4d3c2b1a0f9e',
    merchant_id: 'merchant-1',
    status: 'ACTIVE',
    payment_method_type: 'INVOICE',
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    description: 'Monthly coffee subscription',
    intended_use: 'SUBSCRIPTION',
    billing_address: billing,
    shipping_address: null,
    customer: { date_of_birth: '1970-01-01' },
    email: 'customer@email.se',
    payment_details: null,
    source: 'sandbox',
    source_id: null,
    created_at: NOW - 30 * 24 * 60 * 60 * 1000,
    updated_at: NOW - 30 * 24 * 60 * 60 * 1000,
    ...over,
  };
}

const line = (over: Partial<TokenOrderLine> = {}): TokenOrderLine => ({
  type: 'digital',
  reference: 'COFFEE-1M',
  name: 'Coffee subscription, one month',
  quantity: 1,
  unit_price: 10000,
  tax_rate: 2500,
  total_amount: 10000,
  total_tax_amount: 2000,
  ...over,
});

/** A 100.00 SEK order with 25 % VAT, as a merchant charging the token would send it. */
function body(over: Partial<CreateTokenOrderBody> = {}): CreateTokenOrderBody {
  return {
    order_amount: 10000,
    order_tax_amount: 2000,
    order_lines: [line()],
    purchase_currency: 'SEK',
    ...over,
  };
}

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

const refusesWith = (decide: () => unknown, expected: ApiError) => refuses(decide, expected.statusCode, expected.errorCode, expected.errorMessages);

// ---------------------------------------------------------------------------------------------

describe('tokenOrderFieldErrors: Klarna’s arithmetic, the locale and the merchant URLs', () => {
  it('a correct body has no errors, with or without the optional fields', () => {
    assert.deepEqual(tokenOrderFieldErrors(body()), []);
    assert.deepEqual(
      tokenOrderFieldErrors(
        body({
          locale: 'sv-SE',
          purchase_country: 'SE',
          merchant_urls: { confirmation: 'https://shop.example/confirm?order={order.id}', push: 'http://localhost:3000/push/{order.id}', notification: 'https://shop.example/klarna/notify' },
        }),
      ),
      [],
    );
  });

  it('names a line whose total is not quantity × unit_price − discount, and an order_amount that is not the lines’ sum', () => {
    assert.deepEqual(tokenOrderFieldErrors(body({ order_lines: [line({ total_amount: 9999 })] })), ['order_lines[0].total_amount', 'order_amount']);
    assert.deepEqual(tokenOrderFieldErrors(body({ order_amount: 10001 })), ['order_amount']);
    assert.deepEqual(tokenOrderFieldErrors(body({ order_lines: [line({ total_discount_amount: 1000, total_amount: 9000, total_tax_amount: 1800 })], order_amount: 9000, order_tax_amount: 1800 })), []);
  });

  it('checks each line’s tax within ±1, and order_tax_amount within ±(number of lines)', () => {
    assert.deepEqual(tokenOrderFieldErrors(body({ order_lines: [line({ total_tax_amount: 2001 })], order_tax_amount: 2001 })), []);
    assert.deepEqual(tokenOrderFieldErrors(body({ order_lines: [line({ total_tax_amount: 2002 })], order_tax_amount: 2002 })), ['order_lines[0].total_tax_amount']);
    assert.deepEqual(tokenOrderFieldErrors(body({ order_tax_amount: 2001 })), []);
    assert.deepEqual(tokenOrderFieldErrors(body({ order_tax_amount: 2002 })), ['order_tax_amount']);
  });

  it('US mode: order_tax_amount is the sales_tax lines’ amount', () => {
    const us = [line({ tax_rate: 0, total_tax_amount: 0 }), line({ type: 'sales_tax', reference: 'TAX', name: 'Sales tax', unit_price: 800, total_amount: 800, tax_rate: 0, total_tax_amount: 0 })];
    assert.deepEqual(tokenOrderFieldErrors(body({ purchase_currency: 'USD', order_lines: us, order_amount: 10800, order_tax_amount: 800 })), []);
    assert.deepEqual(tokenOrderFieldErrors(body({ purchase_currency: 'USD', order_lines: us, order_amount: 10800, order_tax_amount: 0 })), ['order_tax_amount']);
  });

  it('a locale must be language-COUNTRY (compared case-insensitively)', () => {
    for (const locale of ['sv-SE', 'en-gb', 'SV-se', 'fil-PH']) assert.deepEqual(tokenOrderFieldErrors(body({ locale })), [], locale);
    for (const locale of ['sv', 'swedish', 'sv_SE', 'sv-SE-x', '']) assert.deepEqual(tokenOrderFieldErrors(body({ locale })), ['locale'], locale);
  });

  it('each merchant URL must be an absolute http(s) URL once placeholders are filled in, and is named when not', () => {
    assert.deepEqual(tokenOrderFieldErrors(body({ merchant_urls: { confirmation: 'ftp://shop.example/confirm' } })), ['merchant_urls.confirmation']);
    assert.deepEqual(tokenOrderFieldErrors(body({ merchant_urls: { confirmation: '/confirm/{order.id}' } })), ['merchant_urls.confirmation']);
    assert.deepEqual(tokenOrderFieldErrors(body({ merchant_urls: { confirmation: 'https://{order.id}.shop.example/' } })), []);
    assert.deepEqual(
      tokenOrderFieldErrors(body({ merchant_urls: { confirmation: 'https://shop.example/ok', push: 'javascript:alert(1)', notification: 'not a url' } })),
      ['merchant_urls.push', 'merchant_urls.notification'],
    );
  });

  it('an empty confirmation URL is not a URL the shopper can be sent to', () => {
    assert.deepEqual(tokenOrderFieldErrors(body({ merchant_urls: { confirmation: '' } })), ['merchant_urls.confirmation']);
  });

  it('lists arithmetic first, then the locale, then the URLs', () => {
    assert.deepEqual(tokenOrderFieldErrors(body({ order_amount: 1, locale: 'sv', merchant_urls: { confirmation: 'mailto:shop@example.se' } })), [
      'order_amount',
      'locale',
      'merchant_urls.confirmation',
    ]);
  });
});

describe('decideTokenOrder: refusals', () => {
  it('refuses a body that breaks the field rules with 400 BAD_VALUE, one message per field', () => {
    refuses(() => decideTokenOrder(token(), body({ order_amount: 10001, locale: 'sv' })), 400, 'BAD_VALUE', ['Bad value: order_amount', 'Bad value: locale']);
    refusesWith(() => decideTokenOrder(token(), body({ merchant_urls: { confirmation: 'shop' } })), badFields(['merchant_urls.confirmation']));
  });

  it('refuses a cancelled token (403 TOKEN_CANCELLED) and a suspended one (403 TOKEN_SUSPENDED)', () => {
    refuses(() => decideTokenOrder(token({ status: 'CANCELLED' }), body()), 403, 'TOKEN_CANCELLED', ['Customer token is cancelled']);
    refuses(() => decideTokenOrder(token({ status: 'SUSPENDED' }), body()), 403, 'TOKEN_SUSPENDED', ['Customer token is suspended']);
    refusesWith(() => decideTokenOrder(token({ status: 'CANCELLED' }), body()), tokenCancelled());
    refusesWith(() => decideTokenOrder(token({ status: 'SUSPENDED' }), body()), tokenSuspended());
  });

  it('refuses another currency than the token’s, naming both (403 PAYMENT_METHOD_CURRENCY_MISMATCH)', () => {
    refuses(() => decideTokenOrder(token(), body({ purchase_currency: 'eur' })), 403, 'PAYMENT_METHOD_CURRENCY_MISMATCH', [
      'Purchase currency EUR does not match the currency of the customer token (SEK)',
    ]);
    refusesWith(() => decideTokenOrder(token({ purchase_currency: 'sek' }), body({ purchase_currency: 'NOK' })), currencyMismatch('NOK', 'SEK'));
  });

  it('refuses a purchase_country other than the token’s with 409 BAD_VALUE "Not matching fields"', () => {
    refuses(() => decideTokenOrder(token(), body({ purchase_country: 'NO' })), 409, 'BAD_VALUE', ['Not matching fields: [purchase_country]']);
    refusesWith(() => decideTokenOrder(token(), body({ purchase_country: 'FI' })), notMatching(['purchase_country']));
  });

  it('refuses a shopper whose test e-mail is +denied (403 PAYMENT_METHOD_FAILED) or +red (403 UNAVAILABLE_PAYMENT_METHOD)', () => {
    refuses(() => decideTokenOrder(token({ email: 'customer+denied@email.se' }), body()), 403, 'PAYMENT_METHOD_FAILED', ['The payment method could not be charged']);
    refuses(() => decideTokenOrder(token({ email: 'customer+red@email.se' }), body()), 403, 'UNAVAILABLE_PAYMENT_METHOD', [
      'The payment method is not available for this purchase',
    ]);
    refusesWith(() => decideTokenOrder(token({ email: 'Customer+DENIED@Email.SE' }), body()), paymentMethodFailed());
    refusesWith(() => decideTokenOrder(token({ email: 'customer+red+vip@email.se' }), body()), unavailablePaymentMethod());
  });

  describe('in the documented order: fields → status → currency → country → test data', () => {
    it('bad fields before a cancelled token', () => {
      refuses(() => decideTokenOrder(token({ status: 'CANCELLED' }), body({ order_amount: 1 })), 400, 'BAD_VALUE', ['Bad value: order_amount']);
    });

    it('the token’s status before the currency', () => {
      refusesWith(() => decideTokenOrder(token({ status: 'SUSPENDED' }), body({ purchase_currency: 'EUR' })), tokenSuspended());
    });

    it('the currency before the country', () => {
      refusesWith(() => decideTokenOrder(token(), body({ purchase_currency: 'EUR', purchase_country: 'DE' })), currencyMismatch('EUR', 'SEK'));
    });

    it('the country before the shopper’s test data', () => {
      refusesWith(() => decideTokenOrder(token({ email: 'customer+denied@email.se' }), body({ purchase_country: 'NO' })), notMatching(['purchase_country']));
    });

    it('a cancelled token of a declined shopper is answered as cancelled', () => {
      refusesWith(() => decideTokenOrder(token({ status: 'CANCELLED', email: 'customer+denied@email.se' }), body()), tokenCancelled());
    });
  });
});

describe('decideTokenOrder: accepted orders and their fraud outcome', () => {
  it('an approved shopper gets fraud_status ACCEPTED', () => {
    assert.deepEqual(decideTokenOrder(token(), body()), { fraud_status: 'ACCEPTED' });
  });

  it('a token without an e-mail is the default approved shopper', () => {
    assert.deepEqual(decideTokenOrder(token({ email: null }), body()), { fraud_status: 'ACCEPTED' });
  });

  it('compares currency and country case-insensitively; purchase_country may be left out', () => {
    assert.deepEqual(decideTokenOrder(token(), body({ purchase_currency: 'sek', purchase_country: 'se' })), { fraud_status: 'ACCEPTED' });
    assert.deepEqual(decideTokenOrder(token({ purchase_country: 'se', purchase_currency: 'sek' }), body({ purchase_country: 'SE' })), { fraud_status: 'ACCEPTED' });
  });

  it('+pend-accept-NN / +pend-reject-NN give PENDING with the decision taken NN minutes later', () => {
    assert.deepEqual(decideTokenOrder(token({ email: 'customer+pend-accept-05@email.se' }), body()), { fraud_status: 'PENDING', decision: 'ACCEPTED', after_minutes: 5 });
    assert.deepEqual(decideTokenOrder(token({ email: 'customer+pend-reject-10@email.se' }), body()), { fraud_status: 'PENDING', decision: 'REJECTED', after_minutes: 10 });
    assert.deepEqual(decideTokenOrder(token({ email: 'Customer+Pend-Accept-99@Email.se' }), body()), { fraud_status: 'PENDING', decision: 'ACCEPTED', after_minutes: 99 });
  });

  it('the pending patterns apply in every market, not only the US and the UK', () => {
    const de = token({ purchase_country: 'DE', purchase_currency: 'EUR', locale: 'de-DE', email: 'kunde+pend-reject-01@email.de' });
    assert.deepEqual(decideTokenOrder(de, body({ purchase_currency: 'EUR' })), { fraud_status: 'PENDING', decision: 'REJECTED', after_minutes: 1 });
  });

  it('only the exact patterns count: a look-alike e-mail is an approved shopper', () => {
    for (const email of ['denied@email.se', 'customer+deniedx@email.se', 'customer+pend-accept-5@email.se', 'customer+redcarpet@email.se']) {
      assert.deepEqual(decideTokenOrder(token({ email }), body()), { fraud_status: 'ACCEPTED' }, email);
    }
  });

  it('the token’s own payment method does not change the decision (CARD, DIRECT_DEBIT, SLICE_IT_BY_CARD, OTHER)', () => {
    for (const payment_method_type of ['CARD', 'DIRECT_DEBIT', 'SLICE_IT_BY_CARD', 'OTHER'] as const) {
      assert.deepEqual(decideTokenOrder(token({ payment_method_type }), body()), { fraud_status: 'ACCEPTED' }, payment_method_type);
    }
  });
});
