/**
 * The dashboard's other pages: Payments sessions, Checkout orders, HPP sessions, customer tokens and
 * payouts (lists newest first with keyset paging and a search by id, pages with their data and
 * timeline, another merchant's as an unknown one), a payout's CSV and PDF reports (the bytes the
 * Settlements API sends), and the order page's timeline from the sandbox's (the merchant's API calls
 * with their correlation ids, callbacks with each attempt). Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { checkoutBody, createResources } from '../../helpers/resources.js';
import type { Resources } from '../../helpers/resources.js';
import { signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

/** The ids a list page links in its first column. */
const idsIn = (html: string, section: string): string[] =>
  [...html.matchAll(new RegExp(`<th scope="row"><a href="/dashboard/${section}/([^"]+)">`, 'g'))].map((m) => decodeURIComponent(m[1] ?? ''));

for (const dialect of await availableDialects()) {
  describe(`dashboard resources (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    let mine: Resources;
    let theirs: Resources;
    before(async () => {
      t = await buildTestApp({ dialect });
      mine = await createResources(t, undefined);
      theirs = await createResources(t, OTHER_MERCHANT);
      browser = await signedIn(t);
    });
    after(async () => t.close());

    it('lists each kind of resource, only the merchant\'s, linked from the navigation', async () => {
      const lists: [string, string[], string[]][] = [
        ['payments-sessions', [mine.session_id], [theirs.session_id]],
        ['checkout-orders', [mine.checkout_order_id], [theirs.checkout_order_id]],
        ['hpp-sessions', [mine.hpp_session_id], [theirs.hpp_session_id]],
        ['customer-tokens', [mine.token_id], [theirs.token_id]],
        ['payouts', [mine.payment_reference], [theirs.payment_reference]],
      ];
      for (const [section, present, absent] of lists) {
        const res = await browser.get(`/dashboard/${section}`);
        assert.equal(res.status, 200, section);
        assert.match(res.body, new RegExp(`<a href="/dashboard/${section}" aria-current="page">`), section);
        assert.match(res.body, /<caption>/, `${section}: a labelled table`);
        const ids = idsIn(res.body, section);
        for (const id of present) assert.ok(ids.includes(id), `${section} lists ${id}`);
        for (const id of absent) assert.ok(!ids.includes(id), `${section} does not list another merchant's ${id}`);
        // Search by id: the one, or nothing for another merchant's.
        assert.deepEqual(idsIn((await browser.get(`/dashboard/${section}?q=${encodeURIComponent(present[0] ?? '')}`)).body, section), present, section);
        assert.deepEqual(idsIn((await browser.get(`/dashboard/${section}?q=${encodeURIComponent(absent[0] ?? '')}`)).body, section), [], section);
        // Nonsense in the query is ignored, never a 500.
        assert.ok((await browser.get(`/dashboard/${section}?q=%00`)).status < 500);
        for (const query of ['after=%%%', 'after=bm9wZQ', `after=${Buffer.from('1:\u0000').toString('base64url')}`, 'q=' + 'x'.repeat(300), 'q=a&q=b', 'q=<b>']) {
          assert.equal((await browser.get(`/dashboard/${section}?${query}`)).status, 200, `${section}?${query}`);
        }
      }
    });

    it('pages through a list newest first by keyset, with no row on two pages', async () => {
      const created: string[] = [];
      for (let i = 0; i < 53; i++) {
        const res = await t.post('/payments/v1/sessions', orderBody({ merchant_reference1: `PAGE-${i}` }));
        created.push(res.json().session_id as string);
        if (i % 10 === 9) await t.advanceClock(1);
      }
      const first = await browser.get('/dashboard/payments-sessions');
      const page1 = idsIn(first.body, 'payments-sessions');
      assert.equal(page1.length, 50);
      assert.ok(created.slice(-10).every((id) => page1.includes(id)), 'the newest come first');
      const next = /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(next);
      const page2 = idsIn((await browser.get(next)).body, 'payments-sessions');
      assert.ok(page2.length >= 3);
      assert.equal(new Set([...page1, ...page2]).size, page1.length + page2.length);
      assert.ok(!page2.includes(theirs.session_id));
    });

    it('shows a Payments session: status, amounts, lines, its authorization, linked HPP session and timeline', async () => {
      const res = await browser.get(`/dashboard/payments-sessions/${mine.session_id}`);
      assert.equal(res.status, 200);
      assert.match(res.body, /id="session-status">incomplete/);
      assert.match(res.body, /id="amount-order">SEK\s125\.00/);
      assert.match(res.body, /<table id="lines">/);
      assert.match(res.body, /T-shirt/);
      assert.match(res.body, new RegExp(mine.authorization_token));
      // The timeline: the merchant's calls (method, path, status, correlation id) and the state changes.
      assert.match(res.body, /tl-title">POST \/payments\/v1\/sessions → 200/);
      assert.match(res.body, new RegExp(`tl-title">POST /sandbox/v1/payments/sessions/${mine.session_id}/authorize → 200`));
      assert.match(res.body, /class="mono correlation-id">[0-9a-f-]{36}</);
      assert.match(res.body, /tl-title">authorization\.created/);
    });

    it('shows a Checkout order, an HPP session with its payment and a customer token', async () => {
      const checkout = await browser.get(`/dashboard/checkout-orders/${mine.checkout_order_id}`);
      assert.equal(checkout.status, 200);
      assert.match(checkout.body, /id="checkout-status">checkout_incomplete/);
      assert.match(checkout.body, /Socks/);
      assert.match(checkout.body, /tl-title">POST \/checkout\/v3\/orders → 201/);
      assert.match(checkout.body, /tl-title">checkout_order\.created/);

      const hpp = await browser.get(`/dashboard/hpp-sessions/${mine.hpp_session_id}`);
      assert.equal(hpp.status, 200);
      assert.match(hpp.body, /id="hpp-status">IN_PROGRESS/);
      assert.match(hpp.body, /href="\/dashboard\/payments-sessions\/[^"]+" id="hpp-payment"/);
      assert.match(hpp.body, /id="amount-order">SEK\s125\.00/);
      assert.match(hpp.body, /tl-title">POST \/hpp\/v1\/sessions → 201/);

      const token = await browser.get(`/dashboard/customer-tokens/${mine.token_id}`);
      assert.equal(token.status, 200);
      assert.match(token.body, /id="token-status">ACTIVE/);
      assert.match(token.body, /Monthly coffee/);
    });

    it('shows a payout with its totals, transactions and reports, the same bytes as the Settlements API', async () => {
      const ref = mine.payment_reference;
      const res = await browser.get(`/dashboard/payouts/${ref}`);
      assert.equal(res.status, 200);
      assert.match(res.body, /<table id="totals">/);
      assert.match(res.body, /Settlement amount/);
      assert.match(res.body, /<table id="transactions">/);
      assert.match(res.body, new RegExp(`href="/dashboard/orders/${mine.order_id}"`));
      assert.match(res.body, new RegExp(`href="/dashboard/payouts/${ref}/report\\.csv" id="report-csv"`));
      const api = await t.get(`/settlements/v1/payouts/${ref}`);
      const settlement = (api.json().totals.settlement_amount as number) / 100;
      assert.match(res.body, new RegExp(`id="settlement-amount">SEK\\s${settlement.toFixed(2).replace('.', '\\.')}`));

      const csv = await t.app.inject({ url: `/dashboard/payouts/${ref}/report.csv`, headers: { cookie: browser.cookie ?? '' } });
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), new RegExp(`attachment; filename="payout-with-transactions-${ref}\\.csv"`));
      const apiCsv = await t.get(`/settlements/v1/reports/payout-with-transactions?payment_reference=${ref}`);
      assert.equal(csv.body, apiCsv.body);
      const pdf = await t.app.inject({ url: `/dashboard/payouts/${ref}/report.pdf`, headers: { cookie: browser.cookie ?? '' } });
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
      const apiPdf = await t.app.inject({ url: `/settlements/v1/reports/payout?payment_reference=${ref}`, headers: { authorization: basicAuth(MERCHANT) } });
      assert.equal(apiPdf.statusCode, 200);
      assert.equal(pdf.rawPayload.length, apiPdf.rawPayload.length, 'the same report');
      // Not signed in: to the sign-in page; another merchant's: not found.
      assert.equal((await t.app.inject({ url: `/dashboard/payouts/${ref}/report.csv` })).statusCode, 303);
      for (const format of ['csv', 'pdf']) {
        const other = await browser.get(`/dashboard/payouts/${theirs.payment_reference}/report.${format}`);
        assert.equal(other.status, 404, format);
      }
    });

    it('answers another merchant\'s resources, and unknown ids, as not found (404 page)', async () => {
      const pages: [string, string][] = [
        ['payments-sessions', theirs.session_id],
        ['checkout-orders', theirs.checkout_order_id],
        ['hpp-sessions', theirs.hpp_session_id],
        ['customer-tokens', theirs.token_id],
        ['payouts', theirs.payment_reference],
      ];
      for (const [section, id] of pages) {
        assert.ok([400, 404].includes((await browser.get(`/dashboard/${section}/%00`)).status), `${section}/%00`);
        for (const candidate of [id, 'no-such-id', 'x'.repeat(900), '%3Cscript%3E']) {
          const res = await browser.get(`/dashboard/${section}/${candidate}`);
          assert.equal(res.status, 404, `${section}/${candidate.slice(0, 20)}`);
          assert.match(res.body, /There is no such/);
          assert.doesNotMatch(res.body, /<script>/);
        }
      }
      assert.ok([400, 404].includes((await browser.get('/dashboard/orders/%00')).status));
    });

    it('renders hostile data as text on the lists and pages', async () => {
      const hostile = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
      const checkout = await t.post(
        '/checkout/v3/orders',
        checkoutBody({
          merchant_reference1: hostile.slice(0, 60),
          order_lines: [{ type: 'physical', reference: '<b>r</b>', name: hostile, quantity: 1, unit_price: 12500, tax_rate: 2500, total_amount: 12500, total_tax_amount: 2500 }],
        }),
      );
      assert.equal(checkout.status, 201, checkout.body);
      const token = await t.post('/sandbox/v1/customer-tokens', { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', description: hostile.slice(0, 60) });
      assert.equal(token.status, 201, token.body);
      for (const url of [
        '/dashboard/checkout-orders',
        `/dashboard/checkout-orders/${checkout.json().order_id as string}`,
        '/dashboard/customer-tokens',
        `/dashboard/customer-tokens/${token.json().token_id as string}`,
      ]) {
        const res = await browser.get(url);
        assert.equal(res.status, 200, url);
        assert.doesNotMatch(res.body, /<script>alert/, url);
        assert.doesNotMatch(res.body, /<img src=x/, url);
        assert.match(res.body, /&lt;script&gt;alert\(1\)/, url);
      }
    });

    it('shows the order\'s API calls and the callback of a Checkout order with its failed attempt', async () => {
      const page = await browser.get(`/dashboard/orders/${mine.order_id}`);
      assert.match(page.body, new RegExp(`tl-title">POST /ordermanagement/v1/orders/${mine.order_id}/captures → 201`));
      assert.match(page.body, new RegExp(`tl-title">POST /ordermanagement/v1/orders/${mine.order_id}/refunds → 201`));
      // The resources' validation call to a closed port: one failed attempt, with its error.
      const calls = await t.get(`/sandbox/v1/callbacks/${mine.callback_id}`);
      const orderId = calls.json().order_id as string;
      const checkout = await browser.get(`/dashboard/checkout-orders/${orderId}`);
      assert.match(checkout.body, /tl-title">checkout\.validation · failed · 1 attempt</);
      assert.match(checkout.body, /tl-title">checkout\.validation attempt 1: no answer/);
      assert.match(checkout.body, /<caption>Attempts<\/caption>/);
      assert.match(checkout.body, new RegExp(`action="/dashboard/callbacks/${mine.callback_id}/redeliver"`));
    });
  });
}
