/**
 * The Hosted Payment Page over HTTP, as a browser uses it: what the page shows (branding, cart,
 * totals, categories, the consumer's details), its headers and exact CSP, what it does with hostile
 * data, opening it, its four buttons as form posts (303 to the merchant's URLs with their
 * placeholders filled, or back to the page, which then says what happened), a Checkout order's
 * address, refusals shown in the page, final, disabled, unknown and ended sessions, the QR codes
 * (decoded back to the link) and the in-store distribution page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { MAX_BODY_BYTES } from '../../../src/app.js';
import { availableDialects } from '../../helpers/databases.js';
import { PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { checkoutBody } from '../../helpers/resources.js';

// jsqr is CommonJS with a declared default export: under NodeNext the import is its module object.
const jsQR = jsQRModule.default;

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const SHOP = 'https://shop.example';
const HOSTILE = '<img src=x onerror=alert(1)>';

interface Created {
  session_id: string;
  redirect_url: string;
  qr_code_url: string;
  distribution_module: { token: string; standalone_url: string };
}

type Answer = Awaited<ReturnType<TestApp['app']['inject']>>;

const codeOf = (created: Created) => decodeURIComponent(new URL(created.redirect_url).pathname.split('/').pop() ?? '');
const backTo = (created: Created) => `../${encodeURIComponent(codeOf(created))}`;
const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

/** Looks at real tags only, with their quoted (escaped) values taken out: hostile text may read `onerror=` as text. */
function assertNoInlineCode(html: string): void {
  assert.doesNotMatch(html, /<script\b/i, 'no script at all');
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    const bare = tag.replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(bare, /\son[a-z]+=/i, `no inline event handlers: ${tag}`);
    assert.doesNotMatch(bare, /\sstyle=/i, `no inline styles: ${tag}`);
  }
  assert.doesNotMatch(html, /<style\b/i, 'no style element');
}

function assertPageHeaders(res: Answer, status = 200): void {
  assert.equal(res.statusCode, status, res.body.slice(0, 500));
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.match(String(res.headers['klarna-correlation-id']), /^[0-9a-f-]{36}$/);
  assert.match(res.body, /^<!doctype html>\n<html lang="en">/);
}

