/**
 * DELETE /hpp/v1/sessions/{id} (behaviour reference §5.1, §5.4): 204 and DISABLED, again 204; a
 * COMPLETED session is 400 "HPP session has already been successfully completed"; a CANCELLED one
 * stays CANCELLED; a disabled session takes no consumer and no distribution.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, assertNoContent } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { merchantUrls } from '../checkout/helpers.js';
import { CHECKOUT_SHOPPER, SHOP, consumer, consumerRaw, errorOf, hpp, hppForCheckout, hppForPayments, hppRows, readHpp } from './api-helpers.js';
import type { ConsumerActionName } from './api-helpers.js';

const ACTIONS: ConsumerActionName[] = ['open', 'approve', 'decline', 'back', 'cancel'];

for (const dialect of await availableDialects()) {
  describe(`hpp disable (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const disable = (id: string, auth?: typeof OTHER_MERCHANT) => t.request({ method: 'DELETE', url: hpp(id), auth });

    it('answers 204 with no body and the session reads DISABLED; a second DELETE is 204 and changes nothing', async () => {
      const created = await hppForPayments(t);
      await t.advanceClock(120);
      const res = await disable(created.session_id);
      assertNoContent(res);
      assert.ok(res.headers['klarna-correlation-id']);
      const read = await readHpp(t, created.session_id);
      assert.equal(read.status, 'DISABLED');
      assert.equal(read.expires_at, created.expires_at);

      await t.advanceClock(120);
      const rows = await hppRows(t);
      assertNoContent(await disable(created.session_id));
      assert.deepEqual(await readHpp(t, created.session_id), read, 'updated_at stays at the first disabling');
      assert.deepEqual(await hppRows(t), rows);
    });

    it('every status that is not final can be disabled: IN_PROGRESS, FAILED, BACK, ERROR (and a Checkout order\'s session)', async () => {
      const cases: [string, ConsumerActionName | null][] = [
        ['IN_PROGRESS', 'open'],
        ['FAILED', 'decline'],
        ['BACK', 'back'],
      ];
      for (const [status, action] of cases) {
        const created = await hppForPayments(t);
        if (action) assert.equal((await consumer(t, created.session_id, action)).status, status);
        assertNoContent(await disable(created.session_id));
        assert.equal((await readHpp(t, created.session_id)).status, 'DISABLED', status);
      }
      // ERROR: the consumer's attempt failed on the merchant's side (a Checkout order whose validation answers an error).
      const errored = await hppForCheckout(t, {}, { merchant_urls: merchantUrls(SHOP, { validation: 'http://127.0.0.1:9/validate' }), options: { require_validate_callback_success: true } });
      const attempt = await consumer(t, errored.session_id, 'approve', CHECKOUT_SHOPPER);
      assert.equal(attempt.status, 'ERROR', JSON.stringify(attempt));
      assertNoContent(await disable(errored.session_id));
      assert.equal((await readHpp(t, errored.session_id)).status, 'DISABLED');
    });

    it('a COMPLETED session is 400 BAD_REQUEST "HPP session has already been successfully completed" in the envelope, and stays COMPLETED', async () => {
      const created = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      await consumer(t, created.session_id, 'approve', {});
      const before = await readHpp(t, created.session_id);
      assert.equal(before.status, 'COMPLETED');
      const res = await disable(created.session_id);
      assertError(res, 400, 'BAD_REQUEST');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages']);
      assert.deepEqual(body.error_messages, ['HPP session has already been successfully completed']);
      assert.equal(body.correlation_id, res.headers['klarna-correlation-id']);
      assert.deepEqual(await readHpp(t, created.session_id), before);
    });

    it('a CANCELLED session stays CANCELLED (204)', async () => {
      const created = await hppForPayments(t);
      await consumer(t, created.session_id, 'cancel');
      const before = await readHpp(t, created.session_id);
      assert.equal(before.status, 'CANCELLED');
      assertNoContent(await disable(created.session_id));
      assert.deepEqual(await readHpp(t, created.session_id), before);
    });

    it('a disabled session refuses every consumer action (403 NOT_ALLOWED) and distribution (400), changing nothing', async () => {
      const created = await hppForPayments(t);
      await consumer(t, created.session_id, 'open');
      assertNoContent(await disable(created.session_id));
      const rows = await hppRows(t);
      for (const action of ACTIONS) {
        const res = await consumerRaw(t, created.session_id, action, action === 'approve' ? { email: 'customer@email.se' } : undefined);
        assertError(res, 403, 'NOT_ALLOWED');
        assert.match(res.json().error_messages.join(' '), /DISABLED/, action);
      }
      for (const body of [
        { method: 'email', contact_information: { email: 'customer@email.se' } },
        { method: 'sms', contact_information: { phone: '+46701740615', phone_country: 'SE' } },
        { method: 'token', contact_information: { access_id: 'till-1' } },
      ]) {
        const res = await t.post(hpp(created.session_id, '/distribution'), body);
        assertError(res, 400, 'BAD_REQUEST');
        assert.deepEqual(res.json().error_messages, ['HPP session is disabled'], body.method);
      }
      assert.deepEqual(await hppRows(t), rows);
      const messages = await t.get(`/sandbox/v1/messages?session_id=${created.session_id}`);
      assert.deepEqual(messages.json().messages, []);
      // The Payments session itself is untouched: the shopper can still pay elsewhere.
      const payment = (await t.get(`/payments/v1/sessions/${created.payment_id}`)).json();
      assert.equal(payment.status, 'incomplete');
      assert.equal((await t.post(`/sandbox/v1/payments/sessions/${created.payment_id}/authorize`, {})).json().approved, true);
    });

    it("an unknown session and another merchant's are 404, answered identically, and the session is unchanged", async () => {
      const created = await hppForPayments(t);
      const rows = await hppRows(t);
      const unknown = await disable('00000000-0000-4000-8000-000000000000');
      assertError(unknown, 404, 'NOT_FOUND');
      assert.deepEqual(unknown.json().error_messages, ['HPP session not found']);
      const foreign = await disable(created.session_id, OTHER_MERCHANT);
      assert.deepEqual(errorOf(foreign), errorOf(unknown));
      assert.deepEqual(await hppRows(t), rows);
      assert.equal((await readHpp(t, created.session_id)).status, 'WAITING');
    });
  });
}
