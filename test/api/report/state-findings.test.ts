/**
 * The integration report's findings read from the stored state (orders, Checkout orders, Payments
 * sessions, the callbacks sent and each attempt) and the Checkout reads after completion: for each,
 * MERCHANT drives an integration that commits it and OTHER_MERCHANT one that does not, and both
 * reports are read through `GET /sandbox/v1/report`, on every database. Then the route itself:
 * `severity`, `since`, a bad `since`, and that each merchant sees only its own findings.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Finding } from '../../../src/modules/report/findings.js';
import type { IntegrationReport } from '../../../src/modules/report/report.js';
import { flushApiCalls } from '../../../src/modules/sandbox/api-calls.js';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { SHOPPER, checkoutBody, merchantUrls } from '../checkout/helpers.js';

type Auth = NonNullable<RequestOptions['auth']>;

type ReportFinding = Finding;
type Report = IntegrationReport;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A validation answered this late is in the last fifth of its 3 000 ms (slow), yet answered. */
const SLOW_VALIDATION_MS = 2500;

/** A value that passes for a per-order secret: 24 URL-safe random characters. */
/** Klarna's APIs give times to the second; the report's examples to the millisecond. */
const toSecond = (iso: string | undefined) => Math.floor(Date.parse(iso ?? '') / 1000) * 1000;

const secret = () => randomBytes(18).toString('base64url');

