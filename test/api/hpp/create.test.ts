/**
 * POST /hpp/v1/sessions (behaviour reference §5.1–§5.3): 201 with Location and the session's URLs,
 * each of which works where the merchant uses it; the payment session named by URL (this server,
 * Klarna's and Kustom's API hosts, the request's own Host); Klarna's refusals, none of which stores
 * anything; the hour's margin before the payment session expires; several sessions per Payments
 * session, one live session per Checkout order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import {
  CHECKOUT_SHOPPER,
  HOUR,
  checkoutOrder,
  checkoutUrl,
  consumer,
  createHpp,
  createHppRaw,
  errorOf,
  hpp,
  hppRows,
  paymentsSession,
  paymentsUrl,
  readHpp,
} from './api-helpers.js';
import type { CreatedHpp } from './api-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 400 BAD_VALUE with exactly these messages (`Bad value: <field>`). */
function badValues(res: TestResponse, fields: string[]): void {
  assert.equal(res.status, 400, res.body);
  const body = res.json<{ error_code: string; error_messages: string[] }>();
  assert.equal(body.error_code, 'BAD_VALUE', res.body);
  assert.deepEqual(body.error_messages, fields.map((f) => `Bad value: ${f}`));
}

for (const dialect of await availableDialects()) {
  describe(`hpp create (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function paymentsExpiry(sessionId: string): Promise<number> {
      const res = await t.get(`/payments/v1/sessions/${sessionId}`);
      assert.equal(res.status, 200, res.body);
      return Date.parse(res.json<{ expires_at: string }>().expires_at);
    }

    /** The stored expiry of a Checkout order and of an HPP session, to the millisecond (reads give whole seconds). */
    async function checkoutExpiry(orderId: string): Promise<number> {
      const row = await t.db.kysely.selectFrom('checkout_orders').select('expires_at').where('order_id', '=', orderId).executeTakeFirstOrThrow();
      return Number(row.expires_at);
    }
    async function storedHppExpiry(sessionId: string): Promise<number> {
      const row = await t.db.kysely.selectFrom('hpp_sessions').select('expires_at').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
      return Number(row.expires_at);
    }
    async function storedPaymentsExpiry(sessionId: string): Promise<number> {
      const row = await t.db.kysely.selectFrom('payment_sessions').select('expires_at').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
      return Number(row.expires_at);
    }

    /** Every URL of the answer is absolute under the public URL, and the ones the merchant calls work. */
    async function assertUrlsWork(created: CreatedHpp): Promise<void> {
      const id = created.session_id;
      assert.equal(created.session_url, `${PUBLIC_URL}/hpp/v1/sessions/${id}`);
      assert.equal(created.distribution_url, `${PUBLIC_URL}/hpp/v1/sessions/${id}/distribution`);
      assert.equal(created.manual_identification_check_url, `${PUBLIC_URL}/hpp/v1/sessions/${id}/manual-id-check`);
      assert.ok(created.redirect_url.startsWith(`${PUBLIC_URL}/`), created.redirect_url);
      assert.equal(created.qr_code_url, `${created.redirect_url}/qr`);
      assert.equal(created.distribution_module.generation_url, created.qr_code_url);
      assert.ok(created.distribution_module.token.length >= 16, 'the distribution token is a capability');
      assert.ok(created.distribution_module.standalone_url.startsWith(`${PUBLIC_URL}/`));
      assert.ok(created.distribution_module.standalone_url.endsWith(encodeURIComponent(created.distribution_module.token)));
      // The consumer's link names neither the session id nor the merchant.
      assert.equal(created.redirect_url.includes(id), false, 'the page link is not the session id');

      // session_url reads the session with the merchant's credentials.
      const read = await t.get(new URL(created.session_url).pathname);
      assert.equal(read.status, 200, read.body);
      assert.equal(read.json().session_id, id);
      assert.equal(read.json().status, 'WAITING');
      assert.equal(read.json().expires_at, created.expires_at);
      // distribution_url distributes (a token pairing answers 204 and sends nothing).
      const distributed = await t.post(new URL(created.distribution_url).pathname, { method: 'token', contact_information: { access_id: 'till-7' } });
      assert.equal(distributed.status, 204, distributed.body);
      // manual_identification_check_url answers for the session (no manual check is ever required).
      const manual = await t.get(new URL(created.manual_identification_check_url).pathname);
      assert.equal(manual.status, 200, manual.body);
      assert.deepEqual(manual.json(), { session_id: id, status: 'WAITING', manual_identification_required: false });
    }

    it('for a Payments session: 201, Location = session_url, JSON, every URL absolute and working, expires_at one hour before the session', async () => {
      const paymentId = await paymentsSession(t);
      const res = await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId), options: { place_order_mode: 'NONE' }, profile_id: 'profile-1' });
      assert.equal(res.status, 201, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const created = res.json<CreatedHpp>();
      assert.match(created.session_id, UUID);
      assert.equal(res.headers.location, created.session_url);
      assert.deepEqual(Object.keys(created).sort(), [
        'distribution_module',
        'distribution_url',
        'expires_at',
        'manual_identification_check_url',
        'qr_code_url',
        'redirect_url',
        'session_id',
        'session_url',
      ]);
      assert.equal(Date.parse(created.expires_at), (await paymentsExpiry(paymentId)) - HOUR * 1000);
      assert.equal(await storedHppExpiry(created.session_id), (await storedPaymentsExpiry(paymentId)) - HOUR * 1000);
      await assertUrlsWork(created);
    });

    it('for a Checkout order: 201 with the same URLs, expires_at one hour before the order', async () => {
      const orderId = await checkoutOrder(t);
      const res = await createHppRaw(t, { payment_session_url: checkoutUrl(orderId) });
      assert.equal(res.status, 201, res.body);
      const created = res.json<CreatedHpp>();
      assert.equal(res.headers.location, created.session_url);
      // Stored to the millisecond; answered in whole seconds as Klarna writes times.
      const expiresAt = (await checkoutExpiry(orderId)) - HOUR * 1000;
      assert.equal(await storedHppExpiry(created.session_id), expiresAt);
      assert.equal(created.expires_at, new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      await assertUrlsWork(created);
    });

    it("payment_session_url may name Klarna's and Kustom's API hosts and this server's public URL, with or without a trailing slash", async () => {
      const cases: [string, (id: string) => string, 'payments' | 'checkout'][] = [
        ['public URL, Payments', (id) => paymentsUrl(id), 'payments'],
        ['api.klarna.com, Payments', (id) => paymentsUrl(id, 'https://api.klarna.com'), 'payments'],
        ['api.playground.klarna.com, Payments', (id) => paymentsUrl(id, 'https://api.playground.klarna.com'), 'payments'],
        ['api-na.playground.klarna.com, Payments, trailing slash', (id) => `${paymentsUrl(id, 'https://api-na.playground.klarna.com')}/`, 'payments'],
        ['api.kustom.co, Payments', (id) => paymentsUrl(id, 'https://api.kustom.co'), 'payments'],
        ['public URL, Checkout', (id) => checkoutUrl(id), 'checkout'],
        ['api.klarna.com, Checkout', (id) => checkoutUrl(id, 'https://api.klarna.com'), 'checkout'],
        ['api.playground.klarna.com, Checkout', (id) => checkoutUrl(id, 'https://api.playground.klarna.com'), 'checkout'],
        ['api.kustom.co, Checkout', (id) => checkoutUrl(id, 'https://api.kustom.co'), 'checkout'],
        ['API.KLARNA.COM in capitals, Checkout', (id) => checkoutUrl(id, 'https://API.KLARNA.COM'), 'checkout'],
      ];
      for (const [what, url, kind] of cases) {
        const id = kind === 'payments' ? await paymentsSession(t) : await checkoutOrder(t);
        const res = await createHppRaw(t, { payment_session_url: url(id) });
        assert.equal(res.status, 201, `${what}: ${res.body}`);
        const row = await t.db.kysely.selectFrom('hpp_sessions').select(['payment_kind', 'payment_id']).where('session_id', '=', res.json().session_id).executeTakeFirstOrThrow();
        assert.deepEqual(row, { payment_kind: kind, payment_id: id }, what);
      }
    });

    it('payment_session_url may name the host the request came to (a proxy in front), with a path prefix', async () => {
      const paymentId = await paymentsSession(t);
      const host = 'klarna-proxy.internal:4000';
      const res = await t.post('/hpp/v1/sessions', { payment_session_url: `http://${host}/payments/v1/sessions/${paymentId}` }, { headers: { host } });
      assert.equal(res.status, 201, res.body);
      // The answer's URLs are still the public URL's.
      assert.equal(res.headers.location, `${PUBLIC_URL}/hpp/v1/sessions/${res.json().session_id}`);

      const orderId = await checkoutOrder(t);
      const prefixed = await t.post('/hpp/v1/sessions', { payment_session_url: `http://${host}/klarna/checkout/v3/orders/${orderId}` }, { headers: { host } });
      assert.equal(prefixed.status, 201, prefixed.body);
      // Another request's Host is not this one's: the same URL from a request to the public host is refused.
      const elsewhere = await createHppRaw(t, { payment_session_url: `http://${host}/payments/v1/sessions/${paymentId}` });
      badValues(elsewhere, ['payment_session_url']);
    });

    it('a payment_session_url on another host, not a URL, or naming neither a Payments session nor a Checkout order is 400 BAD_VALUE naming it; nothing is stored', async () => {
      const paymentId = await paymentsSession(t);
      const before = await hppRows(t);
      const refused = [
        `https://shop.example/payments/v1/sessions/${paymentId}`,
        `https://api.klarna.com.evil.example/payments/v1/sessions/${paymentId}`,
        `https://klarna.com/payments/v1/sessions/${paymentId}`,
        'not a url',
        `/payments/v1/sessions/${paymentId}`,
        `ftp://api.klarna.com/payments/v1/sessions/${paymentId}`,
        `${PUBLIC_URL}/ordermanagement/v1/orders/${paymentId}`,
        `${PUBLIC_URL}/payments/v1/authorizations/${paymentId}/order`,
        `${PUBLIC_URL}/payments/v1/sessions`,
        `${PUBLIC_URL}/payments/v1/sessions/`,
        `${PUBLIC_URL}/payments/v1/sessions/${paymentId}/extra`,
        `${PUBLIC_URL}/checkout/v3/orders`,
        `${PUBLIC_URL}/hpp/v1/sessions/${paymentId}`,
      ];
      for (const url of refused) badValues(await createHppRaw(t, { payment_session_url: url }), ['payment_session_url']);
      assert.deepEqual(await hppRows(t), before);
    });

    it('merchant URLs and image URLs that are not absolute http(s) URLs are 400 naming each; placeholders are allowed; nothing is stored', async () => {
      const paymentId = await paymentsSession(t);
      const before = await hppRows(t);
      const res = await createHppRaw(t, {
        payment_session_url: paymentsUrl(paymentId),
        merchant_urls: {
          success: '/thanks?sid={{session_id}}',
          cancel: `${PUBLIC_URL}/cancel`,
          back: 'ftp://shop.example/back',
          failure: 'not a url',
          error: 'https://shop.example/error/{{session_id}}',
          status_update: 'javascript:alert(1)',
        },
        options: { logo_url: 'logo.png', background_images: [{ url: 'https://shop.example/bg.png', width: 1200 }, { url: '//cdn.example/bg.png', width: 600 }] },
      });
      badValues(res, ['merchant_urls.success', 'merchant_urls.back', 'merchant_urls.failure', 'merchant_urls.status_update', 'options.logo_url', 'options.background_images[1].url']);
      // With the payment_session_url bad as well, every field is named.
      const both = await createHppRaw(t, { payment_session_url: 'https://shop.example/x', merchant_urls: { success: 'x' } });
      badValues(both, ['payment_session_url', 'merchant_urls.success']);
      assert.deepEqual(await hppRows(t), before);

      const ok = await createHppRaw(t, {
        payment_session_url: paymentsUrl(paymentId),
        merchant_urls: {
          success: 'https://shop.example/ok?sid={{session_id}}&token={{authorization_token}}&order={{order_id}}',
          status_update: 'http://127.0.0.1:9/status/{{session_id}}',
        },
        options: { logo_url: 'https://shop.example/logo.png', background_images: [{ url: 'http://shop.example/bg.png' }] },
      });
      assert.equal(ok.status, 201, ok.body);
    });

    it('both payment_method_category and payment_method_categories is 400 naming options.payment_method_category; an unknown category is 400 too', async () => {
      const paymentId = await paymentsSession(t);
      const before = await hppRows(t);
      badValues(await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId), options: { payment_method_category: 'PAY_LATER', payment_method_categories: ['PAY_NOW'] } }), [
        'options.payment_method_category',
      ]);
      assertError(await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId), options: { payment_method_category: 'CRYPTO' } }), 400, 'BAD_VALUE');
      assertError(await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId), options: { place_order_mode: 'SOMETIMES' } }), 400, 'BAD_VALUE');
      assertError(await createHppRaw(t, {}), 400, 'BAD_VALUE', /payment_session_url/);
      assert.deepEqual(await hppRows(t), before);
      for (const options of [{ payment_method_category: 'PAY_LATER' }, { payment_method_categories: ['PAY_LATER', 'PAY_NOW'] }]) {
        assert.equal((await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId), options })).status, 201);
      }
    });

    it("an unknown payment session and another merchant's are both 404 NOT_FOUND \"Payment session not found\", answered identically", async () => {
      const foreignPayments = await paymentsSession(t, {}, OTHER_MERCHANT);
      const foreignCheckout = await checkoutOrder(t, {}, OTHER_MERCHANT);
      const before = await hppRows(t);
      const unknownPayments = await createHppRaw(t, { payment_session_url: paymentsUrl('00000000-0000-4000-8000-000000000000') });
      assertError(unknownPayments, 404, 'NOT_FOUND');
      assert.deepEqual(unknownPayments.json().error_messages, ['Payment session not found']);
      const otherPayments = await createHppRaw(t, { payment_session_url: paymentsUrl(foreignPayments) });
      assert.deepEqual(errorOf(otherPayments), errorOf(unknownPayments));

      const unknownCheckout = await createHppRaw(t, { payment_session_url: checkoutUrl('00000000-0000-4000-8000-000000000000') });
      assert.deepEqual(errorOf(unknownCheckout), errorOf(unknownPayments));
      const otherCheckout = await createHppRaw(t, { payment_session_url: checkoutUrl(foreignCheckout) });
      assert.deepEqual(errorOf(otherCheckout), errorOf(unknownPayments));
      assert.deepEqual(await hppRows(t), before);
      // The owner can.
      assert.equal((await createHppRaw(t, { payment_session_url: paymentsUrl(foreignPayments) }, { auth: OTHER_MERCHANT })).status, 201);
    });

    it('a completed Payments session, a complete Checkout order and an aborted one are 400 BAD_VALUE naming payment_session_url', async () => {
      const paymentId = await paymentsSession(t);
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${paymentId}/authorize`, {});
      const token: string = authorized.json().authorization_token;
      const { merchant_reference1: _ref, ...orderData } = orderBody();
      const placed = await t.post(`/payments/v1/authorizations/${token}/order`, orderData);
      assert.equal(placed.status, 200, placed.body);

      const complete = await checkoutOrder(t);
      const completed = await t.post(`/sandbox/v1/checkout/orders/${complete}/complete`, CHECKOUT_SHOPPER);
      assert.equal(completed.json().status, 'checkout_complete', completed.body);
      const aborted = await checkoutOrder(t);
      assert.equal((await t.post(`/checkout/v3/orders/${aborted}/abort`, undefined)).status, 200);

      const before = await hppRows(t);
      for (const url of [paymentsUrl(paymentId), checkoutUrl(complete), checkoutUrl(aborted)]) {
        const res = await createHppRaw(t, { payment_session_url: url });
        assertError(res, 400, 'BAD_VALUE', /^Bad value: payment_session_url/);
        assert.equal(res.json().error_messages.length, 1);
      }
      assert.deepEqual(await hppRows(t), before);
    });

    it('Klarna-Idempotency-Key: a retry replays the same session; a body refused before any write leaves the key unused', async () => {
      const paymentId = await paymentsSession(t);
      const key = `hpp-create-${paymentId}`;
      const first = await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId) }, { idempotencyKey: key });
      assert.equal(first.status, 201, first.body);
      const rows = await hppRows(t);
      const retry = await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId) }, { idempotencyKey: key });
      assert.equal(retry.status, 201, retry.body);
      assert.deepEqual(retry.json(), first.json());
      assert.equal(retry.headers.location, first.headers.location);
      assert.deepEqual(await hppRows(t), rows, 'no second session');

      const other = `hpp-create-refused-${paymentId}`;
      badValues(await createHppRaw(t, { payment_session_url: 'https://shop.example/x' }, { idempotencyKey: other }), ['payment_session_url']);
      const corrected = await createHppRaw(t, { payment_session_url: paymentsUrl(paymentId) }, { idempotencyKey: other });
      assert.equal(corrected.status, 201, corrected.body);
      assert.notEqual(corrected.json().session_id, first.json().session_id);
    });

    it('a Payments session may have several HPP sessions, each its own', async () => {
      const paymentId = await paymentsSession(t);
      const sessions = [await createHpp(t, paymentsUrl(paymentId)), await createHpp(t, paymentsUrl(paymentId)), await createHpp(t, paymentsUrl(paymentId, 'https://api.klarna.com'))];
      assert.equal(new Set(sessions.map((s) => s.session_id)).size, 3);
      assert.equal(new Set(sessions.map((s) => s.redirect_url)).size, 3);
      assert.equal(new Set(sessions.map((s) => s.distribution_module.token)).size, 3);
      assert.equal(new Set(sessions.map((s) => s.expires_at)).size, 1, 'all end an hour before the one payment session');
      for (const s of sessions) assert.equal((await readHpp(t, s.session_id)).status, 'WAITING');
      // Disabling one leaves the others.
      assert.equal((await t.request({ method: 'DELETE', url: hpp(sessions[0]!.session_id) })).status, 204);
      assert.equal((await readHpp(t, sessions[0]!.session_id)).status, 'DISABLED');
      assert.equal((await readHpp(t, sessions[1]!.session_id)).status, 'WAITING');
    });

    it('a Checkout order has one live HPP session: a second is 400 while the first is live (even FAILED), allowed once it is disabled or cancelled', async () => {
      const orderId = await checkoutOrder(t);
      const first = await createHpp(t, checkoutUrl(orderId));
      const before = await hppRows(t);
      const second = await createHppRaw(t, { payment_session_url: checkoutUrl(orderId, 'https://api.klarna.com') });
      assertError(second, 400, 'BAD_VALUE', new RegExp(`^Bad value: payment_session_url .*${first.session_id}`));
      // A declined consumer may retry the same page: it is still live.
      await consumer(t, first.session_id, 'decline');
      assertError(await createHppRaw(t, { payment_session_url: checkoutUrl(orderId) }), 400, 'BAD_VALUE', /payment_session_url/);
      const rowsAfterDecline = await hppRows(t);
      assert.equal(rowsAfterDecline.length, before.length, 'no session was stored');

      assert.equal((await t.request({ method: 'DELETE', url: hpp(first.session_id) })).status, 204);
      const replacement = await createHpp(t, checkoutUrl(orderId));
      assert.notEqual(replacement.session_id, first.session_id);
      assertError(await createHppRaw(t, { payment_session_url: checkoutUrl(orderId) }), 400, 'BAD_VALUE', new RegExp(replacement.session_id));

      await consumer(t, replacement.session_id, 'cancel');
      const third = await createHpp(t, checkoutUrl(orderId));
      assert.equal((await readHpp(t, third.session_id)).status, 'WAITING');
    });
  });

  describe(`hpp create near the payment session's expiry (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('with more than an hour left: 201, expiring exactly one hour before the payment session', async () => {
      const paymentId = await paymentsSession(t);
      const orderId = await checkoutOrder(t);
      await t.advanceClock(46 * HOUR + 58 * 60);
      const created = await createHpp(t, paymentsUrl(paymentId));
      const payment = (await t.get(`/payments/v1/sessions/${paymentId}`)).json<{ expires_at: string }>();
      assert.equal(Date.parse(created.expires_at), Date.parse(payment.expires_at) - HOUR * 1000);
      const stored = async (table: 'hpp_sessions' | 'payment_sessions', id: string) =>
        Number((await t.db.kysely.selectFrom(table).select('expires_at').where('session_id', '=', id).executeTakeFirstOrThrow()).expires_at);
      assert.equal(await stored('hpp_sessions', created.session_id), (await stored('payment_sessions', paymentId)) - HOUR * 1000);
      const checkout = await createHpp(t, checkoutUrl(orderId));
      const row = await t.db.kysely.selectFrom('checkout_orders').select('expires_at').where('order_id', '=', orderId).executeTakeFirstOrThrow();
      assert.equal(await stored('hpp_sessions', checkout.session_id), Number(row.expires_at) - HOUR * 1000);
      assert.equal(Date.parse(checkout.expires_at), Math.floor((Number(row.expires_at) - HOUR * 1000) / 1000) * 1000);
    });

    it('with less than an hour left, and once expired: 404 NOT_FOUND "Payment session has expired", nothing stored', async () => {
      const paymentId = await paymentsSession(t);
      const orderId = await checkoutOrder(t);
      await t.advanceClock(47 * HOUR);
      const before = await hppRows(t);
      for (const url of [paymentsUrl(paymentId), checkoutUrl(orderId)]) {
        const res = await createHppRaw(t, { payment_session_url: url });
        assertError(res, 404, 'NOT_FOUND');
        assert.deepEqual(res.json().error_messages, ['Payment session has expired'], url);
      }
      await t.advanceClock(HOUR + 1);
      for (const url of [paymentsUrl(paymentId), checkoutUrl(orderId)]) {
        const res = await createHppRaw(t, { payment_session_url: url });
        assertError(res, 404, 'NOT_FOUND');
        assert.deepEqual(res.json().error_messages, ['Payment session has expired'], url);
      }
      assert.deepEqual(await hppRows(t), before);
    });
  });
}
