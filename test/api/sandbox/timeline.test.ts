/**
 * The timeline of an order and of a session (`GET /sandbox/v1/timeline`, timeline.ts): the
 * merchant's API calls, the state changes, each callback with every attempt, the inbox messages and
 * the settlement transactions, in time order; nothing of another merchant's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { orderTimeline } from '../../../src/modules/sandbox/timeline.js';
import type { TimelineEntry } from '../../../src/modules/sandbox/timeline.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { checkoutBody } from '../../helpers/resources.js';

const SHOPPER = { email: 'customer@email.se', billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' } };

for (const dialect of await availableDialects()) {
  describe(`timeline (${dialect})`, () => {
    let t: TestApp;
    let merchant: FakeMerchant;
    before(async () => {
      t = await buildTestApp({ dialect });
      merchant = await startFakeMerchant();
    });
    after(async () => {
      await t.close();
      await merchant.close();
    });

    async function timeline(query: string, auth?: typeof OTHER_MERCHANT): Promise<TimelineEntry[]> {
      const res = await t.get(`/sandbox/v1/timeline?${query}`, auth);
      assert.equal(res.status, 200, res.body);
      return res.json<{ entries: TimelineEntry[] }>().entries;
    }
    const describeEntry = (e: TimelineEntry): string => {
      switch (e.kind) {
        case 'api_call':
          return `api_call ${e.method} ${e.route} ${e.status}`;
        case 'state_change':
          return `state_change ${e.type}`;
        case 'callback':
          return `callback ${e.callback_kind}`;
        case 'callback_attempt':
          return `callback_attempt ${e.callback_kind} ${e.attempt.attempt} ${e.attempt.response_status}`;
        case 'message':
          return `message ${e.message_kind}`;
        case 'settlement_transaction':
          return `settlement_transaction ${e.type}`;
        case 'card_promise':
        case 'card_settlement':
          return `${e.kind} ${e.id}`;
      }
    };

    it('an order: calls, state changes, the push with each attempt, the capture e-mail and the settlement transactions, in time order', async () => {
      let pushes = 0;
      merchant.answer((request) => (request.url.startsWith('/push') ? { status: ++pushes === 1 ? 500 : 200 } : { status: 200 }));
      const urls = { ...(checkoutBody().merchant_urls as Record<string, string>), push: `${merchant.url}/push?id={checkout.order.id}` };
      const created = await t.post('/checkout/v3/orders', checkoutBody({ merchant_urls: urls }));
      assert.equal(created.status, 201, created.body);
      const orderId: string = created.json().order_id;
      assert.equal((await t.post(`/sandbox/v1/checkout/orders/${orderId}/complete`, SHOPPER)).status, 200);
      // The push is due two minutes after completion; the first attempt fails, the retry (5 minutes on) succeeds.
      await t.advanceClock(150);
      await merchant.waitFor(1, (r) => r.url.startsWith('/push'));
      await t.advanceClock(300);
      await merchant.waitFor(2, (r) => r.url.startsWith('/push'));
      const acknowledged = await t.post(`/ordermanagement/v1/orders/${orderId}/acknowledge`);
      assert.equal(acknowledged.status, 204, acknowledged.body);
      const capture = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 12500 });
      assert.equal(capture.status, 201, capture.body);
      const refused = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 1 });
      assert.equal(refused.status, 403);
      await t.createOrder({}, OTHER_MERCHANT);

      const entries = await timeline(`order_id=${orderId}`);
      const times = entries.map((e) => Date.parse(e.at));
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in time order');
      const names = entries.map(describeEntry);
      const expectedInOrder = [
        'api_call POST /checkout/v3/orders 201',
        'state_change checkout_order.created',
        'api_call POST /sandbox/v1/checkout/orders/:order_id/complete 200',
        'state_change order.created',
        'callback checkout.push',
        'callback_attempt checkout.push 1 500',
        'callback_attempt checkout.push 2 200',
        'api_call POST /ordermanagement/v1/orders/:order_id/acknowledge 204',
        'state_change order.acknowledged',
        'api_call POST /ordermanagement/v1/orders/:order_id/captures 201',
        'state_change capture.created',
        'message order.capture',
        'settlement_transaction SALE',
        'api_call POST /ordermanagement/v1/orders/:order_id/captures 403',
      ];
      let at = -1;
      for (const name of expectedInOrder) {
        const found = names.indexOf(name, at + 1);
        assert.ok(found > at, `${name} after position ${at} in:\n${names.join('\n')}`);
        at = found;
      }
      assert.ok(names.includes('state_change checkout_order.completed'), names.join('\n'));

      const call = entries.find((e) => e.kind === 'api_call' && e.status === 201 && e.route.endsWith('/captures'));
      assert.ok(call && call.kind === 'api_call');
      assert.equal(call.correlation_id, capture.headers['klarna-correlation-id']);
      assert.equal(call.path, `/ordermanagement/v1/orders/${orderId}/captures`);
      assert.equal(call.resource_id, capture.headers['capture-id']);
      const pushed = entries.find((e) => e.kind === 'callback');
      assert.ok(pushed && pushed.kind === 'callback');
      assert.equal(pushed.url, `${merchant.url}/push?id=${orderId}`);
      const attempt = entries.find((e) => e.kind === 'callback_attempt' && e.attempt.response_status === 500);
      assert.ok(attempt && attempt.kind === 'callback_attempt' && attempt.attempt.duration_ms >= 0);
      const message = entries.find((e) => e.kind === 'message');
      assert.ok(message && message.kind === 'message' && message.recipient === 'customer@email.se');
      const sale = entries.find((e) => e.kind === 'settlement_transaction');
      assert.ok(sale && sale.kind === 'settlement_transaction' && sale.amount === 12500 && sale.currency_code === 'SEK');

      // The function the dashboard calls gives the same entries.
      const merchantId = (await t.db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', 'merchant_a').executeTakeFirstOrThrow()).merchant_id;
      assert.deepEqual(await orderTimeline(t.db, merchantId, orderId), entries);
      // Another merchant sees nothing of it.
      assert.deepEqual(await timeline(`order_id=${orderId}`, OTHER_MERCHANT), []);
    });

    it('a session: its calls, creation, authorization and the authorization callback', async () => {
      merchant.answer({ status: 200 });
      const session = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/auth` } }));
      const sessionId: string = session.json().session_id;
      assert.equal((await t.get(`/payments/v1/sessions/${sessionId}`)).status, 200);
      assert.equal((await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {})).status, 200);
      await merchant.waitFor(1, (r) => r.url === '/auth');
      let names: string[] = [];
      for (let i = 0; i < 100; i++) {
        names = (await timeline(`session_id=${sessionId}`)).map(describeEntry);
        if (names.some((n) => n.startsWith('callback_attempt'))) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const expectedInOrder = [
        'api_call POST /payments/v1/sessions 200',
        'state_change payment_session.created',
        'api_call GET /payments/v1/sessions/:session_id 200',
        'api_call POST /sandbox/v1/payments/sessions/:session_id/authorize 200',
        'state_change authorization.created',
        'callback payments.authorization',
        'callback_attempt payments.authorization 1 200',
      ];
      let at = -1;
      for (const name of expectedInOrder) {
        const found = names.indexOf(name, at + 1);
        assert.ok(found > at, `${name} after position ${at} in:\n${names.join('\n')}`);
        at = found;
      }
    });
  });
}
