/**
 * The Payments authorization callback (§3.2): sent to merchant_urls.authorization with the
 * placeholders filled in and the query string kept, retried on Klarna's schedule (3 attempts, backoff
 * from 1 s), recorded for the sandbox events API, and never lost across a process restart.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, basicAuth, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { startServerProcess } from '../../helpers/process.js';

interface CallbackEvent {
  type: string;
  payload: { status: string; url: string; request_body: unknown; attempts: { attempt: number; response_status: number | null; error: string | null }[] };
}

for (const dialect of await availableDialects()) {
  describe(`payments authorization callback (${dialect})`, () => {
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

    async function authorizeWithCallback(callbackPath: string) {
      const created = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}${callbackPath}` } }));
      assert.equal(created.status, 200, created.body);
      const sessionId: string = created.json().session_id;
      const auth = await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
      assert.equal(auth.json().approved, true, auth.body);
      return { sessionId, token: auth.json().authorization_token as string };
    }

    async function callbackEvents(sessionId: string): Promise<CallbackEvent[]> {
      const res = await t.get(`/sandbox/v1/events?session_id=${sessionId}`);
      assert.equal(res.status, 200, res.body);
      return res.json().events;
    }

    it('is a JSON POST of {authorization_token, session_id} to the URL with {session.id} filled in and its query kept', async () => {
      merchant.answer({ status: 200 });
      const { sessionId, token } = await authorizeWithCallback('/kp/auth/{session.id}?secret=s3cr3t&x=1');
      const [callback] = await merchant.waitFor(1, (r) => r.url.startsWith(`/kp/auth/${sessionId}`));
      assert.equal(callback?.method, 'POST');
      assert.equal(callback?.url, `/kp/auth/${sessionId}?secret=s3cr3t&x=1`);
      assert.match(String(callback?.headers['content-type']), /^application\/json/);
      assert.equal(callback?.headers.authorization, undefined, 'Klarna sends no credentials with callbacks');
      assert.deepEqual(callback?.json(), { authorization_token: token, session_id: sessionId });
    });

    it('a failing endpoint is retried: 2 failures then success gives 3 attempts, recorded with their answers', async () => {
      let calls = 0;
      merchant.answer(() => ({ status: ++calls <= 2 ? 503 : 204 }));
      const before = merchant.received.length;
      const { sessionId } = await authorizeWithCallback('/retry');
      await merchant.waitFor(before + 1);
      // The backoff runs on the sandbox clock: moving it makes the next attempts due at once.
      await t.advanceClock(1);
      await t.advanceClock(2);
      await merchant.waitFor(3, (r) => r.url === '/retry');
      let events: CallbackEvent[] = [];
      for (let i = 0; i < 50; i++) {
        events = await callbackEvents(sessionId);
        if (events[0]?.payload.status === 'delivered') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(events.length, 1);
      assert.equal(events[0]?.type, 'callback.payments.authorization');
      assert.equal(events[0]?.payload.status, 'delivered');
      assert.deepEqual(
        events[0]?.payload.attempts.map((a) => [a.attempt, a.response_status]),
        [
          [1, 503],
          [2, 503],
          [3, 204],
        ],
      );
    });

    it('gives up after 3 attempts on a merchant that never answers 2xx (unreachable included)', async () => {
      const created = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: 'http://127.0.0.1:9/unreachable' } }));
      const sessionId: string = created.json().session_id;
      await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {});
      for (let i = 0; i < 6; i++) await t.advanceClock(2);
      let events: CallbackEvent[] = [];
      for (let i = 0; i < 100; i++) {
        events = await callbackEvents(sessionId);
        if (events[0]?.payload.status === 'failed') break;
        await t.advanceClock(2);
      }
      assert.equal(events[0]?.payload.status, 'failed');
      assert.equal(events[0]?.payload.attempts.length, 3);
      assert.ok(events[0]?.payload.attempts.every((a) => a.response_status === null && typeof a.error === 'string'));
    });
  });
}

describe('payments authorization callback across a restart', () => {
  it('a callback that is still due when the process dies is delivered by the restarted process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-callback-'));
    const merchant = await startFakeMerchant();
    const env = { KLARNA_LOCAL_MERCHANTS: `${MERCHANT.username}:${MERCHANT.password}` };
    const args = ['--database-url', `sqlite:${path.join(dir, 'db.sqlite')}`];
    let server = await startServerProcess(args, { env });
    try {
      const headers = { authorization: basicAuth(MERCHANT), 'content-type': 'application/json' };
      const created = await fetch(`${server.url}/payments/v1/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(orderBody({ merchant_urls: { authorization: `${merchant.url}/after-restart` } })),
      });
      const { session_id } = (await created.json()) as { session_id: string };
      // The first attempt fails; the second is due a second later, but the process is killed first.
      merchant.answer({ status: 500 });
      const auth = await fetch(`${server.url}/sandbox/v1/payments/sessions/${session_id}/authorize`, { method: 'POST', headers, body: '{}' });
      const { authorization_token } = (await auth.json()) as { authorization_token: string };
      await merchant.waitFor(1);
      // Once the failed attempt is recorded (so no delivery is in flight), the process dies.
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${server.url}/sandbox/v1/events?session_id=${session_id}`, { headers });
        const recorded = ((await res.json()) as { events: CallbackEvent[] }).events[0]?.payload.attempts.length ?? 0;
        if (recorded === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.stop('SIGKILL');
      assert.equal(merchant.received.length, 1);

      merchant.answer({ status: 200 });
      server = await startServerProcess(args, { env });
      const [, second] = await merchant.waitFor(2, () => true, 15_000);
      assert.deepEqual(second?.json(), { authorization_token, session_id });
      const events = await fetch(`${server.url}/sandbox/v1/events?session_id=${session_id}`, { headers });
      const body = (await events.json()) as { events: CallbackEvent[] };
      const attempts = body.events[0]?.payload.attempts ?? [];
      assert.deepEqual(
        attempts.map((a) => a.response_status),
        [500, 200],
      );
    } finally {
      await server.stop();
      await merchant.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
