/**
 * The dashboard's administrator (KLARNA_LOCAL_DASHBOARD_ADMIN=user:password): signs in with those
 * credentials, chooses a merchant in the picker (every merchant is listed), sees and acts as that
 * merchant only; a merchant's session has no picker and never sees another merchant; without the
 * setting there is no administrator. Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { browserFor, signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

const ADMIN = { username: 'root', password: 'admin-secret' };
const orderIdsIn = (html: string): string[] => [...html.matchAll(/<th scope="row"><a href="\/dashboard\/orders\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1] ?? ''));

for (const dialect of await availableDialects()) {
  describe(`dashboard administrator (${dialect})`, () => {
    let t: TestApp;
    let mine: string;
    let theirs: string;
    before(async () => {
      t = await buildTestApp({ dialect, config: { dashboardAdmin: `${ADMIN.username}:${ADMIN.password}` } });
      mine = (await t.createOrder(orderBody({ merchant_reference1: 'A-1' }))).order_id as string;
      theirs = (await t.createOrder(orderBody({ merchant_reference1: 'B-1' }), OTHER_MERCHANT)).order_id as string;
    });
    after(async () => t.close());

    async function adminSignIn(): Promise<Browser> {
      const browser = browserFor(t);
      const res = await browser.post('/dashboard/sign-in', { ...ADMIN, next: '/dashboard/orders' }, { csrf: null });
      assert.equal(res.status, 303, res.body);
      assert.equal(res.headers.location, '/dashboard/merchants?next=%2Fdashboard%2Forders');
      browser.cookie = `klarna_local_dashboard=${/klarna_local_dashboard=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1] ?? ''}`;
      return browser;
    }

    it('signs the administrator in to the merchant picker, which lists every merchant', async () => {
      const browser = await adminSignIn();
      // Before choosing, a page leads to the picker.
      const orders = await browser.get('/dashboard/orders');
      assert.equal(orders.status, 303);
      assert.equal(orders.headers.location, '/dashboard/merchants?next=%2Fdashboard%2Forders');
      const picker = await browser.get('/dashboard/merchants?next=%2Fdashboard%2Forders');
      assert.equal(picker.status, 200);
      assert.match(picker.body, /<th scope="row">merchant_a<\/th>/);
      assert.match(picker.body, /<th scope="row">merchant_b<\/th>/);
      assert.match(picker.body, /administrator: <a href="\/dashboard\/merchants">choose a merchant<\/a>/);
    });

    it('sees and acts as the chosen merchant only, and switches', async () => {
      const browser = await adminSignIn();
      const picker = await browser.get('/dashboard/merchants');
      const idOf = (username: string) => new RegExp(`<th scope="row">${username}</th><td class="mono">([^<]+)</td>`).exec(picker.body)?.[1] ?? '';
      const chooseB = await browser.post('/dashboard/merchants/choose', { merchant_id: idOf('merchant_b'), next: '/dashboard/orders' });
      assert.equal(chooseB.status, 303);
      assert.equal(chooseB.headers.location, '/dashboard/orders');
      const listB = await browser.get('/dashboard/orders');
      assert.deepEqual(orderIdsIn(listB.body).filter((id) => id === mine || id === theirs), [theirs]);
      assert.match(listB.body, /seeing <strong id="acting-merchant">merchant_b<\/strong>/);
      assert.equal((await browser.get(`/dashboard/orders/${mine}`)).status, 404, 'merchant A\'s order is not B\'s');

      // Acting as merchant B: a capture on B's order, seen through B's API.
      const capture = await browser.post(`/dashboard/orders/${theirs}/actions/capture`, { amount: '10' });
      assert.equal(capture.status, 303, capture.body);
      assert.equal((await t.request({ url: `/ordermanagement/v1/orders/${theirs}`, auth: OTHER_MERCHANT })).json().captured_amount, 1000);

      await browser.post('/dashboard/merchants/choose', { merchant_id: idOf('merchant_a'), next: '/dashboard/orders' });
      const listA = await browser.get('/dashboard/orders');
      assert.deepEqual(orderIdsIn(listA.body).filter((id) => id === mine || id === theirs), [mine]);
    });

    it("moves the chosen merchant's clock, or with 'every merchant' the server clock; a merchant is offered only its own", async () => {
      const offsets = async () =>
        Promise.all([MERCHANT, OTHER_MERCHANT].map(async (auth) => (await t.request({ url: '/sandbox/v1/clock', auth })).json<{ offset_seconds: number; server_offset_seconds: number }>()));
      const browser = await adminSignIn();
      const picker = await browser.get('/dashboard/merchants');
      const idOfA = /<th scope="row">merchant_a<\/th><td class="mono">([^<]+)<\/td>/.exec(picker.body)?.[1] ?? '';
      await browser.post('/dashboard/merchants/choose', { merchant_id: idOfA, next: '/dashboard/orders' });
      assert.match((await browser.get(`/dashboard/orders/${mine}`)).body, /name="scope" value="server"/, 'the administrator is offered every merchant');
      const [a0, b0] = await offsets();

      assert.equal((await browser.post('/dashboard/clock/advance', { seconds: '60' })).status, 303);
      const [a1, b1] = await offsets();
      assert.equal(a1?.offset_seconds, (a0?.offset_seconds ?? 0) + 60, "the chosen merchant's clock moved");
      assert.equal(b1?.offset_seconds, b0?.offset_seconds, "the other merchant's did not");

      assert.equal((await browser.post('/dashboard/clock/advance', { seconds: '600', scope: 'server' })).status, 303);
      const [a2, b2] = await offsets();
      assert.equal(a2?.offset_seconds, (a1?.offset_seconds ?? 0) + 600);
      assert.equal(b2?.offset_seconds, (b1?.offset_seconds ?? 0) + 600, 'every merchant moved');
      assert.equal(b2?.server_offset_seconds, (b1?.server_offset_seconds ?? 0) + 600);

      // A merchant's form has no such choice, and asking for it moves only the merchant's own clock.
      const merchant = await signedIn(t, MERCHANT);
      assert.doesNotMatch((await merchant.get(`/dashboard/orders/${mine}`)).body, /name="scope"/);
      assert.equal((await merchant.post('/dashboard/clock/advance', { seconds: '30', scope: 'server' })).status, 303);
      const [a3, b3] = await offsets();
      assert.equal(a3?.offset_seconds, (a2?.offset_seconds ?? 0) + 30);
      assert.equal(b3?.offset_seconds, b2?.offset_seconds);
    });

    it('refuses a choice without the CSRF token or of an unknown merchant', async () => {
      const browser = await adminSignIn();
      await browser.get('/dashboard/merchants');
      for (const csrf of [null, 'wrong']) assert.equal((await browser.post('/dashboard/merchants/choose', { merchant_id: 'x' }, { csrf })).status, 403);
      for (const merchantId of ['no-such-merchant', '', 'x'.repeat(300)]) assert.equal((await browser.post('/dashboard/merchants/choose', { merchant_id: merchantId })).status, 404);
      assert.equal((await browser.get('/dashboard/orders')).status, 303, 'still no merchant chosen');
    });

    it('refuses the administrator with a wrong password, and gives a merchant no picker', async () => {
      const wrong = await browserFor(t).post('/dashboard/sign-in', { username: ADMIN.username, password: 'nope' }, { csrf: null });
      assert.equal(wrong.status, 401);
      const merchant = await signedIn(t, MERCHANT);
      assert.equal((await merchant.get('/dashboard/merchants')).status, 404);
      const picker = await adminSignIn();
      const otherId = /<th scope="row">merchant_b<\/th><td class="mono">([^<]+)<\/td>/.exec((await picker.get('/dashboard/merchants')).body)?.[1] ?? '';
      assert.equal((await merchant.post('/dashboard/merchants/choose', { merchant_id: otherId })).status, 404);
      const list = await merchant.get('/dashboard/orders');
      assert.ok(!orderIdsIn(list.body).includes(theirs), 'a merchant never sees another\'s orders');
      assert.doesNotMatch(list.body, /acting-merchant/);
    });
  });
}

describe('dashboard without an administrator configured', () => {
  it('has no administrator: those credentials are refused', async () => {
    const t = await buildTestApp({ dialect: 'sqlite' });
    try {
      const res = await browserFor(t).post('/dashboard/sign-in', ADMIN, { csrf: null });
      assert.equal(res.status, 401);
      assert.equal(res.headers['set-cookie'], undefined);
    } finally {
      await t.close();
    }
  });
});
