/**
 * The shopper side over HTTP: the browser library, the widget page and its JSON API (authenticated
 * by the client token only), the badges, and what the pages do with hostile data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { issueClientToken } from '../../../src/modules/payments/client-token.js';
import { libraryScript } from '../../../src/modules/shopper/library-script.js';
import { readWebBuild } from '../../../src/modules/shopper/web-assets.js';

const HOUR = 3600;
const SHOP_ORIGIN = 'http://shop.test:8000';

function assertError(res: TestResponse, status: number, errorCode: string, message?: RegExp): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, errorCode, res.body);
  if (message) assert.match(res.json().error_messages.join(' '), message);
}

/** Every attribute-free or src-less <script> would be inline code, which the CSP forbids anyway. */
function assertNoInlineScript(html: string): void {
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc="/, `inline script in the page: ${tag}`);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /\sstyle="/i, 'no inline styles');
}

for (const dialect of await availableDialects()) {
  describe(`shopper widget over HTTP (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function createSession(overrides: Record<string, unknown> = {}) {
      const res = await t.post('/payments/v1/sessions', orderBody(overrides));
      assert.equal(res.status, 200, res.body);
      return res.json<{ session_id: string; client_token: string; payment_method_categories: { identifier: string; asset_urls: { descriptive: string; standard: string } }[] }>();
    }

    /** The widget page answers HTML even for errors, so it is fetched around the harness's JSON checks. */
    async function widgetPage(query: Record<string, string>) {
      const res = await t.app.inject({ method: 'GET', url: `/kp/widget?${new URLSearchParams(query).toString()}` });
      assert.ok(res.headers['klarna-correlation-id']);
      return res;
    }

    const widgetApi = {
      session: (clientToken: string) => t.get(`/kp/widget/api/session?client_token=${encodeURIComponent(clientToken)}`, null),
      authorize: (body: Record<string, unknown>) => t.post('/kp/widget/api/authorize', body, { auth: null }),
    };

    it('serves the browser library as JavaScript that compiles, with its fallback base and the async callback hook', async () => {
      const res = await t.get('/kp/lib/v1/api.js', null);
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/javascript; charset=utf-8/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.doesNotThrow(() => new vm.Script(res.body, { filename: 'api.js' }), 'the library is valid JavaScript');
      assert.ok(res.body.includes(JSON.stringify(PUBLIC_URL)), 'the public URL is the fallback base');
      for (const name of ['init', 'load', 'authorize', 'finalize', 'on', 'klarnaAsyncCallback', 'postMessage', 'event.origin']) {
        assert.ok(res.body.includes(name), `the library mentions ${name}`);
      }

      const script = await t.get('/kp/widget/widget.js', null);
      assert.equal(script.status, 200);
      assert.match(String(script.headers['content-type']), /^application\/javascript/);
      assert.doesNotThrow(() => new vm.Script(script.body, { filename: 'widget.js' }));
      const styles = await t.get('/kp/widget/widget.css', null);
      assert.equal(styles.status, 200);
      assert.match(String(styles.headers['content-type']), /^text\/css/);
      for (const res of [script, styles]) {
        assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
        assert.equal(res.headers['access-control-allow-origin'], '*');
        assert.equal(res.headers['cache-control'], 'public, max-age=300');
      }
    });

    it('the library, widget script and styles carry a strong ETag and answer 304 to it, with the cross-origin headers', async () => {
      for (const url of ['/kp/lib/v1/api.js', '/kp/widget/widget.js', '/kp/widget/widget.css']) {
        const first = await t.app.inject({ method: 'GET', url });
        assert.equal(first.statusCode, 200);
        const etag = String(first.headers.etag);
        assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/, `${url}: a strong ETag`);
        const again = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
        assert.equal(again.statusCode, 304, url);
        assert.equal(again.body, '');
        assert.equal(again.headers.etag, etag);
        assert.equal(again.headers['cross-origin-resource-policy'], 'cross-origin');
        assert.equal(again.headers['access-control-allow-origin'], '*');
        assert.equal((await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"other"' } })).statusCode, 200);
      }
    });

    it('the fallback base goes into the library as a string literal that cannot close a <script> or be read as a replacement pattern', () => {
      const hostile = "http://x.test/</script><script>alert(1)</script>$&$'\u2028";
      const asset = libraryScript(hostile);
      const text = asset.body.toString('utf8');
      assert.doesNotMatch(text, /<\/script/i);
      assert.ok(!text.includes('__KLARNA_LOCAL_FALLBACK_BASE__'), 'the placeholder is replaced');
      assert.doesNotThrow(() => new vm.Script(text, { filename: 'api.js' }));
      const literal = /src\.slice\(0, at\) : ("(?:[^"\\]|\\.)*")/.exec(text)?.[1];
      assert.ok(literal, 'the fallback is a string literal');
      assert.equal(JSON.parse(literal), hostile, 'and reads back as the public URL, unchanged');
      assert.equal(libraryScript(hostile), asset, 'built once per public URL');
      assert.notEqual(libraryScript(PUBLIC_URL).etag, asset.etag);
    });

    it('without the browser build (dist/web) the start stops with one line naming npm run build', () => {
      assert.throws(
        () => readWebBuild('/nonexistent/klarna-local'),
        (error: Error) => /^the browser code is not built \(\S+kp\/api\.js is missing\): run `npm run build` first$/.test(error.message),
      );
    });

    it('the widget page shows the cart in the session currency, the categories and the prefilled form, under a strict CSP', async () => {
      const session = await createSession();
      const res = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN, instance: 'w1' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
      const csp = String(res.headers['content-security-policy']);
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "base-uri 'none'", `frame-ancestors ${SHOP_ORIGIN}`]) {
        assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(res.headers['x-frame-options'], undefined, 'merchant pages must be able to frame the widget');
      assertNoInlineScript(res.body);

      const html = res.body;
      assert.match(html, /<html lang="sv-SE">/);
      assert.match(html, /T-shirt <span class="kl-quantity">× 2<\/span><\/td><td class="kl-amount">100,00\skr</);
      assert.match(html, /id="kl-total">125,00\skr</);
      assert.match(html, /value="klarna" checked><img src="assets\/klarna\/standard.svg" alt=""><span>Pay with Klarna</);
      assert.match(html, /name="email"[^>]*value="customer@email.se"/);
      assert.match(html, /name="postal_code"[^>]*value="12345"/);
      assert.match(html, /id="kl-approve-button">Approve purchase</);
      assert.match(html, /id="kl-cancel">Cancel</);
      assert.match(html, /data-state="ready"/);
      assert.match(html, new RegExp(`data-origin="${SHOP_ORIGIN}"`));
      assert.match(html, /customer\+denied@email\.se/, 'the test e-mails are listed');
    });

    it('the widget page refuses what it cannot use: a bad origin, a bad token, a category the session does not offer', async () => {
      const session = await createSession();
      for (const origin of ['javascript:alert(1)', `${SHOP_ORIGIN}/path`, "http://x.test; script-src *", 'null']) {
        const res = await widgetPage({ client_token: session.client_token, origin });
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'$/, origin);
        assert.match(res.body, /data-origin=""/);
      }
      const bad = await widgetPage({ client_token: 'not-a-token', origin: SHOP_ORIGIN, instance: 'w2' });
      assert.equal(bad.statusCode, 401);
      assert.match(String(bad.headers['content-security-policy']), /default-src 'none'/);
      assert.match(bad.body, /data-state="failed" data-invalid-fields="client_token"/);
      assert.match(bad.body, /data-client-token=""/);
      assert.doesNotMatch(bad.body, /kl-approve/, 'no form without a session');

      const other = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN, categories: 'pay_over_time' });
      assert.equal(other.statusCode, 400);
      assert.match(other.body, /data-state="failed" data-invalid-fields="payment_method_category"/);
      const wanted = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN, categories: 'klarna' });
      assert.equal(wanted.statusCode, 200);
      assert.match(wanted.body, /data-state="ready"/);
    });

    it('session endpoint: the shopper view for a valid client token; 401 for tampered or foreign tokens, without merchant credentials', async () => {
      const session = await createSession({ merchant_reference2: 'R2' });
      const res = await widgetApi.session(session.client_token);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const view = res.json();
      assert.equal(view.session_id, session.session_id);
      assert.equal(view.status, 'incomplete');
      assert.equal(view.purchase_currency, 'SEK');
      assert.equal(view.order_amount, 12500);
      assert.deepEqual(
        view.order_lines.map((l: { name: string }) => l.name),
        ['T-shirt', 'Shipping'],
      );
      assert.equal(view.billing_address.email, 'customer@email.se');
      assert.equal(view.payment_method_categories[0].identifier, 'klarna');
      assert.equal(view.merchant_reference2, undefined, 'the shopper sees no merchant-only fields');

      const [header, payload, signature] = session.client_token.split('.') as [string, string, string];
      const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      assertError(await widgetApi.session(flipped), 401, 'UNAUTHORIZED');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const otherSession = Buffer.from(JSON.stringify({ ...claims, session_id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
      assertError(await widgetApi.session(`${header}.${otherSession}.${signature}`), 401, 'UNAUTHORIZED');
      const foreign = issueClientToken(randomBytes(32), claims as never);
      assertError(await widgetApi.session(foreign), 401, 'UNAUTHORIZED');
      assertError(await t.get('/kp/widget/api/session', null), 400, 'BAD_VALUE', /client_token/);
    });

    it('authorize approves with a token the merchant turns into an Order Management order; the session is then completed', async () => {
      const session = await createSession();
      const res = await widgetApi.authorize({ client_token: session.client_token, email: 'customer@email.se', payment_method_category: 'klarna' });
      assert.equal(res.status, 200, res.body);
      const result = res.json();
      assert.equal(result.approved, true);
      assert.equal(result.show_form, true);
      assert.equal(result.finalize_required, false);
      assert.equal(typeof result.authorization_token, 'string');

      const order = await t.post(`/payments/v1/authorizations/${result.authorization_token}/order`, orderBody());
      assert.equal(order.status, 200, order.body);
      const om = await t.getOrder(order.json().order_id);
      assert.equal(om.status, 'AUTHORIZED');
      assert.equal(om.order_amount, 12500);
      assert.equal(om.billing_address.email, 'customer@email.se');

      assert.equal((await widgetApi.session(session.client_token)).json().status, 'complete');
      assertError(await widgetApi.authorize({ client_token: session.client_token }), 404, 'SESSION_COMPLETED');
      const page = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN });
      assert.equal(page.statusCode, 404);
      assert.match(page.body, /data-state="failed"/);
      assert.match(page.body, /already been completed/);
    });

    it('authorize follows the test e-mails: +denied declines and hides the form; the shopper may then approve with another e-mail', async () => {
      const session = await createSession();
      const denied = await widgetApi.authorize({ client_token: session.client_token, email: 'customer+denied@email.se' });
      assert.equal(denied.status, 200, denied.body);
      assert.deepEqual(denied.json(), { approved: false, show_form: false, finalize_required: false });
      const red = await widgetApi.authorize({ client_token: session.client_token, email: 'customer+red@email.se' });
      assert.equal(red.json().approved, false);
      const pending = await widgetApi.authorize({ client_token: session.client_token, email: 'customer+pend-accept-05@email.se' });
      assert.equal(pending.json().approved, true);
      assert.equal(pending.json().fraud_status, 'PENDING');
    });

    it('authorize validates like Payments: 400 BAD_VALUE naming the field, 401 for a bad token, 404 after the session expired', async () => {
      const session = await createSession();
      assertError(await widgetApi.authorize({ client_token: session.client_token, billing_address: { country: 'Sweden' } }), 400, 'BAD_VALUE', /billing_address\.country/);
      assertError(await widgetApi.authorize({ client_token: session.client_token, payment_method_category: 'pay_over_time' }), 400, 'BAD_VALUE', /payment_method_category/);
      assertError(await widgetApi.authorize({ client_token: session.client_token, order_amount: 5 }), 400, 'BAD_VALUE', /order_amount/);
      assertError(await widgetApi.authorize({ email: 'customer@email.se' }), 400, 'BAD_VALUE', /client_token/);
      assertError(await widgetApi.authorize({ client_token: 'a.b.c' }), 401, 'UNAUTHORIZED');

      await t.advanceClock(48 * HOUR + 1);
      assertError(await widgetApi.session(session.client_token), 404, 'NOT_FOUND', /Invalid session id/);
      assertError(await widgetApi.authorize({ client_token: session.client_token }), 404, 'NOT_FOUND');
      const page = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN });
      assert.equal(page.statusCode, 404);
      assert.match(page.body, /data-state="failed" data-invalid-fields="client_token"/);
    });

    it('serves a badge for every category asset URL; unknown identifiers and variants are 404 in Klarna\'s envelope', async () => {
      const session = await createSession();
      const urls = session.payment_method_categories.flatMap((c) => [c.asset_urls.descriptive, c.asset_urls.standard]);
      for (const identifier of ['pay_later', 'pay_over_time', 'pay_now', 'direct_bank_transfer', 'direct_debit']) {
        urls.push(`${PUBLIC_URL}/kp/assets/${identifier}/standard.svg`, `${PUBLIC_URL}/kp/assets/${identifier}/descriptive.svg`);
      }
      for (const url of urls) {
        assert.ok(url.startsWith(PUBLIC_URL));
        const res = await t.get(url.slice(PUBLIC_URL.length), null);
        assert.equal(res.status, 200, `${url}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^image\/svg\+xml/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.match(res.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/s);
        assert.doesNotMatch(res.body, /<script|href=/i);
      }
      assert.match((await t.get('/kp/assets/klarna/descriptive.svg', null)).body, /Pay with Klarna/);
      assertError(await t.get('/kp/assets/unknown/standard.svg', null), 404, 'NOT_FOUND');
      assertError(await t.get('/kp/assets/klarna/large.svg', null), 404, 'NOT_FOUND');
      assertError(await t.get('/kp/assets/klarna/standard.png', null), 404, 'NOT_FOUND');
      assertError(await t.get('/kp/assets/__proto__/standard.svg', null), 404, 'NOT_FOUND');
    });

    it('escapes everything from data: a line named <script> and a hostile address never reach the page as markup', async () => {
      const attack = '<script>alert(1)</script>';
      const quoteBreak = '"><img src=x onerror=alert(1)>';
      const body = orderBody();
      const lines = body.order_lines as Record<string, unknown>[];
      lines[0] = { ...lines[0], name: attack };
      const session = await createSession({
        order_lines: lines,
        billing_address: { ...(body.billing_address as object), given_name: quoteBreak, city: "O'Brien & <b>Co</b>" },
      });
      const res = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN, instance: 'w3' });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(!res.body.includes(attack), 'the line name is not in the page unescaped');
      assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the line name is shown escaped');
      assert.ok(!res.body.includes(quoteBreak));
      assert.ok(!res.body.includes('<b>Co</b>'));
      assert.match(res.body, /name="given_name"[^>]*value="&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;"/);
      assertNoInlineScript(res.body.replace(/value="[^"]*"/g, 'value=""'));
      const injected = await widgetPage({ client_token: session.client_token, origin: SHOP_ORIGIN, instance: '"><script>' });
      assert.equal(injected.statusCode, 400, 'the instance id is a plain identifier');
    });
  });
}
