/**
 * Payments authorizations (§3.2, §8): placing the order (matching, one order per token, replay,
 * auto_capture), the 60-minute token, cancelling, refusals, customer tokens per intent, and pending
 * fraud decisions driven by the sandbox clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';

const MINUTE = 60;

/** An ISO time (whole seconds, Z) plus some minutes, as klarna-local writes times. */
const minutesAfter = (iso: string, minutes: number): string => new Date(Date.parse(iso) + minutes * MINUTE * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');


/** The create-order body a merchant sends: the session's order data. */
const orderRequest = (overrides: Record<string, unknown> = {}) => {
  const { merchant_reference1: _ref, ...body } = orderBody();
  return { ...body, ...overrides };
};

for (const dialect of await availableDialects()) {
  describe(`payments orders (${dialect})`, () => {
    let t: TestApp;
    let merchant: FakeMerchant;
    before(async () => {
      t = await buildTestApp({ dialect });
      merchant = await startFakeMerchant();
    });
    after(async () => {
      await t.close();
      await merchant.close();
    });

    /** A session authorized by the sandbox shopper; returns both ids. */
    async function authorized(session: Record<string, unknown> = {}, shopper: Record<string, unknown> = {}) {
      const created = await t.post('/payments/v1/sessions', orderBody(session));
      assert.equal(created.status, 200, created.body);
      const sessionId: string = created.json().session_id;
      const auth = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, shopper);
      assert.equal(auth.status, 200, auth.body);
      assert.equal(auth.json().approved, true, auth.body);
      return { sessionId, token: auth.json().authorization_token as string, fraudStatus: auth.json().fraud_status as string };
    }

    const placeOrder = (token: string, body: Record<string, unknown> = orderRequest(), auth?: typeof OTHER_MERCHANT) =>
      t.post(`/payments/v1/authorizations/${token}/order`, body, auth ? { auth } : {});

    it('create order answers 200 and the order exists in Order Management, AUTHORIZED, with the session\'s data; the session completes', async () => {
      const { sessionId, token } = await authorized({ merchant_reference1: 'SESSION-REF', merchant_data: '{"cart":7}' });
      const res = await placeOrder(token, orderRequest({ merchant_reference2: 'BODY-REF' }));
      assert.equal(res.status, 200, res.body);
      const answer = res.json();
      assert.equal(answer.fraud_status, 'ACCEPTED');
      assert.deepEqual(answer.authorized_payment_method, { type: 'invoice', number_of_days: 30 });
      assert.equal(answer.redirect_url, undefined, 'no redirect_url without a confirmation URL');

      const order = await t.getOrder(answer.order_id);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.order_amount, 12500);
      assert.equal(order.remaining_authorized_amount, 12500);
      assert.deepEqual(
        order.order_lines.map((l: { reference: string; total_amount: number }) => [l.reference, l.total_amount]),
        [
          ['SKU-1', 10000],
          ['SHIP', 2500],
        ],
      );
      assert.equal(order.billing_address.postal_code, '12345');
      assert.equal(order.merchant_reference1, 'SESSION-REF');
      assert.equal(order.merchant_reference2, 'BODY-REF');
      assert.equal(order.initial_payment_method.type, 'INVOICE');

      const session = (await t.get(`/payments/v1/sessions/${sessionId}`)).json();
      assert.equal(session.status, 'complete');
      assertError(await t.post(`/payments/v1/sessions/${sessionId}`, { merchant_reference1: 'late' }), 404, 'SESSION_COMPLETED', /already been completed/);
      assertError(await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {}), 404, 'SESSION_COMPLETED');
    });

    it('redirect_url is the confirmation URL with {order.id} and {session.id} filled in, query string kept', async () => {
      const { sessionId, token } = await authorized({ merchant_urls: { confirmation: 'https://shop.example/thanks?o={order.id}&s={session.id}&x=1' } });
      const res = await placeOrder(token);
      assert.equal(res.status, 200, res.body);
      const { order_id, redirect_url } = res.json();
      assert.equal(redirect_url, `https://shop.example/thanks?o=${order_id}&s=${sessionId}&x=1`);
    });

    it('auto_capture captures the whole order at once', async () => {
      const { token } = await authorized();
      const res = await placeOrder(token, orderRequest({ auto_capture: true }));
      assert.equal(res.status, 200, res.body);
      const order = await t.getOrder(res.json().order_id);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.captured_amount, 12500);
      assert.equal(order.captures.length, 1);
      assert.equal(order.captures[0].order_lines.length, 2);
    });

    it('a token places one order: the same body replays the same answer, another body is 409, and only one order exists', async () => {
      const { token } = await authorized();
      const first = await placeOrder(token);
      assert.equal(first.status, 200, first.body);
      const again = await placeOrder(token);
      assert.equal(again.status, 200, again.body);
      assert.deepEqual(again.json(), first.json());
      const other = await placeOrder(token, orderRequest({ merchant_reference2: 'different' }));
      assertError(other, 409, 'BAD_VALUE', /has been already completed with different request body/);
      const rows = await t.db.kysely.selectFrom('payment_authorizations').select('order_id').where('authorization_token', '=', token).execute();
      assert.equal(rows[0]?.order_id, first.json().order_id);

      await t.patch('/sandbox/v1/settings', { payments_replay_consumed_token: false });
      try {
        assertError(await placeOrder(token), 403, 'INVALID_OPERATION', /already consumed/);
      } finally {
        await t.patch('/sandbox/v1/settings', { payments_replay_consumed_token: true });
      }
    });

    it('concurrent create-order calls with one token place exactly one order', async () => {
      const { token } = await authorized();
      const results = await Promise.all(Array.from({ length: 8 }, () => placeOrder(token)));
      assert.ok(results.every((r) => r.status === 200), results.map((r) => r.body).join('\n'));
      assert.equal(new Set(results.map((r) => r.json().order_id)).size, 1);
      const orders = await t.db.kysely.selectFrom('orders').select('order_id').where('order_id', '=', results[0]?.json().order_id).execute();
      assert.equal(orders.length, 1);
    });

    it('a body that differs from what was authorized is 409 naming the fields, and places nothing', async () => {
      const { sessionId, token } = await authorized();
      const [first, second] = orderRequest().order_lines as object[];
      const res = await placeOrder(
        token,
        orderRequest({
          order_amount: 12000,
          order_tax_amount: 2400,
          order_lines: [{ ...first, unit_price: 4750, total_amount: 9500, total_tax_amount: 1900 }, second],
          billing_address: { ...(orderBody().billing_address as object), postal_code: '99999' },
        }),
      );
      assertError(
        res,
        409,
        'BAD_VALUE',
        /^Not matching fields: \[order_amount, order_tax_amount, order_lines\[0\]\.unit_price, order_lines\[0\]\.total_amount, order_lines\[0\]\.total_tax_amount, billing_address\.postal_code\]$/,
      );
      assert.equal((await t.get(`/payments/v1/sessions/${sessionId}`)).json().status, 'incomplete');
      const ok = await placeOrder(token);
      assert.equal(ok.status, 200, 'the token is still usable after a refused attempt');
    });

    it('bad arithmetic in the create-order body is 400 BAD_VALUE', async () => {
      const { token } = await authorized();
      assertError(await placeOrder(token, orderRequest({ order_tax_amount: 1 })), 400, 'BAD_VALUE', /order_tax_amount/);
      assertError(await placeOrder(token, { purchase_country: 'SE' }), 400, 'BAD_VALUE');
    });

    it('the token is valid for 60 minutes of server time', async () => {
      const { token } = await authorized();
      await t.advanceClock(60 * MINUTE);
      assertError(await placeOrder(token), 404, 'NOT_FOUND', /Invalid authorization token/);
    });

    it('unknown and other merchants\' tokens answer 404 NOT_FOUND', async () => {
      const { token } = await authorized();
      assertError(await placeOrder('00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND', /Invalid authorization token/);
      assertError(await placeOrder(token, orderRequest(), OTHER_MERCHANT), 404, 'NOT_FOUND', /Invalid authorization token/);
      const cancel = await t.request({ method: 'DELETE', url: `/payments/v1/authorizations/${token}`, auth: OTHER_MERCHANT });
      assertError(cancel, 404, 'NOT_FOUND');
      assert.equal((await placeOrder(token)).status, 200, 'the other merchant changed nothing');
    });

    it('cancel authorization: 204, the token is then invalid; a used token cannot be deleted', async () => {
      const { token } = await authorized();
      const res = await t.request({ method: 'DELETE', url: `/payments/v1/authorizations/${token}` });
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assertError(await placeOrder(token), 404, 'NOT_FOUND', /Invalid authorization token/);
      assertError(await t.request({ method: 'DELETE', url: `/payments/v1/authorizations/${token}` }), 404, 'NOT_FOUND');

      const used = await authorized();
      assert.equal((await placeOrder(used.token)).status, 200);
      assertError(await t.request({ method: 'DELETE', url: `/payments/v1/authorizations/${used.token}` }), 404, 'NOT_FOUND', /cannot be deleted/);
    });

    it('a second authorization of a session whose order was placed answers SESSION_COMPLETED', async () => {
      const { sessionId, token } = await authorized();
      const second = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
      const otherToken = second.json().authorization_token as string;
      assert.notEqual(otherToken, token);
      assert.equal((await placeOrder(token)).status, 200);
      assertError(await placeOrder(otherToken), 404, 'SESSION_COMPLETED');
    });

    it('a +denied shopper in the create-order body is REJECTED (403)', async () => {
      const { token } = await authorized({}, { email: 'customer@email.se' });
      const billing = { ...(orderBody().billing_address as object), email: 'customer+denied@email.se' };
      assertError(await placeOrder(token, orderRequest({ billing_address: billing })), 403, 'REJECTED', /^Rejected$/);
      assert.equal((await placeOrder(token)).status, 200, 'the refusal placed nothing and left the token usable');
    });

    it('intent buy refuses customer tokens; tokenize refuses orders', async () => {
      const buy = await authorized();
      const tokenBody = { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', description: 'Monthly socks', intended_use: 'SUBSCRIPTION' };
      assertError(await t.post(`/payments/v1/authorizations/${buy.token}/customer-token`, tokenBody), 403, 'INVALID_OPERATION', /intent buy/);
      const tokenize = await authorized({ intent: 'tokenize' });
      assertError(await placeOrder(tokenize.token), 403, 'INVALID_OPERATION');
    });

    it('tokenize: the customer-token call answers a token (ACTIVE in the Customer Token store), completes the session, and replays', async () => {
      const { sessionId, token } = await authorized({ intent: 'tokenize', merchant_urls: { confirmation: 'https://shop.example/done/{session.id}' } }, { customer: { date_of_birth: '1970-01-01', gender: 'male' } });
      const tokenBody = { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', description: 'Monthly socks', intended_use: 'SUBSCRIPTION' };
      const res = await t.post(`/payments/v1/authorizations/${token}/customer-token`, tokenBody);
      assert.equal(res.status, 200, res.body);
      const answer = res.json();
      assert.match(answer.token_id, /^[0-9a-f-]{36}$/);
      assert.equal(answer.billing_address.country, 'SE');
      assert.deepEqual(answer.customer, { date_of_birth: '1970-01-01', gender: 'male' });
      assert.equal(answer.redirect_url, `https://shop.example/done/${sessionId}`);
      const row = await t.db.kysely.selectFrom('customer_tokens').selectAll().where('token_id', '=', answer.token_id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'ACTIVE');
      assert.equal(row.payment_method_type, 'INVOICE');
      assert.equal(row.purchase_currency, 'SEK');
      assert.equal((await t.get(`/payments/v1/sessions/${sessionId}`)).json().status, 'complete');
      const again = await t.post(`/payments/v1/authorizations/${token}/customer-token`, tokenBody);
      assert.equal(again.json().token_id, answer.token_id);
    });

    it('buy_and_tokenize: the same authorization places the order and yields a token, in either order', async () => {
      const tokenBody = { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', description: 'Subscription', intended_use: 'SUBSCRIPTION' };
      const a = await authorized({ intent: 'buy_and_tokenize' });
      assert.equal((await placeOrder(a.token)).status, 200);
      assert.equal((await t.post(`/payments/v1/authorizations/${a.token}/customer-token`, tokenBody)).status, 200);
      const b = await authorized({ intent: 'buy_and_tokenize' });
      assert.equal((await t.post(`/payments/v1/authorizations/${b.token}/customer-token`, tokenBody)).status, 200);
      assert.equal((await placeOrder(b.token)).status, 200);
    });

    it('customer-token refuses a currency that differs from the authorization (409) and a country that differs from the billing country (400)', async () => {
      const { token } = await authorized({ intent: 'tokenize' });
      const tokenBody = { purchase_country: 'SE', purchase_currency: 'EUR', locale: 'sv-SE', description: 'x', intended_use: 'SUBSCRIPTION' };
      assertError(await t.post(`/payments/v1/authorizations/${token}/customer-token`, tokenBody), 409, 'BAD_VALUE', /purchase_currency/);
      assertError(await t.post(`/payments/v1/authorizations/${token}/customer-token`, { ...tokenBody, purchase_country: 'NO', purchase_currency: 'SEK' }), 400, 'BAD_VALUE', /purchase_country/);
      assertError(await t.post(`/payments/v1/authorizations/${token}/customer-token`, { ...tokenBody, intended_use: 'OTHER' }), 400, 'BAD_VALUE');
    });

    it('+pend-accept-05: PENDING, captures refused; 5 minutes later ACCEPTED, the notification is delivered, captures work', async () => {
      const urls = { notification: `${merchant.url}/klarna/notify?order={order.id}` };
      const { token, fraudStatus } = await authorized({ merchant_urls: urls }, { email: 'customer+pend-accept-05@email.us' });
      assert.equal(fraudStatus, 'PENDING');
      const res = await placeOrder(token);
      assert.equal(res.status, 200, res.body);
      const orderId: string = res.json().order_id;
      assert.equal(res.json().fraud_status, 'PENDING');
      assert.equal((await t.getOrder(orderId)).fraud_status, 'PENDING');
      assertError(await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 100 }), 403, 'CAPTURE_NOT_ALLOWED');

      await t.advanceClock(4 * MINUTE);
      assert.equal((await t.getOrder(orderId)).fraud_status, 'PENDING');
      await t.advanceClock(MINUTE);
      assert.equal((await t.getOrder(orderId)).fraud_status, 'ACCEPTED');
      const [notification] = await merchant.waitFor(1, (r) => r.url.startsWith('/klarna/notify'));
      assert.equal(notification?.url, `/klarna/notify?order=${orderId}`);
      assert.equal(notification?.method, 'POST');
      const placedAt = (await t.getOrder(orderId)).created_at as string;
      assert.deepEqual(notification?.json(), { order_id: orderId, event_type: 'FRAUD_RISK_ACCEPTED', decided_at: minutesAfter(placedAt, 5) });
      assert.equal((await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 100 })).status, 201);

      const events = (await t.get(`/sandbox/v1/events?order_id=${orderId}`)).json().events;
      const sent = events.find((e: { type: string }) => e.type === 'callback.order.notification');
      assert.equal(sent.payload.status, 'delivered');
      assert.equal(sent.payload.attempts.length, 1);
      assert.equal(sent.payload.attempts[0].response_status, 200);
    });

    it('notification decided_at: the time of the fraud decision on the sandbox clock, not of the delivery; a retry sends the same body', async () => {
      const urls = { notification: `${merchant.url}/klarna/decided?order={order.id}` };
      const { token } = await authorized({ merchant_urls: urls }, { email: 'customer+pend-reject-07@email.us' });
      const res = await placeOrder(token);
      assert.equal(res.status, 200, res.body);
      const orderId: string = res.json().order_id;
      const placedAt = (await t.getOrder(orderId)).created_at as string;
      const isNotification = (r: { url: string }) => r.url.startsWith('/klarna/decided');
      let calls = 0;
      merchant.answer((request) => (isNotification(request) && calls++ === 0 ? { status: 500 } : { status: 200 }));
      try {
        // The order is next looked at two hours later: the decision was due after 7 minutes.
        await t.advanceClock(2 * 60 * MINUTE);
        assert.equal((await t.getOrder(orderId)).fraud_status, 'REJECTED');
        await t.advanceClock(MINUTE); // the policy's first retry
        const [first, retry] = await merchant.waitFor(2, isNotification);
        const expected = { order_id: orderId, event_type: 'FRAUD_RISK_REJECTED', decided_at: minutesAfter(placedAt, 7) };
        assert.deepEqual(first?.json(), expected);
        assert.deepEqual(retry?.json(), expected, 'the retry carries the same decision time');
        assert.match(expected.decided_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      } finally {
        merchant.answer({ status: 200 });
      }
    });

    it('+pend-reject-01: REJECTED after a minute, the order is cancelled and the merchant told', async () => {
      const urls = { notification: `${merchant.url}/reject-hook/{order.id}` };
      const { token } = await authorized({ merchant_urls: urls }, { email: 'customer+pend-reject-01@email.us' });
      const orderId: string = (await placeOrder(token)).json().order_id;
      await t.advanceClock(MINUTE);
      const order = await t.getOrder(orderId);
      assert.equal(order.fraud_status, 'REJECTED');
      assert.equal(order.status, 'CANCELLED');
      const [notification] = await merchant.waitFor(1, (r) => r.url === `/reject-hook/${orderId}`);
      assert.equal(notification?.json().event_type, 'FRAUD_RISK_REJECTED');
    });

    it('a due decision is applied by the next write even before any sweep', async () => {
      const { token } = await authorized({}, { email: 'customer+pend-accept-00@email.us' });
      const orderId: string = (await placeOrder(token)).json().order_id;
      // Due at once (00 minutes): the capture itself applies the decision first.
      const capture = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 500 });
      assert.equal(capture.status, 201, capture.body);
      assert.equal((await t.getOrder(orderId)).fraud_status, 'ACCEPTED');
    });
  });
}
