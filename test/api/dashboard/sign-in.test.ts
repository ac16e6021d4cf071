/**
 * The dashboard's sign-in: the merchant's API credentials, a session cookie (HttpOnly,
 * SameSite=Strict, Path=/dashboard, Secure only behind https) whose value is stored only hashed,
 * sign-out with the CSRF token, redirects to the sign-in page without a session. Both databases.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { browserFor, signedIn } from './helpers.js';

for (const dialect of await availableDialects()) {
  describe(`dashboard sign-in (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('sends a visitor without a session to the sign-in page (303), remembering where they were going', async () => {
      const browser = browserFor(t);
      for (const url of ['/dashboard/orders', '/dashboard/orders/some-id']) {
        const res = await browser.get(url);
        assert.equal(res.status, 303);
        assert.equal(res.headers.location, `/dashboard/sign-in?next=${encodeURIComponent(url)}`);
      }
      const root = await browser.get('/dashboard');
      assert.equal(root.headers.location, '/dashboard/sign-in');
      const page = await browser.get('/dashboard/sign-in?next=%2Fdashboard%2Forders%2Fsome-id');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
      assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline/);
      assert.match(page.body, /<label for="username">Username<\/label>/);
      assert.match(page.body, /name="next" value="\/dashboard\/orders\/some-id"/);
    });

    it('refuses wrong credentials with the form again (401) and no cookie', async () => {
      const browser = browserFor(t);
      for (const fields of [
        { username: MERCHANT.username, password: 'wrong' },
        { username: 'nobody', password: 'x' },
        { username: '', password: '' },
        { username: 'a:b', password: 'c' },
      ]) {
        const res = await browser.post('/dashboard/sign-in', fields, { csrf: null });
        assert.equal(res.status, 401);
        assert.equal(res.headers['set-cookie'], undefined);
        assert.match(res.body, /The username or password is wrong/);
      }
    });

    it('signs in with the API credentials: a strict, HttpOnly cookie scoped to /dashboard, stored only as its hash', async () => {
      const browser = browserFor(t);
      const res = await browser.post('/dashboard/sign-in', { username: MERCHANT.username, password: MERCHANT.password, next: '/dashboard/orders?status=CAPTURED' }, { csrf: null });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/dashboard/orders?status=CAPTURED');
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /^klarna_local_dashboard=[A-Za-z0-9_-]{43};/);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      assert.match(cookie, /; Path=\/dashboard/);
      assert.doesNotMatch(cookie, /; Secure/, 'http public URL: no Secure');
      const value = /klarna_local_dashboard=([^;]+)/.exec(cookie)?.[1] ?? '';
      const rows = await t.db.kysely.selectFrom('dashboard_sessions').select(['session_hash', 'csrf_token']).execute();
      assert.ok(rows.some((r) => r.session_hash === createHash('sha256').update(value).digest('hex')));
      assert.ok(rows.every((r) => r.session_hash !== value));
    });

    it('leads only to dashboard pages after signing in', async () => {
      for (const next of ['https://evil.example/', '//evil.example/x', '/ordermanagement/v1/orders', '/dashboard//evil']) {
        const res = await browserFor(t).post('/dashboard/sign-in', { username: MERCHANT.username, password: MERCHANT.password, next }, { csrf: null });
        assert.equal(res.headers.location, '/dashboard/orders', next);
      }
    });

    it('signs out only with the CSRF token (403 without it, nothing changed), then the cookie no longer works', async () => {
      const browser = await signedIn(t);
      for (const csrf of [null, '', 'x'.repeat(43), `${browser.csrf ?? ''}x`]) {
        const refused = await browser.post('/dashboard/sign-out', {}, { csrf });
        assert.equal(refused.status, 403);
        assert.equal((await browser.get('/dashboard/orders')).status, 200, 'still signed in');
      }
      const res = await browser.post('/dashboard/sign-out', {});
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/dashboard/sign-in');
      assert.match(String(res.headers['set-cookie']), /klarna_local_dashboard=;.*Expires=Thu, 01 Jan 1970/);
      assert.equal((await browser.get('/dashboard/orders')).status, 303, 'the old cookie signs nobody in');
    });

    it('ignores cookies it did not hand out', async () => {
      const browser = browserFor(t);
      for (const cookie of ['klarna_local_dashboard=abc', `klarna_local_dashboard=${'A'.repeat(43)}`, 'klarna_local_dashboard=%00', 'other=1']) {
        browser.cookie = cookie;
        assert.equal((await browser.get('/dashboard/orders')).status, 303);
      }
    });

    it('answers a form it cannot read with a 400 page, and other media types with a page too', async () => {
      const browser = browserFor(t);
      const broken = await browser.post('/dashboard/sign-in', {}, { payload: 'username=%ZZ' });
      assert.equal(broken.status, 400);
      assert.match(String(broken.headers['content-type']), /text\/html/);
      const json = await browser.post('/dashboard/sign-in', {}, { payload: '{"username":1}', contentType: 'application/json' });
      assert.equal(json.status, 400);
      assert.match(String(json.headers['content-type']), /text\/html/);
      const multipart = await browser.post('/dashboard/sign-in', {}, { payload: '--x\r\n', contentType: 'multipart/form-data; boundary=x' });
      assert.ok([400, 415].includes(multipart.status), String(multipart.status));
    });
  });
}

describe('dashboard cookie behind an https public URL', () => {
  it('is Secure', async () => {
    const t = await buildTestApp({ dialect: 'sqlite', config: { publicUrl: 'https://klarna-local.test' } });
    try {
      const res = await browserFor(t).post('/dashboard/sign-in', { username: MERCHANT.username, password: MERCHANT.password }, { csrf: null });
      assert.match(String(res.headers['set-cookie']), /; Secure/);
    } finally {
      await t.close();
    }
  });
});
