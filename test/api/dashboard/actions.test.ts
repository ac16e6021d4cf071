/**
 * The dashboard's shopper actions and redelivery: authorize a Payments session (its token then makes
 * an order through the Payments API), complete a Checkout order (an Order Management order appears),
 * redeliver a callback from a timeline (a new attempt, seen through the callback inspector), each a
 * POST with the CSRF token that comes back with a flash; refusals shown as text, another merchant's
 * resource as an unknown one, nothing changed without the token or with `--no-sandbox`. Both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { checkoutBody } from '../../helpers/resources.js';
import { signedIn } from './helpers.js';
import type { Browser } from './helpers.js';

const fieldsOf = (html: string, formAction: string): Record<string, string> => {
  const form = new RegExp(`<form method="post" action="${formAction.replace(/[/.]/g, '\\$&')}"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
  assert.ok(form, `a form posting to ${formAction}`);
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) fields[m[1] ?? ''] = (m[2] ?? '').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
  for (const m of form.matchAll(/<input[^>]*\bvalue="([^"]*)"[^>]*\bname="([^"]+)"/g)) fields[m[2] ?? ''] ??= m[1] ?? '';
  return fields;
};

for (const dialect of await availableDialects()) {
  describe(`dashboard actions (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    let merchant: FakeMerchant;
    before(async () => {
      t = await buildTestApp({ dialect });
      browser = await signedIn(t);
      merchant = await startFakeMerchant();
    });
    after(async () => {
      await t.close();
      await merchant.close();
    });

    async function callbacksOf(sessionId: string): Promise<{ callback_id: string; status: string; attempts: { response_status: number | null }[] }[]> {
      const res = await t.get(`/sandbox/v1/callbacks?session_id=${sessionId}`);
      assert.equal(res.status, 200, res.body);
      return res.json().callbacks;
    }

    it('authorizes a Payments session as the shopper, and redelivers its callback from the timeline', async () => {
      // Down (500) until the test says otherwise; the dispatcher's own retries may come meanwhile.
      let healthy = false;
      merchant.answer(() => (healthy ? { status: 200 } : { status: 500, body: '{"error":"database down"}' }));
      const session = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/auth/{session.id}` } }));
      assert.equal(session.status, 200, session.body);
      const id = session.json().session_id as string;
      const page = await browser.get(`/dashboard/payments-sessions/${id}`);
      const fields = fieldsOf(page.body, `/dashboard/payments-sessions/${id}/actions/authorize`);
      assert.equal(fields.email, 'customer@email.se', 'the form starts from the session\'s shopper');
      const res = await browser.post(`/dashboard/payments-sessions/${id}/actions/authorize`, { email: fields.email ?? '' });
      assert.equal(res.status, 303, res.body);
      assert.equal(res.headers.location, `/dashboard/payments-sessions/${id}?done=authorize-approved`);
      const after = await browser.get(String(res.headers.location));
      assert.match(after.body, /role="status" id="flash">The shopper authorized the session/);
      const token = /<table id="authorizations">[\s\S]*?<th scope="row" class="mono">([^<]+)<\/th>/.exec(after.body)?.[1];
      assert.ok(token, 'the authorization token is listed');
      // The token is a real one: the Payments API makes an order with it.
      const order = await t.post(`/payments/v1/authorizations/${token}/order`, orderBody());
      assert.equal(order.status, 200, order.body);

      // The authorization callback failed once (500); the timeline shows the attempt, and a redeliver form.
      await merchant.waitFor(1);
      let callbacks = await callbacksOf(id);
      for (let i = 0; i < 100 && (callbacks[0]?.attempts.length ?? 0) < 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        callbacks = await callbacksOf(id);
      }
      const callbackId = callbacks[0]?.callback_id ?? '';
      assert.equal(callbacks[0]?.attempts[0]?.response_status, 500);
      const timeline = await browser.get(`/dashboard/payments-sessions/${id}`);
      assert.match(timeline.body, /tl-title">payments\.authorization attempt 1: 500 in \d+ ms/);
      assert.match(timeline.body, /&quot;error&quot;:&quot;database down&quot;|\{&quot;error&quot;:&quot;database down&quot;\}/);
      const redeliver = fieldsOf(timeline.body, `/dashboard/callbacks/${callbackId}/redeliver`);
      assert.equal(redeliver.back, `/dashboard/payments-sessions/${id}`);

      healthy = true;
      const again = await browser.post(`/dashboard/callbacks/${callbackId}/redeliver`, { back: redeliver.back ?? '' });
      assert.equal(again.status, 303, again.body);
      assert.equal(again.headers.location, `/dashboard/payments-sessions/${id}?done=redeliver-delivered`);
      const inspected = (await t.get(`/sandbox/v1/callbacks/${callbackId}`)).json();
      const count = inspected.attempts.length as number;
      assert.ok(count >= 2);
      assert.equal(inspected.attempts[count - 1].response_status, 200, 'the redelivery is the newest attempt');
      const sent = merchant.received.filter((r) => r.url === `/auth/${id}`);
      assert.equal(sent.length, count);
      assert.ok(sent.every((r) => r.body === sent[0]?.body), 'the same body again');
      const shown = await browser.get(String(again.headers.location));
      assert.match(shown.body, new RegExp(`tl-title">payments\\.authorization attempt ${count}: 200 in \\d+ ms`));
      assert.match(shown.body, /id="flash">The callback was sent again and the merchant answered with success\./);
    });

    it('shows a decline and Klarna\'s refusals as text, and another merchant\'s session as unknown', async () => {
      const session = await t.post('/payments/v1/sessions', orderBody());
      const id = session.json().session_id as string;
      const declined = await browser.post(`/dashboard/payments-sessions/${id}/actions/authorize`, { email: 'customer+denied@email.se' });
      assert.equal(declined.headers.location, `/dashboard/payments-sessions/${id}?done=authorize-declined`);
      assert.match((await browser.get(String(declined.headers.location))).body, /role="alert" id="flash">The shopper was declined/);
      const tooLong = await browser.post(`/dashboard/payments-sessions/${id}/actions/authorize`, { email: `${'x'.repeat(100)}@email.se` });
      assert.equal(tooLong.status, 400);
      assert.match(tooLong.body, /id="flash">BAD_VALUE: email/);

      const other = await t.post('/payments/v1/sessions', orderBody(), { auth: OTHER_MERCHANT });
      const otherId = other.json().session_id as string;
      assert.equal((await browser.post(`/dashboard/payments-sessions/${otherId}/actions/authorize`, { email: 'customer@email.se' })).status, 404);
      const rows = await t.db.kysely.selectFrom('payment_authorizations').select('authorization_token').where('session_id', '=', otherId).execute();
      assert.equal(rows.length, 0, 'nothing authorized');
      assert.equal((await browser.post('/dashboard/payments-sessions/no-such/actions/authorize', {})).status, 404);
    });

    it('completes a Checkout order with the default test shopper: an Order Management order appears', async () => {
      const created = await t.post('/checkout/v3/orders', checkoutBody());
      assert.equal(created.status, 201, created.body);
      const id = created.json().order_id as string;
      const page = await browser.get(`/dashboard/checkout-orders/${id}`);
      const fields = fieldsOf(page.body, `/dashboard/checkout-orders/${id}/actions/complete`);
      assert.equal(fields.email, 'customer@email.se');
      assert.equal(fields.country, 'SE');
      assert.equal(fields.given_name, 'Testperson-se');
      const { csrf_token: _csrf, ...shopper } = fields;
      const res = await browser.post(`/dashboard/checkout-orders/${id}/actions/complete`, shopper);
      assert.equal(res.status, 303, res.body);
      assert.equal(res.headers.location, `/dashboard/checkout-orders/${id}?done=complete-done`);
      assert.equal((await t.get(`/checkout/v3/orders/${id}`)).json().status, 'checkout_complete');
      const om = await t.getOrder(id);
      assert.equal(om.status, 'AUTHORIZED');
      assert.equal(om.billing_address.email, 'customer@email.se');
      const done = await browser.get(String(res.headers.location));
      assert.match(done.body, new RegExp(`href="/dashboard/orders/${id}" id="linked-order"`));
      assert.doesNotMatch(done.body, /Complete the purchase as the shopper/, 'no form once complete');
      assert.match(done.body, /tl-title">checkout_order\.completed/);

      // Once complete, Checkout refuses another completion: its refusal on the page.
      const again = await browser.post(`/dashboard/checkout-orders/${id}/actions/complete`, shopper);
      assert.equal(again.status, 403, again.body);
      assert.match(again.body, /role="alert" id="flash">[A-Z_]+: /);
    });

    it('shows a declined purchase and bad fields as text, the order still open', async () => {
      const id = (await t.post('/checkout/v3/orders', checkoutBody())).json().order_id as string;
      const declined = await browser.post(`/dashboard/checkout-orders/${id}/actions/complete`, { email: 'customer+denied@email.se', given_name: 'A', family_name: 'B', street_address: 'C 1', postal_code: '12345', city: 'D', country: 'SE' });
      assert.equal(declined.status, 409, declined.body);
      assert.match(declined.body, /role="alert" id="flash">The shopper was declined \(denied\)/);
      const bad = await browser.post(`/dashboard/checkout-orders/${id}/actions/complete`, { email: 'customer@email.se', country: 'SWE', postal_code: '1'.repeat(20) });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="flash">BAD_VALUE: billing_address\.(country|postal_code)/);
      assert.equal((await t.get(`/checkout/v3/orders/${id}`)).json().status, 'checkout_incomplete');
      const other = (await t.post('/checkout/v3/orders', checkoutBody(), { auth: OTHER_MERCHANT })).json().order_id as string;
      assert.equal((await browser.post(`/dashboard/checkout-orders/${other}/actions/complete`, { email: 'customer@email.se' })).status, 404);
      assert.equal((await t.get(`/checkout/v3/orders/${other}`, OTHER_MERCHANT)).json().status, 'checkout_incomplete');
    });

    it('redelivers only the merchant\'s own callbacks', async () => {
      merchant.answer({ status: 200 });
      const other = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/other` } }), { auth: OTHER_MERCHANT });
      const otherId = other.json().session_id as string;
      assert.equal((await t.post(`/sandbox/v1/payments/sessions/${otherId}/authorize`, {}, { auth: OTHER_MERCHANT })).status, 200);
      await merchant.waitFor(1, (r) => r.url === '/other');
      const theirs = (await t.get(`/sandbox/v1/callbacks?session_id=${otherId}`, OTHER_MERCHANT)).json().callbacks[0].callback_id as string;
      const before = merchant.received.length;
      for (const id of [theirs, '0', 'abc', '99999999999999999999', '%00']) {
        const res = await browser.post(`/dashboard/callbacks/${id}/redeliver`, { back: '/dashboard/orders' });
        assert.ok([400, 404].includes(res.status), `${id}: ${res.status}`);
      }
      assert.equal(merchant.received.length, before, 'nothing sent');
    });

    it('refuses every action without the session\'s CSRF token (403) and changes nothing', async () => {
      const session = (await t.post('/payments/v1/sessions', orderBody())).json().session_id as string;
      const checkout = (await t.post('/checkout/v3/orders', checkoutBody())).json().order_id as string;
      for (const csrf of [null, '', 'wrong']) {
        assert.equal((await browser.post(`/dashboard/payments-sessions/${session}/actions/authorize`, { email: 'customer@email.se' }, { csrf })).status, 403);
        assert.equal((await browser.post(`/dashboard/checkout-orders/${checkout}/actions/complete`, { email: 'customer@email.se' }, { csrf })).status, 403);
        assert.equal((await browser.post('/dashboard/callbacks/1/redeliver', { back: '/dashboard/orders' }, { csrf })).status, 403);
      }
      const rows = await t.db.kysely.selectFrom('payment_authorizations').select('authorization_token').where('session_id', '=', session).execute();
      assert.equal(rows.length, 0);
      assert.equal((await t.get(`/checkout/v3/orders/${checkout}`)).json().status, 'checkout_incomplete');
    });
  });
}

describe('dashboard shopper actions with --no-sandbox', () => {
  it('shows the pages without the forms and refuses the actions (403)', async () => {
    const t = await buildTestApp({ dialect: 'sqlite', config: { sandbox: false as unknown as string } });
    try {
      const browser = await signedIn(t);
      const session = (await t.post('/payments/v1/sessions', orderBody())).json().session_id as string;
      const checkout = (await t.post('/checkout/v3/orders', checkoutBody())).json().order_id as string;
      const page = await browser.get(`/dashboard/payments-sessions/${session}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.body, /Authorize as the shopper/);
      assert.doesNotMatch((await browser.get(`/dashboard/checkout-orders/${checkout}`)).body, /Complete the purchase/);
      assert.equal((await browser.post(`/dashboard/payments-sessions/${session}/actions/authorize`, { email: 'customer@email.se' })).status, 403);
      assert.equal((await browser.post(`/dashboard/checkout-orders/${checkout}/actions/complete`, { email: 'customer@email.se' })).status, 403);
      assert.equal((await browser.post('/dashboard/callbacks/1/redeliver', { back: '/dashboard/orders' })).status, 403);
      assert.equal((await t.get(`/checkout/v3/orders/${checkout}`)).json().status, 'checkout_incomplete');
    } finally {
      await t.close();
    }
  });
});
