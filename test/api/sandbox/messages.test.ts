/**
 * The sandbox's inbox, GET /sandbox/v1/messages: every e-mail and SMS klarna-local would have sent a
 * shopper (nothing is really sent), oldest first, the merchant's own only, filtered by order, session,
 * recipient (case-insensitive) and kind. Order Management records the capture e-mail (`order.capture`)
 * to the shopper's e-mail and trigger-send-out the same again (`order.send_out`); the Hosted Payment
 * Page records its links (`hpp.link`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, assertSandboxUnauthorized } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { RequestOptions, TestApp } from '../../helpers/harness.js';

interface Message {
  message_id: string;
  kind: string;
  channel: string;
  recipient: string;
  subject: string | null;
  body: string;
  links: string[];
  order_id: string | null;
  session_id: string | null;
  created_at: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sek = (minor: number) => new Intl.NumberFormat('sv-SE', { style: 'currency', currency: 'SEK' }).format(minor / 100);

for (const dialect of await availableDialects()) {
  describe(`sandbox messages (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function inbox(query = '', auth?: RequestOptions['auth']): Promise<Message[]> {
      const res = await t.get(`/sandbox/v1/messages${query}`, auth);
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      return res.json<{ messages: Message[] }>().messages;
    }

    async function capture(orderId: string, amount: number, auth?: RequestOptions['auth']): Promise<{ capture_id: string; klarna_reference: string }> {
      const res = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: amount }, { auth });
      assert.equal(res.status, 201, res.body);
      const captureId = String(res.headers['capture-id']);
      const read = await t.get(`/ordermanagement/v1/orders/${orderId}/captures/${captureId}`, auth);
      return { capture_id: captureId, klarna_reference: read.json().klarna_reference };
    }

    async function hppSession(auth?: RequestOptions['auth']): Promise<{ session_id: string; redirect_url: string }> {
      const payment = await t.post('/payments/v1/sessions', orderBody(), { auth });
      const res = await t.post('/hpp/v1/sessions', { payment_session_url: `${PUBLIC_URL}/payments/v1/sessions/${payment.json().session_id}` }, { auth });
      assert.equal(res.status, 201, res.body);
      return res.json();
    }

    it('a capture records an order.capture e-mail to the billing e-mail with the amount and the references', async () => {
      const order = await t.createOrder({ merchant_reference1: 'SHOP-4711' });
      const captured = await capture(order.order_id, 5000);
      const messages = await inbox(`?order_id=${order.order_id}`);
      assert.equal(messages.length, 1);
      const [message] = messages as [Message];
      assert.match(message.message_id, UUID);
      assert.equal(message.kind, 'order.capture');
      assert.equal(message.channel, 'email');
      assert.equal(message.recipient, 'customer@email.se');
      assert.equal(message.order_id, order.order_id);
      assert.equal(message.session_id, null);
      assert.deepEqual(message.links, []);
      assert.equal(message.subject, `Your purchase ${captured.klarna_reference}: ${sek(5000)}`);
      assert.ok(message.body.includes(order.klarna_reference), 'the order reference');
      assert.ok(message.body.includes(captured.klarna_reference), 'the capture reference');
      assert.ok(message.body.includes(sek(5000)), 'the captured amount');
      assert.ok(message.body.includes('SHOP-4711'), "the store's reference");
      assert.ok(message.body.startsWith('Hello Testperson-se,'), message.body);
      assert.match(message.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    });

    it('trigger-send-out records an order.send_out e-mail with the same amount and reference as the capture it sends again', async () => {
      const order = await t.createOrder();
      const first = await capture(order.order_id, 7500);
      await capture(order.order_id, 5000);
      const res = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures/${first.capture_id}/trigger-send-out`, undefined);
      assert.equal(res.status, 204, res.body);
      const messages = await inbox(`?order_id=${order.order_id}`);
      assert.deepEqual(
        messages.map((m) => m.kind),
        ['order.capture', 'order.capture', 'order.send_out'],
      );
      const [original, , sendOut] = messages as [Message, Message, Message];
      assert.equal(sendOut.recipient, original.recipient);
      assert.equal(sendOut.subject, `Reminder: ${original.subject}`);
      assert.equal(sendOut.subject, `Reminder: Your purchase ${first.klarna_reference}: ${sek(7500)}`);
      assert.equal(sendOut.body, original.body, 'the same e-mail again');
      assert.equal(sendOut.order_id, order.order_id);
    });

    it('an order without any e-mail records no message, for a capture or a send-out; a shipping e-mail is used when billing has none', async () => {
      const { email: _email, ...billing } = orderBody().billing_address as Record<string, string>;
      const silent = await t.createOrder({ billing_address: billing });
      const captured = await capture(silent.order_id, 5000);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${silent.order_id}/captures/${captured.capture_id}/trigger-send-out`, undefined)).status, 204);
      assert.deepEqual(await inbox(`?order_id=${silent.order_id}`), []);

      const shipped = await t.createOrder({ billing_address: billing, shipping_address: { ...billing, email: 'Parcel@Example.com' } });
      await capture(shipped.order_id, 2500);
      assert.deepEqual(
        (await inbox(`?order_id=${shipped.order_id}`)).map((m) => m.recipient),
        ['Parcel@Example.com'],
      );
    });

    it('filters by order_id, session_id, recipient (exact, case-insensitive) and kind, together; oldest first', async () => {
      const { email: _email, ...billing } = orderBody().billing_address as Record<string, string>;
      const order = await t.createOrder({ billing_address: { ...billing, email: 'Filter.Me@Example.com' } });
      await capture(order.order_id, 1000);
      const session = await hppSession();
      const distribute = (body: Record<string, unknown>) => t.post(`/hpp/v1/sessions/${session.session_id}/distribution`, body);
      await t.advanceClock(60);
      assert.equal((await distribute({ method: 'email', contact_information: { email: 'filter.me@example.com' } })).status, 201);
      await t.advanceClock(60);
      assert.equal((await distribute({ method: 'sms', contact_information: { phone: '+46701740615', phone_country: 'SE' } })).status, 201);
      await capture(order.order_id, 2000);

      const mine = (await inbox()).filter((m) => m.order_id === order.order_id || m.session_id === session.session_id);
      assert.deepEqual(
        mine.map((m) => [m.kind, m.channel]),
        [
          ['order.capture', 'email'],
          ['hpp.link', 'email'],
          ['hpp.link', 'sms'],
          ['order.capture', 'email'],
        ],
        'oldest first',
      );
      const times = mine.map((m) => Date.parse(m.created_at));
      assert.ok(times.every((time, i) => i === 0 || time >= (times[i - 1] as number)));

      assert.deepEqual(
        (await inbox(`?order_id=${order.order_id}`)).map((m) => m.kind),
        ['order.capture', 'order.capture'],
      );
      const bySession = await inbox(`?session_id=${session.session_id}`);
      assert.deepEqual(
        bySession.map((m) => m.channel),
        ['email', 'sms'],
      );
      assert.ok(bySession.every((m) => m.kind === 'hpp.link' && m.order_id === null && m.links[0] === session.redirect_url));

      for (const spelling of ['filter.me@example.com', 'FILTER.ME@EXAMPLE.COM', 'Filter.Me@Example.com']) {
        assert.deepEqual(
          (await inbox(`?recipient=${encodeURIComponent(spelling)}`)).map((m) => [m.kind, m.recipient]),
          [
            ['order.capture', 'Filter.Me@Example.com'],
            ['hpp.link', 'filter.me@example.com'],
            ['order.capture', 'Filter.Me@Example.com'],
          ],
          spelling,
        );
      }
      assert.deepEqual(await inbox(`?recipient=${encodeURIComponent('filter.me@example')}`), [], 'the whole address, not a part');
      assert.deepEqual(await inbox(`?recipient=${encodeURIComponent('%@example.com')}`), [], 'no wildcards');
      assert.deepEqual(
        (await inbox(`?recipient=${encodeURIComponent('+46701740615')}`)).filter((m) => m.session_id === session.session_id).map((m) => m.channel),
        ['sms'],
      );
      assert.ok((await inbox('?kind=order.capture')).every((m) => m.kind === 'order.capture'));
      assert.ok((await inbox('?kind=hpp.link')).some((m) => m.session_id === session.session_id));
      // Filters combine.
      assert.deepEqual(
        (await inbox(`?recipient=filter.me%40example.com&kind=hpp.link`)).map((m) => m.session_id),
        [session.session_id],
      );
      assert.deepEqual(await inbox(`?order_id=${order.order_id}&kind=hpp.link`), []);
      assert.deepEqual(await inbox(`?session_id=${session.session_id}&kind=order.capture`), []);
      assert.deepEqual(await inbox('?order_id=00000000-0000-4000-8000-000000000000'), []);
    });

    it("another merchant's messages are not listed, under any filter", async () => {
      const theirs = await t.createOrder({}, OTHER_MERCHANT);
      await capture(theirs.order_id, 1000, OTHER_MERCHANT);
      const theirSession = await hppSession(OTHER_MERCHANT);
      assert.equal(
        (await t.post(`/hpp/v1/sessions/${theirSession.session_id}/distribution`, { method: 'email', contact_information: { email: 'customer@email.se' } }, { auth: OTHER_MERCHANT })).status,
        201,
      );
      assert.equal((await inbox(`?order_id=${theirs.order_id}`, OTHER_MERCHANT)).length, 1, 'the other merchant sees its own');

      assert.deepEqual(await inbox(`?order_id=${theirs.order_id}`), []);
      assert.deepEqual(await inbox(`?session_id=${theirSession.session_id}`), []);
      const all = await inbox();
      assert.ok(all.every((m) => m.order_id !== theirs.order_id && m.session_id !== theirSession.session_id));
      // And the other way round.
      const ownOrder = await t.createOrder();
      await capture(ownOrder.order_id, 1000);
      assert.deepEqual(await inbox(`?order_id=${ownOrder.order_id}`, OTHER_MERCHANT), []);
      assert.ok((await inbox('?recipient=customer@email.se', OTHER_MERCHANT)).every((m) => m.order_id !== ownOrder.order_id));
    });

    it('needs credentials (401 in the envelope) and refuses a malformed filter (400)', async () => {
      assertSandboxUnauthorized(await t.get('/sandbox/v1/messages', null));
      assertError(await t.get(`/sandbox/v1/messages?recipient=${'x'.repeat(321)}`), 400, 'BAD_VALUE', /recipient/);
      assertError(await t.get(`/sandbox/v1/messages?kind=${'k'.repeat(65)}`), 400, 'BAD_VALUE', /kind/);
    });
  });
}
