/**
 * Checkout v3 as the shopper buys (§2.3, §2.4): the synchronous merchant callbacks (address_update,
 * country_change, shipping_option_update, validation) against a fake merchant scripted to approve,
 * deny by redirect, answer an error, be slow or be down; completion into Order Management; the push
 * schedule until acknowledgement; recurring tokens; test shoppers. Every callback request body is
 * checked against checkout-merchant-callbacks.json.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant, ReceivedCallback } from '../../helpers/merchant-server.js';
import { validateCallbackRequest } from '../../helpers/openapi.js';
import { SHIPPING_OPTIONS, SHOPPER, cartWithShipping, checkoutBody, merchantUrls } from './helpers.js';

const MINUTE = 60;

interface CallbackEvent {
  type: string;
  payload: { status: string; url: string; attempts: { attempt: number; response_status: number | null; error: string | null }[] };
}


for (const dialect of await availableDialects()) {
  describe(`checkout completion (${dialect})`, () => {
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
    beforeEach(() => {
      merchant.answer({ status: 200 });
    });

    const received = (path: string) => (r: ReceivedCallback) => r.url.split('?')[0] === path;

    async function create(overrides: Record<string, unknown> = {}, urls: Record<string, string> = {}) {
      const res = await t.post('/checkout/v3/orders', checkoutBody(merchant.url, { merchant_urls: merchantUrls(merchant.url, urls), ...overrides }));
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }

    const complete = (orderId: string, body: Record<string, unknown> = SHOPPER) => t.post(`/sandbox/v1/checkout/orders/${orderId}/complete`, body);

    async function events(orderId: string): Promise<CallbackEvent[]> {
      const res = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
      assert.equal(res.status, 200, res.body);
      return res.json<{ events: CallbackEvent[] }>().events.filter((e) => e.type.startsWith('callback.'));
    }

    it('completes: checkout_complete, the same order_id AUTHORIZED in Order Management, the confirmation URL with the id, a confirmation snippet', async () => {
      const orderId = await create({ merchant_reference2: 'R2', merchant_data: 'md' });
      const res = await complete(orderId);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json(), { status: 'checkout_complete', order_id: orderId, redirect_url: `${merchant.url}/confirmation?id=${orderId}` });

      const read = (await t.get(`/checkout/v3/orders/${orderId}`)).json();
      assert.equal(read.status, 'checkout_complete');
      assert.ok(read.completed_at);
      assert.match(read.html_snippet, /\/checkout\/v3\/page\/confirmation\?token=/);
      assert.equal(read.billing_address.email, 'customer@email.se');

      const order = await t.getOrder(orderId);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.fraud_status, 'ACCEPTED');
      assert.equal(order.order_amount, 12500);
      assert.equal(order.order_lines.length, 2);
      assert.equal(order.billing_address.given_name, 'Testperson-se');
      assert.equal(order.shipping_address.street_address, 'Stårgatan 1', 'shipping defaults to billing');
      assert.equal(order.merchant_reference1, 'CART-1');
      assert.equal(order.merchant_reference2, 'R2');
      assert.equal(order.merchant_data, 'md');
    });

    it('validation: the merchant receives the whole order; 200 approves', async () => {
      const orderId = await create({}, { validation: `${merchant.url}/validate?id={checkout.order.id}` });
      const res = await complete(orderId);
      assert.equal(res.json().status, 'checkout_complete', res.body);
      const [call] = await merchant.waitFor(1, received('/validate'));
      assert.equal(call?.url, `/validate?id=${orderId}`);
      validateCallbackRequest('checkout.validation', call?.body ?? '');
      const body = call?.json();
      assert.equal(body.order_id, orderId);
      assert.equal(body.order_amount, 12500);
      assert.equal(body.billing_address.email, 'customer@email.se');
      const sent = (await events(orderId)).find((e) => e.type === 'callback.checkout.validation');
      assert.equal(sent?.payload.attempts[0]?.response_status, 200);
    });

    it('validation: 303 + Location denies and sends the shopper there; the order stays incomplete and no OM order exists', async () => {
      const orderId = await create({}, { validation: `${merchant.url}/validate-deny` });
      merchant.answer({ status: 303, headers: { location: 'https://shop.example/cart?error=stock' } });
      const res = await complete(orderId);
      assert.deepEqual(res.json(), { status: 'redirect', redirect_url: 'https://shop.example/cart?error=stock', callback: 'checkout.validation' });
      assert.equal((await t.get(`/checkout/v3/orders/${orderId}`)).json().status, 'checkout_incomplete');
      assertError(await t.get(`/ordermanagement/v1/orders/${orderId}`), 404, 'NO_SUCH_ORDER');
    });

    it('validation: a relative Location is resolved against the validation URL, so the shopper lands on the merchant\'s site', async () => {
      const orderId = await create({}, { validation: `${merchant.url}/klarna/validate` });
      merchant.answer({ status: 303, headers: { location: '/denied?why=stock' } });
      const res = await complete(orderId);
      assert.equal(res.json().redirect_url, `${merchant.url}/denied?why=stock`);
    });

    it('validation: 400 with error_type/error_text is shown to the shopper and the purchase does not happen', async () => {
      const orderId = await create({}, { validation: `${merchant.url}/validate-error` });
      merchant.answer({ status: 400, body: JSON.stringify({ error_type: 'address_error', error_text: 'We do not ship to Ankeborg' }) });
      const res = await complete(orderId);
      assert.deepEqual(res.json(), { status: 'error', error_type: 'address_error', error_text: 'We do not ship to Ankeborg', callback: 'checkout.validation' });
      assert.equal((await t.get(`/checkout/v3/orders/${orderId}`)).json().status, 'checkout_incomplete');
    });

    it('validation: no answer within 3 s approves, unless require_validate_callback_success', async () => {
      const slow = await create({}, { validation: `${merchant.url}/validate-slow` });
      merchant.answer({ status: 200, delayMs: 4000 });
      const started = Date.now();
      const res = await complete(slow);
      assert.equal(res.json().status, 'checkout_complete', res.body);
      assert.ok(Date.now() - started < 3800, 'gave up after about 3 s');
      const sent = (await events(slow)).find((e) => e.type === 'callback.checkout.validation');
      assert.equal(sent?.payload.status, 'failed');
      assert.equal(sent?.payload.attempts[0]?.response_status, null);

      const down = await create({ options: { require_validate_callback_success: true } }, { validation: 'http://127.0.0.1:9/validate' });
      const refused = await complete(down);
      assert.equal(refused.json().status, 'validation_failed', refused.body);
      assert.equal((await t.get(`/checkout/v3/orders/${down}`)).json().status, 'checkout_incomplete');
    });

    it('address_update: the merchant\'s answer replaces the cart and shipping options; the request matches Klarna\'s callback schema', async () => {
      const orderId = await create({ shipping_options: SHIPPING_OPTIONS }, { address_update: `${merchant.url}/address?id={checkout.order.id}` });
      const newOptions = [{ id: 'pickup', name: 'Pick-up point', price: 1900, tax_amount: 380, tax_rate: 2500, shipping_method: 'PickUpPoint' }];
      merchant.answer({ status: 200, body: JSON.stringify({ ...cartWithShipping(newOptions[0] as (typeof newOptions)[0]), shipping_options: newOptions }) });
      const res = await complete(orderId, { ...SHOPPER, shipping_option_id: 'pickup' });
      assert.equal(res.json().status, 'checkout_complete', res.body);
      const [call] = await merchant.waitFor(1, received('/address'));
      validateCallbackRequest('checkout.address_update', call?.body ?? '');
      assert.equal(call?.json().billing_address.postal_code, '12345');
      const order = await t.getOrder(orderId);
      assert.equal(order.order_amount, 14400, 'the merchant added the shipping line itself');
      assert.equal(order.order_lines.length, 3);
      assert.equal(order.selected_shipping_option.id, 'pickup');
    });

    it('country_change is called (not address_update) when the billing country changes', async () => {
      const orderId = await create({ billing_countries: ['SE', 'NO'] }, { address_update: `${merchant.url}/addr2`, country_change: `${merchant.url}/country` });
      merchant.answer({ status: 200, body: JSON.stringify(cartWithShipping({ id: 'x', name: 'Freight', price: 0, tax_amount: 0, tax_rate: 0 })) });
      const res = await complete(orderId, { ...SHOPPER, billing_address: { ...SHOPPER.billing_address, country: 'NO' } });
      assert.equal(res.json().status, 'checkout_complete', res.body);
      const [call] = await merchant.waitFor(1, received('/country'));
      validateCallbackRequest('checkout.country_change', call?.body ?? '');
      assert.equal(call?.json().billing_address.country, 'NO');
      assert.equal(merchant.received.filter(received('/addr2')).length, 0);
    });

    it('address_update, not country_change, for a first address in the purchase country (both URLs set); a later change of billing country calls country_change', async () => {
      const urls = { address_update: `${merchant.url}/first-address`, country_change: `${merchant.url}/first-country` };
      // The two callbacks answer different carts, so the one applied shows which was called.
      const addressCart = cartWithShipping({ id: 'home', name: 'Home delivery', price: 4900, tax_amount: 980, tax_rate: 2500 });
      const countryCart = cartWithShipping({ id: 'freight', name: 'Freight', price: 1900, tax_amount: 380, tax_rate: 2500 });
      merchant.answer((request) => ({ status: 200, body: JSON.stringify(request.url.startsWith('/first-country') ? countryCart : addressCart) }));
      const addressCalls = () => merchant.received.filter(received('/first-address'));
      const countryCalls = () => merchant.received.filter(received('/first-country'));

      // The checkout page (the same service method as the sandbox's completion): the shopper's first
      // address, in the purchase country, then a move to another allowed billing country.
      const res = await t.post('/checkout/v3/orders', checkoutBody(merchant.url, { billing_countries: ['SE', 'NO'], merchant_urls: merchantUrls(merchant.url, urls) }));
      assert.equal(res.status, 201, res.body);
      const { order_id: orderId, html_snippet: snippet } = res.json<{ order_id: string; html_snippet: string }>();
      const token = new URL(/<iframe[^>]*\ssrc="([^"]+)"/.exec(snippet)?.[1] ?? '').searchParams.get('token') ?? '';
      const details = (body: Record<string, unknown>) => t.post('/checkout/v3/page/api/details', { token, ...body }, { auth: null });

      const first = await details({ email: SHOPPER.email, billing_address: SHOPPER.billing_address });
      assert.equal(first.status, 200, first.body);
      assert.deepEqual(first.json().outcome, { status: 'updated' });
      assert.equal(addressCalls().length, 1, 'address_update for the first address');
      assert.equal(countryCalls().length, 0, 'no country_change: SE is the purchase country');
      validateCallbackRequest('checkout.address_update', addressCalls()[0]?.body ?? '');
      assert.equal(addressCalls()[0]?.json().billing_address.country, 'SE');
      let read = (await t.get(`/checkout/v3/orders/${orderId}`)).json();
      assert.equal(read.order_amount, 17400, 'the merchant\'s repriced cart is applied');
      assert.deepEqual(read.order_lines.map((l: { reference: string }) => l.reference), ['SKU-1', 'SKU-2', 'home']);

      const moved = await details({ billing_address: { ...SHOPPER.billing_address, country: 'NO' } });
      assert.deepEqual(moved.json().outcome, { status: 'updated' }, moved.body);
      assert.equal(countryCalls().length, 1, 'country_change for SE → NO');
      assert.equal(addressCalls().length, 1, 'not address_update as well');
      validateCallbackRequest('checkout.country_change', countryCalls()[0]?.body ?? '');
      assert.equal(countryCalls()[0]?.json().billing_address.country, 'NO');
      read = (await t.get(`/checkout/v3/orders/${orderId}`)).json();
      assert.equal(read.order_amount, 14400, 'the country_change answer is applied');

      // Another street in the same (new) country is an address change again.
      assert.deepEqual((await details({ billing_address: { ...SHOPPER.billing_address, country: 'NO', street_address: 'Storgata 2' } })).json().outcome, { status: 'updated' });
      assert.equal(addressCalls().length, 2);
      assert.equal(countryCalls().length, 1);

      // The sandbox's completion: a first address in the purchase country goes to address_update too,
      // and the purchased order carries the merchant's cart.
      const sandboxOrder = await create({ billing_countries: ['SE', 'NO'] }, urls);
      const done = await complete(sandboxOrder);
      assert.equal(done.json().status, 'checkout_complete', done.body);
      assert.equal(addressCalls().length, 3);
      assert.equal(countryCalls().length, 1);
      const placed = await t.getOrder(sandboxOrder);
      assert.equal(placed.order_amount, 17400);
      assert.equal(placed.order_lines.length, 3);
    });

    it('country_change when the shopper\'s billing country differs from the merchant\'s prefilled one, even if it is the purchase country', async () => {
      const urls = { address_update: `${merchant.url}/prefill-address`, country_change: `${merchant.url}/prefill-country` };
      const orderId = await create({ billing_countries: ['SE', 'NO'], billing_address: { ...SHOPPER.billing_address, country: 'NO' } }, urls);
      const res = await complete(orderId);
      assert.equal(res.json().status, 'checkout_complete', res.body);
      assert.equal(merchant.received.filter(received('/prefill-country')).length, 1);
      assert.equal(merchant.received.filter(received('/prefill-address')).length, 0);
    });

    it('shipping_option_update: the merchant reprices; without the callback the chosen option becomes a shipping line', async () => {
      const repriced = await create({ shipping_options: SHIPPING_OPTIONS }, { shipping_option_update: `${merchant.url}/shipping` });
      merchant.answer((request) => ({ status: 200, body: JSON.stringify(cartWithShipping(request.json().selected_shipping_option)) }));
      assert.equal((await complete(repriced, { ...SHOPPER, shipping_option_id: 'express' })).json().status, 'checkout_complete');
      const [call] = await merchant.waitFor(1, received('/shipping'));
      validateCallbackRequest('checkout.shipping_option_update', call?.body ?? '');
      assert.equal(call?.json().selected_shipping_option.id, 'express');
      const order = await t.getOrder(repriced);
      assert.equal(order.order_amount, 17400);
      assert.deepEqual(order.order_lines.map((l: { type: string }) => l.type), ['physical', 'physical', 'shipping_fee']);

      const plain = await create({ shipping_options: SHIPPING_OPTIONS });
      assert.equal((await complete(plain, { ...SHOPPER, shipping_option_id: 'express' })).json().status, 'checkout_complete');
      const plainOrder = await t.getOrder(plain);
      assert.equal(plainOrder.order_amount, 17400);
      assert.equal(plainOrder.order_lines[2].reference, 'express');
      assertError(await complete(await create({ shipping_options: SHIPPING_OPTIONS }), { ...SHOPPER, shipping_option_id: 'teleport' }), 400, 'BAD_VALUE', /shipping_option_id/);
    });

    it('shipping callbacks: 400 shows the error, 3xx redirects, and a merchant that is down leaves the cart as it was', async () => {
      const err = await create({}, { address_update: `${merchant.url}/addr-error` });
      merchant.answer({ status: 400, body: JSON.stringify({ error_type: 'unsupported_shipping_address', error_text: 'No deliveries there' }) });
      assert.deepEqual((await complete(err)).json(), { status: 'error', error_type: 'unsupported_shipping_address', error_text: 'No deliveries there', callback: 'checkout.address_update' });

      const redirect = await create({}, { address_update: `${merchant.url}/addr-redirect` });
      merchant.answer({ status: 302, headers: { location: 'https://shop.example/other' } });
      assert.equal((await complete(redirect)).json().redirect_url, 'https://shop.example/other');

      const down = await create({}, { address_update: 'http://127.0.0.1:9/address' });
      const res = await complete(down);
      assert.equal(res.json().status, 'checkout_complete', res.body);
      assert.equal((await t.getOrder(down)).order_amount, 12500);
      const sent = (await events(down)).find((e) => e.type === 'callback.checkout.address_update');
      assert.equal(sent?.payload.status, 'failed');
      assert.match(String(sent?.payload.attempts[0]?.error), /ECONNREFUSED/);

      const invalid = await create({}, { address_update: `${merchant.url}/addr-invalid` });
      merchant.answer({ status: 200, body: JSON.stringify({ order_amount: 5, order_tax_amount: 0, order_lines: [], purchase_currency: 'SEK' }) });
      assert.equal((await complete(invalid)).json().status, 'error', 'an answer with broken arithmetic is not applied');
      assert.equal((await t.get(`/checkout/v3/orders/${invalid}`)).json().order_amount, 12500);
    });

    it('missing shopper details are 400 BAD_VALUE naming them; test e-mails decline', async () => {
      const orderId = await create();
      assertError(await complete(orderId, { email: 'customer@email.se' }), 400, 'BAD_VALUE', /billing_address\.given_name/);
      assertError(await complete(orderId, { ...SHOPPER, shipping_address: { given_name: 'Only a name' } }), 400, 'BAD_VALUE', /shipping_address\.street_address/);
      const denied = await complete(orderId, { ...SHOPPER, email: 'customer+denied@email.se' });
      assert.deepEqual(denied.json(), { status: 'declined', reason: 'denied' });
      assert.equal((await t.get(`/checkout/v3/orders/${orderId}`)).json().status, 'checkout_incomplete');
      assert.equal((await complete(orderId, { ...SHOPPER })).json().status, 'checkout_complete', 'another shopper can still buy');
    });

    it('push: an empty POST about 2 minutes after completion, repeated on Klarna\'s schedule until the order is acknowledged', async () => {
      const orderId = await create();
      await complete(orderId);
      await t.advanceClock(MINUTE);
      assert.equal(merchant.received.filter(received('/push')).filter((r) => r.url.endsWith(orderId)).length, 0, 'not before 2 minutes');
      await t.advanceClock(MINUTE);
      const [push] = await merchant.waitFor(1, (r) => r.url === `/push?id=${orderId}`);
      assert.equal(push?.method, 'POST');
      assert.equal(push?.body, '');
      // The merchant answered 200 but did not acknowledge: Klarna pushes again after 5 minutes.
      await t.advanceClock(5 * MINUTE);
      await merchant.waitFor(2, (r) => r.url === `/push?id=${orderId}`);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${orderId}/acknowledge`)).status, 204);
      await t.advanceClock(15 * MINUTE);
      await t.advanceClock(60 * MINUTE);
      assert.equal(merchant.received.filter((r) => r.url === `/push?id=${orderId}`).length, 2, 'no push after the acknowledgement');
      const push0 = (await events(orderId)).find((e) => e.type === 'callback.checkout.push');
      assert.equal(push0?.payload.status, 'delivered');
      assert.equal(push0?.payload.attempts.length, 2);
    });

    it('push: a failing merchant is retried after 5, 15, 30, 60 minutes and then every 4 hours; a capture stops it', async () => {
      const orderId = await create();
      await complete(orderId);
      merchant.answer({ status: 500 });
      const pushes = () => merchant.received.filter((r) => r.url === `/push?id=${orderId}`).length;
      await t.advanceClock(2 * MINUTE);
      await merchant.waitFor(1, (r) => r.url === `/push?id=${orderId}`);
      for (const [minutes, expected] of [
        [5, 2],
        [15, 3],
        [30, 4],
        [60, 5],
        [240, 6],
        [239, 6],
        [1, 7],
      ] as const) {
        await t.advanceClock(minutes * MINUTE);
        assert.equal(pushes(), expected, `after +${minutes} minutes`);
      }
      assert.equal((await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 100 })).status, 201);
      await t.advanceClock(240 * MINUTE);
      assert.equal(pushes(), 7, 'a capture ends the pushes');
      const push = (await events(orderId)).find((e) => e.type === 'callback.checkout.push');
      assert.equal(push?.payload.status, 'cancelled');
    });

    it('recurring: the completed order carries a recurring_token usable with the Customer Token API', async () => {
      const orderId = await create({ recurring: true });
      await complete(orderId);
      const read = (await t.get(`/checkout/v3/orders/${orderId}`)).json();
      assert.match(read.recurring_token, /^[0-9a-f-]{36}$/);
      const token = await t.get(`/customer-token/v1/tokens/${read.recurring_token}`);
      assert.equal(token.status, 200, token.body);
      assert.equal(token.json().status, 'ACTIVE');
      const charge = await t.post(`/customer-token/v1/tokens/${read.recurring_token}/order`, {
        purchase_currency: 'SEK',
        order_amount: 2500,
        order_tax_amount: 500,
        order_lines: [{ type: 'digital', name: 'Monthly', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 }],
      });
      assert.equal(charge.status, 200, charge.body);
    });

    it('options.auto_capture captures at completion; a pending shopper leaves it AUTHORIZED and PENDING until decided', async () => {
      const captured = await create({ options: { auto_capture: true } });
      await complete(captured);
      assert.equal((await t.getOrder(captured)).status, 'CAPTURED');

      const pending = await create({}, { notification: `${merchant.url}/notify?id={checkout.order.id}` });
      await complete(pending, { ...SHOPPER, email: 'customer+pend-accept-10@email.se' });
      assert.equal((await t.getOrder(pending)).fraud_status, 'PENDING');
      await t.advanceClock(10 * MINUTE);
      assert.equal((await t.getOrder(pending)).fraud_status, 'ACCEPTED');
      const [note] = await merchant.waitFor(1, (r) => r.url === `/notify?id=${pending}`);
      // The decision time: the order's creation (at completion) plus the shopper's 10 minutes, on the sandbox clock.
      const decidedAt = new Date(Date.parse((await t.getOrder(pending)).created_at) + 10 * MINUTE * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      assert.deepEqual(note?.json(), { order_id: pending, event_type: 'FRAUD_RISK_ACCEPTED', decided_at: decidedAt });
    });
  });
}
