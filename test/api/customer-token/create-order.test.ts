/**
 * POST /customer-token/v1/tokens/{customerToken}/order (§4): the order it creates in Order
 * Management, auto_capture, Klarna's arithmetic, the token's refusals and the shopper's test data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, om } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { SE_BILLING, SE_LINES, US_BILLING, createToken, orderCount, setSandboxStatus, tokenOrderBody, tokenPath, usTokenOrderBody } from './tokens.js';

const UNKNOWN_TOKEN = '00000000-0000-4000-8000-000000000000';

for (const dialect of await availableDialects()) {
  describe(`customer token orders (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const placeOrder = (tokenId: string, body: Record<string, unknown> = tokenOrderBody(), extra = {}): Promise<TestResponse> =>
      t.post(tokenPath(tokenId, '/order'), body, extra);

    /** Places an order that must be refused; checks that no order was stored and returns the messages. */
    async function refused(tokenId: string, body: Record<string, unknown>, status: number, code: string): Promise<string[]> {
      const before = await orderCount(t);
      const messages = assertError(await placeOrder(tokenId, body), status, code);
      assert.equal(await orderCount(t), before, 'a refused token order stores no order');
      return messages;
    }

    it('creates an AUTHORIZED Order Management order with the body’s lines and amounts and the token’s shopper', async () => {
      const token = await createToken(t, { shipping_address: undefined });
      const res = await placeOrder(token.token_id);
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const created = res.json();
      assert.match(created.order_id, /^[0-9a-f-]{36}$/);
      assert.equal(created.fraud_status, 'ACCEPTED');
      assert.deepEqual(created.authorized_payment_method, { type: 'invoice', number_of_days: 30 });
      assert.equal(created.redirect_url, `${PUBLIC_URL}/ordermanagement/v1/orders/${created.order_id}`, 'without a confirmation URL it names the order');

      const order = await t.getOrder(created.order_id);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.fraud_status, 'ACCEPTED');
      assert.equal(order.order_amount, 12500);
      assert.equal(order.original_order_amount, 12500);
      assert.equal(order.remaining_authorized_amount, 12500);
      assert.equal(order.captured_amount, 0);
      assert.deepEqual(order.captures, []);
      assert.deepEqual(order.order_lines, SE_LINES);
      assert.equal(order.purchase_currency, 'SEK');
      assert.equal(order.purchase_country.toUpperCase(), 'SE');
      assert.equal(order.locale, 'sv-SE', "the token's locale");
      assert.equal(order.merchant_reference1, 'SUB-2026-11');
      assert.equal(order.merchant_reference2, 'customer-42');
      assert.equal(order.merchant_data, '{"plan":"monthly"}');
      assert.deepEqual(order.billing_address, SE_BILLING);
      assert.deepEqual(order.shipping_address, SE_BILLING, 'no shipping address anywhere: the billing address');
      assert.equal(order.initial_payment_method.type, 'INVOICE');

      // The sandbox timeline links the order to its token.
      const events = await t.get(`/sandbox/v1/events?order_id=${created.order_id}`);
      const linked = events.json().events.find((e: { type: string }) => e.type === 'customer_token.order_created');
      assert.equal(linked?.payload.token_id, token.token_id);
    });

    it("takes the shipping address and locale from the body, else the token's shipping address; redirect_url is the confirmation URL with {order.id}", async () => {
      const tokenShipping = { ...SE_BILLING, street_address: 'Lagret 9', given_name: 'Token' };
      const token = await createToken(t, { shipping_address: tokenShipping });

      const bodyShipping = { ...SE_BILLING, street_address: 'Kontoret 3', given_name: 'Body' };
      const res = await placeOrder(
        token.token_id,
        tokenOrderBody({
          shipping_address: bodyShipping,
          locale: 'en-SE',
          merchant_urls: { confirmation: 'https://shop.example/thanks?order={order.id}&x=1', push: 'https://shop.example/push/{order.id}' },
        }),
      );
      assert.equal(res.status, 200, res.body);
      const { order_id } = res.json();
      assert.equal(res.json().redirect_url, `https://shop.example/thanks?order=${order_id}&x=1`);
      const order = await t.getOrder(order_id);
      assert.deepEqual(order.shipping_address, bodyShipping);
      assert.deepEqual(order.billing_address, SE_BILLING);
      assert.equal(order.locale, 'en-SE');

      const fallback = await placeOrder(token.token_id);
      assert.equal(fallback.status, 200, fallback.body);
      assert.deepEqual((await t.getOrder(fallback.json().order_id)).shipping_address, tokenShipping);
    });

    it("the order's initial_payment_method follows the token's payment method type", async () => {
      const expected: Record<string, { initial: Record<string, unknown>; authorized: Record<string, unknown> | undefined }> = {
        CARD: { initial: { type: 'CARD' }, authorized: { type: 'card' } },
        DIRECT_DEBIT: { initial: { type: 'DIRECT_DEBIT' }, authorized: { type: 'direct_debit' } },
        SLICE_IT_BY_CARD: { initial: { type: 'FIXED_AMOUNT_BY_CARD', number_of_installments: 3 }, authorized: { type: 'slice_it_by_card', number_of_installments: 3 } },
        OTHER: { initial: { type: 'OTHER' }, authorized: undefined },
      };
      for (const [type, { initial, authorized }] of Object.entries(expected)) {
        const token = await createToken(t, { payment_method_type: type });
        const res = await placeOrder(token.token_id);
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(res.json().authorized_payment_method, authorized, type);
        const order = await t.getOrder(res.json().order_id);
        for (const [field, value] of Object.entries(initial)) assert.equal(order.initial_payment_method[field], value, `${type} ${field}`);
      }
    });

    it('auto_capture: true captures the whole order at once: CAPTURED with one capture of every line', async () => {
      const token = await createToken(t);
      const res = await placeOrder(token.token_id, tokenOrderBody({ auto_capture: true }));
      assert.equal(res.status, 200, res.body);
      const order = await t.getOrder(res.json().order_id);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.captured_amount, 12500);
      assert.equal(order.remaining_authorized_amount, 0);
      assert.equal(order.captures.length, 1);
      assert.equal(order.captures[0].captured_amount, 12500);
      assert.deepEqual(order.captures[0].order_lines, SE_LINES);

      const manual = await placeOrder(token.token_id, tokenOrderBody({ auto_capture: false }));
      assert.equal((await t.getOrder(manual.json().order_id)).status, 'AUTHORIZED');
    });

    it("Klarna's arithmetic, the locale and merchant URLs: 400 BAD_VALUE naming every offending field, and no order", async () => {
      const token = await createToken(t);
      const [tshirt, shipping] = SE_LINES as unknown as [Record<string, unknown>, Record<string, unknown>];

      assert.deepEqual(await refused(token.token_id, tokenOrderBody({ order_amount: 12000 }), 400, 'BAD_VALUE'), ['Bad value: order_amount']);
      assert.deepEqual(await refused(token.token_id, tokenOrderBody({ order_tax_amount: 4000 }), 400, 'BAD_VALUE'), ['Bad value: order_tax_amount']);

      const badTotal = [{ ...tshirt, total_amount: 9000, total_tax_amount: 1800 }, shipping];
      const totalMessages = await refused(token.token_id, tokenOrderBody({ order_lines: badTotal, order_amount: 11500, order_tax_amount: 2300 }), 400, 'BAD_VALUE');
      assert.deepEqual(totalMessages, ['Bad value: order_lines[0].total_amount']);

      const badTax = [tshirt, { ...shipping, total_tax_amount: 900 }];
      const taxMessages = await refused(token.token_id, tokenOrderBody({ order_lines: badTax, order_amount: 13000 }), 400, 'BAD_VALUE');
      assert.deepEqual(taxMessages, ['Bad value: order_lines[1].total_tax_amount', 'Bad value: order_amount', 'Bad value: order_tax_amount']);

      assert.deepEqual(await refused(token.token_id, tokenOrderBody({ locale: 'not a locale' }), 400, 'BAD_VALUE'), ['Bad value: locale']);
      const urls = { confirmation: 'thanks.html', notification: 'ftp://shop.example/notify', push: 'https://shop.example/push/{order.id}' };
      assert.deepEqual(await refused(token.token_id, tokenOrderBody({ merchant_urls: urls }), 400, 'BAD_VALUE'), [
        'Bad value: merchant_urls.confirmation',
        'Bad value: merchant_urls.notification',
      ]);
    });

    it('schema violations answer 400 BAD_VALUE naming the field, before anything is stored', async () => {
      const token = await createToken(t);
      const cases: [Record<string, unknown>, string][] = [
        [tokenOrderBody({ order_amount: 0 }), 'order_amount'],
        [tokenOrderBody({ order_amount: '12500' }), 'order_amount'],
        [{ ...tokenOrderBody(), purchase_currency: undefined }, 'purchase_currency is required'],
        [tokenOrderBody({ purchase_currency: 'KRONA' }), 'purchase_currency'],
        [tokenOrderBody({ order_lines: [] }), 'order_lines must have at least 1 items'],
        [tokenOrderBody({ order_lines: [{ ...SE_LINES[0], name: '' }] }), 'order_lines[0].name'],
        [tokenOrderBody({ order_lines: [{ ...SE_LINES[0], type: 'return_fee' }] }), 'order_lines[0].type'],
        [tokenOrderBody({ merchant_urls: { push: 'https://shop.example/push' } }), 'merchant_urls.confirmation is required'],
        [tokenOrderBody({ auto_capture: 'yes' }), 'auto_capture'],
        [tokenOrderBody({ merchant_reference1: 'r'.repeat(256) }), 'merchant_reference1'],
      ];
      for (const [body, fragment] of cases) {
        const messages = await refused(token.token_id, body, 400, 'BAD_VALUE');
        assert.ok(messages.some((m) => m.includes(fragment)), `${fragment}: ${messages.join(' | ')}`);
      }
    });

    it("a purchase_currency other than the token's is 403 PAYMENT_METHOD_CURRENCY_MISMATCH; its case does not matter", async () => {
      const token = await createToken(t);
      const messages = await refused(token.token_id, tokenOrderBody({ purchase_currency: 'EUR' }), 403, 'PAYMENT_METHOD_CURRENCY_MISMATCH');
      assert.ok(messages[0]?.includes('EUR') && messages[0].includes('SEK'), messages.join(' | '));

      const lower = await placeOrder(token.token_id, tokenOrderBody({ purchase_currency: 'sek' }));
      assert.equal(lower.status, 200, lower.body);
      assert.equal((await t.getOrder(lower.json().order_id)).purchase_currency, 'SEK');
    });

    it("a purchase_country other than the token's is 409 BAD_VALUE \"Not matching fields: [purchase_country]\"", async () => {
      const token = await createToken(t);
      const messages = await refused(token.token_id, tokenOrderBody({ purchase_country: 'NO' }), 409, 'BAD_VALUE');
      assert.deepEqual(messages, ['Not matching fields: [purchase_country]']);
      const same = await placeOrder(token.token_id, tokenOrderBody({ purchase_country: 'se' }));
      assert.equal(same.status, 200, same.body);
    });

    it('a suspended token is refused with 403 TOKEN_SUSPENDED until reinstated; a cancelled one with 403 TOKEN_CANCELLED for good', async () => {
      const token = await createToken(t);
      await setSandboxStatus(t, token.token_id, 'SUSPENDED');
      const suspended = await refused(token.token_id, tokenOrderBody(), 403, 'TOKEN_SUSPENDED');
      assert.equal(suspended.length, 1);

      await setSandboxStatus(t, token.token_id, 'ACTIVE');
      assert.equal((await placeOrder(token.token_id)).status, 200);

      await setSandboxStatus(t, token.token_id, 'CANCELLED');
      await refused(token.token_id, tokenOrderBody(), 403, 'TOKEN_CANCELLED');
    });

    it("an unknown token and another merchant's token are both 404 TOKEN_NOT_FOUND, alike", async () => {
      const theirs = await createToken(t, {}, OTHER_MERCHANT);
      const unknown = await refused(UNKNOWN_TOKEN, tokenOrderBody(), 404, 'TOKEN_NOT_FOUND');
      const foreign = await refused(theirs.token_id, tokenOrderBody(), 404, 'TOKEN_NOT_FOUND');
      assert.deepEqual(foreign, unknown);
      // The owner can charge it.
      assert.equal((await placeOrder(theirs.token_id, tokenOrderBody(), { auth: OTHER_MERCHANT })).status, 200);
    });

    it('test data: a `+denied` shopper is 403 PAYMENT_METHOD_FAILED, a `+red` one 403 UNAVAILABLE_PAYMENT_METHOD', async () => {
      const denied = await createToken(t, { email: 'customer+denied@email.se', billing_address: { ...SE_BILLING, email: 'customer+denied@email.se' } });
      await refused(denied.token_id, tokenOrderBody(), 403, 'PAYMENT_METHOD_FAILED');
      const red = await createToken(t, { email: 'customer+red@email.se', billing_address: { ...SE_BILLING, email: undefined } });
      assert.equal(red.billing_address.email, 'customer+red@email.se', 'the e-mail fills in the billing address');
      await refused(red.token_id, tokenOrderBody(), 403, 'UNAVAILABLE_PAYMENT_METHOD');
    });
  });

  // Its own database: the clock moves.
  describe(`customer token orders with a pending fraud decision (${dialect})`, () => {
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

    const usToken = (email: string) => createToken(t, { purchase_country: 'US', purchase_currency: 'USD', locale: 'en-US', email, billing_address: US_BILLING });
    const merchantUrls = () => ({ confirmation: 'https://shop.example/thanks', notification: `${merchant.url}/klarna/notify?order={order.id}` });

    it('`+pend-accept-05`: PENDING, not captured even with auto_capture; ACCEPTED five minutes later, with a notification', async () => {
      const token = await usToken('customer+pend-accept-05@email.us');
      const res = await t.post(tokenPath(token.token_id, '/order'), usTokenOrderBody({ auto_capture: true, merchant_urls: merchantUrls() }));
      assert.equal(res.status, 200, res.body);
      const { order_id, fraud_status } = res.json();
      assert.equal(fraud_status, 'PENDING');
      let order = await t.getOrder(order_id);
      assert.equal(order.fraud_status, 'PENDING');
      assert.equal(order.status, 'AUTHORIZED', 'auto_capture waits for the fraud decision');
      assert.deepEqual(order.captures, []);
      assert.equal(order.purchase_currency, 'USD');

      await t.advanceClock(240);
      assert.equal((await t.getOrder(order_id)).fraud_status, 'PENDING', 'still pending after four minutes');

      await t.advanceClock(61);
      order = await t.getOrder(order_id);
      assert.equal(order.fraud_status, 'ACCEPTED');
      assert.equal(order.status, 'AUTHORIZED');
      const [notification] = await merchant.waitFor(1, (r) => r.url.includes(order_id));
      assert.equal(notification?.method, 'POST');
      assert.equal(notification?.url, `/klarna/notify?order=${order_id}`);
      // The decision time: the order's creation plus the shopper's 5 minutes, on the sandbox clock.
      const decidedAt = new Date(Date.parse(order.created_at) + 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      assert.deepEqual(notification?.json(), { order_id, event_type: 'FRAUD_RISK_ACCEPTED', decided_at: decidedAt });

      // Now it can be captured.
      const capture = await t.post(om(order_id, '/captures'), { captured_amount: 10875 });
      assert.equal(capture.status, 201, capture.body);
    });

    it('`+pend-reject-01`: PENDING, then REJECTED a minute later and the authorization cancelled', async () => {
      const token = await usToken('customer+pend-reject-01@email.us');
      const res = await t.post(tokenPath(token.token_id, '/order'), usTokenOrderBody({ merchant_urls: merchantUrls() }));
      assert.equal(res.status, 200, res.body);
      const { order_id } = res.json();
      assert.equal(res.json().fraud_status, 'PENDING');

      await t.advanceClock(61);
      const order = await t.getOrder(order_id);
      assert.equal(order.fraud_status, 'REJECTED');
      assert.equal(order.status, 'CANCELLED');
      const [notification] = await merchant.waitFor(1, (r) => r.url.includes(order_id));
      const decidedAt = new Date(Date.parse(order.created_at) + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      assert.deepEqual(notification?.json(), { order_id, event_type: 'FRAUD_RISK_REJECTED', decided_at: decidedAt });
    });
  });
}
