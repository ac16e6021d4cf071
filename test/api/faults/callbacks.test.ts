/**
 * Callback faults (`target: callbacks`): klarna-local's callbacks to the merchant fail as if its
 * server timed out, refused the connection or answered a status, for the next `times` attempts; each
 * is recorded as a failed attempt with that error and retried on the callback's own schedule, and
 * the merchant gets the callback once the rule is used up. A rule for another kind, or another
 * merchant, leaves the callback alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';

interface Attempt {
  attempt: number;
  response_status: number | null;
  error: string | null;
}
interface CallbackEvent {
  type: string;
  payload: { status: string; attempts: Attempt[] };
}

for (const dialect of await availableDialects()) {
  describe(`callback faults (${dialect})`, () => {
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

    /** A Payments session authorized in the sandbox, its authorization callback sent to the fake merchant at `path`. */
    async function authorize(path: string): Promise<string> {
      const created = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}${path}` } }));
      assert.equal(created.status, 200, created.body);
      const sessionId: string = created.json().session_id;
      const auth = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
      assert.equal(auth.status, 200, auth.body);
      return sessionId;
    }

    /** The callback's record once it has `attempts` attempts (advancing the sandbox clock through its backoff). */
    async function callbackAfter(sessionId: string, attempts: number): Promise<CallbackEvent> {
      for (let i = 0; i < 200; i++) {
        const events: CallbackEvent[] = (await t.get(`/sandbox/v1/events?session_id=${sessionId}`)).json().events;
        const callback = events[0];
        if (callback && callback.payload.attempts.length >= attempts && callback.payload.status !== 'pending') return callback;
        if (callback && callback.payload.status === 'pending') await t.advanceClock(1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no callback with ${attempts} attempts for ${sessionId}`);
    }

    const createFault = async (body: Record<string, unknown>, auth?: typeof OTHER_MERCHANT) => {
      const res = await t.post('/sandbox/v1/faults', { target: 'callbacks', ...body }, { auth });
      assert.equal(res.status, 201, res.body);
      return res.json();
    };

    it('timeout: the first attempt fails as a timeout without reaching the merchant, the retry delivers it', async () => {
      merchant.answer({ status: 200 });
      const fault = await createFault({ callback_kind: 'payments.authorization', effect: 'timeout', times: 1 });
      assert.equal(fault.effect, 'timeout');
      assert.equal(fault.status, null);
      const sessionId = await authorize('/timeout');
      const callback = await callbackAfter(sessionId, 2);
      assert.equal(callback.payload.status, 'delivered');
      const [first, second] = callback.payload.attempts;
      assert.equal(first?.response_status, null);
      assert.match(String(first?.error), new RegExp(`^UND_ERR_HEADERS_TIMEOUT: .*injected by fault ${fault.fault_id}`));
      assert.equal(second?.response_status, 200);
      assert.equal(merchant.received.filter((r) => r.url === '/timeout').length, 1, 'the merchant saw only the delivered attempt');
      const read = (await t.get(`/sandbox/v1/faults/${fault.fault_id}`)).json();
      assert.deepEqual([read.injected, read.remaining, read.state], [1, 0, 'used_up']);
      const events = (await t.get('/sandbox/v1/events')).json().events.filter((e: { type: string; payload: { fault_id: string } }) => e.type === 'fault.injected' && e.payload.fault_id === fault.fault_id);
      assert.equal(events.length, 1);
      assert.equal(events[0].payload.kind, 'payments.authorization');
      assert.equal(events[0].payload.effect, 'timeout');
    });

    it('refuse twice: two refused attempts, the third (the last the policy allows) delivered', async () => {
      const fault = await createFault({ effect: 'refuse', times: 2 });
      const sessionId = await authorize('/refuse');
      const callback = await callbackAfter(sessionId, 3);
      assert.equal(callback.payload.status, 'delivered');
      assert.deepEqual(
        callback.payload.attempts.map((a) => [a.attempt, a.response_status, a.error?.startsWith('ECONNREFUSED') ?? false]),
        [
          [1, null, true],
          [2, null, true],
          [3, 200, false],
        ],
      );
      assert.equal(merchant.received.filter((r) => r.url === '/refuse').length, 1);
      assert.equal((await t.get(`/sandbox/v1/faults/${fault.fault_id}`)).json().injected, 2);
    });

    it('a status every time: the callback fails after its last attempt, never reaching the merchant', async () => {
      const fault = await createFault({ effect: 503 });
      assert.equal(fault.effect, 503);
      const sessionId = await authorize('/always');
      const callback = await callbackAfter(sessionId, 3);
      assert.equal(callback.payload.status, 'failed');
      assert.deepEqual(
        callback.payload.attempts.map((a) => a.response_status),
        [503, 503, 503],
      );
      assert.equal(merchant.received.filter((r) => r.url === '/always').length, 0);
      assert.equal((await t.request({ method: 'DELETE', url: `/sandbox/v1/faults/${fault.fault_id}` })).status, 204);
    });

    it('a rule for another kind, or another merchant\'s rule, leaves the callback alone', async () => {
      const other = await createFault({ callback_kind: 'order.notification', effect: 'refuse' });
      const theirs = await createFault({ effect: 'timeout' }, OTHER_MERCHANT);
      const sessionId = await authorize('/untouched');
      const callback = await callbackAfter(sessionId, 1);
      assert.equal(callback.payload.status, 'delivered');
      assert.deepEqual(
        callback.payload.attempts.map((a) => a.response_status),
        [200],
      );
      assert.equal((await t.get(`/sandbox/v1/faults/${other.fault_id}`)).json().injected, 0);
      assert.equal((await t.get(`/sandbox/v1/faults/${theirs.fault_id}`, OTHER_MERCHANT)).json().injected, 0);
    });
  });
}
