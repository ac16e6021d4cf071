/**
 * The consumer's actions on the hosted page, through the sandbox's routes
 * `POST /sandbox/v1/hpp/sessions/{id}/open|approve|decline|back|cancel` (behaviour reference §5.2,
 * §5.4): every transition of the status table, the test e-mails, place_order_mode, where the page
 * sends the consumer after each outcome (the merchant's URL with its placeholders filled), the
 * merchant's category restriction, and a Checkout order completed through its page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { merchantUrls } from '../checkout/helpers.js';
import { CHECKOUT_SHOPPER, SHOP, consumer, consumerRaw, hpp, hppForCheckout, hppForPayments, hppRows, readHpp } from './api-helpers.js';
import type { ConsumerActionName, ConsumerAnswer } from './api-helpers.js';

const ACTIONS: ConsumerActionName[] = ['open', 'approve', 'decline', 'back', 'cancel'];

/** Every merchant URL, each naming its outcome and carrying every placeholder. */
const ALL_URLS = {
  success: 'https://shop.example/success?sid={{session_id}}&token={{authorization_token}}&order={{order_id}}',
  failure: 'https://shop.example/failure?sid={{session_id}}&token={{authorization_token}}',
  error: 'https://shop.example/error/{{session_id}}',
  back: 'https://shop.example/back?sid={{session_id}}',
  cancel: 'https://shop.example/cancel?sid={{session_id}}&order={{order_id}}',
};

