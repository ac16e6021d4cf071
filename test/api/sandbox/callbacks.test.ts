/**
 * The callback inspector: `GET /sandbox/v1/callbacks` (newest first; filters kind, status, order_id,
 * session_id; size with offset or keyset `before`), `GET /sandbox/v1/callbacks/{id}`, and
 * `POST /sandbox/v1/callbacks/{id}/redeliver`, which sends the same body again at once as a new
 * attempt through the dispatcher, whatever the callback's status. Another merchant's callback is
 * answered as an unknown one; bad input is 400 in Klarna's envelope.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { checkoutBody } from '../../helpers/resources.js';
import { consumer, hppForPayments } from '../hpp/api-helpers.js';

interface Attempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}
interface Callback {
  callback_id: string;
  kind: string;
  url: string;
  status: string;
  order_id: string | null;
  session_id: string | null;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  next_attempt_at: string | null;
  request_body: { event_id?: string; session?: { status: string } } | null;
  request_body_excerpt: string | null;
  attempts: Attempt[];
}

for (const dialect of await availableDialects()) {
  describe(`callback inspector (${dialect})`, () => {
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

    async function list(query = ''): Promise<{ callbacks: Callback[]; pagination: { size: number; offset: number; next_offset: number | null; next_before: string | null } }> {
      const res = await t.get(`/sandbox/v1/callbacks${query}`);
      assert.equal(res.status, 200, res.body);
      return res.json();
    }
    async function one(id: string): Promise<Callback> {
      const res = await t.get(`/sandbox/v1/callbacks/${id}`);
      assert.equal(res.status, 200, res.body);
      return res.json();
    }
    /** Waits until the callback has this many attempts recorded. */
    async function attempted(id: string, count: number): Promise<Callback> {
      let callback = await one(id);
      for (let i = 0; i < 200 && callback.attempts.length < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        callback = await one(id);
      }
      assert.equal(callback.attempts.length, count, JSON.stringify(callback));
      return callback;
    }

    /** An HPP session whose status_update goes to the fake merchant; opened, so one callback is queued. */
    async function statusCallback(): Promise<{ sessionId: string; callback: Callback }> {
      const created = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/status/{{session_id}}` } });
      await consumer(t, created.session_id, 'open');
      const { callbacks } = await list(`?session_id=${created.session_id}`);
      assert.equal(callbacks.length, 1);
      return { sessionId: created.session_id, callback: callbacks[0] as Callback };
    }

    it('a failed attempt is shown with its answer; redelivery of the pending callback sends the same body now and is recorded as a new attempt', async () => {
      merchant.answer({ status: 500, body: '{"error":"down"}' });
      const { sessionId, callback } = await statusCallback();
      const first = await attempted(callback.callback_id, 1);
      assert.equal(first.kind, 'hpp.status_update');
      assert.equal(first.url, `${merchant.url}/status/${sessionId}`);
      assert.equal(first.session_id, sessionId);
      assert.equal(first.status, 'pending', 'retried later on the sandbox clock');
      assert.ok(first.next_attempt_at);
      assert.equal(first.attempt_count, 1);
      assert.equal(first.request_body?.session?.status, 'IN_PROGRESS');
      const eventId = first.request_body?.event_id;
      assert.ok(eventId);
      assert.deepEqual(
        first.attempts.map((a) => [a.attempt, a.response_status, a.response_body, a.error]),
        [[1, 500, '{"error":"down"}', null]],
      );
      assert.ok(first.attempts[0] && first.attempts[0].duration_ms >= 0 && !Number.isNaN(Date.parse(first.attempts[0].started_at)));

      merchant.answer({ status: 200, body: 'ok' });
      const received = merchant.received.length;
      const res = await t.post(`/sandbox/v1/callbacks/${callback.callback_id}/redeliver`);
      assert.equal(res.status, 200, res.body);
      const now = res.json<Callback>();
      assert.equal(now.status, 'delivered');
      assert.equal(now.attempt_count, 2);
      assert.deepEqual(
        now.attempts.map((a) => [a.attempt, a.response_status, a.response_body]),
        [
          [1, 500, '{"error":"down"}'],
          [2, 200, 'ok'],
        ],
      );
      assert.ok(now.finished_at);
      assert.equal(now.next_attempt_at, null);
      assert.equal(merchant.received.length, received + 1, 'sent once, before the answer');
      const sent = merchant.received.at(-1);
      assert.equal(sent?.json().event_id, eventId, 'the same event_id');
      assert.deepEqual(sent?.json(), first.request_body, 'the same body');

      // A delivered callback is sent again too, and stays delivered.
      const again = await t.post(`/sandbox/v1/callbacks/${callback.callback_id}/redeliver`);
      assert.equal(again.status, 200, again.body);
      assert.equal(again.json<Callback>().status, 'delivered');
      assert.equal(again.json<Callback>().attempt_count, 3);
      assert.equal(merchant.received.at(-1)?.json().event_id, eventId);
      // Nothing more goes out on its own: the retries ended with the 2xx.
      await t.advanceClock(3600);
      assert.equal(merchant.received.length, received + 2);
    });

    it('a failed redelivery of a finished callback is recorded and leaves it as it was', async () => {
      merchant.answer({ status: 200 });
      const { callback } = await statusCallback();
      await attempted(callback.callback_id, 1);
      merchant.answer({ status: 503 });
      const res = await t.post(`/sandbox/v1/callbacks/${callback.callback_id}/redeliver`);
      assert.equal(res.status, 200, res.body);
      const now = res.json<Callback>();
      assert.equal(now.status, 'delivered');
      assert.deepEqual(
        now.attempts.map((a) => a.response_status),
        [200, 503],
      );
    });

    it('filters by kind, status, order and session, newest first, in pages by offset or by keyset', async () => {
      merchant.answer({ status: 200 });
      // A Checkout validation call: recorded with the order id while the shopper waits.
      const urls = { ...(checkoutBody().merchant_urls as Record<string, string>), validation: `${merchant.url}/validate` };
      const checkout = await t.post('/checkout/v3/orders', checkoutBody({ merchant_urls: urls }));
      assert.equal(checkout.status, 201, checkout.body);
      const orderId: string = checkout.json().order_id;
      const shopper = { email: 'customer@email.se', billing_address: { given_name: 'Testperson-se', family_name: 'Approved', street_address: 'Stårgatan 1', postal_code: '12345', city: 'Ankeborg', country: 'SE' } };
      assert.equal((await t.post(`/sandbox/v1/checkout/orders/${orderId}/complete`, shopper)).status, 200);
      const byOrder = await list(`?order_id=${orderId}`);
      // Completion also queued the push, due two minutes later: newest first.
      assert.deepEqual(
        byOrder.callbacks.map((c) => [c.kind, c.order_id, c.status]),
        [
          ['checkout.push', orderId, 'pending'],
          ['checkout.validation', orderId, 'delivered'],
        ],
      );
      assert.deepEqual(
        (await list(`?order_id=${orderId}&kind=checkout.validation`)).callbacks.map((c) => c.kind),
        ['checkout.validation'],
      );
      assert.deepEqual(
        (await list(`?order_id=${orderId}&status=pending`)).callbacks.map((c) => c.kind),
        ['checkout.push'],
      );
      assert.equal((await list(`?order_id=${orderId}&kind=hpp.status_update`)).callbacks.length, 0);
      assert.equal((await list(`?order_id=${orderId}&status=failed`)).callbacks.length, 0);

      // A Payments authorization callback by session.
      const session = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/auth` } }));
      const sessionId: string = session.json().session_id;
      assert.equal((await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {})).status, 200);
      const bySession = await list(`?session_id=${sessionId}&kind=payments.authorization`);
      assert.equal(bySession.callbacks.length, 1);
      assert.equal(bySession.callbacks[0]?.request_body && (bySession.callbacks[0].request_body as { session_id?: string }).session_id, sessionId);

      const all = (await list('?size=100')).callbacks;
      assert.ok(all.length >= 5);
      const ids = all.map((c) => Number(c.callback_id));
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
      const firstPage = await list('?size=2');
      assert.deepEqual(
        firstPage.callbacks.map((c) => c.callback_id),
        all.slice(0, 2).map((c) => c.callback_id),
      );
      assert.equal(firstPage.pagination.next_offset, 2);
      const byOffset = await list('?size=2&offset=2');
      const byKeyset = await list(`?size=2&before=${firstPage.pagination.next_before}`);
      assert.deepEqual(
        byOffset.callbacks.map((c) => c.callback_id),
        all.slice(2, 4).map((c) => c.callback_id),
      );
      assert.deepEqual(
        byKeyset.callbacks.map((c) => c.callback_id),
        all.slice(2, 4).map((c) => c.callback_id),
      );
      const delivered = await list('?status=delivered&size=100');
      assert.ok(delivered.callbacks.length > 0 && delivered.callbacks.every((c) => c.status === 'delivered'));
      const last = await list(`?size=100&offset=${all.length - 1}`);
      assert.equal(last.callbacks.length, 1);
      assert.equal(last.pagination.next_offset, null);
    });

    it('another merchant\'s callback is answered as an unknown one, and is not redelivered', async () => {
      merchant.answer({ status: 200 });
      const { callback } = await statusCallback();
      await attempted(callback.callback_id, 1);
      const received = merchant.received.length;
      const unknown = await t.get('/sandbox/v1/callbacks/999999999');
      const theirs = await t.get(`/sandbox/v1/callbacks/${callback.callback_id}`, OTHER_MERCHANT);
      assert.equal(unknown.status, 404);
      assert.equal(theirs.status, 404);
      const strip = (body: string) => ({ ...JSON.parse(body), correlation_id: null });
      assert.deepEqual(strip(theirs.body), strip(unknown.body));
      assert.equal(strip(theirs.body).error_code, 'NOT_FOUND');
      const redeliver = await t.post(`/sandbox/v1/callbacks/${callback.callback_id}/redeliver`, undefined, { auth: OTHER_MERCHANT });
      assert.equal(redeliver.status, 404);
      assert.deepEqual(strip(redeliver.body), strip(unknown.body));
      assert.equal(merchant.received.length, received, 'nothing was sent');
      assert.equal((await one(callback.callback_id)).attempts.length, 1);
      const listed = await t.get('/sandbox/v1/callbacks?size=100', OTHER_MERCHANT);
      assert.ok(!listed.json<{ callbacks: Callback[] }>().callbacks.some((c) => c.callback_id === callback.callback_id));
    });

    it('bad input is 400 BAD_VALUE in the envelope; malformed ids are unknown ones', async () => {
      for (const query of ['?size=0', '?size=101', '?size=ten', '?offset=-1', '?status=lost', '?before=x', '?offset=1&before=5', `?kind=${'k'.repeat(65)}`]) {
        const res = await t.get(`/sandbox/v1/callbacks${query}`);
        assert.equal(res.status, 400, `${query}: ${res.body}`);
        assert.equal(res.json().error_code, 'BAD_VALUE', query);
      }
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999', '%E2%9C%93']) {
        assert.equal((await t.get(`/sandbox/v1/callbacks/${id}`)).status, 404, id);
        assert.equal((await t.post(`/sandbox/v1/callbacks/${id}/redeliver`)).status, 404, id);
      }
      for (const query of ['', '?order_id=a&session_id=b', '?order_id=']) {
        const res = await t.get(`/sandbox/v1/timeline${query}`);
        assert.equal(res.status, 400, `${query}: ${res.body}`);
        assert.equal(res.json().error_code, 'BAD_VALUE');
      }
    });
  });
}
