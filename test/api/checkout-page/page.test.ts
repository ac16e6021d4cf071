/**
 * The checkout and confirmation pages over HTTP: what they show, their headers (a strict CSP that
 * still lets any merchant frame them), what they do with hostile data, and what a shopper sees for
 * a bad link, an expired, aborted or completed order.
 */
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { BILLING, LINES, SHIPPING_OPTIONS, createCheckout, pageApi } from './helpers.js';

const SHOP = 'https://shop.example';
const HOUR = 3600;
const HOSTILE = '<img src=x onerror=alert(1)>';

/** Pages answer HTML even for refusals, so they are fetched around the harness's JSON checks. */
async function getPage(t: TestApp, url: string) {
  const res = await t.app.inject({ method: 'GET', url });
  assert.ok(res.headers['klarna-correlation-id'], 'every answer carries a correlation id');
  return res;
}

function assertPageHeaders(res: { headers: Record<string, unknown> }): void {
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-frame-options'], undefined, 'merchant pages on any origin frame the checkout');
  const csp = String(res.headers['content-security-policy']);
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "form-action 'none'", "base-uri 'none'", 'frame-ancestors *']) {
    assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
}

/** Looks at real tags only, with their quoted (escaped) values taken out: hostile text may read `onerror=` as text. */
function assertNoInlineCode(html: string): void {
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc="/, `inline script in the page: ${tag}`);
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    const bare = tag.replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(bare, /\son[a-z]+=/i, `no inline event handlers: ${tag}`);
    assert.doesNotMatch(bare, /\sstyle=/i, `no inline styles: ${tag}`);
  }
}

