/**
 * Another merchant's HPP session is answered exactly as an unknown one (status, error code and
 * messages) on every route that names an HPP session, whatever the session's status, and nothing
 * stored changes; the other merchant's sandbox listings show nothing of it. The routes come from the
 * shared route table (test/helpers/routes.ts), so a new HPP route is covered here too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { ROUTES, urlOf } from '../../helpers/routes.js';
import type { Ids, RouteSpec } from '../../helpers/routes.js';
import { consumer, hpp, hppForCheckout, hppForPayments, readHpp } from './api-helpers.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
/** Every merchant route that names an HPP session. */
const HPP_ROUTES = ROUTES.filter((r) => r.auth === 'merchant' && Object.values(r.params ?? {}).includes('hpp_session_id'));

/** What a refusal says, the asked-for id replaced and the correlation id left out. */
function refusal(res: TestResponse, id: string): { status: number; body: unknown; contentType: string } {
  const body = JSON.parse(res.body.split(id).join('<id>')) as Record<string, unknown>;
  delete body.correlation_id;
  return { status: res.status, body, contentType: String(res.headers['content-type']) };
}

for (const dialect of await availableDialects()) {
  describe(`hpp isolation between merchants (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const call = (spec: RouteSpec, sessionId: string, auth?: RequestOptions['auth']) =>
      t.request({ method: spec.method, url: urlOf(spec, { session_id: encodeURIComponent(sessionId) }), body: spec.body?.({} as Ids), auth });

    it('the route table names every HPP route that takes a session', () => {
      assert.deepEqual(HPP_ROUTES.map((r) => `${r.method} ${r.path}`).sort(), [
        'DELETE /hpp/v1/sessions/:session_id',
        'GET /hpp/v1/sessions/:session_id',
        'GET /hpp/v1/sessions/:session_id/manual-id-check',
        'POST /hpp/v1/sessions/:session_id/distribution',
        'POST /sandbox/v1/hpp/sessions/:session_id/approve',
        'POST /sandbox/v1/hpp/sessions/:session_id/back',
        'POST /sandbox/v1/hpp/sessions/:session_id/cancel',
        'POST /sandbox/v1/hpp/sessions/:session_id/decline',
        'POST /sandbox/v1/hpp/sessions/:session_id/open',
      ]);
    });

    it("another merchant's session, in any status, is answered on every route exactly as an unknown id, changing nothing", async () => {
      // The other merchant's sessions: waiting, open, declined, completed (with an order), cancelled, disabled, and a Checkout order's.
      const waiting = await hppForPayments(t);
      const open = await hppForPayments(t);
      await consumer(t, open.session_id, 'open');
      const failed = await hppForPayments(t);
      await consumer(t, failed.session_id, 'decline');
      const completed = await hppForPayments(t, { options: { place_order_mode: 'PLACE_ORDER' } });
      await consumer(t, completed.session_id, 'approve', {});
      const cancelled = await hppForPayments(t);
      await consumer(t, cancelled.session_id, 'cancel');
      const disabled = await hppForPayments(t);
      assert.equal((await t.request({ method: 'DELETE', url: hpp(disabled.session_id) })).status, 204);
      const checkout = await hppForCheckout(t);
      const sessions = [waiting, open, failed, completed, cancelled, disabled, checkout];
      const reads = await Promise.all(sessions.map((s) => readHpp(t, s.session_id)));

      const before = await fingerprint(t.db, dialect);
      for (const spec of HPP_ROUTES) {
        const unknown = await call(spec, UNKNOWN, OTHER_MERCHANT);
        assert.equal(unknown.status, 404, `${spec.method} ${spec.path}: ${unknown.body}`);
        const expected = refusal(unknown, UNKNOWN);
        for (const s of sessions) {
          const foreign = await call(spec, s.session_id, OTHER_MERCHANT);
          assert.deepEqual(refusal(foreign, s.session_id), expected, `${spec.method} ${spec.path} on a ${reads[sessions.indexOf(s)]?.status} session`);
        }
      }
      await assertUnchanged(t.db, dialect, before, "another merchant's requests");
      // The owner's view is as it was.
      assert.deepEqual(await Promise.all(sessions.map((s) => readHpp(t, s.session_id))), reads);
    });

    it("the sandbox's inbox and events of another merchant show nothing of a session, even asked for by its id", async () => {
      const created = await hppForPayments(t, { merchant_urls: { status_update: 'http://127.0.0.1:9/status' } });
      assert.equal((await t.post(hpp(created.session_id, '/distribution'), { method: 'email', contact_information: { email: 'customer@email.se' } })).status, 201);
      await consumer(t, created.session_id, 'open');
      const own = await t.get(`/sandbox/v1/messages?session_id=${created.session_id}`);
      assert.equal(own.json().messages.length, 1);
      const ownEvents = await t.get(`/sandbox/v1/events?session_id=${created.session_id}`);
      assert.equal(ownEvents.json().events.length, 1);

      const theirs = await t.get(`/sandbox/v1/messages?session_id=${created.session_id}`, OTHER_MERCHANT);
      assert.equal(theirs.status, 200, theirs.body);
      assert.deepEqual(theirs.json(), { messages: [] });
      assert.deepEqual((await t.get('/sandbox/v1/messages?recipient=customer@email.se', OTHER_MERCHANT)).json(), { messages: [] });
      const theirEvents = await t.get(`/sandbox/v1/events?session_id=${created.session_id}`, OTHER_MERCHANT);
      assert.deepEqual(theirEvents.json(), { events: [] });
    });

    it('a browser following session_url without credentials is sent to the page by its own code, never shown the session', async () => {
      // session_url without credentials is where a consumer's browser may land: it leads only to the
      // page for that session (a capability code that is not the session id), never to the merchant's read.
      const created = await hppForPayments(t);
      const browser = await t.app.inject({ method: 'GET', url: hpp(created.session_id), headers: { accept: 'text/html' } });
      assert.equal(browser.statusCode, 303);
      assert.equal(browser.headers.location, created.redirect_url);
      assert.equal(String(browser.headers.location).includes(created.session_id), false);
      assert.equal(browser.body.includes('WAITING'), false, 'no session data in the redirect');
    });
  });
}
