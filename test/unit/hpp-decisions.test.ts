/**
 * The Hosted Payment Page's pure decisions and rules (behaviour reference §5), without a database or
 * a server: which payment session a create names and Klarna's refusals of the body, whether a DELETE
 * disables, where a distribution goes, what the consumer may do and what it leaves, the status
 * table, when a session is over for everyone, the merchant-URL placeholders and where each outcome
 * lands, the categories the page offers, and the read shape. Each refusal is asserted with the
 * status, error code and messages the caller gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXPIRY_MARGIN_MS,
  HPP_STATUSES,
  HPP_TRANSITIONS,
  KLARNA_API_HOSTS,
  fillPlaceholders,
  isEnded,
  isFinal,
  landingUrl,
  offeredCategories,
  parsePaymentSessionUrl,
  placeOrderMode,
  presentHppSession,
  sessionUrls,
  toHppCategory,
  toPaymentsCategory,
} from '../../src/modules/hpp/hpp-session.js';
import type { HppSessionRecord, HppStatus, PaymentState } from '../../src/modules/hpp/hpp-session.js';
import { assertActive, customerOf, endingStatus, opensFirst } from '../../src/modules/hpp/operations/consumer.js';
import { decideCreate } from '../../src/modules/hpp/operations/create-session.js';
import { decideDisable } from '../../src/modules/hpp/operations/disable-session.js';
import { DAILY_LIMITS, decideDistribution } from '../../src/modules/hpp/operations/distribute-session.js';
import type { DistributionBody, HppCreateBody, HppMerchantUrls } from '../../src/modules/hpp/schemas.js';
import { ApiError } from '../../src/platform/http/errors.js';

// ---------------------------------------------------------------------------------------------
// Factories

const HOUR = 60 * 60 * 1000;
const NOW = Date.UTC(2025, 3, 1, 12, 0, 0);
const SESSION_ID = '5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PAYMENT_ID = '0a9b8c7d-6e5f-4d3c-9b2a-1f0e9d8c7b6a';
const TOKEN = '3c2b1a09-8f7e-4d6c-a5b4-c3d2e1f0a9b8';
const ORDER_ID = 'e7d6c5b4-a392-4817-9f6e-5d4c3b2a1908';
const PUBLIC_HOST = 'klarna-local.test:8080';
const LOCAL_HOSTS = [PUBLIC_HOST];
const PUBLIC = `http://${PUBLIC_HOST}`;

const ALL_STATUSES: readonly HppStatus[] = HPP_STATUSES;
const FINAL: readonly HppStatus[] = ['COMPLETED', 'CANCELLED', 'DISABLED'];
const OPEN: readonly HppStatus[] = ['WAITING', 'IN_PROGRESS', 'FAILED', 'BACK', 'ERROR'];

/** A session created an hour ago for a Payments session, WAITING, with no merchant URLs. */
function session(over: Partial<HppSessionRecord> = {}): HppSessionRecord {
  return {
    session_id: SESSION_ID,
    merchant_id: 'merchant-1',
    status: 'WAITING',
    payment_kind: 'payments',
    payment_id: PAYMENT_ID,
    page_code: 'pAgE-c0de_xyz',
    distribution_token: 'd1str-t0ken',
    options: {},
    merchant_urls: {},
    authorization_token: null,
    order_id: null,
    klarna_reference: null,
    customer: null,
    created_at: NOW - HOUR,
    updated_at: NOW - HOUR,
    expires_at: NOW - HOUR + 47 * HOUR,
    ...over,
  };
}

const LIVE: PaymentState = { ended: false, completed: false };
const COMPLETED_ELSEWHERE: PaymentState = { ended: false, completed: true };
const GONE: PaymentState = { ended: true, completed: false };

const create = (over: Partial<HppCreateBody> = {}): HppCreateBody => ({ payment_session_url: `${PUBLIC}/payments/v1/sessions/${PAYMENT_ID}`, ...over });

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

