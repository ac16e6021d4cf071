/**
 * The dashboard's integration report page (`GET /dashboard/report`): linked from the navigation,
 * behind the sign-in; a merchant's Order Management writes without an idempotency key show as the
 * NO_IDEMPOTENCY_KEY warning with its count, rule, docs and examples linked to the order's timeline;
 * `since` and `severity` filter as the API's do and a bad one is refused (400) with the reason; a
 * clean merchant's page says there are no findings and never shows another merchant's; the
 * administrator sees the merchant chosen in the picker; data is shown as text (a hostile order id,
 * and the renderer with hostile values everywhere). Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { exampleHrefs, renderReport } from '../../../src/modules/dashboard/pages/report.js';
import { FINDINGS } from '../../../src/modules/report/findings.js';
import type { IntegrationReport } from '../../../src/modules/report/report.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { browserFor, signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const ADMIN = { username: 'root', password: 'admin-secret' };
const VIEWER = { username: 'merchant_a', csrf_token: 'token', actions: true };

/** The codes of the findings a page shows, in its order. */
const codesIn = (html: string): string[] => [...html.matchAll(/<section class="finding" id="finding-([A-Z_]+)"/g)].map((m) => m[1] ?? '');
/** One finding's section of a page. */
const sectionOf = (html: string, code: string): string => {
  const start = html.indexOf(`<section class="finding" id="finding-${code}"`);
  assert.ok(start >= 0, `the page shows ${code}`);
  return html.slice(start, html.indexOf('</section>', start));
};

