/**
 * The dashboard's orders: the list (filters, search by order id, Klarna and merchant reference,
 * keyset paging newest first), the order page (amounts, captures, refunds, lines, addresses,
 * timeline), its actions through Order Management's own operations (seen through OM's API), CSRF
 * refusals that change nothing, another merchant's order as an unknown one, hostile order data shown
 * as text, and `--no-sandbox` making the pages read-only. Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

const orderIdsIn = (html: string): string[] => [...html.matchAll(/<th scope="row"><a href="\/dashboard\/orders\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1] ?? ''));

for (const dialect of await availableDialects()) {
  describe(`dashboard orders (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    before(async () => {
      t = await buildTestApp({ dialect });
      browser = await signedIn(t);
    });
    after(async () => t.close());

    it('lists the merchant\'s orders newest first, filtered and searched, paged by keyset', async () => {
      const created: string[] = [];
      for (let i = 0; i < 53; i++) {
        const order = await t.createOrder(orderBody({ merchant_reference1: `LIST-${i}` }));
        created.push(order.order_id as string);
        // Distinct creation times, so newest-first is well defined.
        if (i % 10 === 9) await t.advanceClock(1);
      }
      const other = await t.createOrder(orderBody({ merchant_reference1: 'OTHER' }), OTHER_MERCHANT);
      const first = await browser.get('/dashboard/orders');
      assert.equal(first.status, 200);
      const page1 = orderIdsIn(first.body);
      assert.equal(page1.length, 50);
      assert.ok(!page1.includes(other.order_id), 'another merchant\'s order is not listed');
      const next = /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(next);
      const page2 = orderIdsIn((await browser.get(next)).body);
      assert.ok(page2.length >= 3);
      assert.equal(new Set([...page1, ...page2]).size, page1.length + page2.length, 'no order on two pages');
      const newest = created.slice(-50);
      assert.ok(newest.slice(-10).every((id) => page1.includes(id)), 'the newest orders come first');

      // Search: by order id, Klarna reference, merchant reference.
      const target = await t.getOrder(created[7] as string);
      for (const q of [target.order_id, target.klarna_reference, 'LIST-7']) {
        const found = orderIdsIn((await browser.get(`/dashboard/orders?q=${encodeURIComponent(q as string)}`)).body);
        assert.deepEqual(found, [target.order_id], String(q));
      }
      assert.deepEqual(orderIdsIn((await browser.get(`/dashboard/orders?q=${other.order_id as string}`)).body), []);

      // Filters: status, fraud status, currency, dates.
      await t.post(`/ordermanagement/v1/orders/${created[3] as string}/captures`, { captured_amount: 12500 });
      assert.deepEqual(orderIdsIn((await browser.get('/dashboard/orders?status=CAPTURED')).body), [created[3]]);
      assert.equal(orderIdsIn((await browser.get('/dashboard/orders?fraud_status=PENDING')).body).length, 0);
      assert.equal(orderIdsIn((await browser.get('/dashboard/orders?currency=eur')).body).length, 0);
      assert.equal(orderIdsIn((await browser.get('/dashboard/orders?currency=SEK&status=AUTHORIZED')).body).length, 50);
      assert.equal(orderIdsIn((await browser.get('/dashboard/orders?to=2000-01-01')).body).length, 0);
      assert.equal(orderIdsIn((await browser.get('/dashboard/orders?from=2000-01-01&q=LIST-1')).body).length, 1);
      // Nonsense in the query is ignored, never a 500.
      for (const query of ['status=NOPE', 'from=yesterday', 'after=%%%', 'after=bm9wZQ', 'q=' + 'x'.repeat(300), 'status=A&status=B', 'currency=<b>']) {
        const res = await browser.get(`/dashboard/orders?${query}`);
        assert.equal(res.status, 200, query);
      }
    });

    it('shows an order: amounts, chart, captures, refunds, lines, addresses and its timeline', async () => {
      const order = await t.createOrder(orderBody({ merchant_reference1: 'SHOW-1' }));
      const id = order.order_id as string;
      await t.post(`/ordermanagement/v1/orders/${id}/captures`, { captured_amount: 10000 });
      await t.post(`/ordermanagement/v1/orders/${id}/refunds`, { refunded_amount: 2500, description: 'Returned' });
      const res = await browser.get(`/dashboard/orders/${id}`);
      assert.equal(res.status, 200);
      assert.match(res.body, /id="amount-authorized">SEK\s125\.00/);
      assert.match(res.body, /id="amount-captured">SEK\s100\.00/);
      assert.match(res.body, /id="amount-refunded">SEK\s25\.00/);
      assert.match(res.body, /id="amount-remaining">SEK\s25\.00/);
      assert.match(res.body, /<svg viewBox="0 0 600 160" role="img"/);
      assert.match(res.body, /<table id="captures">/);
      assert.match(res.body, /<table id="refunds">/);
      assert.match(res.body, /T-shirt/);
      assert.match(res.body, /Ankeborg/);
      for (const entry of ['order.created', 'capture.created', 'refund.created', 'message.order.capture']) assert.match(res.body, new RegExp(`tl-title">${entry.replace('.', '\\.')}`), entry);
      assert.doesNotMatch(res.body, /style=/, 'no inline style');
      assert.doesNotMatch(res.body, /<script>/, 'no inline script');
    });

    it('answers another merchant\'s order, and an unknown one, as not found (404 page)', async () => {
      const other = await t.createOrder(orderBody(), OTHER_MERCHANT);
      for (const id of [other.order_id as string, 'no-such-order', 'x'.repeat(900), '%3Cscript%3E']) {
        const res = await browser.get(`/dashboard/orders/${id}`);
        assert.equal(res.status, 404, id);
        assert.match(res.body, /There is no such order/);
        assert.doesNotMatch(res.body, /<script>/);
      }
      const capture = await browser.post(`/dashboard/orders/${other.order_id as string}/actions/capture`, { amount: '10' });
      assert.equal(capture.status, 404);
      const after = await t.request({ url: `/ordermanagement/v1/orders/${other.order_id as string}`, auth: OTHER_MERCHANT });
      assert.equal(after.json().captured_amount, 0, 'nothing changed');
    });

    it('renders hostile order data as text', async () => {
      const hostile = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
      const order = await t.createOrder(
        orderBody({
          merchant_reference1: hostile.slice(0, 60),
          order_lines: [{ type: 'physical', reference: '<b>ref</b>', name: hostile, quantity: 1, unit_price: 12500, tax_rate: 2500, total_amount: 12500, total_tax_amount: 2500 }],
          billing_address: { ...(orderBody().billing_address as object), city: '<iframe src=//evil>' },
        }),
      );
      for (const url of [`/dashboard/orders/${order.order_id as string}`, '/dashboard/orders']) {
        const res = await browser.get(url);
        assert.equal(res.status, 200);
        assert.doesNotMatch(res.body, /<script>alert/);
        assert.doesNotMatch(res.body, /<img src=x/);
        assert.doesNotMatch(res.body, /<iframe/);
        assert.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      }
    });

    it('captures, refunds and cancels through Order Management, with a flash after a 303', async () => {
      const order = await t.createOrder(orderBody());
      const id = order.order_id as string;
      await browser.get(`/dashboard/orders/${id}`);
      const capture = await browser.post(`/dashboard/orders/${id}/actions/capture`, { amount: '50,00' });
      assert.equal(capture.status, 303);
      assert.equal(capture.headers.location, `/dashboard/orders/${id}?done=capture`);
      let om = await t.getOrder(id);
      assert.equal(om.captured_amount, 5000);
      assert.equal(om.status, 'PART_CAPTURED');
      const page = await browser.get(String(capture.headers.location));
      assert.match(page.body, /role="status" id="flash">The capture was made\./);
      assert.match(page.body, /tl-title">capture\.created/);

      const refund = await browser.post(`/dashboard/orders/${id}/actions/refund`, { amount: '20' });
      assert.equal(refund.status, 303);
      om = await t.getOrder(id);
      assert.equal(om.refunded_amount, 2000);

      // Klarna's refusal on the page, not a 500: more than remains, a cancel after a capture.
      const tooMuch = await browser.post(`/dashboard/orders/${id}/actions/capture`, { amount: '1000' });
      assert.equal(tooMuch.status, 403);
      assert.match(tooMuch.body, /role="alert" id="flash">CAPTURE_NOT_ALLOWED: /);
      const cancel = await browser.post(`/dashboard/orders/${id}/actions/cancel`, {});
      assert.equal(cancel.status, 403);
      assert.match(cancel.body, /CANCEL_NOT_ALLOWED/);
      om = await t.getOrder(id);
      assert.equal(om.captured_amount, 5000);

      // Amounts that are not amounts: the page again with a message (400).
      for (const amount of ['', 'abc', '-5', '0', '1.234', '1e5', '99999999999']) {
        const res = await browser.post(`/dashboard/orders/${id}/actions/capture`, { amount });
        assert.equal(res.status, 400, amount);
        assert.match(res.body, /Enter an amount/);
      }
      assert.equal((await t.getOrder(id)).captured_amount, 5000);

      const fresh = await t.createOrder(orderBody());
      const cancelled = await browser.post(`/dashboard/orders/${fresh.order_id as string}/actions/cancel`, {});
      assert.equal(cancelled.status, 303);
      assert.equal((await t.getOrder(fresh.order_id as string)).status, 'CANCELLED');
      assert.match((await browser.get(`/dashboard/orders/${fresh.order_id as string}`)).body, /tl-title">order\.cancelled/);
      const unknown = await browser.post(`/dashboard/orders/${fresh.order_id as string}/actions/explode`, {});
      assert.equal(unknown.status, 404);
    });

    it('refuses every action without the session\'s CSRF token (403) and changes nothing', async () => {
      const order = await t.createOrder(orderBody());
      const id = order.order_id as string;
      for (const csrf of [null, '', 'wrong']) {
        for (const [action, fields] of [
          ['capture', { amount: '10' }],
          ['refund', { amount: '10' }],
          ['cancel', {}],
        ] as const) {
          const res = await browser.post(`/dashboard/orders/${id}/actions/${action}`, fields, { csrf });
          assert.equal(res.status, 403, `${action} ${String(csrf)}`);
        }
        assert.equal((await browser.post('/dashboard/clock/advance', { seconds: '60' }, { csrf })).status, 403);
      }
      const om = await t.getOrder(id);
      assert.equal(om.status, 'AUTHORIZED');
      assert.equal(om.captured_amount, 0);
      // A JSON body is not a form: no token, refused alike.
      const json = await browser.post(`/dashboard/orders/${id}/actions/cancel`, {}, { payload: JSON.stringify({ csrf_token: browser.csrf }), contentType: 'application/json' });
      assert.equal(json.status, 403);
      assert.equal((await t.getOrder(id)).status, 'AUTHORIZED');
    });

    it('decides a pending fraud review now, as the timed decision would', async () => {
      // A pending review as the test data leaves it (`+pend-accept-30`): ACCEPTED in 30 minutes, unless decided first.
      const pending = await t.createOrder(orderBody());
      const id = pending.order_id as string;
      await t.db.kysely
        .updateTable('orders')
        .set({ fraud_status: 'PENDING', fraud_decision: 'ACCEPTED', fraud_decision_at: Date.now() + 30 * 60_000 + (await t.clock.offset(await t.merchantId())) })
        .where('order_id', '=', id)
        .execute();
      const page = await browser.get(`/dashboard/orders/${id}`);
      assert.match(page.body, /Decide the pending fraud review/);
      const bad = await browser.post(`/dashboard/orders/${id}/actions/fraud-decision`, { decision: 'MAYBE' });
      assert.equal(bad.status, 400);
      const res = await browser.post(`/dashboard/orders/${id}/actions/fraud-decision`, { decision: 'REJECTED' });
      assert.equal(res.status, 303);
      const om = await t.getOrder(id);
      assert.equal(om.fraud_status, 'REJECTED');
      assert.equal(om.status, 'CANCELLED');
      const again = await browser.post(`/dashboard/orders/${id}/actions/fraud-decision`, { decision: 'ACCEPTED' });
      assert.equal(again.status, 403);
      assert.match(again.body, /NOT_ALLOWED: The fraud status is REJECTED/);
      assert.match((await browser.get(`/dashboard/orders/${id}`)).body, /tl-title">order\.fraud_decided/);
    });

    it('advances the sandbox clock and comes back to the page', async () => {
      const order = await t.createOrder(orderBody());
      const before = (await t.get('/sandbox/v1/clock')).json().offset_seconds as number;
      const res = await browser.post('/dashboard/clock/advance', { seconds: '120', back: `/dashboard/orders/${order.order_id as string}` });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, `/dashboard/orders/${order.order_id as string}?done=clock`);
      assert.equal((await t.get('/sandbox/v1/clock')).json().offset_seconds, before + 120);
      for (const seconds of ['0', '-1', 'x', '99999999999', '']) {
        assert.equal((await browser.post('/dashboard/clock/advance', { seconds })).status, 400, seconds);
      }
      assert.equal((await t.get('/sandbox/v1/clock')).json().offset_seconds, before + 120);
    });
  });
}

describe('dashboard with --no-sandbox', () => {
  it('shows the pages without actions and refuses actions (403)', async () => {
    const t = await buildTestApp({ dialect: 'sqlite', config: { sandbox: false as unknown as string } });
    try {
      const browser = await signedIn(t);
      const order = await t.post('/payments/v1/sessions', orderBody());
      assert.equal(order.status, 200);
      const list = await browser.get('/dashboard/orders');
      assert.match(list.body, /id="read-only"/);
      const res = await browser.post('/dashboard/orders/any/actions/cancel', {});
      assert.equal(res.status, 403);
      assert.equal((await browser.post('/dashboard/clock/advance', { seconds: '60' })).status, 403);
    } finally {
      await t.close();
    }
  });
});
