/**
 * The status_update callback (behaviour reference §5.4): every status change of an HPP session is
 * POSTed to `merchant_urls.status_update` as `{event_id, session}`, the session as a read answers it
 * at that moment, in the order of the changes, with `{{session_id}}` filled in the URL. A merchant
 * that does not answer 2xx is retried 3 times (4 calls, a few seconds apart on the sandbox clock),
 * each attempt visible in the sandbox's events; a 2xx ends the retries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant, ReceivedCallback } from '../../helpers/merchant-server.js';
import { CHECKOUT_SHOPPER, consumer, hpp, hppForCheckout, hppForPayments, readHpp } from './api-helpers.js';
import type { HppRead } from './api-helpers.js';

interface StatusCallback {
  event_id: string;
  session: HppRead;
}

interface CallbackEvent {
  type: string;
  payload: {
    kind: string;
    session_id: string;
    url: string;
    status: string;
    request_body: StatusCallback;
    attempts: { attempt: number; response_status: number | null; error: string | null }[];
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const dialect of await availableDialects()) {
  describe(`hpp status_update callbacks (${dialect})`, () => {
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

    /** The status callbacks received so far for one session (its id is in the path). */
    const receivedFor = (sessionId: string) => (r: ReceivedCallback) => r.url.startsWith(`/hpp/status/${sessionId}`);

    async function callbackEvents(sessionId: string): Promise<CallbackEvent[]> {
      const res = await t.get(`/sandbox/v1/events?session_id=${sessionId}`);
      assert.equal(res.status, 200, res.body);
      return res.json<{ events: CallbackEvent[] }>().events;
    }

    /** Waits until every callback of the session is recorded as finished (delivered or failed). */
    async function settled(sessionId: string, count: number): Promise<CallbackEvent[]> {
      let events: CallbackEvent[] = [];
      for (let i = 0; i < 200; i++) {
        events = await callbackEvents(sessionId);
        if (events.length >= count && events.every((e) => e.payload.status !== 'pending')) return events;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`callbacks of ${sessionId} not settled: ${JSON.stringify(events.map((e) => e.payload.status))}`);
    }

    it('every status change is POSTed in order as {event_id, session}, the session as read at that moment, to the URL with {{session_id}} filled', async () => {
      merchant.answer({ status: 200 });
      const created = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}?secret=s3cr3t` } });
      const id = created.session_id;
      const expected: HppRead[] = [];
      let seen = 0;
      /** After each action: the callbacks it caused arrive, and the last carries the session as now read. */
      async function step(action: () => Promise<unknown>, statuses: string[]): Promise<void> {
        await action();
        const received = await merchant.waitFor(seen + statuses.length, receivedFor(id));
        seen += statuses.length;
        const read = await readHpp(t, id);
        assert.deepEqual(
          received.slice(-statuses.length).map((r) => r.json<StatusCallback>().session.status),
          statuses,
        );
        assert.deepEqual(received.at(-1)?.json<StatusCallback>().session, read, 'the last callback carries the session as read');
        expected.push(read);
      }
      await step(() => consumer(t, id, 'open'), ['IN_PROGRESS']);
      await t.advanceClock(10);
      await step(() => consumer(t, id, 'back'), ['BACK']);
      await t.advanceClock(10);
      await step(() => consumer(t, id, 'approve', { email: 'customer+denied@email.se' }), ['IN_PROGRESS', 'FAILED']);
      await t.advanceClock(10);
      await step(() => consumer(t, id, 'approve', { email: 'customer@email.se' }), ['IN_PROGRESS', 'COMPLETED']);

      const received = merchant.received.filter(receivedFor(id));
      assert.equal(received.length, 6, 'nothing more was sent');
      for (const callback of received) {
        assert.equal(callback.method, 'POST');
        assert.equal(callback.url, `/hpp/status/${id}?secret=s3cr3t`);
        assert.match(String(callback.headers['content-type']), /^application\/json/);
        assert.equal(callback.headers.authorization, undefined, 'no credentials are sent');
        const body = callback.json<StatusCallback>();
        assert.deepEqual(Object.keys(body).sort(), ['event_id', 'session']);
        assert.match(body.event_id, UUID);
        assert.equal(body.session.session_id, id);
      }
      assert.equal(new Set(received.map((r) => r.json<StatusCallback>().event_id)).size, received.length, 'event ids are unique');
      const completed = received.at(-1)?.json<StatusCallback>().session;
      assert.ok(completed?.authorization_token, 'the COMPLETED callback carries the authorization token');
      assert.deepEqual(completed, expected.at(-1));
      // Each callback's updated_at is its change's: the statuses were changed 10 s apart.
      const times = received.map((r) => Date.parse(r.json<StatusCallback>().session.updated_at));
      assert.ok(times.every((time, i) => i === 0 || time >= (times[i - 1] as number)), `updated_at never goes back: ${times.join(', ')}`);
      assert.ok((times[1] as number) - (times[0] as number) >= 10_000);

      // The sandbox's events show each callback, delivered at the first attempt.
      const events = await settled(id, 6);
      assert.deepEqual(
        events.map((e) => [e.type, e.payload.status, e.payload.attempts.length, e.payload.request_body.session.status]),
        ['IN_PROGRESS', 'BACK', 'IN_PROGRESS', 'FAILED', 'IN_PROGRESS', 'COMPLETED'].map((s) => ['callback.hpp.status_update', 'delivered', 1, s]),
      );
    });

    it('the merchant disabling the session and the consumer cancelling are status changes too; {{order_id}} is filled once there is an order', async () => {
      merchant.answer({ status: 204 });
      const disabled = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}` } });
      assert.equal((await t.request({ method: 'DELETE', url: hpp(disabled.session_id) })).status, 204);
      const [off] = await merchant.waitFor(1, receivedFor(disabled.session_id));
      assert.deepEqual(off?.json<StatusCallback>().session, await readHpp(t, disabled.session_id));
      assert.equal(off?.json<StatusCallback>().session.status, 'DISABLED');
      // Disabling again changes nothing and sends nothing.
      assert.equal((await t.request({ method: 'DELETE', url: hpp(disabled.session_id) })).status, 204);

      const cancelled = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}` } });
      await consumer(t, cancelled.session_id, 'cancel');
      const cancelling = await merchant.waitFor(2, receivedFor(cancelled.session_id));
      // Opened and cancelled in one action: both changes, in order.
      assert.deepEqual(
        cancelling.map((r) => r.json<StatusCallback>().session.status),
        ['IN_PROGRESS', 'CANCELLED'],
      );

      const checkout = await hppForCheckout(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}/order/{{order_id}}` } });
      await consumer(t, checkout.session_id, 'open');
      await merchant.waitFor(1, receivedFor(checkout.session_id));
      await consumer(t, checkout.session_id, 'approve', CHECKOUT_SHOPPER);
      const [opening, completing] = await merchant.waitFor(2, receivedFor(checkout.session_id));
      assert.equal(completing?.url, `/hpp/status/${checkout.session_id}/order/${checkout.payment_id}`);
      assert.equal(completing?.json<StatusCallback>().session.order_id, checkout.payment_id);
      assert.equal(opening?.json<StatusCallback>().session.status, 'IN_PROGRESS');
      assert.equal(merchant.received.filter(receivedFor(disabled.session_id)).length, 1);
    });

    it('changes made in one action arrive in order, however many sessions change at once', async () => {
      merchant.answer({ status: 200 });
      // Ten sessions, each opened and declined by one action (two changes in one transaction), all at once.
      const sessions = await Promise.all(Array.from({ length: 10 }, () => hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}` } })));
      await Promise.all(sessions.map((s) => consumer(t, s.session_id, 'decline')));
      for (const s of sessions) {
        const received = await merchant.waitFor(2, receivedFor(s.session_id));
        assert.deepEqual(
          received.map((r) => r.json<StatusCallback>().session.status),
          ['IN_PROGRESS', 'FAILED'],
          s.session_id,
        );
      }
    });

    it('a merchant answering 500 gets 4 attempts in all, a few seconds apart on the sandbox clock, each in the events; then the callback has failed', async () => {
      merchant.answer({ status: 500, body: '{"error":"down"}' });
      const created = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}` } });
      await consumer(t, created.session_id, 'open');
      await merchant.waitFor(1, receivedFor(created.session_id));
      // The retries wait on the sandbox clock: nothing more until it moves.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(merchant.received.filter(receivedFor(created.session_id)).length, 1);
      for (let attempt = 2; attempt <= 4; attempt++) {
        // Each recorded attempt schedules the next one; move the clock past it.
        for (let i = 0; i < 200 && (await callbackEvents(created.session_id))[0]?.payload.attempts.length !== attempt - 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        await t.advanceClock(5);
        await merchant.waitFor(attempt, receivedFor(created.session_id));
      }
      const [event] = await settled(created.session_id, 1);
      assert.equal(event?.payload.status, 'failed');
      assert.deepEqual(
        event?.payload.attempts.map((a) => [a.attempt, a.response_status]),
        [
          [1, 500],
          [2, 500],
          [3, 500],
          [4, 500],
        ],
      );
      const bodies = merchant.received.filter(receivedFor(created.session_id)).map((r) => r.body);
      assert.equal(new Set(bodies).size, 1, 'every attempt carries the same event (one event_id)');
      // No fifth attempt, however long we wait.
      await t.advanceClock(60);
      await t.advanceClock(600);
      assert.equal(merchant.received.filter(receivedFor(created.session_id)).length, 4);
    });

    it('a 2xx ends the retries', async () => {
      let calls = 0;
      merchant.answer(() => ({ status: ++calls === 1 ? 503 : 202 }));
      const created = await hppForPayments(t, { merchant_urls: { status_update: `${merchant.url}/hpp/status/{{session_id}}` } });
      await consumer(t, created.session_id, 'open');
      await merchant.waitFor(1, receivedFor(created.session_id));
      for (let i = 0; i < 200 && (await callbackEvents(created.session_id))[0]?.payload.attempts.length !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await t.advanceClock(5);
      await merchant.waitFor(2, receivedFor(created.session_id));
      const [event] = await settled(created.session_id, 1);
      assert.equal(event?.payload.status, 'delivered');
      assert.deepEqual(
        event?.payload.attempts.map((a) => a.response_status),
        [503, 202],
      );
      await t.advanceClock(30);
      assert.equal(merchant.received.filter(receivedFor(created.session_id)).length, 2);
    });

    it('without a status_update URL nothing is queued', async () => {
      const created = await hppForPayments(t, { merchant_urls: { success: 'https://shop.example/ok' } });
      await consumer(t, created.session_id, 'decline');
      await consumer(t, created.session_id, 'approve', {});
      assert.deepEqual(await callbackEvents(created.session_id), []);
      const rows = await t.db.kysely.selectFrom('callbacks').select('callback_id').where('session_id', '=', created.session_id).execute();
      assert.equal(rows.length, 0);
    });
  });
}