for (const dialect of await availableDialects()) {
  describe(`hpp consumer actions on a Payments session (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    /** The action's answer: its status, and the session exactly as the merchant now reads it. */
    async function act(id: string, action: ConsumerActionName, body?: Record<string, unknown>): Promise<ConsumerAnswer> {
      const answer = await consumer(t, id, action, body);
      assert.deepEqual(answer.session, await readHpp(t, id), `${action}: the answer's session is the read`);
      assert.equal(answer.status, answer.session.status);
      return answer;
    }

    it('open: WAITING → IN_PROGRESS (no landing URL); opening an open page changes nothing', async () => {
      const { session_id } = await hppForPayments(t, { merchant_urls: ALL_URLS });
      const opened = await act(session_id, 'open');
      assert.equal(opened.status, 'IN_PROGRESS');
      assert.equal(opened.redirect_url, null);
      const rows = await hppRows(t);
      await t.advanceClock(30);
      const again = await act(session_id, 'open');
      assert.equal(again.status, 'IN_PROGRESS');
      assert.equal(again.session.updated_at, opened.session.updated_at);
      assert.deepEqual(await hppRows(t), rows);
    });

    it('decline → FAILED, back → BACK, cancel → CANCELLED, from WAITING (the page opens first) and from IN_PROGRESS', async () => {
      const outcomes: [ConsumerActionName, string][] = [
        ['decline', 'FAILED'],
        ['back', 'BACK'],
        ['cancel', 'CANCELLED'],
      ];
      for (const [action, status] of outcomes) {
        for (const opened of [false, true]) {
          const { session_id } = await hppForPayments(t);
          if (opened) await act(session_id, 'open');
          assert.equal((await act(session_id, action)).status, status, `${action} (opened first: ${opened})`);
        }
      }
    });

    it('FAILED, BACK and ERROR can be retried: opening again is IN_PROGRESS, approving again completes', async () => {
      for (const ending of ['decline', 'back'] as const) {
        const reopened = await hppForPayments(t);
        await act(reopened.session_id, ending);
        assert.equal((await act(reopened.session_id, 'open')).status, 'IN_PROGRESS');
        assert.equal((await act(reopened.session_id, 'back')).status, 'BACK');
        assert.equal((await act(reopened.session_id, 'decline')).status, 'FAILED');

        const retried = await hppForPayments(t);
        await act(retried.session_id, ending);
        const approved = await act(retried.session_id, 'approve', { email: 'customer@email.se' });
        assert.equal(approved.status, 'COMPLETED');
        assert.ok(approved.session.authorization_token);
      }
    });

    it('CANCELLED and COMPLETED are final: every action is 403 NOT_ALLOWED and changes nothing', async () => {
      const cancelled = await hppForPayments(t);
      await act(cancelled.session_id, 'cancel');
      const completed = await hppForPayments(t);
      await act(completed.session_id, 'approve', {});
      const rows = await hppRows(t);
      for (const [id, status] of [
        [cancelled.session_id, 'CANCELLED'],
        [completed.session_id, 'COMPLETED'],
      ] as const) {
        for (const action of ACTIONS) {
          const res = await consumerRaw(t, id, action, action === 'approve' ? {} : undefined);
          assertError(res, 403, 'NOT_ALLOWED');
          assert.deepEqual(res.json().error_messages, [`The HPP session is ${status}: the consumer can no longer act on it`], `${status} ${action}`);
        }
      }
      assert.deepEqual(await hppRows(t), rows);
      // The completed session's Payments session was authorized once only.
      const tokens = await t.db.kysely.selectFrom('payment_authorizations').select('authorization_token').where('session_id', '=', completed.payment_id).execute();
      assert.equal(tokens.length, 1);
    });

    it('the test e-mails: customer@email.se approves, customer+denied@… declines (FAILED, nothing authorized) and may then retry', async () => {
      const created = await hppForPayments(t, { merchant_urls: ALL_URLS });
      const denied = await act(created.session_id, 'approve', { email: 'customer+denied@email.se' });
      assert.equal(denied.status, 'FAILED');
      assert.equal(denied.session.authorization_token, undefined);
      assert.equal(denied.redirect_url, `https://shop.example/failure?sid=${created.session_id}&token={{authorization_token}}`, 'the token only on success');
      const payment = (await t.get(`/payments/v1/sessions/${created.payment_id}`)).json();
      assert.equal(payment.authorization_token, undefined);
      assert.equal(payment.status, 'incomplete');

      const approved = await act(created.session_id, 'approve', { email: 'customer@email.se' });
      assert.equal(approved.status, 'COMPLETED');
      const token = approved.session.authorization_token;
      assert.ok(token);
      assert.equal(approved.redirect_url, `https://shop.example/success?sid=${created.session_id}&token=${token}&order={{order_id}}`);
      assert.equal((await t.get(`/payments/v1/sessions/${created.payment_id}`)).json().authorization_token, token);
    });

    it('customer+pend-accept-05@…: COMPLETED with a PENDING order; with CAPTURE_ORDER the pending order is not captured', async () => {
      const placed = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      const placing = await act(placed.session_id, 'approve', { email: 'customer+pend-accept-05@email.se' });
      assert.equal(placing.status, 'COMPLETED');
      assert.ok(placing.session.order_id);
      const pending = await t.getOrder(placing.session.order_id);
      assert.equal(pending.fraud_status, 'PENDING');
      assert.equal(pending.status, 'AUTHORIZED');

      const captured = await hppForPayments(t, { options: { place_order_mode: 'CAPTURE_ORDER' } });
      const capturing = await act(captured.session_id, 'approve', { email: 'customer+pend-accept-05@email.se' });
      assert.equal(capturing.status, 'COMPLETED');
      const order = await t.getOrder(capturing.session.order_id as string);
      assert.equal(order.fraud_status, 'PENDING');
      assert.equal(order.status, 'AUTHORIZED', 'a pending order is not captured');
      assert.equal(order.captured_amount, 0);
      assert.deepEqual(order.captures, []);
    });

    it('place_order_mode: NONE gives the token, PLACE_ORDER an AUTHORIZED order, CAPTURE_ORDER a CAPTURED one; {{order_id}} filled in the success URL', async () => {
      const none = await hppForPayments(t, { merchant_urls: ALL_URLS });
      const tokenOnly = await act(none.session_id, 'approve', {});
      assert.ok(tokenOnly.session.authorization_token);
      assert.equal(tokenOnly.session.order_id, undefined);
      const orders = await t.db.kysely.selectFrom('payment_authorizations').select('order_id').where('session_id', '=', none.payment_id).execute();
      assert.deepEqual(orders, [{ order_id: null }], 'no order without place_order_mode');

      for (const [mode, status] of [
        ['PLACE_ORDER', 'AUTHORIZED'],
        ['CAPTURE_ORDER', 'CAPTURED'],
      ] as const) {
        const created = await hppForPayments(t, { merchant_urls: ALL_URLS, options: { place_order_mode: mode } });
        const answer = await act(created.session_id, 'approve', { email: 'customer@email.se' });
        assert.equal(answer.status, 'COMPLETED');
        const orderId = answer.session.order_id as string;
        assert.ok(orderId);
        assert.equal(answer.session.authorization_token, undefined);
        assert.equal(answer.redirect_url, `https://shop.example/success?sid=${created.session_id}&token={{authorization_token}}&order=${orderId}`);
        const order = await t.getOrder(orderId);
        assert.equal(order.status, status, mode);
        assert.equal(order.order_amount, 12500);
        assert.equal(order.klarna_reference, answer.session.klarna_reference);
        assert.equal(order.billing_address.email, 'customer@email.se');
        assert.equal((await t.get(`/payments/v1/sessions/${created.payment_id}`)).json().status, 'complete');
      }
    });

    it('a tokenize session completes with the authorization token, whatever place_order_mode says (no order can be placed for it)', async () => {
      for (const mode of ['PLACE_ORDER', 'CAPTURE_ORDER'] as const) {
        const created = await hppForPayments(t, { merchant_urls: ALL_URLS, options: { place_order_mode: mode } }, { intent: 'tokenize' });
        const answer = await act(created.session_id, 'approve', {});
        assert.equal(answer.status, 'COMPLETED', mode);
        assert.ok(answer.session.authorization_token, mode);
        assert.equal(answer.session.order_id, undefined, mode);
        assert.equal(answer.redirect_url, `https://shop.example/success?sid=${created.session_id}&token=${answer.session.authorization_token}&order={{order_id}}`);
        // The token is the one a customer token is made from.
        const token = await t.post(`/payments/v1/authorizations/${answer.session.authorization_token}/customer-token`, { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', description: 'Subscription', intended_use: 'SUBSCRIPTION' });
        assert.equal(token.status, 200, token.body);
      }
      // buy_and_tokenize places the order as asked.
      const both = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } }, { intent: 'buy_and_tokenize' });
      assert.ok((await act(both.session_id, 'approve', {})).session.order_id);
    });

    it('where the consumer lands: each outcome its URL, the error URL falling back to failure, no URL at all → null', async () => {
      const back = await hppForPayments(t, { merchant_urls: ALL_URLS });
      assert.equal((await act(back.session_id, 'back')).redirect_url, `https://shop.example/back?sid=${back.session_id}`);
      const cancel = await hppForPayments(t, { merchant_urls: ALL_URLS });
      assert.equal((await act(cancel.session_id, 'cancel')).redirect_url, `https://shop.example/cancel?sid=${cancel.session_id}&order={{order_id}}`);
      const decline = await hppForPayments(t, { merchant_urls: ALL_URLS });
      assert.equal((await act(decline.session_id, 'decline')).redirect_url, `https://shop.example/failure?sid=${decline.session_id}&token={{authorization_token}}`);

      const bare = await hppForPayments(t);
      for (const action of ['open', 'back', 'decline'] as const) assert.equal((await act(bare.session_id, action)).redirect_url, null, action);
      assert.equal((await act(bare.session_id, 'approve', {})).redirect_url, null);
      const bareCancel = await hppForPayments(t, { merchant_urls: { success: ALL_URLS.success } });
      assert.equal((await act(bareCancel.session_id, 'cancel')).redirect_url, null);
    });

    it('approve with a category the merchant did not offer is 400 naming payment_method_category; the page stays open', async () => {
      // The merchant's account offers pay_later and pay_now; the HPP session restricts to PAY_LATER.
      assert.equal((await t.patch('/sandbox/v1/settings', { payment_method_categories: ['pay_later', 'pay_now'] })).status, 200);
      try {
        const restricted = await hppForPayments(t, { options: { payment_method_category: 'PAY_LATER' } });
        const before = await hppRows(t);
        for (const category of ['pay_now', 'PAY_NOW', 'klarna', 'direct_debit', 'nonsense']) {
          const res = await consumerRaw(t, restricted.session_id, 'approve', { payment_method_category: category });
          assertError(res, 400, 'BAD_VALUE');
          assert.deepEqual(res.json().error_messages, ['Bad value: payment_method_category'], category);
        }
        assert.equal((await readHpp(t, restricted.session_id)).status, 'IN_PROGRESS', 'the first try opened the page; the refusals changed nothing else');
        const afterRefusals = (await hppRows(t)) as { session_id: string }[];
        assert.equal(afterRefusals.length, (before as unknown[]).length);
        assert.equal((await t.get(`/payments/v1/sessions/${restricted.payment_id}`)).json().authorization_token, undefined);
        // The offered category in HPP's spelling is accepted; without one the first offered is used.
        const approved = await act(restricted.session_id, 'approve', { payment_method_category: 'PAY_LATER' });
        assert.equal(approved.status, 'COMPLETED');

        const list = await hppForPayments(t, { options: { payment_method_categories: ['PAY_NOW', 'DIRECT_DEBIT'], place_order_mode: 'PLACE_ORDER' } });
        assertError(await consumerRaw(t, list.session_id, 'approve', { payment_method_category: 'pay_later' }), 400, 'BAD_VALUE', /payment_method_category/);
        const byCard = await act(list.session_id, 'approve', {});
        const order = await t.getOrder(byCard.session.order_id as string);
        assert.equal(order.initial_payment_method.type, 'CARD', 'the only offered category, pay_now, was used');

        // A restriction to nothing the account offers leaves nothing to approve with.
        const nothing = await hppForPayments(t, { options: { payment_method_categories: ['DIRECT_BANK_TRANSFER'] } });
        assertError(await consumerRaw(t, nothing.session_id, 'approve', {}), 400, 'BAD_VALUE', /payment_method_category/);
      } finally {
        assert.equal((await t.patch('/sandbox/v1/settings', { payment_method_categories: ['klarna'] })).status, 200);
      }
    });

    it('the consumer gives details on approval: they are authorized and read back as the customer', async () => {
      const created = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      const answer = await act(created.session_id, 'approve', {
        email: 'customer@email.se',
        billing_address: { title: 'Ms', given_name: 'Anna', family_name: 'Andersson', email: 'customer@email.se', street_address: 'Storgatan 2', postal_code: '11122', city: 'Stockholm', country: 'SE' },
        customer: { date_of_birth: '1990-05-17' },
      });
      assert.deepEqual(answer.session.customer, { given_name: 'Anna', family_name: 'Andersson', title: 'Ms', date_of_birth: '1990-05-17' });
      const order = await t.getOrder(answer.session.order_id as string);
      assert.equal(order.billing_address.given_name, 'Anna');
      assert.equal(order.billing_address.city, 'Stockholm');
    });

    it('an unknown session is 404 for every action', async () => {
      for (const action of ACTIONS) assertError(await consumerRaw(t, '00000000-0000-4000-8000-000000000000', action, action === 'approve' ? {} : undefined), 404, 'NOT_FOUND');
    });
  });

  describe(`hpp consumer actions on a Checkout order (${dialect})`, () => {
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

    it('approve with the billing details completes the Checkout order: the OM order has its id, the session is COMPLETED with order_id', async () => {
      const created = await hppForCheckout(t, { merchant_urls: ALL_URLS });
      const answer = await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(answer.status, 'COMPLETED', JSON.stringify(answer));
      assert.equal(answer.session.order_id, created.payment_id);
      assert.equal(answer.session.authorization_token, undefined);
      assert.deepEqual(answer.session, await readHpp(t, created.session_id));
      assert.equal(answer.redirect_url, `https://shop.example/success?sid=${created.session_id}&token={{authorization_token}}&order=${created.payment_id}`);

      const checkout = await t.get(`/checkout/v3/orders/${created.payment_id}`);
      assert.equal(checkout.json().status, 'checkout_complete');
      assert.equal(checkout.json().billing_address.email, 'customer@email.se');
      const order = await t.getOrder(created.payment_id);
      assert.equal(order.order_id, created.payment_id);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.klarna_reference, answer.session.klarna_reference);
      assert.equal(order.order_amount, 12500);
    });

    it('with CAPTURE_ORDER the completed order is captured in full', async () => {
      const created = await hppForCheckout(t, { options: { place_order_mode: 'CAPTURE_ORDER' } });
      const answer = await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(answer.status, 'COMPLETED');
      const order = await t.getOrder(created.payment_id);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.captured_amount, 12500);
    });

    it('missing billing details are 400 BAD_VALUE naming them; the session stays IN_PROGRESS and the order incomplete', async () => {
      const created = await hppForCheckout(t);
      const res = await consumerRaw(t, created.session_id, 'approve', { email: 'customer@email.se', billing_address: { given_name: 'Testperson-se', country: 'SE' } });
      assertError(res, 400, 'BAD_VALUE');
      const messages: string[] = res.json().error_messages;
      for (const field of ['family_name', 'street_address', 'postal_code', 'city']) assert.ok(messages.some((m) => m.includes(`billing_address.${field}`)), `${field} in ${messages.join(', ')}`);
      assert.equal((await readHpp(t, created.session_id)).status, 'IN_PROGRESS');
      assert.equal((await t.get(`/checkout/v3/orders/${created.payment_id}`)).json().status, 'checkout_incomplete');
      assert.equal((await t.db.kysely.selectFrom('orders').select('order_id').where('order_id', '=', created.payment_id).execute()).length, 0);
      // With the details the same page completes.
      assert.equal((await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER)).status, 'COMPLETED');
    });

    it('a customer+denied@… e-mail is FAILED (the failure URL), the order stays incomplete, and the consumer can retry', async () => {
      const created = await hppForCheckout(t, { merchant_urls: ALL_URLS });
      const denied = await consumer(t, created.session_id, 'approve', { email: 'customer+denied@email.se', billing_address: { ...CHECKOUT_SHOPPER.billing_address, email: 'customer+denied@email.se' } });
      assert.equal(denied.status, 'FAILED');
      assert.equal(denied.redirect_url, `https://shop.example/failure?sid=${created.session_id}&token={{authorization_token}}`);
      assert.equal((await t.get(`/checkout/v3/orders/${created.payment_id}`)).json().status, 'checkout_incomplete');
      const approved = await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(approved.status, 'COMPLETED');
    });

    it("the merchant's validation refusing is ERROR (the error URL, else the failure URL), which can be retried", async () => {
      merchant.answer({ status: 400, body: JSON.stringify({ error_type: 'address_error', error_text: 'We do not ship there' }) });
      const urls = merchantUrls(SHOP, { validation: `${merchant.url}/validate?id={checkout.order.id}` });
      const withError = await hppForCheckout(t, { merchant_urls: ALL_URLS }, { merchant_urls: urls });
      const refused = await consumer(t, withError.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(refused.status, 'ERROR');
      assert.equal(refused.redirect_url, `https://shop.example/error/${withError.session_id}`);
      const { error: _error, ...noErrorUrl } = ALL_URLS;
      const fallback = await hppForCheckout(t, { merchant_urls: noErrorUrl }, { merchant_urls: urls });
      const refusedAgain = await consumer(t, fallback.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(refusedAgain.status, 'ERROR');
      assert.equal(refusedAgain.redirect_url, `https://shop.example/failure?sid=${fallback.session_id}&token={{authorization_token}}`);
      assert.equal((await t.get(`/checkout/v3/orders/${withError.payment_id}`)).json().status, 'checkout_incomplete');

      // ERROR is retried: the page opens again, and once the merchant accepts the purchase completes.
      assert.equal((await consumer(t, withError.session_id, 'open')).status, 'IN_PROGRESS');
      merchant.answer({ status: 200 });
      const approved = await consumer(t, withError.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(approved.status, 'COMPLETED');
      assert.equal((await t.get(`/checkout/v3/orders/${withError.payment_id}`)).json().status, 'checkout_complete');
      const calls = merchant.received.filter((r) => r.url === `/validate?id=${withError.payment_id}`);
      assert.equal(calls.length, 2, 'the merchant validated both attempts');
    });

    it('decline, back and cancel on a Checkout order leave the order incomplete', async () => {
      for (const [action, status] of [
        ['decline', 'FAILED'],
        ['back', 'BACK'],
        ['cancel', 'CANCELLED'],
      ] as const) {
        const created = await hppForCheckout(t);
        assert.equal((await consumer(t, created.session_id, action)).status, status);
        assert.equal((await t.get(`/checkout/v3/orders/${created.payment_id}`)).json().status, 'checkout_incomplete');
      }
    });

    it('the category restriction does not apply to a Checkout order', async () => {
      const created = await hppForCheckout(t, { options: { payment_method_categories: ['DIRECT_DEBIT'] } });
      assert.equal((await consumer(t, created.session_id, 'approve', CHECKOUT_SHOPPER)).status, 'COMPLETED');
    });

    it('a Checkout order aborted while the page is open ends the session: the next action is 404', async () => {
      const created = await hppForCheckout(t);
      await consumer(t, created.session_id, 'open');
      assert.equal((await t.post(`/checkout/v3/orders/${created.payment_id}/abort`, undefined)).status, 200);
      for (const action of ACTIONS) assertError(await consumerRaw(t, created.session_id, action, action === 'approve' ? CHECKOUT_SHOPPER : undefined), 404, 'NOT_FOUND');
      assertError(await t.get(hpp(created.session_id)), 404, 'NOT_FOUND');
    });
  });
}
