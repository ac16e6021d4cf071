/**
 * GET /hpp/v1/sessions/{id} (behaviour reference §5.1, §5.3, §5.4): the status with its times, and
 * what an approval brought (the authorization token, or the Order Management order with
 * place_order_mode, and the customer); unknown, another merchant's, expired and ended sessions are
 * 404; a browser that opens session_url goes to the hosted page, anything else without credentials
 * gets Klarna's edge page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertEdgeUnauthorized, assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { CHECKOUT_SHOPPER, HOUR, consumer, errorOf, hpp, hppForCheckout, hppForPayments, readHpp, sandboxNow } from './api-helpers.js';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const { merchant_reference1: _ref, ...ORDER_DATA } = orderBody();

for (const dialect of await availableDialects()) {
  describe(`hpp read (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a new session is WAITING, with updated_at (its creation) and expires_at, and nothing else', async () => {
      const now = await sandboxNow(t);
      const created = await hppForPayments(t);
      const read = await t.get(hpp(created.session_id));
      assert.equal(read.status, 200, read.body);
      assert.match(String(read.headers['content-type']), /^application\/json/);
      const session = read.json();
      assert.deepEqual(Object.keys(session).sort(), ['expires_at', 'session_id', 'status', 'updated_at']);
      assert.equal(session.session_id, created.session_id);
      assert.equal(session.status, 'WAITING');
      assert.equal(session.expires_at, created.expires_at);
      assert.ok(Math.abs(Date.parse(session.updated_at) - now) < 5000, `updated_at ${session.updated_at}`);
      assert.match(session.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

      // updated_at follows the last status change (on the sandbox clock).
      await t.advanceClock(600);
      await consumer(t, created.session_id, 'open');
      const opened = await readHpp(t, created.session_id);
      assert.equal(opened.status, 'IN_PROGRESS');
      const openedAt = await sandboxNow(t);
      assert.ok(Math.abs(Date.parse(opened.updated_at) - openedAt) < 5000, `updated_at ${opened.updated_at}, now ${iso(openedAt)}`);
      assert.ok(Date.parse(opened.updated_at) - Date.parse(session.updated_at) >= 600_000);
      assert.equal(opened.expires_at, created.expires_at, 'expires_at does not move');
    });

    it('after an approval without place_order_mode: COMPLETED with the authorization token and the customer, no order', async () => {
      const created = await hppForPayments(t, { options: { place_order_mode: 'NONE' } });
      await consumer(t, created.session_id, 'approve', { email: 'customer@email.se', customer: { date_of_birth: '1980-01-01' } });
      const read = await readHpp(t, created.session_id);
      assert.equal(read.status, 'COMPLETED');
      const payment = (await t.get(`/payments/v1/sessions/${created.payment_id}`)).json();
      assert.ok(read.authorization_token);
      assert.equal(read.authorization_token, payment.authorization_token, 'the Payments session authorized by the page');
      assert.equal(payment.status, 'incomplete', 'the merchant places the order itself');
      assert.deepEqual(read.customer, { given_name: 'Testperson-se', family_name: 'Approved', date_of_birth: '1980-01-01' });
      assert.equal(read.order_id, undefined);
      assert.equal(read.klarna_reference, undefined);

      // The merchant places the order with the token: the session is still readable, COMPLETED.
      const placed = await t.post(`/payments/v1/authorizations/${read.authorization_token}/order`, ORDER_DATA);
      assert.equal(placed.status, 200, placed.body);
      assert.deepEqual(await readHpp(t, created.session_id), read);
    });

    it('after an approval with PLACE_ORDER: COMPLETED with order_id and klarna_reference of an AUTHORIZED order, no token', async () => {
      const created = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      await consumer(t, created.session_id, 'approve', { email: 'customer@email.se' });
      const read = await readHpp(t, created.session_id);
      assert.equal(read.status, 'COMPLETED');
      assert.equal(read.authorization_token, undefined, 'with PLACE_ORDER the merchant gets the order, not the token');
      assert.ok(read.order_id && read.klarna_reference);
      const order = await t.getOrder(read.order_id);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.klarna_reference, read.klarna_reference);
      assert.equal(order.order_amount, 12500);
      assert.equal(order.captured_amount, 0);
      assert.deepEqual(read.customer, { given_name: 'Testperson-se', family_name: 'Approved' });
      // The Payments session is completed by the page, which does not end the HPP session.
      const payment = (await t.get(`/payments/v1/sessions/${created.payment_id}`)).json();
      assert.equal(payment.status, 'complete');
    });

    it('after an approval with CAPTURE_ORDER: the order is CAPTURED in full', async () => {
      const created = await hppForPayments(t, { options: { place_order_mode: 'CAPTURE_ORDER' } });
      await consumer(t, created.session_id, 'approve', {});
      const read = await readHpp(t, created.session_id);
      assert.equal(read.status, 'COMPLETED');
      assert.ok(read.order_id);
      const order = await t.getOrder(read.order_id);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.captured_amount, order.order_amount);
      assert.equal(order.klarna_reference, read.klarna_reference);
      assert.equal(order.captures.length, 1);
    });

    it("an unknown session and another merchant's are 404 NOT_FOUND, answered identically", async () => {
      const created = await hppForPayments(t);
      const unknown = await t.get(hpp('00000000-0000-4000-8000-000000000000'));
      assertError(unknown, 404, 'NOT_FOUND');
      assert.deepEqual(unknown.json().error_messages, ['HPP session not found']);
      const foreign = await t.get(hpp(created.session_id), OTHER_MERCHANT);
      assert.deepEqual(errorOf(foreign), errorOf(unknown));
      const garbage = await t.get(hpp('not-a-session'));
      assert.deepEqual(errorOf(garbage), errorOf(unknown));
    });

    it('a Payments session the merchant completed outside the page ends its HPP sessions (404), whatever their status', async () => {
      const waiting = await hppForPayments(t);
      const paymentUrl = `/payments/v1/sessions/${waiting.payment_id}`;
      // A second HPP session on the same Payments session, left FAILED by a declined consumer.
      const failed = await t.post('/hpp/v1/sessions', { payment_session_url: `https://api.klarna.com${paymentUrl}` });
      assert.equal(failed.status, 201, failed.body);
      await consumer(t, failed.json().session_id, 'decline');
      // The shopper pays in the merchant's own widget instead; the merchant places the order.
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${waiting.payment_id}/authorize`, {});
      assert.equal(authorized.status, 200, authorized.body);
      assert.equal((await readHpp(t, waiting.session_id)).status, 'WAITING', 'an authorization alone does not end it');
      const placed = await t.post(`/payments/v1/authorizations/${authorized.json().authorization_token}/order`, ORDER_DATA);
      assert.equal(placed.status, 200, placed.body);
      for (const id of [waiting.session_id, failed.json().session_id]) {
        const res = await t.get(hpp(id));
        assertError(res, 404, 'NOT_FOUND');
        assert.deepEqual(res.json().error_messages, ['HPP session has expired']);
      }
    });

    it('an aborted Checkout order, or one completed outside the page, ends its HPP session (404)', async () => {
      const aborted = await hppForCheckout(t);
      await consumer(t, aborted.session_id, 'open');
      assert.equal((await t.post(`/checkout/v3/orders/${aborted.payment_id}/abort`, undefined)).status, 200);
      assertError(await t.get(hpp(aborted.session_id)), 404, 'NOT_FOUND', /HPP session has expired/);

      const elsewhere = await hppForCheckout(t);
      const completed = await t.post(`/sandbox/v1/checkout/orders/${elsewhere.payment_id}/complete`, CHECKOUT_SHOPPER);
      assert.equal(completed.json().status, 'checkout_complete', completed.body);
      assertError(await t.get(hpp(elsewhere.session_id)), 404, 'NOT_FOUND', /HPP session has expired/);
    });

    it('a Checkout order completed through its own page keeps the COMPLETED session readable, with the order', async () => {
      const created = await hppForCheckout(t);
      const approved = await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(approved.status, 'COMPLETED', JSON.stringify(approved));
      const read = await readHpp(t, created.session_id);
      assert.equal(read.status, 'COMPLETED');
      assert.equal(read.order_id, created.payment_id);
      const order = await t.getOrder(created.payment_id);
      assert.equal(read.klarna_reference, order.klarna_reference);
      assert.equal(read.authorization_token, undefined);
      assert.deepEqual(read.customer, { given_name: 'Testperson-se', family_name: 'Approved' });
    });

    it('a browser opening session_url without credentials (Accept: text/html) is sent to the hosted page (303); otherwise 401', async () => {
      const created = await hppForPayments(t);
      const path = new URL(created.session_url).pathname;
      // (Straight through inject: a redirect is no answer of Klarna's API to validate.)
      const browser = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
      assert.equal(browser.statusCode, 303, browser.body);
      assert.equal(browser.headers.location, created.redirect_url);
      assert.ok(browser.headers['klarna-correlation-id']);
      assert.equal((await readHpp(t, created.session_id)).status, 'WAITING', 'following the link opens nothing by itself');

      assertEdgeUnauthorized(await t.get(path, null), 'no Accept');
      assertEdgeUnauthorized(await t.request({ url: path, auth: null, headers: { accept: 'application/json' } }), 'Accept: application/json');
      // With credentials the merchant reads the session, whatever it accepts.
      const merchant = await t.request({ url: path, headers: { accept: 'text/html' } });
      assert.equal(merchant.status, 200, merchant.body);
      assert.equal(merchant.json().session_id, created.session_id);
      // A browser on an unknown session is not sent anywhere.
      const unknown = await t.app.inject({ method: 'GET', url: hpp('00000000-0000-4000-8000-000000000000'), headers: { accept: 'text/html' } });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.headers.location, undefined);
    });
  });

  describe(`hpp read after expiry (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('a session is readable until its expires_at and 404 from then on, COMPLETED ones included', async () => {
      const waiting = await hppForPayments(t);
      const completed = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      await consumer(t, completed.session_id, 'approve', {});
      const checkout = await hppForCheckout(t);
      const left = Date.parse(waiting.expires_at) - (await sandboxNow(t));
      assert.ok(left > 46 * HOUR * 1000 && left <= 47 * HOUR * 1000, `an HPP session on a 48-hour Payments session lives 47 hours (${left} ms)`);

      await t.advanceClock(Math.floor(left / 1000) - 60);
      for (const s of [waiting, completed, checkout]) assert.equal((await t.get(hpp(s.session_id))).status, 200);
      await t.advanceClock(61);
      for (const s of [waiting, completed, checkout]) {
        const res = await t.get(hpp(s.session_id));
        assertError(res, 404, 'NOT_FOUND');
        assert.deepEqual(res.json().error_messages, ['HPP session has expired']);
      }
      // An expired session takes no action either.
      assertError(await t.post(`/sandbox/v1/hpp/sessions/${waiting.session_id}/open`, undefined), 404, 'NOT_FOUND');
      assertError(await t.request({ method: 'DELETE', url: hpp(waiting.session_id) }), 404, 'NOT_FOUND');
    });
  });
}