for (const dialect of await availableDialects()) {
  describe(`checkout page over HTTP (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const checkoutPage = (token: string) => getPage(t, `/checkout/v3/page/checkout?token=${encodeURIComponent(token)}`);
    const confirmationPage = (token: string) => getPage(t, `/checkout/v3/page/confirmation?token=${encodeURIComponent(token)}`);

    it('serves its script and styles as separate files; the script compiles', async () => {
      const script = await getPage(t, '/checkout/v3/page/checkout.js');
      assert.equal(script.statusCode, 200);
      assert.match(String(script.headers['content-type']), /^application\/javascript; charset=utf-8/);
      assert.equal(script.headers['x-content-type-options'], 'nosniff');
      assert.equal(script.headers['cache-control'], 'public, max-age=300');
      assert.doesNotThrow(() => new vm.Script(script.body, { filename: 'checkout.js' }));
      for (const name of ['api/details', 'api/shipping-option', 'api/complete', 'window.top.location.href', 'textContent', 'klarna-local:checkout:height', 'ResizeObserver']) {
        assert.ok(script.body.includes(name), `the script mentions ${name}`);
      }
      assert.doesNotMatch(script.body, /innerHTML/, 'data never becomes markup in the browser');
      const styles = await getPage(t, '/checkout/v3/page/checkout.css');
      assert.equal(styles.statusCode, 200);
      assert.match(String(styles.headers['content-type']), /^text\/css/);
      assert.equal(styles.headers['cache-control'], 'public, max-age=300');
      assert.match(styles.body, /\.kc-buy \{/);
    });

    it('the scripts and styles carry a strong ETag: If-None-Match with it (or *) is 304 without a body, another tag 200', async () => {
      for (const url of ['/checkout/v3/page/checkout.js', '/checkout/v3/page/checkout.css', '/checkout/v3/page/snippet.js']) {
        const first = await getPage(t, url);
        const etag = String(first.headers.etag);
        assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/, `${url}: a strong ETag`);
        assert.equal((await getPage(t, url)).headers.etag, etag, `${url}: the same bytes, the same tag`);
        for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
          const again = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': tag } });
          assert.equal(again.statusCode, 304, `${url} If-None-Match: ${tag}`);
          assert.equal(again.body, '');
          assert.equal(again.headers.etag, etag);
          assert.equal(again.headers['cache-control'], 'public, max-age=300');
        }
        const changed = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"something-else"' } });
        assert.equal(changed.statusCode, 200);
        assert.equal(changed.body, first.body);
      }
    });

    it('the snippet: the iframe (a default height until the page reports its own) and its script, a file of klarna-local loaded async; no inline code', async () => {
      const { order } = await createCheckout(t, SHOP);
      const snippet = String(order.html_snippet);
      assertNoInlineCode(snippet.replace(/\sstyle="[^"]*"/g, ''));
      assert.match(snippet, /<iframe id="klarna-checkout-iframe" name="klarna-checkout-iframe" title="Klarna Checkout" src="[^"]+\/checkout\/v3\/page\/checkout\?token=[^"]+" style="width: 100%; height: 720px; border: 0; display: block;" scrolling="auto" frameborder="0"><\/iframe>/);
      assert.doesNotMatch(snippet, /min-height/, 'the iframe follows its content, shorter or taller');
      const src = /<script async src="([^"]+)"><\/script>/.exec(snippet)?.[1];
      assert.ok(src, `the snippet's script in ${snippet}`);
      const iframeSrc = /<iframe[^>]*\ssrc="([^"]+)"/.exec(snippet)?.[1] ?? '';
      assert.equal(new URL(src).origin, new URL(iframeSrc).origin, 'the script comes from klarna-local, as the page');
      assert.equal(new URL(src).pathname, '/checkout/v3/page/snippet.js');

      const script = await getPage(t, new URL(src).pathname);
      assert.equal(script.statusCode, 200);
      assert.match(String(script.headers['content-type']), /^application\/javascript; charset=utf-8/);
      assert.equal(script.headers['x-content-type-options'], 'nosniff');
      assert.equal(script.headers['cache-control'], 'public, max-age=300');
      assert.equal(script.headers['cross-origin-resource-policy'], 'cross-origin', 'merchant pages on any origin load it');
      assert.equal(script.headers['access-control-allow-origin'], '*');
      assert.doesNotThrow(() => new vm.Script(script.body, { filename: 'snippet.js' }));
      for (const name of ['klarna-local:checkout:height', 'event.origin', 'event.source', 'contentWindow', 'klarna-checkout-iframe', 'currentScript']) {
        assert.ok(script.body.includes(name), `the snippet's script mentions ${name}`);
      }
    });

    it('the checkout page: merchant, cart in the order currency, the form prefilled, shipping options, terms and the buy button, under a strict CSP', async () => {
      const { token } = await createCheckout(t, SHOP, { shipping_options: SHIPPING_OPTIONS, billing_address: { given_name: 'Testperson-se', email: 'customer@email.se' } });
      const res = await checkoutPage(token);
      assert.equal(res.statusCode, 200, res.body);
      assertPageHeaders(res);
      assertNoInlineCode(res.body);
      const html = res.body;
      assert.match(html, /<html lang="sv-SE">/);
      assert.match(html, /<script src="checkout.js" defer><\/script>/);
      assert.match(html, /id="kc-merchant">merchant_a</);
      assert.match(html, /T-shirt <span class="kc-quantity">× 2<\/span><\/td><td class="kc-amount">100,00\skr</);
      assert.match(html, /id="kc-total">125,00\skr</);
      assert.match(html, /id="kc-tax">25,00\skr</);
      assert.match(html, /name="email"[^>]*value="customer@email.se"/);
      assert.match(html, /name="billing_address.given_name"[^>]*value="Testperson-se"/);
      for (const field of ['family_name', 'street_address', 'postal_code', 'city', 'phone']) assert.match(html, new RegExp(`name="billing_address.${field}"`));
      assert.match(html, /<select name="billing_address.country"[^>]*><option value="SE" selected>Sweden<\/option><\/select>/, 'the country is the purchase country');
      assert.doesNotMatch(html, /shipping_address\./, 'no separate delivery address unless the merchant allows it');
      assert.match(html, /<input type="radio" name="shipping_option_id" value="standard" checked><span class="kc-option-name">Standard delivery<small>3-5 days<\/small><\/span><span class="kc-option-price">0,00\skr</);
      assert.match(html, /value="express"><span class="kc-option-name">Express delivery<small>Tomorrow<\/small><\/span><span class="kc-option-price">49,00\skr</);
      assert.match(html, /<a href="https:\/\/shop.example\/terms" target="_blank" rel="noopener noreferrer">terms and conditions<\/a>/);
      assert.match(html, /id="kc-buy">Buy now</);
      assert.match(html, /customer\+denied@email\.se/, 'the test e-mails are listed');
      assert.match(html, new RegExp(`data-token="${token.replace(/[.]/g, '\\.')}"`));
    });

    it('a separate delivery address only when allow_separate_shipping_address is true; its prefill ticks the box', async () => {
      const allowed = await createCheckout(t, SHOP, { options: { allow_separate_shipping_address: true } });
      const html = (await checkoutPage(allowed.token)).body;
      assert.match(html, /id="kc-shipping-address"/);
      assert.match(html, /<input type="checkbox" id="kc-separate" name="separate_shipping_address">/);
      assert.match(html, /<div id="kc-shipping-fields" hidden>/);
      for (const field of ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country']) assert.match(html, new RegExp(`name="shipping_address.${field}"`));

      const prefilled = await createCheckout(t, SHOP, { options: { allow_separate_shipping_address: true }, billing_address: BILLING, shipping_address: { ...BILLING, street_address: 'Lagret 2' } });
      const ticked = (await checkoutPage(prefilled.token)).body;
      assert.match(ticked, /id="kc-separate" name="separate_shipping_address" checked>/);
      assert.match(ticked, /name="shipping_address.street_address"[^>]*value="Lagret 2"/);
    });

    it('hostile data is escaped everywhere: line names, shipping options, the shopper\'s own entries, on both pages', async () => {
      const lines = [{ ...LINES[0], name: HOSTILE, quantity_unit: '"><b>' }, LINES[1]];
      const options = [{ ...SHIPPING_OPTIONS[0], id: 'a"b', name: `</label>${HOSTILE}`, description: '<script>alert(2)</script>' }];
      const { token, order_id } = await createCheckout(t, SHOP, { order_lines: lines, shipping_options: options });
      const api = pageApi(t);
      const entered = await api.details({ token, email: 'customer@email.se', billing_address: { ...BILLING, given_name: `"><svg onload=alert(3)>`, city: HOSTILE } });
      assert.equal(entered.status, 200, entered.body);

      const html = (await checkoutPage(token)).body;
      for (const raw of [HOSTILE, '<script>alert(2)', '<svg onload', '"><b>', 'a"b']) assert.ok(!html.includes(raw), `unescaped in the checkout page: ${raw}`);
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(html.includes('value="&quot;&gt;&lt;svg onload=alert(3)&gt;"'));
      assert.ok(html.includes('value="a&quot;b"'));
      assertNoInlineCode(html);

      const done = await api.complete({ token, shipping_option_id: 'a"b' });
      assert.equal(done.json().outcome.status, 'checkout_complete', done.body);
      const confirmation = (await confirmationPage(token)).body;
      assert.ok(confirmation.includes(order_id));
      for (const raw of [HOSTILE, '<svg onload', '"><b>']) assert.ok(!confirmation.includes(raw), `unescaped in the confirmation page: ${raw}`);
      assert.ok(confirmation.includes('&lt;img src=x onerror=alert(1)&gt;'));
      assertNoInlineCode(confirmation);
    });

    it('the confirmation page thanks the shopper with the order id, the cart and the addresses; before completion it points back to checkout', async () => {
      const { token, order_id } = await createCheckout(t, SHOP, { shipping_options: SHIPPING_OPTIONS });
      const early = await confirmationPage(token);
      assert.equal(early.statusCode, 200);
      assertPageHeaders(early);
      assert.match(early.body, /not complete yet/);
      assert.match(early.body, /<a href="checkout\?token=[^"]+">Continue to checkout<\/a>/);

      const done = await pageApi(t).complete({ token, email: 'customer@email.se', billing_address: BILLING, shipping_option_id: 'express' });
      assert.equal(done.json().outcome.status, 'checkout_complete', done.body);
      const res = await confirmationPage(token);
      assert.equal(res.statusCode, 200);
      assertPageHeaders(res);
      assertNoInlineCode(res.body);
      assert.match(res.body, /Thank you for your order!/);
      assert.match(res.body, /<script src="checkout.js" defer><\/script>/, 'the confirmation page reports its height to the snippet too');
      assert.match(res.body, new RegExp(`id="kc-order-id">${order_id}<`));
      assert.match(res.body, /Express delivery <span class="kc-quantity">× 1<\/span><\/td><td class="kc-amount">49,00\skr/);
      assert.match(res.body, /id="kc-total">174,00\skr</);
      assert.match(res.body, /<span>Testperson-se Approved<\/span><span>Stårgatan 1<\/span><span>12345 Ankeborg<\/span><span>Sweden<\/span>/);
      assert.match(res.body, /customer@email.se/);

      // The checkout page of a completed order says so, with no form: its script only reports the page's height.
      const again = await checkoutPage(token);
      assert.equal(again.statusCode, 200);
      assert.match(again.body, /This purchase is complete\. <a href="confirmation\?token=[^"]+">See your order confirmation<\/a>/);
      assert.doesNotMatch(again.body, /kc-form/);
      assert.match(again.body, /data-token=""/);
      assert.match(again.body, /<script src="checkout.js" defer><\/script>/);
    });

    it('a bad link is 401, an expired order 404, an aborted one says the store cancelled it: each a page, never a form', async () => {
      const { token } = await createCheckout(t, SHOP);
      for (const bad of ['', 'not-a-token', `${token.slice(0, -3)}xyz`]) {
        const res = await getPage(t, `/checkout/v3/page/checkout?token=${encodeURIComponent(bad)}`);
        assert.equal(res.statusCode, 401, bad);
        assertPageHeaders(res);
        assert.match(res.body, /This checkout link is not valid/);
        assert.doesNotMatch(res.body, /kc-form/);
      }
      const none = await getPage(t, '/checkout/v3/page/checkout');
      assert.equal(none.statusCode, 401);
      assert.equal((await getPage(t, `/checkout/v3/page/confirmation?token=nope`)).statusCode, 401);

      const aborted = await createCheckout(t, SHOP);
      assert.equal((await t.post(`/checkout/v3/orders/${aborted.order_id}/abort`)).status, 200);
      const cancelled = await checkoutPage(aborted.token);
      assert.equal(cancelled.statusCode, 200);
      assert.match(cancelled.body, /The store has cancelled this checkout/);
      assert.match(cancelled.body, /data-state="aborted" data-token=""/);
      assert.doesNotMatch(cancelled.body, /kc-form/);
      assert.match((await confirmationPage(aborted.token)).body, /The store has cancelled this checkout/);

      await t.advanceClock(49 * HOUR);
      const expired = await checkoutPage(token);
      assert.equal(expired.statusCode, 404);
      assertPageHeaders(expired);
      assert.match(expired.body, /This checkout has expired or does not exist/);
    });
  });
}
