/**
 * The dashboard's fault rules page: a rule added through the form applies to the merchant's next API
 * call (and is listed with its count), removing it stops it, a POST without the CSRF token changes
 * nothing, another merchant's rule is an unknown one (404), a refused form is shown as text with
 * nothing stored, and `--no-sandbox` refuses the actions. Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

const CAPTURE_FORM = { target: 'api', method: 'POST', path: '/ordermanagement/v1/orders/*/captures', status: '503', error_code: 'TEMPORARILY_UNAVAILABLE', times: '1' };

/** The ids of the rules the page lists. */
const listedIds = (html: string): string[] => [...html.matchAll(/<tr id="fault-([^"]+)">/g)].map((m) => m[1] ?? '');

async function faultsOf(t: TestApp, auth = MERCHANT): Promise<{ fault_id: string; remaining: number | null; injected: number }[]> {
  const res = await t.get('/sandbox/v1/faults', auth);
  assert.equal(res.status, 200, res.body);
  return res.json().faults;
}

for (const dialect of await availableDialects()) {
  describe(`dashboard fault rules (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    before(async () => {
      t = await buildTestApp({ dialect });
      browser = await signedIn(t);
    });
    after(async () => t.close());
    beforeEach(async () => {
      for (const auth of [MERCHANT, OTHER_MERCHANT]) {
        for (const fault of await faultsOf(t, auth)) assert.equal((await t.request({ method: 'DELETE', url: `/sandbox/v1/faults/${fault.fault_id}`, auth })).status, 204);
      }
    });

    it('shows the rules page, linked from the navigation, with a labelled form', async () => {
      const res = await browser.get('/dashboard/faults');
      assert.equal(res.status, 200);
      assert.match(res.body, /<a href="\/dashboard\/faults" aria-current="page">Faults<\/a>/);
      assert.match(res.body, /No active fault rules\./);
      for (const name of ['target', 'method', 'path', 'status', 'error_code', 'times', 'share', 'delay_ms', 'drop', 'expires_in_seconds']) {
        assert.match(res.body, new RegExp(`<label for="fault-${name}">`), name);
        assert.match(res.body, new RegExp(`id="fault-${name}" name="${name}"`), name);
      }
      assert.match((await browser.get('/dashboard/orders')).body, /<a href="\/dashboard\/faults">Faults<\/a>/);
    });

    it('adds a rule through the form that answers the next matching API call, then the retry succeeds', async () => {
      const order = await t.createOrder();
      const res = await browser.post('/dashboard/faults', { ...CAPTURE_FORM, delay_ms: '', share: '', expires_in_seconds: '600' });
      assert.equal(res.status, 303, res.body);
      assert.equal(res.headers.location, '/dashboard/faults?done=fault-created');
      const [fault] = await faultsOf(t);
      assert.ok(fault);
      const page = await browser.get('/dashboard/faults?done=fault-created');
      assert.match(page.body, /id="flash">The fault rule was added/);
      assert.deepEqual(listedIds(page.body), [fault.fault_id]);
      assert.match(page.body, /<caption>Active fault rules, oldest first<\/caption>/);
      assert.match(page.body, /503 TEMPORARILY_UNAVAILABLE/);
      assert.match(page.body, /1 of 1/);

      const key = crypto.randomUUID();
      const capture = { captured_amount: order.order_amount };
      const failed = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, capture, { idempotencyKey: key });
      assert.equal(failed.status, 503, failed.body);
      assert.equal(failed.json().error_code, 'TEMPORARILY_UNAVAILABLE');
      const retried = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, capture, { idempotencyKey: key });
      assert.equal(retried.status, 201, retried.body);
      // Used up: it drops out of the list.
      assert.deepEqual(listedIds((await browser.get('/dashboard/faults')).body), []);
    });

    it('removes a rule, which then no longer applies', async () => {
      const order = await t.createOrder();
      assert.equal((await browser.post('/dashboard/faults', { ...CAPTURE_FORM, times: '' })).status, 303);
      const [fault] = await faultsOf(t);
      assert.ok(fault);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 100 })).status, 503);
      await browser.get('/dashboard/faults');
      const res = await browser.post(`/dashboard/faults/${fault.fault_id}/remove`, {});
      assert.equal(res.status, 303, res.body);
      assert.equal(res.headers.location, '/dashboard/faults?done=fault-removed');
      assert.deepEqual(await faultsOf(t), []);
      assert.match((await browser.get('/dashboard/faults?done=fault-removed')).body, /The fault rule was removed/);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 100 })).status, 201);
      // Removing it again: an unknown rule.
      assert.equal((await browser.post(`/dashboard/faults/${fault.fault_id}/remove`, {})).status, 404);
    });

    it('refuses a form without the CSRF token (403) and changes nothing', async () => {
      const existing = await t.post('/sandbox/v1/faults', { method: 'GET', path: '/never/matched/*', status: 503 });
      assert.equal(existing.status, 201, existing.body);
      const before = await fingerprint(t.db, t.dialect);
      for (const csrf of [null, '', 'x'.repeat(43)]) {
        assert.equal((await browser.post('/dashboard/faults', CAPTURE_FORM, { csrf })).status, 403);
        assert.equal((await browser.post(`/dashboard/faults/${existing.json().fault_id}/remove`, {}, { csrf })).status, 403);
      }
      await assertUnchanged(t.db, t.dialect, before, 'a POST without the CSRF token');
    });

    it("answers another merchant's rule as an unknown one (404) and leaves it", async () => {
      const theirs = await t.post('/sandbox/v1/faults', { method: 'GET', path: '/never/matched/*', status: 503 }, { auth: OTHER_MERCHANT });
      assert.equal(theirs.status, 201, theirs.body);
      const theirId = theirs.json().fault_id as string;
      assert.ok(!listedIds((await browser.get('/dashboard/faults')).body).includes(theirId));
      const before = await fingerprint(t.db, t.dialect);
      const res = await browser.post(`/dashboard/faults/${theirId}/remove`, {});
      const unknown = await browser.post(`/dashboard/faults/${crypto.randomUUID()}/remove`, {});
      assert.equal(res.status, 404);
      assert.equal(unknown.status, 404);
      assert.equal(res.body.replace(/value="[^"]*"/g, ''), unknown.body.replace(/value="[^"]*"/g, ''));
      await assertUnchanged(t.db, t.dialect, before, "removing another merchant's rule");
      assert.equal((await faultsOf(t, OTHER_MERCHANT)).length, 1);
    });

    it('shows a refused form as text on the page (400) and stores nothing', async () => {
      const before = await fingerprint(t.db, t.dialect);
      const cases: [Record<string, string>, RegExp][] = [
        [{ ...CAPTURE_FORM, path: 'no-slash' }, /path \(must start with \/\)/],
        [{ ...CAPTURE_FORM, path: '' }, /path \(required/],
        [{ ...CAPTURE_FORM, status: '', error_code: '' }, /a fault needs an effect/],
        [{ ...CAPTURE_FORM, drop: '1' }, /a dropped connection answers no status/],
        [{ ...CAPTURE_FORM, times: 'many' }, /Bad value: times/],
        [{ ...CAPTURE_FORM, share: '1.5' }, /Bad value: share/],
        [{ ...CAPTURE_FORM, delay_ms: '999999' }, /Bad value: delay_ms/],
        [{ ...CAPTURE_FORM, method: 'TRACE' }, /Bad value: method/],
        [{ ...CAPTURE_FORM, error_code: 'lower case' }, /Bad value: error_code/],
        [{ ...CAPTURE_FORM, target: 'callbacks' }, /not for target callbacks/],
        [{ ...CAPTURE_FORM, path: '/a?<script>alert(1)</script>' }, /BAD_VALUE: Bad value: path/],
      ];
      for (const [fields, message] of cases) {
        const res = await browser.post('/dashboard/faults', fields);
        assert.equal(res.status, 400, JSON.stringify(fields));
        assert.match(res.body, /<p class="flash flash-error" role="alert" id="flash">/, JSON.stringify(fields));
        assert.match(res.body, message, JSON.stringify(fields));
        assert.doesNotMatch(res.body, /<script>alert/);
      }
      await assertUnchanged(t.db, t.dialect, before, 'a refused form');
    });

    it('adds a callback rule and a delay-only rule', async () => {
      assert.equal((await browser.post('/dashboard/faults', { target: 'callbacks', effect: 'timeout', times: '2' })).status, 303);
      assert.equal((await browser.post('/dashboard/faults', { target: 'callbacks', effect: 'status', status: '500' })).status, 303);
      assert.equal((await browser.post('/dashboard/faults', { path: '/never/matched/*', delay_ms: '10', share: '0.5' })).status, 303);
      const faults = (await t.get('/sandbox/v1/faults')).json().faults as Record<string, unknown>[];
      assert.deepEqual(
        faults.map((f) => [f.target, f.effect, f.delay_ms, f.share, f.times]),
        [
          ['callbacks', 'timeout', 0, null, 2],
          ['callbacks', 500, 0, null, null],
          ['api', null, 10, 0.5, null],
        ],
      );
      assert.equal(listedIds((await browser.get('/dashboard/faults')).body).length, 3);
      // A stored path with markup is listed as text.
      assert.equal((await browser.post('/dashboard/faults', { path: '/<script>alert(1)</script>/*', status: '500' })).status, 303);
      const page = await browser.get('/dashboard/faults');
      assert.doesNotMatch(page.body, /<script>alert/);
      assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;/);
    });
  });
}

describe('dashboard fault rules with --no-sandbox', () => {
  it('shows the page without the form and refuses the actions (403)', async () => {
    const t = await buildTestApp({ dialect: 'sqlite', config: { sandbox: false as unknown as string } });
    try {
      const browser = await signedIn(t);
      const page = await browser.get('/dashboard/faults');
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.body, /id="fault-form"/);
      const before = await fingerprint(t.db, t.dialect);
      assert.equal((await browser.post('/dashboard/faults', CAPTURE_FORM)).status, 403);
      assert.equal((await browser.post(`/dashboard/faults/${crypto.randomUUID()}/remove`, {})).status, 403);
      await assertUnchanged(t.db, t.dialect, before, 'actions with --no-sandbox');
    } finally {
      await t.close();
    }
  });
});