// ---------------------------------------------------------------------------------------------
// hpp-session.ts: the status table

describe('HPP_TRANSITIONS: WAITING until opened; FAILED, BACK and ERROR retried; COMPLETED, CANCELLED and DISABLED final', () => {
  it('lists the statuses the read may answer (MANUAL_ID_CHECK is never reached)', () => {
    assert.deepEqual([...HPP_STATUSES].sort(), ['BACK', 'CANCELLED', 'COMPLETED', 'DISABLED', 'ERROR', 'FAILED', 'IN_PROGRESS', 'WAITING']);
  });

  it('every status that is not final may move to any status but WAITING (opened, ended, completed, disabled)', () => {
    for (const from of OPEN) {
      for (const to of ALL_STATUSES) {
        const expected = to !== 'WAITING' || from === 'WAITING';
        assert.equal(HPP_TRANSITIONS.allows(from, to), expected, `${from} → ${to}`);
      }
    }
  });

  it('a final status stays as it is: nothing leaves COMPLETED, CANCELLED or DISABLED (a bug, not a refusal)', () => {
    for (const from of FINAL) {
      for (const to of ALL_STATUSES) assert.equal(HPP_TRANSITIONS.allows(from, to), to === from, `${from} → ${to}`);
    }
    assert.throws(() => HPP_TRANSITIONS.assert('COMPLETED', 'IN_PROGRESS'), { message: 'illegal HPP session status transition COMPLETED → IN_PROGRESS' });
    assert.throws(() => HPP_TRANSITIONS.assert('DISABLED', 'WAITING'), { message: 'illegal HPP session status transition DISABLED → WAITING' });
    assert.throws(() => HPP_TRANSITIONS.assert('IN_PROGRESS', 'WAITING'), { message: 'illegal HPP session status transition IN_PROGRESS → WAITING' });
  });

  it('isFinal: exactly COMPLETED, CANCELLED and DISABLED', () => {
    assert.deepEqual(
      ALL_STATUSES.filter((s) => isFinal(s)),
      ['COMPLETED', 'CANCELLED', 'DISABLED'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// hpp-session.ts: when a session is over

describe('isEnded: past its own expiry, or its payment session gone or completed elsewhere', () => {
  it('ends an hour before its payment session: EXPIRY_MARGIN_MS is one hour', () => {
    assert.equal(EXPIRY_MARGIN_MS, HOUR);
  });

  it('is over from the instant expires_at is reached, whatever its status, COMPLETED included', () => {
    for (const status of ALL_STATUSES) {
      const s = session({ status });
      assert.equal(isEnded(s, LIVE, s.expires_at - 1), false, status);
      assert.equal(isEnded(s, LIVE, s.expires_at), true, status);
      assert.equal(isEnded(s, LIVE, s.expires_at + HOUR), true, status);
    }
  });

  it('a payment session that is gone (unknown, expired, cancelled, aborted) ends every session but a COMPLETED one', () => {
    for (const status of ALL_STATUSES) assert.equal(isEnded(session({ status }), GONE, NOW), status !== 'COMPLETED', status);
  });

  it('a payment session completed by something other than this page ends every session but a COMPLETED one', () => {
    for (const status of ALL_STATUSES) assert.equal(isEnded(session({ status }), COMPLETED_ELSEWHERE, NOW), status !== 'COMPLETED', status);
    assert.equal(isEnded(session(), { ended: true, completed: true }, NOW), true);
  });

  it('a live payment session keeps every session within its time', () => {
    for (const status of ALL_STATUSES) assert.equal(isEnded(session({ status }), LIVE, NOW), false, status);
  });
});

// ---------------------------------------------------------------------------------------------
// hpp-session.ts: payment_session_url

describe('parsePaymentSessionUrl: a Payments session or Checkout order on this server or a Klarna API host', () => {
  it("names the kind and id on this server's public host and on every Klarna and Kustom API host", () => {
    assert.deepEqual(parsePaymentSessionUrl(`${PUBLIC}/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), { kind: 'payments', id: PAYMENT_ID });
    assert.deepEqual(parsePaymentSessionUrl(`${PUBLIC}/checkout/v3/orders/${ORDER_ID}`, LOCAL_HOSTS), { kind: 'checkout', id: ORDER_ID });
    assert.equal(KLARNA_API_HOSTS.size, 8);
    for (const host of KLARNA_API_HOSTS) {
      assert.deepEqual(parsePaymentSessionUrl(`https://${host}/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), { kind: 'payments', id: PAYMENT_ID }, host);
      assert.deepEqual(parsePaymentSessionUrl(`https://${host}/checkout/v3/orders/${ORDER_ID}`, []), { kind: 'checkout', id: ORDER_ID }, host);
    }
  });

  it('accepts http or https, any case of host, a trailing slash, a query or fragment, and a proxy path prefix', () => {
    const expected = { kind: 'payments', id: PAYMENT_ID };
    assert.deepEqual(parsePaymentSessionUrl(`https://${PUBLIC_HOST}/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), expected);
    assert.deepEqual(parsePaymentSessionUrl(`http://KLARNA-LOCAL.test:8080/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), expected);
    assert.deepEqual(parsePaymentSessionUrl(`https://API.Playground.Klarna.com/payments/v1/sessions/${PAYMENT_ID}/`, []), expected);
    assert.deepEqual(parsePaymentSessionUrl(`https://api.klarna.com/payments/v1/sessions/${PAYMENT_ID}?locale=sv-SE#top`, []), expected);
    assert.deepEqual(parsePaymentSessionUrl(`${PUBLIC}/klarna/eu/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), expected);
  });

  it('decodes a percent-encoded id and refuses one that does not decode', () => {
    assert.deepEqual(parsePaymentSessionUrl(`${PUBLIC}/checkout/v3/orders/order%20one`, LOCAL_HOSTS), { kind: 'checkout', id: 'order one' });
    assert.equal(parsePaymentSessionUrl(`${PUBLIC}/checkout/v3/orders/%E0%A4%A`, LOCAL_HOSTS), null);
  });

  it('a local host must match with its port; the request host list may add one', () => {
    assert.equal(parsePaymentSessionUrl(`http://klarna-local.test/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), null);
    assert.equal(parsePaymentSessionUrl(`http://klarna-local.test:9090/payments/v1/sessions/${PAYMENT_ID}`, LOCAL_HOSTS), null);
    assert.deepEqual(parsePaymentSessionUrl(`http://proxy.internal:4000/payments/v1/sessions/${PAYMENT_ID}`, [...LOCAL_HOSTS, 'proxy.internal:4000']), { kind: 'payments', id: PAYMENT_ID });
  });

  it('refuses other hosts, look-alikes, other schemes, relative and broken URLs, and paths of neither kind', () => {
    const refused = [
      `https://shop.example/payments/v1/sessions/${PAYMENT_ID}`,
      `https://api.klarna.com.evil.example/payments/v1/sessions/${PAYMENT_ID}`,
      `https://evil.example/api.klarna.com/payments/v1/sessions/${PAYMENT_ID}`,
      `https://klarna.com/payments/v1/sessions/${PAYMENT_ID}`,
      `https://api.klarna.com./payments/v1/sessions/${PAYMENT_ID}`,
      `ftp://api.klarna.com/payments/v1/sessions/${PAYMENT_ID}`,
      `javascript://api.klarna.com/payments/v1/sessions/${PAYMENT_ID}`,
      `/payments/v1/sessions/${PAYMENT_ID}`,
      `api.klarna.com/payments/v1/sessions/${PAYMENT_ID}`,
      'not a url',
      '',
      `https://api.klarna.com/payments/v1/sessions`,
      `https://api.klarna.com/payments/v1/sessions/`,
      `https://api.klarna.com/payments/v1/sessions/${PAYMENT_ID}//`,
      `https://api.klarna.com/payments/v1/sessions/${PAYMENT_ID}/authorize`,
      `https://api.klarna.com/payments/v1/authorizations/${TOKEN}`,
      `https://api.klarna.com/payments/v2/sessions/${PAYMENT_ID}`,
      `https://api.klarna.com/checkout/v3/orders`,
      `https://api.klarna.com/ordermanagement/v1/orders/${ORDER_ID}`,
      `https://api.klarna.com/hpp/v1/sessions/${SESSION_ID}`,
      `https://api.klarna.com/?url=/payments/v1/sessions/${PAYMENT_ID}`,
    ];
    for (const url of refused) assert.equal(parsePaymentSessionUrl(url, LOCAL_HOSTS), null, url);
  });
});

// ---------------------------------------------------------------------------------------------
// operations/create-session.ts

describe('decideCreate: the payment session named, or 400 BAD_VALUE naming every bad field', () => {
  it('answers the payment session a valid body names', () => {
    assert.deepEqual(decideCreate(create(), LOCAL_HOSTS), { kind: 'payments', id: PAYMENT_ID });
    assert.deepEqual(decideCreate(create({ payment_session_url: `https://api.kustom.co/checkout/v3/orders/${ORDER_ID}` }), []), { kind: 'checkout', id: ORDER_ID });
  });

  it('accepts absolute http(s) merchant and image URLs, with placeholders', () => {
    const body = create({
      merchant_urls: {
        success: 'https://shop.example/ok?sid={{session_id}}&token={{authorization_token}}&order={{order_id}}',
        cancel: 'http://shop.example/cancel',
        back: 'https://shop.example/back/{{session_id}}',
        failure: 'https://shop.example/failure',
        error: 'https://shop.example/error',
        status_update: 'https://shop.example/hpp/{{session_id}}?secret=abc',
      },
      options: { logo_url: 'https://cdn.example/logo.svg', background_images: [{ url: 'https://cdn.example/bg.jpg', width: 1200 }], payment_method_categories: ['PAY_LATER'] },
    });
    assert.deepEqual(decideCreate(body, LOCAL_HOSTS), { kind: 'payments', id: PAYMENT_ID });
  });

  it('a payment_session_url that names nothing is refused naming it', () => {
    badValues(() => decideCreate(create({ payment_session_url: 'https://shop.example/payments/v1/sessions/x' }), LOCAL_HOSTS), ['payment_session_url']);
    badValues(() => decideCreate(create({ payment_session_url: 'nonsense' }), LOCAL_HOSTS), ['payment_session_url']);
  });

  it('names every merchant URL and image URL that is not an absolute http(s) URL, after the payment_session_url, in the body’s order', () => {
    const body = create({
      payment_session_url: 'https://evil.example/payments/v1/sessions/x',
      merchant_urls: { success: '/ok', cancel: 'https://shop.example/cancel', back: 'mailto:shop@example.com', failure: 'shop.example/failure', error: 'https://', status_update: 'ws://shop.example/hpp' },
      options: { logo_url: 'data:image/png;base64,AAAA', background_images: [{ url: 'https://cdn.example/ok.jpg' }, { url: 'bg.jpg' }, { url: 'file:///etc/passwd' }] },
    });
    badValues(() => decideCreate(body, LOCAL_HOSTS), [
      'payment_session_url',
      'merchant_urls.success',
      'merchant_urls.back',
      'merchant_urls.failure',
      'merchant_urls.error',
      'merchant_urls.status_update',
      'options.logo_url',
      'options.background_images[1].url',
      'options.background_images[2].url',
    ]);
  });

  it('payment_method_category and payment_method_categories together are refused naming the single one', () => {
    badValues(() => decideCreate(create({ options: { payment_method_category: 'PAY_NOW', payment_method_categories: ['PAY_NOW'] } }), LOCAL_HOSTS), ['options.payment_method_category']);
    assert.doesNotThrow(() => decideCreate(create({ options: { payment_method_category: 'PAY_NOW' } }), LOCAL_HOSTS));
    assert.doesNotThrow(() => decideCreate(create({ options: { payment_method_categories: [] } }), LOCAL_HOSTS));
  });
});

// ---------------------------------------------------------------------------------------------
// operations/disable-session.ts

describe('decideDisable: DELETE disables an open session; a COMPLETED one is 400', () => {
  it('every open status becomes DISABLED', () => {
    for (const status of OPEN) assert.equal(decideDisable(session({ status })), true, status);
  });

  it('DISABLED and CANCELLED stay as they are (204, no change)', () => {
    assert.equal(decideDisable(session({ status: 'DISABLED' })), false);
    assert.equal(decideDisable(session({ status: 'CANCELLED' })), false);
  });

  it('COMPLETED is 400 BAD_REQUEST "HPP session has already been successfully completed"', () => {
    refuses(() => decideDisable(session({ status: 'COMPLETED' })), 400, 'BAD_REQUEST', ['HPP session has already been successfully completed']);
  });
});

// ---------------------------------------------------------------------------------------------
// operations/distribute-session.ts

describe('decideDistribution: where the link goes, or why it cannot', () => {
  const email = (address: string): DistributionBody => ({ method: 'email', contact_information: { email: address } });
  const sms = (phone?: string, phone_country?: string): DistributionBody => ({
    method: 'sms',
    contact_information: { ...(phone !== undefined && { phone }), ...(phone_country !== undefined && { phone_country }) },
  });

  it('the playground limits are 20 SMS and 100 e-mails a day', () => {
    assert.deepEqual(DAILY_LIMITS, { sms: 20, email: 100 });
  });

  it('email: the trimmed address; sms: the trimmed number; token: no message', () => {
    assert.deepEqual(decideDistribution(session(), email('  Shopper@Example.com ')), { channel: 'email', recipient: 'Shopper@Example.com' });
    assert.deepEqual(decideDistribution(session(), sms(' +46 (70) 174-06.15 ', 'se')), { channel: 'sms', recipient: '+46 (70) 174-06.15' });
    assert.deepEqual(decideDistribution(session(), { method: 'token', contact_information: { access_id: 'till-1' } }), { channel: 'token' });
  });

  it('every open status may be distributed', () => {
    for (const status of OPEN) assert.equal(decideDistribution(session({ status }), email('customer@email.se')).channel, 'email', status);
  });

  it('a disabled, completed or cancelled session is 400 BAD_REQUEST with its reason, before the contact is looked at', () => {
    refuses(() => decideDistribution(session({ status: 'DISABLED' }), email('broken')), 400, 'BAD_REQUEST', ['HPP session is disabled']);
    refuses(() => decideDistribution(session({ status: 'COMPLETED' }), email('customer@email.se')), 400, 'BAD_REQUEST', ['HPP session has already been successfully completed']);
    refuses(() => decideDistribution(session({ status: 'CANCELLED' }), sms()), 400, 'BAD_REQUEST', ['HPP session was cancelled by the consumer']);
  });

  it('an e-mail address needs a local part, an @, and a domain with a dot; no spaces or specials', () => {
    for (const bad of ['', '   ', 'plain', 'a@b', '@example.com', 'a@', 'a b@example.com', 'a@exa mple.com', 'a@b@example.com', '<a>@example.com', 'a@example.com,b@example.com', 'a;b@example.com']) {
      badValues(() => decideDistribution(session(), email(bad)), ['contact_information.email']);
    }
    badValues(() => decideDistribution(session(), { method: 'email', contact_information: {} }), ['contact_information.email']);
    for (const good of ['customer@email.se', 'customer+denied@email.se', 'first.last@sub.example.co.uk']) assert.equal(decideDistribution(session(), email(good)).channel, 'email', good);
  });

  it('a phone needs 6 to 15 digits (an optional leading +, spaces, dashes, dots, brackets) and a two-letter phone_country; both named', () => {
    for (const bad of ['', 'abc', '12345', '1234567890123456', '+46 70 17x 06 15', '++46701740615', '46+701740615', '070/1740615']) {
      badValues(() => decideDistribution(session(), sms(bad, 'SE')), ['contact_information.phone']);
    }
    for (const good of ['123456', '123456789012345', '+46701740615', '070-174 06 15', '(070) 174.06.15']) assert.equal(decideDistribution(session(), sms(good, 'SE')).channel, 'sms', good);
    for (const country of ['', 'S', 'SWE', '46', 'S1']) badValues(() => decideDistribution(session(), sms('+46701740615', country)), ['contact_information.phone_country']);
    badValues(() => decideDistribution(session(), sms('+46701740615')), ['contact_information.phone_country']);
    badValues(() => decideDistribution(session(), sms()), ['contact_information.phone', 'contact_information.phone_country']);
    badValues(() => decideDistribution(session(), sms('x', 'xxx')), ['contact_information.phone', 'contact_information.phone_country']);
  });

  it('token needs an access_id', () => {
    badValues(() => decideDistribution(session(), { method: 'token', contact_information: {} }), ['contact_information.access_id']);
    badValues(() => decideDistribution(session(), { method: 'token', contact_information: { access_id: '' } }), ['contact_information.access_id']);
  });
});

// ---------------------------------------------------------------------------------------------
// operations/consumer.ts

describe("the consumer's actions: assertActive, opensFirst, endingStatus, customerOf", () => {
  it('assertActive: a final session is 403 NOT_ALLOWED naming its status; an open one passes', () => {
    for (const status of FINAL) refuses(() => assertActive(session({ status })), 403, 'NOT_ALLOWED', [`The HPP session is ${status}: the consumer can no longer act on it`]);
    for (const status of OPEN) assert.doesNotThrow(() => assertActive(session({ status })), status);
  });

  it('opensFirst: every action opens the page first, except on a page already open', () => {
    for (const status of OPEN) assert.equal(opensFirst(session({ status })), status !== 'IN_PROGRESS', status);
  });

  it('endingStatus: decline → FAILED, back → BACK, cancel → CANCELLED, each a legal change from IN_PROGRESS', () => {
    assert.equal(endingStatus('decline'), 'FAILED');
    assert.equal(endingStatus('back'), 'BACK');
    assert.equal(endingStatus('cancel'), 'CANCELLED');
    for (const action of ['decline', 'back', 'cancel'] as const) assert.ok(HPP_TRANSITIONS.allows('IN_PROGRESS', endingStatus(action)));
  });

  it('customerOf: names and title from the billing address, date of birth from the customer; nothing else, null when empty', () => {
    assert.deepEqual(
      customerOf({
        billing_address: { title: 'Ms', given_name: 'Anna', family_name: 'Andersson', email: 'anna@example.com', street_address: 'Storgatan 2' } as never,
        customer: { date_of_birth: '1990-05-17', national_identification_number: '199005171234' } as never,
      }),
      { given_name: 'Anna', family_name: 'Andersson', title: 'Ms', date_of_birth: '1990-05-17' },
    );
    assert.deepEqual(customerOf({ billing_address: { given_name: 'Anna' } }), { given_name: 'Anna' });
    assert.deepEqual(customerOf({ customer: { date_of_birth: '1990-05-17' } }), { date_of_birth: '1990-05-17' });
    assert.equal(customerOf({}), null);
    assert.equal(customerOf({ billing_address: null, customer: null }), null);
    assert.equal(customerOf({ billing_address: { given_name: '', family_name: '' } }), null, 'empty names are nothing');
  });
});

// ---------------------------------------------------------------------------------------------
// hpp-session.ts: placeholders and landing

describe('fillPlaceholders: {{session_id}}, {{authorization_token}}, {{order_id}}, URL-encoded', () => {
  it('fills every occurrence of the known placeholders', () => {
    assert.equal(
      fillPlaceholders('https://shop.example/{{session_id}}/x?s={{session_id}}&t={{authorization_token}}&o={{order_id}}', { session_id: SESSION_ID, authorization_token: TOKEN, order_id: ORDER_ID }),
      `https://shop.example/${SESSION_ID}/x?s=${SESSION_ID}&t=${TOKEN}&o=${ORDER_ID}`,
    );
  });

  it('URL-encodes what it fills in', () => {
    assert.equal(fillPlaceholders('https://shop.example/r?o={{order_id}}', { session_id: 's', order_id: 'a b&c=d/e?f#g' }), 'https://shop.example/r?o=a%20b%26c%3Dd%2Fe%3Ff%23g');
    assert.equal(fillPlaceholders('https://shop.example/{{session_id}}', { session_id: 'å/ä' }), 'https://shop.example/%C3%A5%2F%C3%A4');
  });

  it('leaves a placeholder without a value, unknown placeholders and other styles as they are', () => {
    const url = 'https://shop.example/r?t={{authorization_token}}&o={{order_id}}&x={{customer_id}}&k={checkout.order.id}&s={{ session_id }}';
    assert.equal(fillPlaceholders(url, { session_id: 'S', authorization_token: null }), url);
    assert.equal(fillPlaceholders('https://shop.example/{{SESSION_ID}}', { session_id: 'S' }), 'https://shop.example/{{SESSION_ID}}');
  });
});

describe('landingUrl: where the page sends the consumer after each outcome', () => {
  const urls: HppMerchantUrls = {
    success: 'https://shop.example/success?s={{session_id}}&t={{authorization_token}}&o={{order_id}}',
    failure: 'https://shop.example/failure?s={{session_id}}&t={{authorization_token}}',
    error: 'https://shop.example/error?s={{session_id}}',
    back: 'https://shop.example/back?s={{session_id}}',
    cancel: 'https://shop.example/cancel?o={{order_id}}',
    status_update: 'https://shop.example/status',
  };
  const completed = session({ merchant_urls: urls, authorization_token: TOKEN, order_id: ORDER_ID });

  it('each outcome its own URL, with the placeholders filled', () => {
    assert.equal(landingUrl(completed, 'COMPLETED'), `https://shop.example/success?s=${SESSION_ID}&t=${TOKEN}&o=${ORDER_ID}`);
    assert.equal(landingUrl(completed, 'BACK'), `https://shop.example/back?s=${SESSION_ID}`);
    assert.equal(landingUrl(completed, 'CANCELLED'), `https://shop.example/cancel?o=${ORDER_ID}`);
    assert.equal(landingUrl(completed, 'ERROR'), `https://shop.example/error?s=${SESSION_ID}`);
  });

  it('{{authorization_token}} only on success', () => {
    assert.equal(landingUrl(completed, 'FAILED'), `https://shop.example/failure?s=${SESSION_ID}&t={{authorization_token}}`);
  });

  it('no error URL: the failure URL; no URL for the outcome: null', () => {
    const { error: _error, ...noError } = urls;
    assert.equal(landingUrl(session({ merchant_urls: noError }), 'ERROR'), `https://shop.example/failure?s=${SESSION_ID}&t={{authorization_token}}`);
    const none = session();
    for (const status of ALL_STATUSES) assert.equal(landingUrl(none, status), null, status);
    assert.equal(landingUrl(session({ merchant_urls: { success: urls.success } }), 'CANCELLED'), null);
  });

  it('statuses that are no outcome land nowhere, whatever URLs exist', () => {
    for (const status of ['WAITING', 'IN_PROGRESS', 'DISABLED'] as const) assert.equal(landingUrl(completed, status), null, status);
  });
});

// ---------------------------------------------------------------------------------------------
// hpp-session.ts: categories, mode, read shape, URLs

describe('offeredCategories: the merchant’s HPP restriction within what the Payments session offers', () => {
  const account = ['pay_later', 'pay_over_time', 'pay_now'];

  it('no restriction: everything the session offers', () => {
    assert.deepEqual(offeredCategories({}, account), account);
    assert.deepEqual(offeredCategories({ payment_method_categories: [] }, account), account);
  });

  it('a single category or a list, in HPP’s spelling, kept in the session’s order', () => {
    assert.deepEqual(offeredCategories({ payment_method_category: 'PAY_NOW' }, account), ['pay_now']);
    assert.deepEqual(offeredCategories({ payment_method_categories: ['PAY_NOW', 'PAY_LATER'] }, account), ['pay_later', 'pay_now']);
  });

  it('nothing the session offers: nothing', () => {
    assert.deepEqual(offeredCategories({ payment_method_categories: ['DIRECT_DEBIT', 'KLARNA'] }, account), []);
    assert.deepEqual(offeredCategories({ payment_method_category: 'KLARNA' }, ['klarna']), ['klarna']);
  });

  it('category names: HPP’s upper case ↔ Payments’ identifiers', () => {
    assert.equal(toPaymentsCategory('DIRECT_BANK_TRANSFER'), 'direct_bank_transfer');
    assert.equal(toHppCategory('pay_over_time'), 'PAY_OVER_TIME');
  });
});

describe('placeOrderMode, presentHppSession, sessionUrls', () => {
  it('place_order_mode defaults to NONE', () => {
    assert.equal(placeOrderMode(session()), 'NONE');
    assert.equal(placeOrderMode(session({ options: { place_order_mode: 'CAPTURE_ORDER' } })), 'CAPTURE_ORDER');
  });

  it('the read: id, status and times in whole seconds; token, order, reference and customer only once known', () => {
    const waiting = session({ updated_at: NOW + 123, expires_at: NOW + 47 * HOUR + 999 });
    assert.deepEqual(presentHppSession(waiting), { session_id: SESSION_ID, status: 'WAITING', updated_at: '2025-04-01T12:00:00Z', expires_at: '2025-04-03T11:00:00Z' });
    const done = session({ status: 'COMPLETED', authorization_token: TOKEN, order_id: ORDER_ID, klarna_reference: 'K1234567', customer: { given_name: 'Anna' } });
    assert.deepEqual(presentHppSession(done), {
      session_id: SESSION_ID,
      status: 'COMPLETED',
      updated_at: '2025-04-01T11:00:00Z',
      expires_at: '2025-04-03T10:00:00Z',
      authorization_token: TOKEN,
      order_id: ORDER_ID,
      klarna_reference: 'K1234567',
      customer: { given_name: 'Anna' },
    });
    assert.equal(Object.keys(presentHppSession(waiting)).includes('page_code'), false, 'the page code is the consumer’s, never read back');
  });

  it('every URL under the public URL; the page by its code, the standalone page by the distribution token, each encoded', () => {
    const urls = sessionUrls(PUBLIC, session({ session_id: 'id/1', page_code: 'c+d', distribution_token: 't/k' }));
    assert.deepEqual(urls, {
      session_url: `${PUBLIC}/hpp/v1/sessions/id%2F1`,
      redirect_url: `${PUBLIC}/hpp/pay/c%2Bd`,
      qr_code_url: `${PUBLIC}/hpp/pay/c%2Bd/qr`,
      distribution_url: `${PUBLIC}/hpp/v1/sessions/id%2F1/distribution`,
      distribution_module: { token: 't/k', standalone_url: `${PUBLIC}/hpp/distribution/t%2Fk`, generation_url: `${PUBLIC}/hpp/pay/c%2Bd/qr` },
      manual_identification_check_url: `${PUBLIC}/hpp/v1/sessions/id%2F1/manual-id-check`,
    });
  });
});
