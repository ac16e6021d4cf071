/**
 * POST /hpp/v1/sessions/{id}/distribution (behaviour reference §5.1, §5.4): the link by e-mail or SMS
 * (201, a message in the sandbox inbox carrying the session's redirect_url) or a device pairing by
 * access id (204, no message); contact details validated (400 BAD_VALUE naming the field); a session
 * that takes no consumer is 400; with the merchant's `hpp_distribution_limits`, the playground's
 * daily limits (20 SMS, 100 e-mails per UTC day) answer 429, per channel and merchant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { DAY, consumer, errorOf, hpp, hppForPayments, sandboxNow } from './api-helpers.js';

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

const EMAIL = (email: string) => ({ method: 'email', contact_information: { email } });
const SMS = (phone: string, phone_country = 'SE') => ({ method: 'sms', contact_information: { phone, phone_country } });

/** 201 with no body and no content type (§12: an empty 201 declares no JSON). */
function assertCreatedEmpty(res: TestResponse): void {
  assert.equal(res.status, 201, res.body);
  assert.equal(res.body, '');
  assert.equal(res.headers['content-type'], undefined);
}

function badValues(res: TestResponse, fields: string[]): void {
  assertError(res, 400, 'BAD_VALUE');
  assert.deepEqual(res.json().error_messages, fields.map((f) => `Bad value: ${f}`));
}