for (const dialect of await availableDialects()) {
  describe(`dashboard integration report (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    let other: Browser;
    before(async () => {
      t = await buildTestApp({ dialect, config: { dashboardAdmin: `${ADMIN.username}:${ADMIN.password}` } });
      browser = await signedIn(t);
      other = await signedIn(t, OTHER_MERCHANT);
    });
    after(async () => t.close());
    // Each case starts from empty merchants: their journals, orders and clocks.
    beforeEach(async () => {
      for (const auth of [MERCHANT, OTHER_MERCHANT]) assert.equal((await t.request({ method: 'POST', url: '/sandbox/v1/reset', body: {}, auth })).status, 200);
    });

    async function order(auth = MERCHANT): Promise<string> {
      const res = await t.request({ method: 'POST', url: '/sandbox/v1/orders', body: orderBody(), auth });
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }
    async function capture(orderId: string, amount: number, options: { key?: string; auth?: typeof MERCHANT } = {}): Promise<void> {
      const res = await t.request({ method: 'POST', url: `/ordermanagement/v1/orders/${orderId}/captures`, body: { captured_amount: amount }, auth: options.auth ?? MERCHANT, ...(options.key && { idempotencyKey: options.key }) });
      assert.equal(res.status, 201, res.body);
    }

    it('is behind the sign-in and linked from the navigation', async () => {
      const anonymous = await browserFor(t).get('/dashboard/report?severity=warning');
      assert.equal(anonymous.status, 303);
      assert.equal(anonymous.headers.location, '/dashboard/sign-in?next=%2Fdashboard%2Freport%3Fseverity%3Dwarning');
      assert.match((await browser.get('/dashboard/orders')).body, /<a href="\/dashboard\/report">Integration report<\/a>/);
      const res = await browser.get('/dashboard/report');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.match(res.body, /<a href="\/dashboard\/report" aria-current="page">Integration report<\/a>/);
      assert.match(res.body, /<h1>Integration report<\/h1>/);
      assert.match(res.body, /<label for="f-since">/);
      assert.match(res.body, /<label for="f-severity">/);
    });

    it('shows a write without an idempotency key as NO_IDEMPOTENCY_KEY, with its count and the order linked to its timeline', async () => {
      const orderId = await order();
      await capture(orderId, 5000);
      await capture(orderId, 2500);
      await capture(orderId, 1000, { key: crypto.randomUUID() });

      const res = await browser.get('/dashboard/report');
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(codesIn(res.body), ['NO_IDEMPOTENCY_KEY']);
      assert.match(res.body, /id="summary-error">0</);
      assert.match(res.body, /id="summary-warning">1</);
      assert.match(res.body, /id="summary-info">0</);
      assert.doesNotMatch(res.body, /id="no-findings"/);
      // The reset, the order and the three captures.
      assert.match(res.body, /id="journal-state">on: 5 calls read, the oldest <time/);

      const finding = sectionOf(res.body, 'NO_IDEMPOTENCY_KEY');
      const spec = FINDINGS.NO_IDEMPOTENCY_KEY;
      assert.match(finding, /<span class="badge badge-warning">warning<\/span> <code>NO_IDEMPOTENCY_KEY<\/code> Order Management writes without an idempotency key<\/h2>/);
      assert.match(finding, /<span class="finding-count">2<\/span>/, 'the two captures without a key, not the one with');
      assert.ok(finding.includes(`<span class="mono finding-docs">${spec.docs}</span>`));
      assert.ok(finding.includes('Send a Klarna-Idempotency-Key with every Order Management write'));
      // Two examples, each the capture call, linked to the order's timeline.
      const rows = [...finding.matchAll(/<tr><td><time[^]*?<\/tr>/g)].map((m) => m[0]);
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.ok(row.includes(`POST /ordermanagement/v1/orders/${orderId}/captures`), row);
        assert.ok(row.includes(`<a href="/dashboard/orders/${orderId}">${orderId}</a>`), row);
        assert.match(row, /POST \/ordermanagement\/v1\/orders\/:order_id\/captures without Klarna-Idempotency-Key/);
      }
      // The link leads to the order's page with its timeline, the captures in it.
      const target = await browser.get(`/dashboard/orders/${orderId}`);
      assert.equal(target.status, 200);
      assert.match(target.body, /<ol class="timeline" id="timeline">/);
      assert.match(target.body, /POST \/ordermanagement\/v1\/orders\/[^ ]+\/captures → 201/);

      // The other merchant, whose integration is clean, sees no findings (and not A's).
      const theirs = await order(OTHER_MERCHANT);
      await capture(theirs, 12500, { key: crypto.randomUUID(), auth: OTHER_MERCHANT });
      const clean = await other.get('/dashboard/report');
      assert.equal(clean.status, 200);
      assert.deepEqual(codesIn(clean.body), []);
      assert.match(clean.body, /<p class="empty" id="no-findings">No findings: nothing was seen that breaks Klarna's rules\.<\/p>/);
      assert.match(clean.body, /id="summary-warning">0</);
      assert.match(clean.body, /id="journal-state">on: 3 calls read/);
      assert.ok(!clean.body.includes(orderId), "merchant A's order is not on B's page");
    });

    it('filters by severity and since as the API does, and refuses a bad filter with the reason', async () => {
      const orderId = await order();
      await capture(orderId, 5000);
      assert.deepEqual(codesIn((await browser.get('/dashboard/report?severity=warning')).body), ['NO_IDEMPOTENCY_KEY']);
      const errors = await browser.get('/dashboard/report?severity=error');
      assert.equal(errors.status, 200);
      assert.deepEqual(codesIn(errors.body), []);
      assert.match(errors.body, /id="no-findings">No findings: nothing at error or above was seen/);
      assert.match(errors.body, /<option value="error" selected>/);
      // Empty fields (the form sent as is) are no filter.
      assert.deepEqual(codesIn((await browser.get('/dashboard/report?since=&severity=')).body), ['NO_IDEMPOTENCY_KEY']);
      // Since: the day of the merchant's clock keeps the call; a later day leaves it out.
      const today = new Date(await t.now()).toISOString().slice(0, 10);
      assert.deepEqual(codesIn((await browser.get(`/dashboard/report?since=${today}`)).body), ['NO_IDEMPOTENCY_KEY']);
      const later = await browser.get(`/dashboard/report?since=${encodeURIComponent(new Date((await t.now()) + 60_000).toISOString())}`);
      assert.equal(later.status, 200);
      assert.deepEqual(codesIn(later.body), []);
      assert.match(later.body, /since then\.<\/p>/);

      const badSince = await browser.get(`/dashboard/report?since=${encodeURIComponent('yesterday"><b>')}`);
      assert.equal(badSince.status, 400);
      assert.match(badSince.body, /id="flash">Bad value: since/);
      assert.ok(badSince.body.includes('value="yesterday&quot;&gt;&lt;b&gt;"'), 'the typed value is shown again, escaped');
      assert.deepEqual(codesIn(badSince.body), []);
      const badSeverity = await browser.get('/dashboard/report?severity=fatal');
      assert.equal(badSeverity.status, 400);
      assert.match(badSeverity.body, /id="flash">Bad value: severity \(one of error, warning, info\)/);
    });

    it("shows the administrator the chosen merchant's report, after the merchant picker", async () => {
      const orderId = await order();
      await capture(orderId, 5000);
      const admin = browserFor(t);
      const signIn = await admin.post('/dashboard/sign-in', { ...ADMIN, next: '/dashboard/report' }, { csrf: null });
      assert.equal(signIn.status, 303, signIn.body);
      admin.cookie = `klarna_local_dashboard=${/klarna_local_dashboard=([^;]+)/.exec(String(signIn.headers['set-cookie']))?.[1] ?? ''}`;
      const before = await admin.get('/dashboard/report');
      assert.equal(before.status, 303);
      assert.equal(before.headers.location, '/dashboard/merchants?next=%2Fdashboard%2Freport');
      const picker = await admin.get('/dashboard/merchants?next=%2Fdashboard%2Freport');
      const idOf = (username: string) => new RegExp(`<th scope="row">${username}</th><td class="mono">([^<]+)</td>`).exec(picker.body)?.[1] ?? '';
      const chosen = await admin.post('/dashboard/merchants/choose', { merchant_id: idOf('merchant_a'), next: '/dashboard/report' });
      assert.equal(chosen.status, 303);
      assert.equal(chosen.headers.location, '/dashboard/report');
      const reportA = await admin.get('/dashboard/report');
      assert.equal(reportA.status, 200);
      assert.match(reportA.body, /seeing <strong id="acting-merchant">merchant_a<\/strong>/);
      assert.match(reportA.body, /<dt>Merchant<\/dt><dd>merchant_a<\/dd>/);
      assert.deepEqual(codesIn(reportA.body), ['NO_IDEMPOTENCY_KEY']);
      await admin.post('/dashboard/merchants/choose', { merchant_id: idOf('merchant_b'), next: '/dashboard/report' });
      const reportB = await admin.get('/dashboard/report');
      assert.match(reportB.body, /<dt>Merchant<\/dt><dd>merchant_b<\/dd>/);
      assert.deepEqual(codesIn(reportB.body), []);
    });

    it('shows an order id from the data as text, its link encoded', async () => {
      const res = await t.request({ method: 'POST', url: `/ordermanagement/v1/orders/${encodeURIComponent(HOSTILE)}/captures`, body: { captured_amount: 100 } });
      assert.equal(res.status, 404, res.body);
      const page = await browser.get('/dashboard/report');
      assert.equal(page.status, 200);
      assert.deepEqual(codesIn(page.body), ['NO_IDEMPOTENCY_KEY']);
      assert.ok(!page.body.includes(HOSTILE), 'never rendered raw');
      assert.ok(page.body.includes(`<a href="/dashboard/orders/${encodeURIComponent(HOSTILE)}">&lt;img src=x onerror=alert(1)&gt;</a>`));
    });
  });
}

describe('dashboard integration report renderer', () => {
  const hostileReport = (): IntegrationReport => ({
    merchant: { merchant_id: 'm-1', username: `shop${HOSTILE}` },
    generated_at: '2026-12-01T10:00:00.000Z',
    since: null,
    severity: 'info',
    journal: { enabled: false, calls: 0, oldest: null },
    summary: { error: 1, warning: 0, info: 0 },
    findings: [
      {
        code: 'CALLBACK_FAILING',
        ...FINDINGS.CALLBACK_FAILING,
        count: 7,
        examples: [
          {
            at: '2026-12-01T09:00:00.000Z',
            method: 'POST',
            path: `https://shop.example/push?<script>alert(1)</script>`,
            correlation_id: `c-${HOSTILE}`,
            order_id: `o-${HOSTILE}`,
            session_id: null,
            detail: `checkout.push attempt 1: no answer (<script>alert(2)</script>)`,
          },
          {
            at: '2026-12-01T09:30:00.000Z',
            method: 'POST',
            path: 'https://shop.example/hpp-status',
            correlation_id: null,
            order_id: null,
            session_id: `s-${HOSTILE}`,
            detail: 'hpp.status_update attempt 1: answered 500',
          },
        ],
      },
    ],
  });

  it('escapes every value from the data, and says when the journal is off', () => {
    const html = renderReport(VIEWER, hostileReport(), { since: '"><script>', severity: 'info' });
    assert.ok(!html.includes('<script>alert'), 'no script from the data');
    assert.ok(!html.includes(HOSTILE), 'no markup from the data');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('no answer (&lt;script&gt;alert(2)&lt;/script&gt;)'));
    assert.ok(html.includes(`<a href="/dashboard/orders/${encodeURIComponent(`o-${HOSTILE}`)}">o-&lt;img src=x onerror=alert(1)&gt;</a>`));
    assert.ok(html.includes(`<a href="/dashboard/hpp-sessions/${encodeURIComponent(`s-${HOSTILE}`)}">s-&lt;img`), 'an HPP callback links the HPP session');
    assert.ok(html.includes('value="&quot;&gt;&lt;script&gt;"'));
    assert.match(html, /<span class="finding-count">7<\/span>/);
    assert.match(html, /Examples of CALLBACK_FAILING, oldest first \(the first 2 of 7\)/);
    assert.match(html, /id="journal-state">off \(--no-journal\)/);
  });

  it('links each example to the timeline page of what it names', () => {
    const example = { at: '2026-12-01T09:00:00.000Z', method: 'GET', correlation_id: null, detail: '' };
    assert.deepEqual(exampleHrefs({ ...example, path: '/ordermanagement/v1/orders/o-1', order_id: 'o-1', session_id: null }), { order: '/dashboard/orders/o-1', session: null });
    assert.deepEqual(exampleHrefs({ ...example, path: '/checkout/v3/orders/o-2', order_id: 'o-2', session_id: null }), { order: '/dashboard/checkout-orders/o-2', session: null });
    assert.deepEqual(exampleHrefs({ ...example, path: null, order_id: 'o-3', session_id: null }), { order: '/dashboard/orders/o-3', session: null });
    assert.deepEqual(exampleHrefs({ ...example, path: '/payments/v1/sessions', order_id: null, session_id: 's 1' }), { order: null, session: '/dashboard/payments-sessions/s%201' });
    assert.deepEqual(exampleHrefs({ ...example, path: '/hpp/v1/sessions/h-1', order_id: null, session_id: 'h-1' }), { order: null, session: '/dashboard/hpp-sessions/h-1' });
  });
});
