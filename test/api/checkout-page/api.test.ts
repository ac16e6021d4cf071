/**
 * The checkout page's JSON API over HTTP: the shopper's view of the order, entering details,
 * choosing a shipping option and buying, each answered with the outcome and the order re-read;
 * the merchant's callbacks on the way; the token as the only authority.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { BILLING, LINES, SHIPPING_OPTIONS, assertError, createCheckout, merchantUrls, pageApi } from './helpers.js';

const HOUR = 3600;

for (const dialect of await availableDialects()) {
  describe(`checkout page API (${dialect})`, () => {
    let t: TestApp;
    let shop: FakeMerchant;
    let api: ReturnType<typeof pageApi>;
    before(async () => {
      [t, shop] = await Promise.all([buildTestApp({ dialect }), startFakeMerchant()]);
      api = pageApi(t);
    });
    after(async () => {
      await t.close();
      await shop.close();
    });
    beforeEach(() => {
      shop.answer({ status: 200 });
    });

    it('the view: merchant, market, cart with the preselected shipping, totals, prefill from the merchant, options and terms', async () => {
      const prefill = { ...BILLING, email: 'customer@email.se' };
      const { order_id, token } = await createCheckout(t, shop.url, { shipping_options: SHIPPING_OPTIONS, billing_address: prefill });
      const res = await api.order(token);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const view = res.json();
      assert.equal(view.order_id, order_id);
      assert.equal(view.status, 'checkout_incomplete');
      assert.equal(view.aborted, false);
      assert.equal(view.merchant_name, 'merchant_a');
      assert.equal(view.purchase_country, 'SE');
      assert.equal(view.purchase_currency, 'SEK');
      assert.equal(view.locale, 'sv-SE');
      assert.deepEqual(
        view.lines.map((l: { name: string; total_amount: number }) => [l.name, l.total_amount]),
        [['T-shirt', 10000], ['Socks', 2500]],
        'the free preselected option adds no line',
      );
      assert.match(view.lines[0].total_amount_formatted, /^100,00\skr$/);
      assert.deepEqual(
        view.shipping_options.map((o: { id: string; price: number }) => [o.id, o.price]),
        [['standard', 0], ['express', 4900]],
      );
      assert.equal(view.selected_shipping_option_id, 'standard');
      assert.equal(view.order_amount, 12500);
      assert.match(view.order_amount_formatted, /^125,00\skr$/);
      assert.equal(view.order_tax_amount, 2500);
      assert.equal(view.email, 'customer@email.se');
      assert.equal(view.billing_address.city, 'Ankeborg');
      assert.equal(view.shipping_address, null);
      assert.equal(view.allow_separate_shipping_address, false);
      assert.deepEqual(view.billing_countries, ['SE']);
      assert.equal(view.terms_url, `${shop.url}/terms`);
      assert.equal(view.completed_at, null);

      // Without a prefill the billing country is the purchase country.
      const bare = await createCheckout(t, shop.url);
      const bareView = (await api.order(bare.token)).json();
      assert.deepEqual(bareView.billing_address, { country: 'SE' });
      assert.equal(bareView.email, null);
      assert.deepEqual(bareView.shipping_options, []);
      assert.equal(bareView.selected_shipping_option_id, null);
    });

    it('details → updated, stored for the order; with address_update the merchant reprices the cart and the view shows it', async () => {
      const plain = await createCheckout(t, shop.url);
      const res = await api.details({ token: plain.token, email: 'customer@email.se', billing_address: BILLING });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json().outcome, { status: 'updated' });
      assert.equal(res.json().order.email, 'customer@email.se');
      assert.equal(res.json().order.billing_address.given_name, 'Testperson-se');
      const merchantView = await t.get(`/checkout/v3/orders/${plain.order_id}`);
      assert.equal(merchantView.json().billing_address.postal_code, '12345', 'the merchant reads what the shopper entered');

      const withCallback = await createCheckout(t, shop.url, { merchant_urls: merchantUrls(shop.url, { address_update: `${shop.url}/address?id={checkout.order.id}` }) });
      const discounted = [LINES[0], { type: 'discount', reference: 'WELCOME', name: 'Welcome discount', quantity: 1, unit_price: -1000, tax_rate: 2500, total_amount: -1000, total_tax_amount: -200 }];
      shop.answer({ status: 200, body: JSON.stringify({ order_amount: 9000, order_tax_amount: 1800, order_lines: discounted, purchase_currency: 'SEK', shipping_options: SHIPPING_OPTIONS }) });
      const updated = await api.details({ token: withCallback.token, billing_address: BILLING });
      assert.equal(updated.status, 200, updated.body);
      assert.deepEqual(updated.json().outcome, { status: 'updated' });
      const [call] = await shop.waitFor(1, (r) => r.url.startsWith('/address'));
      assert.equal(call?.url, `/address?id=${withCallback.order_id}`);
      assert.equal(call?.json().billing_address.city, 'Ankeborg');
      const view = updated.json().order;
      assert.deepEqual(view.lines.map((l: { name: string }) => l.name), ['T-shirt', 'Welcome discount']);
      assert.equal(view.order_amount, 9000);
      assert.equal(view.shipping_options.length, 2, 'the merchant added shipping options');
      assert.equal(view.selected_shipping_option_id, 'standard');

      // The merchant refuses the address: its text is the outcome, the view is still there.
      shop.answer({ status: 400, body: JSON.stringify({ error_type: 'address_error', error_text: 'We do not deliver there' }) });
      const refused = await api.details({ token: withCallback.token, billing_address: { ...BILLING, postal_code: '99999' } });
      assert.equal(refused.status, 200, refused.body);
      assert.deepEqual(refused.json().outcome, { status: 'error', error_type: 'address_error', error_text: 'We do not deliver there', callback: 'checkout.address_update' });
      assert.ok(refused.json().order);
    });

    it('choosing a shipping option changes the total: klarna-local adds the line, or the merchant\'s shipping_option_update answer is used', async () => {
      const { token } = await createCheckout(t, shop.url, { shipping_options: SHIPPING_OPTIONS });
      const res = await api.shippingOption({ token, shipping_option_id: 'express' });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json().outcome, { status: 'updated' });
      const view = res.json().order;
      assert.equal(view.selected_shipping_option_id, 'express');
      assert.equal(view.order_amount, 12500 + 4900);
      assert.equal(view.order_tax_amount, 2500 + 980);
      assert.match(view.order_amount_formatted, /^174,00\skr$/);
      assert.deepEqual(view.lines.at(-1), { type: 'shipping_fee', name: 'Express delivery', quantity: 1, quantity_unit: null, total_amount: 4900, total_amount_formatted: view.lines.at(-1).total_amount_formatted });
      assertError(await api.shippingOption({ token, shipping_option_id: 'teleport' }), 400, 'BAD_VALUE', /shipping_option_id/);

      const withCallback = await createCheckout(t, shop.url, {
        shipping_options: SHIPPING_OPTIONS,
        merchant_urls: merchantUrls(shop.url, { shipping_option_update: `${shop.url}/shipping` }),
      });
      shop.answer({
        status: 200,
        body: JSON.stringify({
          order_amount: 12500 + 5900,
          order_tax_amount: 2500 + 1180,
          order_lines: [...LINES, { type: 'shipping_fee', reference: 'express', name: 'Express (merchant)', quantity: 1, unit_price: 5900, tax_rate: 2500, total_amount: 5900, total_tax_amount: 1180 }],
          purchase_currency: 'SEK',
        }),
      });
      const chosen = await api.shippingOption({ token: withCallback.token, shipping_option_id: 'express' });
      assert.equal(chosen.status, 200, chosen.body);
      const [call] = await shop.waitFor(1, (r) => r.url === '/shipping');
      assert.equal(call?.json().selected_shipping_option.id, 'express');
      const merchantCart = chosen.json().order;
      assert.equal(merchantCart.order_amount, 18400, 'the merchant\'s own shipping line, not a second one');
      assert.deepEqual(merchantCart.lines.map((l: { name: string }) => l.name), ['T-shirt', 'Socks', 'Express (merchant)']);
    });

    it('complete → checkout_complete with the confirmation URL; the order is complete in Checkout and AUTHORIZED in Order Management', async () => {
      const { order_id, token } = await createCheckout(t, shop.url, { shipping_options: SHIPPING_OPTIONS });
      const res = await api.complete({ token, email: 'customer@email.se', billing_address: BILLING, shipping_option_id: 'express' });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json(), { outcome: { status: 'checkout_complete', order_id, redirect_url: `${shop.url}/confirmation?order_id=${order_id}` } });

      const checkout = await t.get(`/checkout/v3/orders/${order_id}`);
      assert.equal(checkout.json().status, 'checkout_complete');
      assert.match(checkout.json().html_snippet, /\/checkout\/v3\/page\/confirmation\?token=/);
      const om = await t.getOrder(order_id);
      assert.equal(om.status, 'AUTHORIZED');
      assert.equal(om.order_amount, 17400);
      assert.equal(om.billing_address.email, 'customer@email.se');
      assert.deepEqual(om.order_lines.map((l: { type: string; reference: string }) => [l.type, l.reference]), [['physical', 'SKU-1'], ['physical', 'SKU-2'], ['shipping_fee', 'express']]);

      const view = (await api.order(token)).json();
      assert.equal(view.status, 'checkout_complete');
      assert.ok(view.completed_at);
      assertError(await api.details({ token, billing_address: BILLING }), 403, 'READ_ONLY_ORDER');
      assertError(await api.complete({ token }), 403, 'READ_ONLY_ORDER');
    });

    it('complete with details missing: 400 BAD_VALUE naming each field; a +denied e-mail is declined and the order stays open', async () => {
      const { order_id, token } = await createCheckout(t, shop.url, { shipping_options: SHIPPING_OPTIONS });
      const missing = await api.complete({ token, billing_address: { given_name: 'Testperson-se' } });
      assertError(missing, 400, 'BAD_VALUE');
      const messages = missing.json().error_messages as string[];
      for (const field of ['family_name', 'email', 'street_address', 'postal_code', 'city']) assert.ok(messages.includes(`Bad value: billing_address.${field}`), messages.join('; '));
      assert.ok(!messages.includes('Bad value: billing_address.given_name'));

      const declined = await api.complete({ token, email: 'customer+denied@email.se', billing_address: BILLING });
      assert.equal(declined.status, 200, declined.body);
      assert.deepEqual(declined.json().outcome, { status: 'declined', reason: 'denied' });
      assert.equal(declined.json().order.status, 'checkout_incomplete');
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).json().status, 'checkout_incomplete');

      assertError(await api.details({ token, billing_address: { country: 'Sweden' } }), 400, 'BAD_VALUE', /billing_address\.country/);
      assertError(await api.details({ token: 'x'.repeat(3000) }), 400, 'BAD_VALUE');
    });

    it('validation: a relative 303 Location becomes an absolute redirect to the merchant; a 400 is shown as an error; nothing is bought', async () => {
      const { order_id, token } = await createCheckout(t, shop.url, { merchant_urls: merchantUrls(shop.url, { validation: `${shop.url}/checkout/validate?id={checkout.order.id}` }) });
      shop.answer({ status: 303, headers: { location: '/denied?reason=stock' } });
      const denied = await api.complete({ token, email: 'customer@email.se', billing_address: BILLING });
      assert.equal(denied.status, 200, denied.body);
      assert.deepEqual(denied.json().outcome, { status: 'redirect', redirect_url: `${shop.url}/denied?reason=stock`, callback: 'checkout.validation' });
      const [validation] = await shop.waitFor(1, (r) => r.url.startsWith('/checkout/validate'));
      assert.equal(validation?.json().order_id, order_id, 'the validation callback carries the full order');
      assert.equal(validation?.json().billing_address.email, 'customer@email.se');

      shop.answer({ status: 303, headers: { location: 'javascript:alert(1)' } });
      const odd = await api.complete({ token });
      assert.equal(odd.json().outcome.status, 'error', 'a redirect to anything but http(s) is not followed');

      shop.answer({ status: 400, body: JSON.stringify({ error_type: 'approval_failed', error_text: 'Out of stock' }) });
      const refused = await api.complete({ token });
      assert.deepEqual(refused.json().outcome, { status: 'error', error_type: 'approval_failed', error_text: 'Out of stock', callback: 'checkout.validation' });
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).json().status, 'checkout_incomplete');
      assert.equal((await t.get(`/ordermanagement/v1/orders/${order_id}`)).status, 404);
    });

    it('the token is the only authority: tampered or foreign tokens are 401, an aborted order is read-only, an expired one is gone', async () => {
      const { order_id, token } = await createCheckout(t, shop.url);
      const [payload, signature] = token.split('.');
      const tampered = `${payload}.${signature?.slice(0, -2)}AA`;
      assertError(await api.order(tampered), 401, 'UNAUTHORIZED');
      assertError(await api.details({ token: tampered, email: 'customer@email.se' }), 401, 'UNAUTHORIZED');
      const forged = `${Buffer.from(JSON.stringify({ o: order_id, m: 'someone-else' })).toString('base64url')}.${signature}`;
      assertError(await api.complete({ token: forged }), 401, 'UNAUTHORIZED');
      assertError(await api.order('not-a-token'), 401, 'UNAUTHORIZED');

      const aborted = await createCheckout(t, shop.url);
      assert.equal((await t.post(`/checkout/v3/orders/${aborted.order_id}/abort`)).status, 200);
      const view = await api.order(aborted.token);
      assert.equal(view.status, 200);
      assert.equal(view.json().aborted, true);
      assertError(await api.shippingOption({ token: aborted.token, shipping_option_id: 'standard' }), 403, 'READ_ONLY_ORDER');
      assertError(await api.complete({ token: aborted.token, email: 'customer@email.se', billing_address: BILLING }), 403, 'READ_ONLY_ORDER');

      await t.advanceClock(49 * HOUR);
      assertError(await api.order(token), 404, 'NOT_FOUND');
      assertError(await api.details({ token, email: 'customer@email.se' }), 404, 'NOT_FOUND');
    });
  });
}