for (const dialect of await availableDialects()) {
  describe(`integration report: findings from the stored state (${dialect})`, () => {
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
    // Each case starts from two empty merchants (orders, callbacks, journal, clock); the fake merchant
    // answers 200 at once unless the case says otherwise.
    beforeEach(async () => {
      merchant.answer({ status: 200 });
      for (const auth of [MERCHANT, OTHER_MERCHANT]) assert.equal((await t.post('/sandbox/v1/reset', {}, { auth })).status, 200);
    });

    async function report(auth: Auth, query = ''): Promise<Report> {
      // A call's journal record is taken once its response has finished, which can be just after the
      // client has the answer: let the last calls' records in before reading.
      await new Promise((resolve) => setTimeout(resolve, 10));
      await flushApiCalls(t.db);
      const res = await t.get(`/sandbox/v1/report${query}`, auth);
      assert.equal(res.status, 200, res.body);
      return res.json<Report>();
    }
    const finding = (r: Report, code: string) => r.findings.find((f) => f.code === code);
    /** The finding, which must be there with this severity. */
    function found(r: Report, code: string, severity: string): ReportFinding {
      const f = finding(r, code);
      assert.ok(f, `${code} in ${JSON.stringify(r.findings.map((x) => x.code))}`);
      assert.equal(f.severity, severity);
      assert.match(f.docs, new RegExp(`^docs/fidelity\\.md#.*${code.toLowerCase()}$`));
      return f;
    }
    const absent = (r: Report, code: string) => assert.equal(finding(r, code), undefined, `${code} not listed: ${JSON.stringify(finding(r, code))}`);

    const advance = async (auth: Auth, seconds: number) => assert.equal((await t.post('/sandbox/v1/clock/advance', { seconds }, { auth })).status, 200);
    /** The merchant's sandbox time, to the second. */
    const merchantNow = async (auth: Auth) => Date.parse((await t.get('/sandbox/v1/clock', auth)).json<{ now: string }>().now);

    /** A Checkout order with these merchant URLs (over the defaults, which point at the fake merchant). */
    async function checkoutOrder(auth: Auth, urls: Record<string, string> = {}): Promise<string> {
      const res = await t.post('/checkout/v3/orders', checkoutBody(merchant.url, { merchant_urls: merchantUrls(merchant.url, urls) }), { auth });
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }
    async function complete(auth: Auth, orderId: string): Promise<void> {
      const res = await t.post(`/sandbox/v1/checkout/orders/${orderId}/complete`, SHOPPER, { auth });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json().status, 'checkout_complete', res.body);
    }
    async function order(auth: Auth): Promise<string> {
      const res = await t.post('/sandbox/v1/orders', orderBody(), { auth });
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }
    async function capture(auth: Auth, orderId: string, amount: number): Promise<void> {
      const res = await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: amount }, { auth });
      assert.equal(res.status, 201, res.body);
    }
    async function omOrder(auth: Auth, orderId: string) {
      const res = await t.get(`/ordermanagement/v1/orders/${orderId}`, auth);
      assert.equal(res.status, 200, res.body);
      return res.json<{ status: string; expires_at: string; captures: { captured_at: string }[] }>();
    }
    async function session(auth: Auth): Promise<string> {
      const res = await t.post('/payments/v1/sessions', orderBody(), { auth });
      assert.equal(res.status, 200, res.body);
      return res.json<{ session_id: string }>().session_id;
    }
    /** The pushes the fake merchant received about this order (its id is in each push URL). */
    const pushesOf = (orderId: string) => merchant.received.filter((r) => r.url.includes('push') && r.url.includes(orderId)).length;

    it('ORDER_NOT_ACKNOWLEDGED: a completed order pushed and never acknowledged is an error; acknowledged or captured after the push, none', async () => {
      // MERCHANT: completed, pushed twice (2 and 7 minutes later), never acknowledged.
      const ignored = await checkoutOrder(MERCHANT);
      await complete(MERCHANT, ignored);
      await advance(MERCHANT, 2 * MINUTE);
      await merchant.waitFor(1, (r) => r.url === `/push?id=${ignored}`);
      await advance(MERCHANT, 5 * MINUTE);
      await merchant.waitFor(2, (r) => r.url === `/push?id=${ignored}`);
      // Completed but not pushed yet (the push is due in 2 minutes): not counted.
      const notYetPushed = await checkoutOrder(MERCHANT);
      await complete(MERCHANT, notYetPushed);
      assert.equal(pushesOf(notYetPushed), 0);

      // OTHER_MERCHANT: the same, but one order acknowledged and one captured once the push came.
      const acknowledged = await checkoutOrder(OTHER_MERCHANT);
      const captured = await checkoutOrder(OTHER_MERCHANT);
      await complete(OTHER_MERCHANT, acknowledged);
      await complete(OTHER_MERCHANT, captured);
      await advance(OTHER_MERCHANT, 2 * MINUTE);
      await merchant.waitFor(1, (r) => r.url === `/push?id=${acknowledged}`);
      await merchant.waitFor(1, (r) => r.url === `/push?id=${captured}`);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${acknowledged}/acknowledge`, undefined, { auth: OTHER_MERCHANT })).status, 204);
      await capture(OTHER_MERCHANT, captured, 12500);
      await advance(OTHER_MERCHANT, 5 * MINUTE);

      const f = found(await report(MERCHANT), 'ORDER_NOT_ACKNOWLEDGED', 'error');
      assert.equal(f.count, 1);
      assert.deepEqual(
        f.examples.map((e) => [e.order_id, e.session_id, e.method]),
        [[ignored, null, null]],
      );
      assert.match(f.examples[0]?.detail ?? '', /; 2 push attempt\(s\) since .*, never acknowledged or captured$/);
      const read = (await t.get(`/checkout/v3/orders/${ignored}`, MERCHANT)).json<{ completed_at: string }>();
      assert.equal(toSecond(f.examples[0]?.at), Date.parse(read.completed_at), 'the example is dated at the completion');
      absent(await report(OTHER_MERCHANT), 'ORDER_NOT_ACKNOWLEDGED');
    });

    it('CALLBACK_FAILING: every attempt answered 500 or not at all is counted; a merchant answering 200 has none', async () => {
      merchant.answer((r) => ({ status: r.url.startsWith('/failing/') ? 500 : 200 }));
      // MERCHANT: a push answered 500 twice, then a validation URL nobody listens on.
      const pushed = await checkoutOrder(MERCHANT, { push: `${merchant.url}/failing/push?id={checkout.order.id}` });
      await complete(MERCHANT, pushed);
      await advance(MERCHANT, 2 * MINUTE);
      await advance(MERCHANT, 5 * MINUTE);
      assert.equal(merchant.received.filter((r) => r.url === `/failing/push?id=${pushed}`).length, 2);
      const unvalidated = await checkoutOrder(MERCHANT, { validation: 'http://127.0.0.1:9/validate' });
      await complete(MERCHANT, unvalidated);

      // OTHER_MERCHANT: the same calls, answered 200.
      const fine = await checkoutOrder(OTHER_MERCHANT, { validation: `${merchant.url}/validate?id={checkout.order.id}` });
      await complete(OTHER_MERCHANT, fine);
      await advance(OTHER_MERCHANT, 2 * MINUTE);
      await advance(OTHER_MERCHANT, 5 * MINUTE);
      assert.equal(merchant.received.filter((r) => r.url === `/push?id=${fine}`).length, 2, 'pushed twice (never acknowledged), answered 200');
      assert.equal(merchant.received.filter((r) => r.url === `/validate?id=${fine}`).length, 1);

      const f = found(await report(MERCHANT), 'CALLBACK_FAILING', 'error');
      assert.equal(f.count, 3, JSON.stringify(f.examples));
      assert.deepEqual(
        f.examples.map((e) => [e.order_id, e.method, e.path]),
        [
          [pushed, 'POST', `${merchant.url}/failing/push?id=${pushed}`],
          [pushed, 'POST', `${merchant.url}/failing/push?id=${pushed}`],
          [unvalidated, 'POST', 'http://127.0.0.1:9/validate'],
        ],
      );
      assert.equal(f.examples[0]?.detail, 'checkout.push attempt 1: answered 500');
      assert.equal(f.examples[1]?.detail, 'checkout.push attempt 2: answered 500');
      assert.match(f.examples[2]?.detail ?? '', /^checkout\.validation attempt 1: no answer \(.*ECONNREFUSED/);
      assert.ok(Date.parse(f.examples[0]?.at ?? '') < Date.parse(f.examples[1]?.at ?? ''), 'oldest first');
      absent(await report(OTHER_MERCHANT), 'CALLBACK_FAILING');
    });

    it('SLOW_CALLBACK: a validation answered after 80 % of its 3 s, or not within it, is a warning; one answered at once is not', async () => {
      merchant.answer((r) => {
        if (r.url.startsWith('/slow-validate')) return { status: 200, delayMs: SLOW_VALIDATION_MS };
        if (r.url.startsWith('/hung-validate')) return { status: 200, delayMs: 4000 };
        return { status: 200 };
      });
      const slow = await checkoutOrder(MERCHANT, { validation: `${merchant.url}/slow-validate?id={checkout.order.id}` });
      const hung = await checkoutOrder(MERCHANT, { validation: `${merchant.url}/hung-validate?id={checkout.order.id}` });
      const quick = await checkoutOrder(OTHER_MERCHANT, { validation: `${merchant.url}/validate?id={checkout.order.id}` });
      // Side by side, so the case waits about 3 s in all. A validation not answered in time approves.
      await Promise.all([complete(MERCHANT, slow), complete(MERCHANT, hung), complete(OTHER_MERCHANT, quick)]);

      const mine = await report(MERCHANT);
      const f = found(mine, 'SLOW_CALLBACK', 'warning');
      assert.equal(f.count, 2);
      const bySlow = new Map(f.examples.map((e) => [e.order_id, e]));
      assert.equal(bySlow.get(slow)?.path, `${merchant.url}/slow-validate?id=${slow}`);
      const ms = Number(/^checkout\.validation attempt 1: answered in (\d+) ms of its 3000 ms$/.exec(bySlow.get(slow)?.detail ?? '')?.[1]);
      assert.ok(ms >= SLOW_VALIDATION_MS && ms < 3000, bySlow.get(slow)?.detail);
      assert.equal(bySlow.get(hung)?.detail, 'checkout.validation attempt 1: no answer within its 3000 ms');
      // The one not answered is a failing callback as well; the slow one was answered.
      const failing = found(mine, 'CALLBACK_FAILING', 'error');
      assert.equal(failing.count, 1);
      assert.equal(failing.examples[0]?.order_id, hung);
      assert.match(failing.examples[0]?.detail ?? '', /^checkout\.validation attempt 1: no answer \(.*time.*out/i);
      absent(await report(OTHER_MERCHANT), 'SLOW_CALLBACK');
    });

    it('AUTHORIZATION_EXPIRED_UNCAPTURED: orders not or part captured when their 28 days ran out; fully captured or cancelled ones, none', async () => {
      const uncaptured = await order(MERCHANT);
      const part = await order(MERCHANT);
      await capture(MERCHANT, part, 5000);
      const expiresAt = (await omOrder(MERCHANT, uncaptured)).expires_at;
      await advance(MERCHANT, 29 * DAY);
      assert.equal((await omOrder(MERCHANT, uncaptured)).status, 'EXPIRED');

      const full = await order(OTHER_MERCHANT);
      await capture(OTHER_MERCHANT, full, 12500);
      const cancelled = await order(OTHER_MERCHANT);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${cancelled}/cancel`, undefined, { auth: OTHER_MERCHANT })).status, 204);
      await advance(OTHER_MERCHANT, 29 * DAY);

      const mine = await report(MERCHANT);
      const f = found(mine, 'AUTHORIZATION_EXPIRED_UNCAPTURED', 'warning');
      assert.equal(f.count, 2);
      assert.deepEqual(
        f.examples.map((e) => e.order_id),
        [uncaptured, part],
      );
      assert.equal(toSecond(f.examples[0]?.at), Date.parse(expiresAt), 'dated at the expiry');
      assert.match(f.examples[0]?.detail ?? '', /^expired \S+ with 12500 \(minor units of SEK\) of 12500 uncaptured$/);
      assert.match(f.examples[1]?.detail ?? '', /^expired \S+ with 7500 \(minor units of SEK\) of 12500 uncaptured$/);
      // An expired part-captured order is not also "left open".
      absent(mine, 'REMAINING_NOT_RELEASED');
      absent(await report(OTHER_MERCHANT), 'AUTHORIZATION_EXPIRED_UNCAPTURED');
    });

    it('REMAINING_NOT_RELEASED: a part-captured order still open 8 days after its last capture is info; released, uncaptured or recently captured, none', async () => {
      const open = await order(MERCHANT);
      await capture(MERCHANT, open, 5000);
      const capturedAt = (await omOrder(MERCHANT, open)).captures[0]?.captured_at ?? '';
      await advance(MERCHANT, 8 * DAY);
      // Captured just now: not left open (yet).
      const recent = await order(MERCHANT);
      await capture(MERCHANT, recent, 5000);

      const released = await order(OTHER_MERCHANT);
      await capture(OTHER_MERCHANT, released, 5000);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${released}/release-remaining-authorization`, undefined, { auth: OTHER_MERCHANT })).status, 204);
      const uncaptured = await order(OTHER_MERCHANT);
      await advance(OTHER_MERCHANT, 8 * DAY);
      assert.equal((await omOrder(OTHER_MERCHANT, uncaptured)).status, 'AUTHORIZED');

      const mine = await report(MERCHANT);
      const f = found(mine, 'REMAINING_NOT_RELEASED', 'info');
      assert.equal(f.count, 1);
      assert.equal(f.examples[0]?.order_id, open);
      assert.equal(toSecond(f.examples[0]?.at), Date.parse(capturedAt), 'dated at the last capture');
      assert.equal(f.examples[0]?.detail, 'last capture 8 days ago; 7500 (minor units of SEK) still authorized');
      absent(mine, 'AUTHORIZATION_EXPIRED_UNCAPTURED');
      const theirs = await report(OTHER_MERCHANT);
      absent(theirs, 'REMAINING_NOT_RELEASED');
      absent(theirs, 'AUTHORIZATION_EXPIRED_UNCAPTURED');
    });

    it('INSECURE_CALLBACK_URL: plain http to another host, or a push URL with only the order id; a loopback URL with a secret, none', async () => {
      // The push is queued at completion with its URL; nothing needs to be sent to merchant.example.
      const remote = await checkoutOrder(MERCHANT, { push: 'http://merchant.example/push?id={checkout.order.id}' });
      await complete(MERCHANT, remote);
      const idOnly = await checkoutOrder(MERCHANT, { push: `${merchant.url}/push/{checkout.order.id}` });
      await complete(MERCHANT, idOnly);
      const idOnlyAgain = await checkoutOrder(MERCHANT, { push: `${merchant.url}/push/{checkout.order.id}` });
      await complete(MERCHANT, idOnlyAgain);

      // A secret in the query string; the validation (synchronous, no secret needed) on loopback too.
      const secured = await checkoutOrder(OTHER_MERCHANT, {
        push: `${merchant.url}/push/{checkout.order.id}?secret=${secret()}`,
        validation: `${merchant.url}/validate?id={checkout.order.id}`,
      });
      await complete(OTHER_MERCHANT, secured);
      // And a secret as a path segment, pushed for real.
      const securedPath = await checkoutOrder(OTHER_MERCHANT, { push: `${merchant.url}/push/${secret()}/{checkout.order.id}` });
      await complete(OTHER_MERCHANT, securedPath);
      await advance(OTHER_MERCHANT, 2 * MINUTE);
      assert.equal(pushesOf(secured) + pushesOf(securedPath), 2);

      const f = found(await report(MERCHANT), 'INSECURE_CALLBACK_URL', 'warning');
      assert.equal(f.count, 3, 'each callback counted; the same URL shown once');
      assert.deepEqual(
        f.examples.map((e) => [e.order_id, e.path, e.detail]),
        [
          [remote, `http://merchant.example/push?id=${remote}`, 'checkout.push: plain http:// to merchant.example'],
          [idOnly, `${merchant.url}/push/${idOnly}`, 'checkout.push: no per-order secret in the URL (only the order or session id)'],
        ],
      );
      absent(await report(OTHER_MERCHANT), 'INSECURE_CALLBACK_URL');
    });

    it('SESSION_ABANDONED: a Payments session untouched an hour after its creation is info; updated or authorized ones, and a young one, none', async () => {
      const createdFrom = await merchantNow(MERCHANT);
      const abandoned = await session(MERCHANT);
      const createdTo = await merchantNow(MERCHANT);
      await advance(MERCHANT, 2 * HOUR);
      const young = await session(MERCHANT);

      const updated = await session(OTHER_MERCHANT);
      const authorized = await session(OTHER_MERCHANT);
      // The update comes later than the creation, as a cart change does.
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal((await t.post(`/payments/v1/sessions/${updated}`, { merchant_reference2: 'CART-CHANGED' }, { auth: OTHER_MERCHANT })).status, 204);
      const auth = await t.post(`/sandbox/v1/payments/sessions/${authorized}/authorize`, {}, { auth: OTHER_MERCHANT });
      assert.equal(auth.status, 200, auth.body);
      assert.equal(auth.json().approved, true, auth.body);
      await advance(OTHER_MERCHANT, 2 * HOUR);

      const f = found(await report(MERCHANT), 'SESSION_ABANDONED', 'info');
      assert.equal(f.count, 1);
      const { at, ...example } = f.examples[0] ?? { at: '' };
      assert.deepEqual(example, { method: 'POST', path: '/payments/v1/sessions', correlation_id: null, order_id: null, session_id: abandoned, detail: 'created, then never updated or authorized' });
      assert.ok(toSecond(at) >= createdFrom && toSecond(at) <= createdTo, `dated at the creation: ${at}`);
      assert.equal(f.examples.length, 1, `not the young session ${young}`);
      absent(await report(OTHER_MERCHANT), 'SESSION_ABANDONED');
    });

    it('CHECKOUT_READ_AFTER_COMPLETION: Checkout reads after completion are counted; reads before it and Order Management reads after, none', async () => {
      const orderId = await checkoutOrder(MERCHANT);
      assert.equal((await t.get(`/checkout/v3/orders/${orderId}`, MERCHANT)).status, 200);
      await complete(MERCHANT, orderId);
      await advance(MERCHANT, 30);
      const first = await t.get(`/checkout/v3/orders/${orderId}`, MERCHANT);
      await advance(MERCHANT, 30);
      const second = await t.get(`/checkout/v3/orders/${orderId}`, MERCHANT);
      for (const res of [first, second]) assert.equal(res.status, 200, res.body);

      const theirs = await checkoutOrder(OTHER_MERCHANT);
      assert.equal((await t.get(`/checkout/v3/orders/${theirs}`, OTHER_MERCHANT)).status, 200);
      await complete(OTHER_MERCHANT, theirs);
      await advance(OTHER_MERCHANT, 30);
      await omOrder(OTHER_MERCHANT, theirs);

      const f = found(await report(MERCHANT), 'CHECKOUT_READ_AFTER_COMPLETION', 'warning');
      assert.equal(f.count, 2);
      const correlation = (res: TestResponse) => String(res.headers['klarna-correlation-id']);
      assert.deepEqual(
        f.examples.map((e) => [e.method, e.path, e.order_id, e.correlation_id, e.detail]),
        [
          ['GET', `/checkout/v3/orders/${orderId}`, orderId, correlation(first), 'read 30 s after the order was completed'],
          ['GET', `/checkout/v3/orders/${orderId}`, orderId, correlation(second), 'read 60 s after the order was completed'],
        ],
      );
      absent(await report(OTHER_MERCHANT), 'CHECKOUT_READ_AFTER_COMPLETION');
    });

    /** MERCHANT commits an error (a failing validation), warnings (a Checkout read after completion, an id-only push URL) and an info (an abandoned session). */
    async function mixedSeverities(): Promise<void> {
      const orderId = await checkoutOrder(MERCHANT, { validation: 'http://127.0.0.1:9/validate', push: `${merchant.url}/push/{checkout.order.id}` });
      await complete(MERCHANT, orderId);
      await session(MERCHANT);
      await advance(MERCHANT, 90 * MINUTE);
      assert.equal((await t.get(`/checkout/v3/orders/${orderId}`, MERCHANT)).status, 200);
    }

    it('severity: error keeps only the errors, warning drops the info; findings worst first; the summary counts the findings listed', async () => {
      await mixedSeverities();
      const all = await report(MERCHANT);
      assert.equal(all.severity, 'info');
      for (const code of ['CALLBACK_FAILING', 'CHECKOUT_READ_AFTER_COMPLETION', 'INSECURE_CALLBACK_URL', 'SESSION_ABANDONED']) assert.ok(finding(all, code), code);
      const ranks = all.findings.map((f) => ['error', 'warning', 'info'].indexOf(f.severity));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'worst first');
      const countOf = (r: Report, s: string) => r.findings.filter((f) => f.severity === s).length;
      for (const s of ['error', 'warning', 'info'] as const) {
        assert.equal(all.summary[s], countOf(all, s));
        assert.ok(all.summary[s] > 0, `a ${s} finding`);
      }

      const errors = await report(MERCHANT, '?severity=error');
      assert.equal(errors.severity, 'error');
      assert.deepEqual(
        errors.findings.map((f) => f.code),
        all.findings.filter((f) => f.severity === 'error').map((f) => f.code),
      );
      assert.deepEqual(errors.summary, { error: all.summary.error, warning: 0, info: 0 });

      const warnings = await report(MERCHANT, '?severity=warning');
      assert.deepEqual(
        warnings.findings.map((f) => f.code),
        all.findings.filter((f) => f.severity !== 'info').map((f) => f.code),
      );
      assert.deepEqual(warnings.summary, { ...all.summary, info: 0 });

      assertError(await t.get('/sandbox/v1/report?severity=fatal', MERCHANT), 400, 'BAD_VALUE', /severity/);
    });

    it('since: a time in the future finds nothing, a time before everything finds it all, a time in between only what came after; a bad since is 400 BAD_VALUE', async () => {
      await mixedSeverities();
      const now = await merchantNow(MERCHANT);
      const all = await report(MERCHANT);
      assert.ok(all.findings.length >= 4);
      assert.equal(all.since, null);

      const future = new Date(now + DAY).toISOString();
      const none = await report(MERCHANT, `?since=${encodeURIComponent(future)}`);
      assert.equal(none.since, future);
      assert.deepEqual(none.findings, []);
      assert.deepEqual(none.summary, { error: 0, warning: 0, info: 0 });

      const past = await report(MERCHANT, '?since=2000-01-01');
      assert.equal(past.since, '2000-01-01T00:00:00.000Z');
      assert.deepEqual(
        past.findings.map((f) => [f.code, f.count]),
        all.findings.map((f) => [f.code, f.count]),
      );

      // After the 90 minutes advanced: only the Checkout read made then (not the completion's
      // callbacks, nor the session created before).
      const between = new Date(now - MINUTE * 1000).toISOString();
      const later = await report(MERCHANT, `?since=${encodeURIComponent(between)}`);
      assert.deepEqual(
        later.findings.map((f) => [f.code, f.count]),
        [['CHECKOUT_READ_AFTER_COMPLETION', 1]],
      );

      for (const bad of ['yesterday', '2026-13-45', '2026-12-01T10:00:00', '1700000000000']) {
        const res = await t.get(`/sandbox/v1/report?since=${encodeURIComponent(bad)}`, MERCHANT);
        assertError(res, 400, 'BAD_VALUE', /since/);
        assert.equal(res.json().correlation_id, res.headers['klarna-correlation-id']);
      }
    });

    it("is per merchant: another merchant's report holds none of this merchant's findings", async () => {
      await mixedSeverities();
      const mine = await report(MERCHANT);
      assert.ok(mine.findings.length >= 4);
      assert.equal(mine.merchant.username, MERCHANT.username);
      const theirs = await report(OTHER_MERCHANT);
      assert.equal(theirs.merchant.username, OTHER_MERCHANT.username);
      assert.notEqual(theirs.merchant.merchant_id, mine.merchant.merchant_id);
      assert.deepEqual(theirs.findings, []);
    });
  });
}
