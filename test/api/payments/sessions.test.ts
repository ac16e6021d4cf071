/**
 * Payments sessions (§3.1, §3.2): create, read, update, the 48-hour lifetime, validation, tenancy,
 * and the sandbox shopper's authorization with Klarna's test e-mails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, PUBLIC_URL, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';

const HOUR = 3600;


for (const dialect of await availableDialects()) {
  describe(`payments sessions (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function createSession(overrides: Record<string, unknown> = {}) {
      const res = await t.post('/payments/v1/sessions', orderBody(overrides));
      assert.equal(res.status, 200, res.body);
      return res.json<{ session_id: string; client_token: string; payment_method_categories: { identifier: string; asset_urls: { standard: string } }[] }>();
    }

    it('create answers 200 with session_id, a JWT-shaped client_token and categories whose assets klarna-local serves', async () => {
      const session = await createSession();
      assert.match(session.session_id, /^[0-9a-f-]{36}$/);
      assert.equal(session.client_token.split('.').length, 3);
      assert.ok(session.client_token.length <= 4096);
      const payload = JSON.parse(Buffer.from(session.client_token.split('.')[1] ?? '', 'base64url').toString());
      assert.equal(payload.session_id, session.session_id);
      assert.deepEqual(
        session.payment_method_categories.map((c) => c.identifier),
        ['klarna'],
      );
      assert.ok(session.payment_method_categories[0]?.asset_urls.standard.startsWith(`${PUBLIC_URL}/kp/assets/klarna/`));
    });

    it('read returns the stored session: incomplete, expires 48 hours after creation, default locale', async () => {
      const body = orderBody({ merchant_reference2: 'REF-2', locale: undefined, intent: 'buy_and_tokenize' });
      const created = await t.post('/payments/v1/sessions', body);
      const { session_id } = created.json();
      const clock = await t.get('/sandbox/v1/clock');
      const read = await t.get(`/payments/v1/sessions/${session_id}`);
      assert.equal(read.status, 200, read.body);
      const session = read.json();
      assert.equal(session.status, 'incomplete');
      assert.equal(session.intent, 'buy_and_tokenize');
      assert.equal(session.locale, 'en-US');
      assert.equal(session.order_amount, 12500);
      assert.equal(session.merchant_reference2, 'REF-2');
      assert.deepEqual(session.order_lines, body.order_lines);
      const expires = Date.parse(session.expires_at) - Date.parse(clock.json().now);
      assert.ok(Math.abs(expires - 48 * HOUR * 1000) < 5000, `expires_at ${session.expires_at}`);
      assert.equal(session.authorization_token, undefined);
    });

    it('update (204, no body) replaces present keys and keeps the others; bad arithmetic is refused and changes nothing', async () => {
      const { session_id } = await createSession();
      const lines = [{ type: 'physical', reference: 'SKU-9', name: 'Shoes', quantity: 1, unit_price: 20000, tax_rate: 2500, total_amount: 20000, total_tax_amount: 4000 }];
      const res = await t.post(`/payments/v1/sessions/${session_id}`, { order_amount: 20000, order_tax_amount: 4000, order_lines: lines, merchant_reference1: 'NEW' });
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);
      const read = (await t.get(`/payments/v1/sessions/${session_id}`)).json();
      assert.equal(read.order_amount, 20000);
      assert.deepEqual(read.order_lines, lines);
      assert.equal(read.merchant_reference1, 'NEW');
      assert.equal(read.purchase_currency, 'SEK');

      const bad = await t.post(`/payments/v1/sessions/${session_id}`, { order_amount: 19999 });
      assertError(bad, 400, 'BAD_VALUE', /order_amount/);
      assert.equal((await t.get(`/payments/v1/sessions/${session_id}`)).json().order_amount, 20000);
    });

    it('create validates like Klarna: arithmetic and market errors are 400 BAD_VALUE naming each field', async () => {
      const res = await t.post('/payments/v1/sessions', orderBody({ order_amount: 1, order_tax_amount: 7, purchase_currency: 'USD' }));
      assertError(res, 400, 'BAD_VALUE');
      const messages = res.json().error_messages.join(' ');
      assert.match(messages, /order_amount/);
      assert.match(messages, /order_tax_amount/);
      assert.match(messages, /purchase_currency/);

      const missing = await t.post('/payments/v1/sessions', { purchase_country: 'SE' });
      assertError(missing, 400, 'BAD_VALUE');
      const wrongType = await t.post('/payments/v1/sessions', orderBody({ order_amount: '12500' }));
      assertError(wrongType, 400, 'BAD_VALUE');
      const badUrl = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: 'not a url' } }));
      assertError(badUrl, 400, 'BAD_VALUE', /merchant_urls\.authorization/);
      const rows = await t.db.kysely.selectFrom('payment_sessions').select('session_id').execute();
      assert.ok(rows.every((r) => typeof r.session_id === 'string'));
    });

    it('unknown and other merchants\' sessions answer 404 NOT_FOUND "Invalid session id"; no credentials 401', async () => {
      const { session_id } = await createSession();
      assertError(await t.get('/payments/v1/sessions/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND', /Invalid session id/);
      assertError(await t.get(`/payments/v1/sessions/${session_id}`, OTHER_MERCHANT), 404, 'NOT_FOUND', /Invalid session id/);
      assertError(await t.post(`/payments/v1/sessions/${session_id}`, { merchant_reference1: 'X' }, { auth: OTHER_MERCHANT }), 404, 'NOT_FOUND');
      const anonymous = await t.get(`/payments/v1/sessions/${session_id}`, null);
      assert.equal(anonymous.status, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /^Basic/);
    });

    it('a session expires 48 hours after creation (sandbox clock): read and update then answer 404', async () => {
      const { session_id } = await createSession();
      await t.advanceClock(47 * HOUR);
      assert.equal((await t.get(`/payments/v1/sessions/${session_id}`)).status, 200);
      await t.advanceClock(HOUR + 1);
      assertError(await t.get(`/payments/v1/sessions/${session_id}`), 404, 'NOT_FOUND');
      assertError(await t.post(`/payments/v1/sessions/${session_id}`, { merchant_reference1: 'late' }), 404, 'NOT_FOUND');
      assertError(await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, {}), 404, 'NOT_FOUND');
    });

    it('the sandbox shopper approves by default and the read then shares the shopper\'s details and token', async () => {
      const { session_id } = await createSession({ billing_address: undefined });
      const before = (await t.get(`/payments/v1/sessions/${session_id}`)).json();
      assert.equal(before.billing_address, undefined);
      const auth = await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, {
        email: 'customer@email.se',
        billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' },
        customer: { date_of_birth: '1941-03-21', national_identification_number: '194103219202' },
      });
      assert.equal(auth.status, 200, auth.body);
      const result = auth.json();
      assert.equal(result.approved, true);
      assert.equal(result.show_form, true);
      assert.equal(result.fraud_status, 'ACCEPTED');
      assert.match(result.authorization_token, /^[0-9a-f-]{36}$/);
      const after = (await t.get(`/payments/v1/sessions/${session_id}`)).json();
      assert.equal(after.billing_address.email, 'customer@email.se');
      assert.equal(after.billing_address.family_name, 'Approved');
      assert.equal(after.customer.date_of_birth, '1941-03-21');
      assert.equal(after.customer.national_identification_number, undefined, 'identity numbers are not shared on read');
      assert.equal(after.authorization_token, result.authorization_token);
      assert.equal(after.status, 'incomplete');
    });

    it('+denied and +red shoppers are declined: approved false, show_form false, no token', async () => {
      const { session_id } = await createSession();
      for (const email of ['customer+denied@email.se', 'customer+red@email.se']) {
        const res = await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, { email });
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(res.json(), { approved: false, show_form: false, finalize_required: false });
      }
      const tokens = await t.db.kysely.selectFrom('payment_authorizations').select('authorization_token').where('session_id', '=', session_id).execute();
      assert.equal(tokens.length, 0);
    });

    it('authorize refuses an unknown payment method category and bad order data with 400 BAD_VALUE', async () => {
      const { session_id } = await createSession();
      assertError(await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, { payment_method_category: 'pay_over_time' }), 400, 'BAD_VALUE', /payment_method_category/);
      assertError(await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, { order_amount: 5 }), 400, 'BAD_VALUE', /order_amount/);
      await t.patch('/sandbox/v1/settings', { payment_method_categories: ['pay_later', 'pay_over_time'] });
      try {
        const res = await t.post(`/sandbox/v1/payments/sessions/${session_id}/authorize`, { payment_method_category: 'pay_over_time' });
        assert.equal(res.json().approved, true, res.body);
        const created = await createSession();
        assert.deepEqual(
          created.payment_method_categories.map((c) => c.identifier),
          ['pay_later', 'pay_over_time'],
        );
      } finally {
        await t.patch('/sandbox/v1/settings', { payment_method_categories: ['klarna'] });
      }
    });
  });
}
