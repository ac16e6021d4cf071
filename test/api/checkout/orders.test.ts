/**
 * Checkout v3 merchant operations (§2.1, §2.2): create (201, Location, html_snippet), read, partial
 * update, abort, validation as Klarna's, the 48-hour expiry after the last activity, tenancy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertBareNotFound, assertEdgeUnauthorized, assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { LINES, SHIPPING_OPTIONS, SHOPPER, checkoutBody, merchantUrls } from './helpers.js';

const SHOP = 'https://shop.example';
const HOUR = 3600;


for (const dialect of await availableDialects()) {
  describe(`checkout orders (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function create(overrides: Record<string, unknown> = {}) {
      const res = await t.post('/checkout/v3/orders', checkoutBody(SHOP, overrides));
      assert.equal(res.status, 201, res.body);
      return res;
    }

    it('create answers 201 with the order, an absolute Location to read it, and an html_snippet embedding the checkout page', async () => {
      const res = await create({ shipping_options: SHIPPING_OPTIONS, merchant_data: '{"cart":1}' });
      const order = res.json();
      assert.match(order.order_id, /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.location, `${PUBLIC_URL}/checkout/v3/orders/${order.order_id}`);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(order.status, 'checkout_incomplete');
      assert.equal(order.order_amount, 12500);
      assert.deepEqual(order.order_lines, LINES);
      assert.equal(order.merchant_data, '{"cart":1}');
      assert.equal(order.name, 'merchant_a');
      assert.equal(order.selected_shipping_option.id, 'standard', 'the preselected option is selected');
      assert.match(order.html_snippet, new RegExp(`<iframe[^>]+src="${PUBLIC_URL.replace(/\./g, '\\.')}/checkout/v3/page/checkout\\?token=[^"]+"`));
      assert.ok(order.started_at && order.last_modified_at);
      assert.equal(order.completed_at, undefined);

      const read = await t.get(new URL(String(res.headers.location)).pathname);
      assert.equal(read.status, 200, read.body);
      assert.deepEqual({ ...read.json<Record<string, unknown>>(), html_snippet: undefined }, { ...order, html_snippet: undefined });
    });

    it('validation: required fields, merchant URLs and Klarna\'s arithmetic are 400 BAD_VALUE naming each field, and nothing is stored', async () => {
      const before = await t.db.kysely.selectFrom('checkout_orders').select('order_id').execute();
      const missing = await t.post('/checkout/v3/orders', { purchase_country: 'SE' });
      assertError(missing, 400, 'BAD_VALUE');

      const { push: _push, ...noPush } = merchantUrls(SHOP);
      assertError(await t.post('/checkout/v3/orders', checkoutBody(SHOP, { merchant_urls: noPush })), 400, 'BAD_VALUE', /push/);
      assertError(await t.post('/checkout/v3/orders', checkoutBody(SHOP, { merchant_urls: merchantUrls(SHOP, { validation: 'ftp://x' }) })), 400, 'BAD_VALUE', /merchant_urls\.validation/);

      const arithmetic = await t.post('/checkout/v3/orders', checkoutBody(SHOP, { order_amount: 12000, order_tax_amount: 100 }));
      assertError(arithmetic, 400, 'BAD_VALUE');
      assert.match(arithmetic.json().error_messages.join(' '), /order_amount/);
      assert.match(arithmetic.json().error_messages.join(' '), /order_tax_amount/);

      const lineTax = await t.post('/checkout/v3/orders', checkoutBody(SHOP, { order_lines: [{ ...LINES[0], total_tax_amount: 1500 }, LINES[1]], order_tax_amount: 2000 }));
      assertError(lineTax, 400, 'BAD_VALUE', /order_lines\[0\]\.total_tax_amount/);

      const market = await t.post('/checkout/v3/orders', checkoutBody(SHOP, { purchase_currency: 'USD' }));
      assertError(market, 400, 'BAD_VALUE', /purchase_currency/);

      const options = await t.post('/checkout/v3/orders', checkoutBody(SHOP, { shipping_options: [SHIPPING_OPTIONS[1], { ...SHIPPING_OPTIONS[1], tax_amount: 5 }] }));
      assertError(options, 400, 'BAD_VALUE');
      assert.match(options.json().error_messages.join(' '), /shipping_options\[1\]\.id/);
      assert.match(options.json().error_messages.join(' '), /shipping_options\[1\]\.tax_amount/);

      const noTaxRate = await t.post('/checkout/v3/orders', checkoutBody(SHOP, { order_lines: [{ name: 'x', quantity: 1, unit_price: 12500, total_amount: 12500 }] }));
      assertError(noTaxRate, 400, 'BAD_VALUE', /tax_rate|total_tax_amount/);
      const after = await t.db.kysely.selectFrom('checkout_orders').select('order_id').execute();
      assert.equal(after.length, before.length);
    });

    it('create and update with JSON that is not an object are 400 BAD_REQUEST in the envelope, changing nothing', async () => {
      const { order_id } = (await create()).json();
      const before = await t.db.kysely.selectFrom('checkout_orders').selectAll().orderBy('order_id').execute();
      for (const payload of ['["wrong order data"]', '"order"', '42', 'true', 'null']) {
        for (const url of ['/checkout/v3/orders', `/checkout/v3/orders/${order_id}`]) {
          const res = await t.request({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
          assertError(res, 400, 'BAD_REQUEST', /JSON object/);
          assert.equal(res.json().correlation_id, res.headers['klarna-correlation-id']);
        }
      }
      assert.deepEqual(await t.db.kysely.selectFrom('checkout_orders').selectAll().orderBy('order_id').execute(), before);
    });

    it('update is partial: present properties replace, omitted ones stay; the answer is the whole order', async () => {
      const { order_id } = (await create({ merchant_reference2: 'KEEP' })).json();
      const lines = [{ type: 'physical', reference: 'SKU-9', name: 'Shoes', quantity: 1, unit_price: 20000, tax_rate: 2500, total_amount: 20000, total_tax_amount: 4000 }];
      const res = await t.post(`/checkout/v3/orders/${order_id}`, { order_amount: 20000, order_tax_amount: 4000, order_lines: lines, merchant_reference1: 'NEW' });
      assert.equal(res.status, 200, res.body);
      const order = res.json();
      assert.equal(order.order_amount, 20000);
      assert.deepEqual(order.order_lines, lines);
      assert.equal(order.merchant_reference1, 'NEW');
      assert.equal(order.merchant_reference2, 'KEEP');
      assert.equal(order.purchase_currency, 'SEK');
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).json().order_amount, 20000);

      assertError(await t.post(`/checkout/v3/orders/${order_id}`, { order_amount: 1 }), 400, 'BAD_VALUE', /order_amount/);
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).json().order_amount, 20000, 'a refused update changes nothing');
    });

    it('abort answers the order; after it, and after completion, updates are 403 READ_ONLY_ORDER', async () => {
      const { order_id } = (await create()).json();
      const aborted = await t.post(`/checkout/v3/orders/${order_id}/abort`);
      assert.equal(aborted.status, 200, aborted.body);
      assert.equal(aborted.json().order_id, order_id);
      assertError(await t.post(`/checkout/v3/orders/${order_id}`, { merchant_reference1: 'late' }), 403, 'READ_ONLY_ORDER', /read-only/);
      assertError(await t.post(`/sandbox/v1/checkout/orders/${order_id}/complete`, SHOPPER), 403, 'READ_ONLY_ORDER');
      assert.equal((await t.post(`/checkout/v3/orders/${order_id}/abort`)).status, 200, 'aborting again is harmless');

      const done = (await create()).json();
      const completed = await t.post(`/sandbox/v1/checkout/orders/${done.order_id}/complete`, SHOPPER);
      assert.equal(completed.json().status, 'checkout_complete', completed.body);
      assertError(await t.post(`/checkout/v3/orders/${done.order_id}`, { merchant_reference1: 'late' }), 403, 'READ_ONLY_ORDER');
      assertError(await t.post(`/checkout/v3/orders/${done.order_id}/abort`), 403, 'READ_ONLY_ORDER');
    });

    it('an incomplete order expires 48 hours after its last activity (an update resets the count); a complete one stays', async () => {
      const { order_id } = (await create()).json();
      const done = (await create()).json();
      await t.post(`/sandbox/v1/checkout/orders/${done.order_id}/complete`, SHOPPER);
      await t.advanceClock(40 * HOUR);
      assert.equal((await t.post(`/checkout/v3/orders/${order_id}`, { merchant_reference1: 'still here' })).status, 200);
      await t.advanceClock(40 * HOUR);
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).status, 200, '40 h after the update');
      await t.advanceClock(8 * HOUR + 1);
      assertBareNotFound(await t.get(`/checkout/v3/orders/${order_id}`), 'read');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${order_id}`, { merchant_reference1: 'x' }), 'update');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${order_id}/abort`), 'abort');
      assert.equal((await t.get(`/checkout/v3/orders/${done.order_id}`)).status, 200);
    });

    it('unknown and other merchants\' orders are 404 without a body (read, update, abort); the sandbox keeps the envelope; no credentials 401', async () => {
      const { order_id } = (await create()).json();
      const unknown = '00000000-0000-4000-8000-000000000000';
      assertBareNotFound(await t.get(`/checkout/v3/orders/${unknown}`), 'read unknown');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${unknown}`, { merchant_reference1: 'x' }), 'update unknown');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${unknown}/abort`), 'abort unknown');
      assertBareNotFound(await t.get(`/checkout/v3/orders/${order_id}`, OTHER_MERCHANT), 'read foreign');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${order_id}`, { merchant_reference1: 'x' }, { auth: OTHER_MERCHANT }), 'update foreign');
      assertBareNotFound(await t.post(`/checkout/v3/orders/${order_id}/abort`, undefined, { auth: OTHER_MERCHANT }), 'abort foreign');
      // A retry with the same idempotency key replays the same bare answer.
      for (let i = 0; i < 2; i++) {
        assertBareNotFound(await t.post(`/checkout/v3/orders/${unknown}/abort`, undefined, { idempotencyKey: 'abort-unknown-1' }), `abort with a key, ${i}`);
      }
      assertError(await t.post(`/sandbox/v1/checkout/orders/${order_id}/complete`, SHOPPER, { auth: OTHER_MERCHANT }), 404, 'NOT_FOUND');
      assertEdgeUnauthorized(await t.get(`/checkout/v3/orders/${order_id}`, null), 'no credentials');
      assert.equal((await t.get(`/checkout/v3/orders/${order_id}`)).json().merchant_reference1, 'CART-1', 'the other merchant changed nothing');
    });
  });
}