/** The text content of the element with this id (tags dropped, entities of the five escaped characters decoded). */
function textOf(html: string, id: string): string | null {
  const match = new RegExp(`<([a-z0-9]+)[^>]*\\sid="${id}"[^>]*>([^]*?)</\\1>`).exec(html);
  if (!match) return null;
  return (match[2] ?? '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
    .trim();
}

for (const dialect of await availableDialects()) {
  describe(`hosted payment page over HTTP (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function paymentsSession(overrides: Record<string, unknown> = {}): Promise<string> {
      const res = await t.post('/payments/v1/sessions', orderBody(overrides));
      assert.equal(res.status, 200, res.body);
      return res.json().session_id;
    }

    async function createHpp(paymentUrl: string, extra: Record<string, unknown> = {}): Promise<Created> {
      const res = await t.post('/hpp/v1/sessions', { payment_session_url: paymentUrl, ...extra });
      assert.equal(res.status, 201, res.body);
      return res.json();
    }

    const forPayments = async (extra: Record<string, unknown> = {}, session: Record<string, unknown> = {}) =>
      createHpp(`${PUBLIC_URL}/payments/v1/sessions/${await paymentsSession(session)}`, extra);

    const open = (created: Created, headers: Record<string, string> = HTML) => t.app.inject({ method: 'GET', url: pathOf(created.redirect_url), headers });

    /** Presses a button of the page: a form post as the browser sends it. */
    const press = (created: Created, action: string, fields: Record<string, string> = {}, headers: Record<string, string> = HTML) =>
      t.app.inject({
        method: 'POST',
        url: `${pathOf(created.redirect_url)}/${action}`,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ hpp_form: 'page', ...fields }).toString(),
      });

    async function read(created: Created): Promise<{ status: string; order_id?: string; authorization_token?: string }> {
      const res = await t.get(`/hpp/v1/sessions/${created.session_id}`);
      assert.equal(res.status, 200, res.body);
      return res.json();
    }

    it('the page: title, logo, the background for a phone, the cart and totals in the order\'s locale, the e-mail prefilled, the test e-mails, four buttons; its headers', async () => {
      const created = await forPayments({
        options: {
          page_title: 'Pay for your T-shirts',
          logo_url: 'https://cdn.shop.example/logo.png',
          background_images: [
            { url: 'https://img.shop.example/small.jpg', width: 320 },
            { url: 'https://img.shop.example/large.jpg', width: 1600 },
            { url: 'https://img.shop.example/phone.jpg', width: 640 },
          ],
        },
      });
      const res = await open(created);
      assertPageHeaders(res);
      const html = res.body;
      assert.equal(textOf(html, 'hpp-title'), 'Pay for your T-shirts');
      assert.match(html, /<title>Pay for your T-shirts<\/title>/);
      assert.match(html, /<img class="hpp-logo" id="hpp-logo" src="https:\/\/cdn\.shop\.example\/logo\.png" alt="Store logo">/);
      assert.match(html, /<img class="hpp-backdrop" id="hpp-backdrop" src="https:\/\/img\.shop\.example\/phone\.jpg"/, 'the narrowest image at least 480 px wide');
      assert.match(html, /srcset="https:\/\/img\.shop\.example\/small\.jpg 320w, https:\/\/img\.shop\.example\/phone\.jpg 640w, https:\/\/img\.shop\.example\/large\.jpg 1600w"/);
      assert.match(html, /<link rel="stylesheet" href="\.\.\/pay\/assets\/hpp\.css">/);
      assert.match(html, /<tbody id="hpp-lines" lang="sv-SE">/, 'the merchant\'s line names are in the order\'s language');
      assert.match(textOf(html, 'hpp-lines') ?? '', /^T-shirt × 2\s*100,00\skr\s*Shipping × 1\s*25,00\skr$/);
      assert.deepEqual(
        [...html.matchAll(/<tr class="hpp-(?:sub)?total"><th scope="row">([^<]+)<\/th><td class="hpp-amount"[^>]*>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]?.replace(/\s/g, ' ')]),
        [['Subtotal', '100,00 kr'], ['Shipping', '25,00 kr'], ['Total', '125,00 kr'], ['Including tax', '25,00 kr']],
      );
      assert.match(html, /<input id="hpp-email" type="email" name="email" autocomplete="email"[^>]* value="customer@email\.se">/, 'prefilled from the billing address');
      assert.match(html, /<label for="hpp-email">E-mail<\/label>/);
      for (const email of ['customer@email.se', 'customer+denied@email.se', 'customer+red@email.se', 'customer+pend-accept-05@email.us']) assert.ok(html.includes(`<code>${email}</code>`), email);
      const code = encodeURIComponent(codeOf(created));
      for (const [action, label] of [['approve', 'Approve'], ['decline', 'Decline'], ['back', 'Go back'], ['cancel', 'Cancel']]) {
        assert.ok(html.includes(`action="../pay/${code}/${action}"`), `a form for ${action}`);
        assert.match(html, new RegExp(`<button type="submit" class="hpp-button[^"]*" id="hpp-${action}-button">${label}</button>`));
      }
      assert.equal(html.match(/<input type="hidden" name="hpp_form" value="page">/g)?.length, 4, 'every form carries the marker');
      assertNoInlineCode(html);
      assert.equal(
        res.headers['content-security-policy'],
        "default-src 'none'; style-src 'self'; img-src 'self' data: https://cdn.shop.example https://img.shop.example; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      );
    });

    it('the CSP names exactly the origins of the images and of the merchant\'s landing URLs; only http(s) images reach the page', async () => {
      const created = await forPayments({
        merchant_urls: {
          success: `${SHOP}/ok?sid={{session_id}}`,
          failure: 'https://pay.shop.example:8443/failed',
          cancel: `${SHOP}/cancel`,
          back: 'http://127.0.0.1:9999/back',
          status_update: 'https://hooks.example/hpp',
        },
        options: { logo_url: 'https://cdn.shop.example/a.png', background_images: [{ url: 'https://cdn.shop.example/b.jpg' }, { url: 'http://img.example:8080/c.jpg', width: 100 }] },
      });
      const res = await open(created);
      assertPageHeaders(res);
      assert.equal(
        res.headers['content-security-policy'],
        "default-src 'none'; style-src 'self'; img-src 'self' data: https://cdn.shop.example http://img.example:8080; " +
          "form-action 'self' https://shop.example http://127.0.0.1:9999 https://pay.shop.example:8443; base-uri 'none'; frame-ancestors 'none'",
        'success, cancel, back, failure, error in that order, each origin once; status_update is no landing URL',
      );
      assert.match(res.body, /id="hpp-backdrop" src="http:\/\/img\.example:8080\/c\.jpg"/, 'no image 480 px wide: the widest with a width');
      assert.doesNotMatch(res.body, /srcset=/, 'one sized image: no srcset');
    });

    it('hostile titles and line names are text, never markup; the default title', async () => {
      const created = await forPayments(
        { options: { page_title: `${HOSTILE}<script>alert(2)</script>` } },
        {
          order_amount: 10000,
          order_tax_amount: 2000,
          order_lines: [{ type: 'physical', reference: 'SKU-1', name: `Shirt ${HOSTILE}"'\``, quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 }],
        },
      );
      const res = await open(created);
      assertPageHeaders(res);
      assertNoInlineCode(res.body);
      assert.equal(textOf(res.body, 'hpp-title'), `${HOSTILE}<script>alert(2)</script>`);
      assert.ok(res.body.includes('Shirt &lt;img src=x onerror=alert(1)&gt;&quot;&#39;&#96;'), 'the line name, escaped');
      assert.ok(!res.body.includes(HOSTILE), 'never raw');

      const plain = await open(await forPayments());
      assert.equal(textOf(plain.body, 'hpp-title'), 'Complete your purchase');
      assert.doesNotMatch(plain.body, /hpp-logo|hpp-backdrop/, 'no logo or background without options');
    });

    it('the categories offered: the merchant\'s HPP restriction within the session\'s; none to choose for one not offered', async () => {
      const settings = await t.patch('/sandbox/v1/settings', { payment_method_categories: ['pay_now', 'pay_later', 'pay_over_time'] });
      assert.equal(settings.status, 200, settings.body);
      try {
        const all = await open(await forPayments());
        assert.deepEqual([...all.body.matchAll(/name="payment_method_category" value="([a-z_]+)"/g)].map((m) => m[1]), ['pay_now', 'pay_later', 'pay_over_time']);
        assert.match(all.body, /value="pay_now" checked/, 'the first is chosen');

        const restricted = await open(await forPayments({ options: { payment_method_categories: ['PAY_OVER_TIME', 'PAY_LATER', 'DIRECT_DEBIT'] } }));
        assert.deepEqual([...restricted.body.matchAll(/name="payment_method_category" value="([a-z_]+)"/g)].map((m) => m[1]), ['pay_later', 'pay_over_time']);
        assert.deepEqual([...restricted.body.matchAll(/<span>([^<]+)<\/span><\/label>/g)].map((m) => m[1]), ['Pay later', 'Financing']);
        assert.match(restricted.body, /<img class="hpp-badge" src="\.\.\/\.\.\/kp\/assets\/pay_later\/standard\.svg" alt=""/);

        const single = await forPayments({ options: { payment_method_category: 'DIRECT_DEBIT' } });
        const none = await open(single);
        assert.doesNotMatch(none.body, /name="payment_method_category"/);
        assert.match(none.body, /id="hpp-no-category"/);
        const refused = await press(single, 'approve', { email: 'customer@email.se' });
        assertPageHeaders(refused, 400);
        assert.equal(textOf(refused.body, 'hpp-error'), 'Choose one of the payment methods offered.');
        assert.equal((await read(single)).status, 'IN_PROGRESS', 'a refusal leaves the page open');

        // A category the page did not offer, posted by hand: refused in the page, the radios marked.
        const other = await forPayments({ options: { payment_method_categories: ['PAY_LATER', 'PAY_NOW'] } });
        await open(other);
        const wrong = await press(other, 'approve', { email: 'someone@example.com', payment_method_category: 'pay_over_time' });
        assertPageHeaders(wrong, 400);
        assert.match(wrong.body, /<fieldset class="hpp-block hpp-block--invalid" id="hpp-categories">/);
        assert.match(wrong.body, /value="pay_now" aria-invalid="true" aria-describedby="hpp-error" autofocus>/);
        assert.match(wrong.body, /value="someone@example\.com"/, 'what the consumer typed is kept');
        assert.match(wrong.body, /<link rel="stylesheet" href="\.\.\/\.\.\/pay\/assets\/hpp\.css">/, 'relative to the post\'s URL');
        assert.ok(wrong.body.includes(`action="../../pay/${encodeURIComponent(codeOf(other))}/approve"`));
      } finally {
        await t.patch('/sandbox/v1/settings', { payment_method_categories: ['klarna'] });
      }
    });

    it('show_subtotal_detail HIDE: only the total under the cart', async () => {
      const res = await open(await forPayments({ options: { show_subtotal_detail: 'HIDE' } }));
      assert.deepEqual([...res.body.matchAll(/<tr class="hpp-(?:sub)?total"><th scope="row">([^<]+)</g)].map((m) => m[1]), ['Total']);
      assert.match(textOf(res.body, 'hpp-lines') ?? '', /T-shirt × 2/, 'the cart is still shown');
    });

    it('opening the page moves WAITING to IN_PROGRESS (a HEAD request opens nothing); opening again changes nothing', async () => {
      const created = await forPayments();
      assert.equal((await read(created)).status, 'WAITING');
      const head = await t.app.inject({ method: 'HEAD', url: pathOf(created.redirect_url), headers: HTML });
      assert.equal(head.statusCode, 200);
      assert.equal((await read(created)).status, 'WAITING', 'HEAD only looks');
      assertPageHeaders(await open(created));
      const opened = await read(created);
      assert.equal(opened.status, 'IN_PROGRESS');
      await open(created);
      assert.deepEqual(await read(created), opened, 'the same session, not even updated_at moved');
    });

    it('each button answers 303 to the merchant\'s URL with {{session_id}}, {{order_id}} and {{authorization_token}} filled, and sets the status', async () => {
      const urls = {
        success: `${SHOP}/success?sid={{session_id}}&order={{order_id}}&token={{authorization_token}}`,
        failure: `${SHOP}/failure?sid={{session_id}}`,
        back: `${SHOP}/back?sid={{session_id}}`,
        cancel: `${SHOP}/cancel?sid={{session_id}}&token={{authorization_token}}`,
      };
      const created = await forPayments({ merchant_urls: urls, options: { place_order_mode: 'PLACE_ORDER' } });
      await open(created);
      const sid = created.session_id;

      const declined = await press(created, 'decline');
      assert.equal(declined.statusCode, 303, declined.body);
      assert.equal(declined.headers.location, `${SHOP}/failure?sid=${sid}`);
      assert.equal(declined.headers['referrer-policy'], 'no-referrer', 'the shop gets no Referer with the page code');
      assert.equal((await read(created)).status, 'FAILED');

      const back = await press(created, 'back');
      assert.equal(back.statusCode, 303);
      assert.equal(back.headers.location, `${SHOP}/back?sid=${sid}`);
      assert.equal((await read(created)).status, 'BACK');

      const approved = await press(created, 'approve', { email: 'customer@email.se', payment_method_category: 'klarna' });
      assert.equal(approved.statusCode, 303, approved.body);
      const done = await read(created);
      assert.equal(done.status, 'COMPLETED');
      assert.ok(done.order_id);
      assert.equal(approved.headers.location, `${SHOP}/success?sid=${sid}&order=${done.order_id}&token={{authorization_token}}`, 'PLACE_ORDER: the order, no token');
      const order = await t.getOrder(done.order_id);
      assert.equal(order.status, 'AUTHORIZED');
      assert.equal(order.billing_address.email, 'customer@email.se');

      // NONE: the authorization token on the success URL; the order is the merchant's to place.
      const none = await forPayments({ merchant_urls: urls });
      const authorized = await press(none, 'approve', { email: 'customer@email.se' });
      const token = (await read(none)).authorization_token;
      assert.ok(token);
      assert.equal(authorized.headers.location, `${SHOP}/success?sid=${none.session_id}&order={{order_id}}&token=${token}`);

      const cancelling = await forPayments({ merchant_urls: urls });
      const cancelled = await press(cancelling, 'cancel');
      assert.equal(cancelled.statusCode, 303);
      assert.equal(cancelled.headers.location, `${SHOP}/cancel?sid=${cancelling.session_id}&token={{authorization_token}}`, 'the token belongs to the success URL only');
      assert.equal((await read(cancelling)).status, 'CANCELLED');
    });

    it('an e-mail the test data declines is FAILED, to the failure URL', async () => {
      const created = await forPayments({ merchant_urls: { failure: `${SHOP}/failure?sid={{session_id}}` } });
      const res = await press(created, 'approve', { email: 'customer+denied@email.se' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `${SHOP}/failure?sid=${created.session_id}`);
      assert.equal((await read(created)).status, 'FAILED');
    });

    it('without merchant URLs every button comes back to the page, which says what happened', async () => {
      const created = await forPayments();
      await open(created);
      // Back to the page by a relative Location: from /hpp/pay/{code}/{action}, `../{code}`.
      const page = backTo(created);
      assert.equal(new URL(page, `${created.redirect_url}/decline`).href, created.redirect_url);

      const declined = await press(created, 'decline');
      assert.equal(declined.statusCode, 303);
      assert.equal(declined.headers.location, page);
      const afterDecline = await open(created);
      assertPageHeaders(afterDecline);
      assert.equal(textOf(afterDecline.body, 'hpp-notice'), 'The payment was declined. You can try again, with another e-mail or payment method.');
      assert.equal((await read(created)).status, 'IN_PROGRESS', 'the page is open again');
      assert.equal(textOf((await open(created)).body, 'hpp-notice'), null, 'said once');

      assert.equal((await press(created, 'approve', { email: 'customer+denied@email.se' })).headers.location, page);
      assert.match(textOf((await open(created)).body, 'hpp-notice') ?? '', /^The payment was declined/);

      assert.equal((await press(created, 'back')).headers.location, page);
      assert.equal(textOf((await open(created)).body, 'hpp-notice'), 'You went back. Your purchase is still open: continue when you are ready.');

      const approved = await press(created, 'approve', { email: 'customer@email.se' });
      assert.equal(approved.headers.location, page);
      const final = await open(created);
      assertPageHeaders(final);
      assert.match(final.body, /data-status="COMPLETED"/);
      assert.equal(textOf(final.body, 'hpp-title'), 'Thank you!');
      const token = (await read(created)).authorization_token;
      assert.equal(textOf(final.body, 'hpp-authorization-token'), token);
      assert.doesNotMatch(final.body, /<form/, 'nothing more to do');

      // A button pressed late on a final session: the final page again, no error, nothing changed.
      for (const action of ['approve', 'decline', 'back', 'cancel']) {
        const late = await press(created, action, { email: 'customer@email.se' });
        assert.equal(late.statusCode, 303, `${action}: ${late.body}`);
        assert.equal(late.headers.location, page);
      }
      assert.equal((await read(created)).status, 'COMPLETED');

      const cancelling = await forPayments();
      assert.equal((await press(cancelling, 'cancel')).headers.location, backTo(cancelling));
      const cancelled = await open(cancelling);
      assertPageHeaders(cancelled);
      assert.equal(textOf(cancelled.body, 'hpp-title'), 'Payment cancelled');
      assert.equal(textOf(cancelled.body, 'hpp-outcome'), 'You cancelled the payment. Nothing was bought.');
      assert.equal((await press(cancelling, 'approve')).headers.location, backTo(cancelling));
      assert.equal((await read(cancelling)).status, 'CANCELLED');
    });

    it('a Checkout order: no categories, its billing address asked and prefilled; missing details come back marked (400), then it completes with CAPTURE_ORDER', async () => {
      const checkout = await t.post('/checkout/v3/orders', checkoutBody({ billing_address: { given_name: 'Testperson-se', country: 'SE' } }));
      assert.equal(checkout.status, 201, checkout.body);
      const orderId = checkout.json().order_id;
      const created = await createHpp(`${PUBLIC_URL}/checkout/v3/orders/${orderId}`, { options: { place_order_mode: 'CAPTURE_ORDER' } });
      const res = await open(created);
      assertPageHeaders(res);
      assert.doesNotMatch(res.body, /payment_method_category/);
      assert.match(textOf(res.body, 'hpp-lines') ?? '', /^T-shirt × 2\s*100,00\skr\s*Socks × 1\s*25,00\skr$/);
      assert.match(res.body, /<label for="hpp-billing-given_name">First name<\/label><input id="hpp-billing-given_name" type="text" name="billing_address\.given_name" autocomplete="billing given-name" maxlength="99" value="Testperson-se" required>/);
      for (const name of ['family_name', 'street_address', 'postal_code', 'city']) assert.match(res.body, new RegExp(`name="billing_address\\.${name}"[^>]* value="" required>`), name);
      assert.match(res.body, /<select id="hpp-billing-country" name="billing_address\.country" autocomplete="billing country" required><option value="SE" selected>Sweden<\/option><\/select>/);

      const refused = await press(created, 'approve', { email: '', 'billing_address.given_name': 'Testperson-se', 'billing_address.city': 'Ankeborg', 'billing_address.country': 'SE' });
      assertPageHeaders(refused, 400);
      assert.equal(textOf(refused.body, 'hpp-error'), 'Please fill in or correct the marked fields.');
      const marked = [...refused.body.matchAll(/name="([a-z_.]+)"[^>]* aria-invalid="true"/g)].map((m) => m[1]).sort();
      assert.deepEqual(marked, ['billing_address.family_name', 'billing_address.postal_code', 'billing_address.street_address', 'email']);
      assert.match(refused.body, /<input id="hpp-email"[^>]* aria-invalid="true" aria-describedby="hpp-error" autofocus>/, 'the first marked field has the focus');
      assert.match(refused.body, /<div class="hpp-field hpp-field--wide hpp-field--invalid"><label for="hpp-email">/);
      assert.match(refused.body, /name="billing_address\.city"[^>]* value="Ankeborg" required>/, 'what the consumer typed is kept');
      assert.equal((await read(created)).status, 'IN_PROGRESS');

      const tooLong = await press(created, 'approve', { email: 'customer@email.se', 'billing_address.postal_code': '1'.repeat(11), 'billing_address.country': 'Sweden' });
      assertPageHeaders(tooLong, 400);
      assert.deepEqual([...tooLong.body.matchAll(/name="([a-z_.]+)"[^>]* aria-invalid="true"/g)].map((m) => m[1]).sort(), ['billing_address.country', 'billing_address.postal_code']);

      const approved = await press(created, 'approve', {
        email: 'customer@email.se',
        'billing_address.given_name': 'Testperson-se',
        'billing_address.family_name': 'Approved',
        'billing_address.street_address': 'Stårgatan 1',
        'billing_address.postal_code': '12345',
        'billing_address.city': 'Ankeborg',
        'billing_address.country': 'SE',
      });
      assert.equal(approved.statusCode, 303, approved.body);
      assert.equal(approved.headers.location, backTo(created));
      const done = await read(created);
      assert.equal(done.status, 'COMPLETED');
      assert.equal(done.order_id, orderId);
      const order = await t.getOrder(orderId);
      assert.equal(order.status, 'CAPTURED');
      assert.equal(order.billing_address.street_address, 'Stårgatan 1');
      const final = await open(created);
      assert.equal(textOf(final.body, 'hpp-order-id'), orderId);
    });

    it('posts that are not the page\'s forms are refused (415; a page for browsers, the envelope otherwise) and change nothing', async () => {
      const created = await forPayments();
      await open(created);
      const url = `${pathOf(created.redirect_url)}/cancel`;
      const cases: [Record<string, string>, string | undefined][] = [
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 'email=customer%40email.se'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, '&'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 'hpp_form=page&x=%ZZ'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, '['.repeat(10_000) + ']'.repeat(10_000)],
        [{ 'content-type': 'application/json' }, '{"hpp_form":"page"}'],
        [{}, undefined],
      ];
      for (const [headers, payload] of cases) {
        const json = await t.app.inject({ method: 'POST', url, headers, ...(payload !== undefined && { payload }) });
        assert.equal(json.statusCode, 415, `${payload}: ${json.body}`);
        assert.equal(json.json().error_code, 'UNSUPPORTED_MEDIA_TYPE');
        assert.equal(json.json().correlation_id, json.headers['klarna-correlation-id']);
        const page = await t.app.inject({ method: 'POST', url, headers: { ...HTML, ...headers }, ...(payload !== undefined && { payload }) });
        assertPageHeaders(page, 415);
        assert.equal(textOf(page.body, 'hpp-title'), 'This form could not be sent');
        assert.equal(page.headers['content-security-policy'], "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
      }
      const huge = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `hpp_form=page&email=${'a'.repeat(MAX_BODY_BYTES)}` });
      assert.equal(huge.statusCode, 413, 'the app\'s body limit holds for forms too');
      const nul = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'hpp_form=page&email=a%00b' });
      assert.equal(nul.statusCode, 400, nul.body);
      assert.equal(nul.json().error_code, 'BAD_REQUEST');
      assert.equal((await read(created)).status, 'IN_PROGRESS');
    });

    it('the stylesheet is served like the other assets', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/hpp/pay/assets/hpp.css' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/css; charset=utf-8/);
      assert.equal(res.headers['cache-control'], 'public, max-age=300');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(res.body, /\.hpp-button--primary \{/);
      assert.match(res.body, /:focus-visible/);
      const again = await t.app.inject({ method: 'GET', url: '/hpp/pay/assets/hpp.css', headers: { 'if-none-match': String(res.headers.etag) } });
      assert.equal(again.statusCode, 304);
    });

    it('the QR code: PNG by default, SVG with ?format=svg, both of redirect_url (the PNG decodes back to it); 404 for an unknown code', async () => {
      const created = await forPayments();
      assert.equal(created.qr_code_url, `${created.redirect_url}/qr`);
      const png = await t.app.inject({ method: 'GET', url: pathOf(created.qr_code_url) });
      assert.equal(png.statusCode, 200);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.equal(png.headers['cache-control'], 'no-store');
      assert.equal(png.headers['x-content-type-options'], 'nosniff');
      assert.equal(png.headers['cross-origin-resource-policy'], 'cross-origin', 'merchants embed it');
      const image = PNG.sync.read(png.rawPayload);
      assert.ok(image.width >= 200 && image.width === image.height, `${image.width}×${image.height}`);
      const decoded = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
      assert.equal(decoded?.data, created.redirect_url);

      const svg = await t.app.inject({ method: 'GET', url: `${pathOf(created.qr_code_url)}?format=svg` });
      assert.equal(svg.statusCode, 200);
      assert.equal(svg.headers['content-type'], 'image/svg+xml');
      assert.match(svg.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
      assert.doesNotMatch(svg.body, /<script|on[a-z]+=/i);
      assert.equal((await t.app.inject({ method: 'GET', url: `${pathOf(created.qr_code_url)}?format=png` })).headers['content-type'], 'image/png');

      const bad = await t.app.inject({ method: 'GET', url: `${pathOf(created.qr_code_url)}?format=gif` });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error_code, 'BAD_VALUE');
      const unknown = await t.app.inject({ method: 'GET', url: '/hpp/pay/nothing-here/qr' });
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(Object.keys(unknown.json()).sort(), ['correlation_id', 'error_code', 'error_messages']);
      assert.equal(unknown.json().error_code, 'NOT_FOUND');
    });

    it('the distribution page: title, logo, the QR code inline and the link, the total', async () => {
      const created = await forPayments({ options: { page_title: 'Kassa 3', logo_url: 'https://cdn.shop.example/logo.png' } });
      const res = await t.app.inject({ method: 'GET', url: pathOf(created.distribution_module.standalone_url), headers: HTML });
      assertPageHeaders(res);
      assert.equal(textOf(res.body, 'hpp-title'), 'Kassa 3');
      assert.match(res.body, /<img class="hpp-logo" id="hpp-logo" src="https:\/\/cdn\.shop\.example\/logo\.png"/);
      assert.match(res.body, /<svg class="hpp-qr-code" id="hpp-qr-code" role="img" aria-labelledby="hpp-qr-caption" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
      assert.ok(res.body.includes(`<a id="hpp-link" href="${created.redirect_url}">${created.redirect_url}</a>`));
      assert.match(textOf(res.body, 'hpp-qr-caption') ?? '', /^Scan to pay 125,00\skr on your phone/);
      assert.match(res.body, /<link rel="stylesheet" href="\.\.\/pay\/assets\/hpp\.css">/);
      assertNoInlineCode(res.body);
      assert.equal((await read(created)).status, 'WAITING', 'the in-store screen opens nothing');
    });

    it('DISABLED, unknown and ended sessions: a 404 page for browsers (the envelope for other clients), for the page, its buttons, its QR code and the distribution page', async () => {
      const disabled = await forPayments();
      await open(disabled);
      assert.equal((await t.request({ method: 'DELETE', url: `/hpp/v1/sessions/${disabled.session_id}` })).status, 204);
      const expiring = await forPayments();

      // A Payments session completed by the merchant itself (not through the page) ends its HPP session.
      const paymentId = await paymentsSession();
      const completedElsewhere = await createHpp(`${PUBLIC_URL}/payments/v1/sessions/${paymentId}`);
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${paymentId}/authorize`, {});
      const { merchant_reference1: _ref, ...orderData } = orderBody();
      const placed = await t.post(`/payments/v1/authorizations/${authorized.json().authorization_token}/order`, orderData);
      assert.equal(placed.status, 200, placed.body);

      const missing = { redirect_url: `${PUBLIC_URL}/hpp/pay/no-such-code`, session_id: 'x', qr_code_url: '', distribution_module: { token: 'no-such-token', standalone_url: `${PUBLIC_URL}/hpp/distribution/no-such-token` } };
      for (const [what, created] of [['disabled', disabled], ['unknown', missing], ['completed elsewhere', completedElsewhere]] as const) {
        const page = await open(created);
        assertPageHeaders(page, 404);
        assert.equal(textOf(page.body, 'hpp-title'), 'Page not found', what);
        assert.equal(textOf(page.body, 'hpp-problem'), 'This payment link has expired or does not exist. Ask the store for a new one.');
        assertNoInlineCode(page.body);
        const pressed = await press(created, 'approve', { email: 'customer@email.se' });
        assertPageHeaders(pressed, 404);
        assert.match(pressed.body, /<link rel="stylesheet" href="\.\.\/\.\.\/pay\/assets\/hpp\.css">/);
        const api = await open(created, { accept: 'application/json' });
        assert.equal(api.statusCode, 404);
        assert.equal(api.json().error_code, 'NOT_FOUND', what);
        assert.equal((await t.app.inject({ method: 'GET', url: `${pathOf(created.redirect_url)}/qr` })).statusCode, 404, what);
        const screen = await t.app.inject({ method: 'GET', url: pathOf(created.distribution_module.standalone_url), headers: HTML });
        assertPageHeaders(screen, 404);
      }

      // Expired: an HPP session ends an hour before its Payments session (48 h).
      await t.advanceClock(47 * 3600 + 1);
      const expired = await open(expiring);
      assertPageHeaders(expired, 404);
      assert.equal(textOf(expired.body, 'hpp-title'), 'Page not found');
    });
  });
}