for (const dialect of await availableDialects()) {
  describe(`hpp distribution (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const distribute = (id: string, body: unknown, auth?: RequestOptions['auth']) => t.post(hpp(id, '/distribution'), body, { auth });
    async function inbox(query: string, auth?: RequestOptions['auth']): Promise<Message[]> {
      const res = await t.get(`/sandbox/v1/messages?${query}`, auth);
      assert.equal(res.status, 200, res.body);
      return res.json<{ messages: Message[] }>().messages;
    }
    async function messageCount(): Promise<number> {
      const row = await t.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    }

    it('email: 201 with no body, and the inbox holds one e-mail to the recipient with the session\'s redirect_url as its link', async () => {
      const created = await hppForPayments(t, { options: { page_title: 'Pay for order 1234' } });
      const now = await sandboxNow(t);
      assertCreatedEmpty(await distribute(created.session_id, EMAIL('Shopper.One@Example.com')));
      const messages = await inbox(`session_id=${created.session_id}`);
      assert.equal(messages.length, 1);
      const [message] = messages as [Message];
      assert.equal(message.kind, 'hpp.link');
      assert.equal(message.channel, 'email');
      assert.equal(message.recipient, 'Shopper.One@Example.com');
      assert.equal(message.subject, 'Pay for order 1234', 'the page title is the subject');
      assert.deepEqual(message.links, [created.redirect_url]);
      assert.ok(message.body.includes(created.redirect_url), message.body);
      assert.equal(message.session_id, created.session_id);
      assert.equal(message.order_id, null);
      assert.ok(Math.abs(Date.parse(message.created_at) - now) < 5000);
      // The link is the page the consumer opens (the same one session_url sends a browser to).
      const browser = await t.app.inject({ method: 'GET', url: hpp(created.session_id), headers: { accept: 'text/html' } });
      assert.equal(browser.headers.location, message.links[0]);
      // Distributing does not open the page.
      assert.equal((await t.get(hpp(created.session_id))).json().status, 'WAITING');
      // The link answers the hosted page to the consumer (no credentials), which opens the session.
      const page = await t.request({ url: new URL(message.links[0] as string).pathname, auth: null, headers: { accept: 'text/html' } });
      assert.equal(page.status, 200, page.body);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.ok(page.body.includes('Pay for order 1234'), 'the page carries its title');
      assert.equal((await t.get(hpp(created.session_id))).json().status, 'IN_PROGRESS');
    });

    it('sms: 201, a text to the phone number as given, with the link; the default e-mail subject when the page has no title', async () => {
      const created = await hppForPayments(t);
      assertCreatedEmpty(await distribute(created.session_id, SMS(' +46 70-174 06 15 ')));
      assertCreatedEmpty(await distribute(created.session_id, EMAIL('customer@email.se')));
      const messages = await inbox(`session_id=${created.session_id}`);
      assert.deepEqual(
        messages.map((m) => [m.channel, m.recipient, m.subject]),
        [
          ['sms', '+46 70-174 06 15', null],
          ['email', 'customer@email.se', 'Complete your purchase'],
        ],
      );
      assert.deepEqual(messages[0]?.links, [created.redirect_url]);
      assert.ok(messages[0]?.body.includes(created.redirect_url));
    });

    it('token: 204 with no body, and no message', async () => {
      const created = await hppForPayments(t);
      const before = await messageCount();
      const res = await distribute(created.session_id, { method: 'token', contact_information: { access_id: 'instore-till-4' }, template: 'INSTORE_PURCHASE' });
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);
      assert.equal(await messageCount(), before);
    });

    it('invalid contact information is 400 BAD_VALUE naming the field, and sends nothing', async () => {
      const created = await hppForPayments(t);
      const id = created.session_id;
      const before = await messageCount();
      for (const email of ['not-an-email', 'shopper@localhost', 'two words@example.com', '@example.com', 'shopper@', '', '   ', 'a@b@c.com', 'shopper@exa mple.com']) {
        badValues(await distribute(id, EMAIL(email)), ['contact_information.email']);
      }
      badValues(await distribute(id, { method: 'email', contact_information: { phone: '+46701740615', phone_country: 'SE' } }), ['contact_information.email']);
      for (const phone of ['abc', '12345', '+46 70 17x 06 15', '1234567890123456', '++46701740615', '']) {
        badValues(await distribute(id, SMS(phone)), ['contact_information.phone']);
      }
      for (const country of ['S', '46', '', 'S1']) badValues(await distribute(id, SMS('+46701740615', country)), ['contact_information.phone_country']);
      // Longer than two letters is the schema's refusal, naming the field with its reason.
      assertError(await distribute(id, SMS('+46701740615', 'SWE')), 400, 'BAD_VALUE', /^Bad value: contact_information\.phone_country/);
      badValues(await distribute(id, { method: 'sms', contact_information: { phone: '+46701740615' } }), ['contact_information.phone_country']);
      badValues(await distribute(id, { method: 'sms', contact_information: { email: 'customer@email.se' } }), ['contact_information.phone', 'contact_information.phone_country']);
      badValues(await distribute(id, { method: 'token', contact_information: {} }), ['contact_information.access_id']);
      badValues(await distribute(id, { method: 'token', contact_information: { access_id: '' } }), ['contact_information.access_id']);
      // The schema's own refusals: no method, an unknown method, no contact information.
      assertError(await distribute(id, { contact_information: { email: 'customer@email.se' } }), 400, 'BAD_VALUE', /method/);
      assertError(await distribute(id, { method: 'fax', contact_information: { email: 'customer@email.se' } }), 400, 'BAD_VALUE', /method/);
      assertError(await distribute(id, { method: 'email' }), 400, 'BAD_VALUE', /contact_information/);
      assert.equal(await messageCount(), before);
      // A lower-case country and a phone with spaces are fine.
      assertCreatedEmpty(await distribute(id, SMS('070 174 06 15', 'se')));
    });

    it('a completed, cancelled or disabled session is 400 with its reason; a declined or open one can still be sent', async () => {
      const completed = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      await consumer(t, completed.session_id, 'approve', {});
      const cancelled = await hppForPayments(t);
      await consumer(t, cancelled.session_id, 'cancel');
      const disabled = await hppForPayments(t);
      assert.equal((await t.request({ method: 'DELETE', url: hpp(disabled.session_id) })).status, 204);
      const before = await messageCount();
      const cases: [string, string][] = [
        [completed.session_id, 'HPP session has already been successfully completed'],
        [cancelled.session_id, 'HPP session was cancelled by the consumer'],
        [disabled.session_id, 'HPP session is disabled'],
      ];
      for (const [id, message] of cases) {
        for (const body of [EMAIL('customer@email.se'), SMS('+46701740615'), { method: 'token', contact_information: { access_id: 'till-1' } }]) {
          const res = await distribute(id, body);
          assertError(res, 400, 'BAD_REQUEST');
          assert.deepEqual(res.json().error_messages, [message]);
        }
      }
      assert.equal(await messageCount(), before);

      const failed = await hppForPayments(t);
      await consumer(t, failed.session_id, 'decline');
      assertCreatedEmpty(await distribute(failed.session_id, EMAIL('customer@email.se')));
      const open = await hppForPayments(t);
      await consumer(t, open.session_id, 'open');
      assertCreatedEmpty(await distribute(open.session_id, SMS('+46701740615')));
    });

    it("an unknown session and another merchant's are 404, answered identically, and nothing is sent", async () => {
      const created = await hppForPayments(t);
      const before = await messageCount();
      const unknown = await distribute('00000000-0000-4000-8000-000000000000', EMAIL('customer@email.se'));
      assertError(unknown, 404, 'NOT_FOUND');
      const foreign = await distribute(created.session_id, EMAIL('customer@email.se'), OTHER_MERCHANT);
      assert.deepEqual(errorOf(foreign), errorOf(unknown));
      assert.equal(await messageCount(), before);
    });

    it('without the playground limits (the default), a 21st SMS of the day is sent', async () => {
      const created = await hppForPayments(t);
      const before = (await inbox('kind=hpp.link')).filter((m) => m.channel === 'sms').length;
      for (let i = before; i < 21; i++) assertCreatedEmpty(await distribute(created.session_id, SMS('+46701740615')));
      assert.ok((await inbox('kind=hpp.link')).filter((m) => m.channel === 'sms').length >= 21);
    });
  });

  describe(`hpp distribution limits (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
      // Start the test at the beginning of a UTC day, so no limit window ends in the middle of it.
      const now = await sandboxNow(t);
      await t.advanceClock(Math.ceil((Math.ceil(now / (DAY * 1000)) * DAY * 1000 - now) / 1000) + 60);
      const settings = await t.patch('/sandbox/v1/settings', { hpp_distribution_limits: true });
      assert.equal(settings.status, 200, settings.body);
    });
    after(async () => t.close());

    const distribute = (id: string, body: unknown, auth?: RequestOptions['auth']) => t.post(hpp(id, '/distribution'), body, { auth });

    function assertLimit(res: TestResponse, channel: 'SMS' | 'e-mail', limit: number): void {
      assertError(res, 429, 'TOO_MANY_REQUESTS');
      assert.match(res.json().error_messages.join(' '), new RegExp(`daily limit of ${limit} ${channel}`));
    }

    it('the 21st SMS and the 101st e-mail of a UTC day are 429, each channel on its own, per merchant; the next day sends again', async () => {
      const first = await hppForPayments(t);
      const second = await hppForPayments(t);
      // 20 SMS over two sessions: the limit is the merchant's, not the session's.
      for (let i = 0; i < 20; i++) assertCreatedEmpty(await distribute(i % 2 === 0 ? first.session_id : second.session_id, SMS('+46701740615')));
      assertLimit(await distribute(second.session_id, SMS('+46701740615')), 'SMS', 20);
      assertLimit(await distribute(first.session_id, SMS('+46 70 999 99 99')), 'SMS', 20);
      // E-mail is counted apart, and token pairing is never limited.
      for (let i = 0; i < 100; i++) assertCreatedEmpty(await distribute(first.session_id, EMAIL(`shopper${i}@example.com`)));
      assertLimit(await distribute(first.session_id, EMAIL('one-more@example.com')), 'e-mail', 100);
      assert.equal((await distribute(first.session_id, { method: 'token', contact_information: { access_id: 'till-1' } })).status, 204);
      const sent = (await t.get('/sandbox/v1/messages?kind=hpp.link')).json<{ messages: Message[] }>().messages;
      assert.equal(sent.filter((m) => m.channel === 'sms').length, 20, 'a refused SMS is not kept');
      assert.equal(sent.filter((m) => m.channel === 'email').length, 100, 'a refused e-mail is not kept');

      // Another merchant has its own count.
      const otherPayment = await t.post('/payments/v1/sessions', orderBody(), { auth: OTHER_MERCHANT });
      const other = await t.post('/hpp/v1/sessions', { payment_session_url: `https://api.klarna.com/payments/v1/sessions/${otherPayment.json().session_id}` }, { auth: OTHER_MERCHANT });
      assert.equal((await t.patch('/sandbox/v1/settings', { hpp_distribution_limits: true }, { auth: OTHER_MERCHANT })).status, 200);
      assertCreatedEmpty(await distribute(other.json().session_id, SMS('+46701740615'), OTHER_MERCHANT));

      // The next UTC day both channels work again.
      await t.advanceClock(DAY);
      assertCreatedEmpty(await distribute(first.session_id, SMS('+46701740615')));
      assertCreatedEmpty(await distribute(second.session_id, EMAIL('customer@email.se')));
    });

    it('turning the limits off lifts them at once', async () => {
      const created = await hppForPayments(t);
      // One SMS of this day was sent above: 19 more reach the limit.
      for (let i = 0; i < 19; i++) assertCreatedEmpty(await distribute(created.session_id, SMS('+46701740615')));
      assertLimit(await distribute(created.session_id, SMS('+46701740615')), 'SMS', 20);
      assert.equal((await t.patch('/sandbox/v1/settings', { hpp_distribution_limits: false })).status, 200);
      assertCreatedEmpty(await distribute(created.session_id, SMS('+46701740615')));
    });
  });
}
