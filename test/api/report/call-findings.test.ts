/**
 * The integration report's findings about how the merchant calls Klarna, read from the request
 * journal: for each, an integration that commits it and one that does not, through
 * `GET /sandbox/v1/report`, on every database. Retries are timed with the sandbox clock: a clock
 * advance writes the journal first, so the calls before it keep their time and the ones after it are
 * that much later.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { IntegrationReport } from '../../../src/modules/report/report.js';
import { flushApiCalls } from '../../../src/modules/sandbox/api-calls.js';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';

type Report = IntegrationReport;

for (const dialect of await availableDialects()) {
  describe(`integration report: how the merchant calls (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());
    // Each case starts from an empty merchant: its journal, orders and clock.
    beforeEach(async () => {
      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
    });

    async function report(query = ''): Promise<Report> {
      const res = await t.get(`/sandbox/v1/report${query}`);
      assert.equal(res.status, 200, res.body);
      return res.json<Report>();
    }
    const finding = (r: Report, code: string) => r.findings.find((f) => f.code === code);
    const codes = (r: Report) => r.findings.map((f) => f.code).sort();

    async function order(overrides: Record<string, unknown> = {}): Promise<string> {
      const res = await t.post('/sandbox/v1/orders', orderBody(overrides));
      assert.equal(res.status, 201, res.body);
      return res.json<{ order_id: string }>().order_id;
    }
    const capture = (orderId: string, amount: number, key?: string) =>
      t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: amount }, key === undefined ? {} : { idempotencyKey: key });
    const advance = async (seconds: number) => assert.equal((await t.post('/sandbox/v1/clock/advance', { seconds })).status, 200);
    /** The next `times` captures on any order answer `status` before any route runs. */
    async function failCaptures(status: number, times: number): Promise<void> {
      const res = await t.post('/sandbox/v1/faults', { method: 'POST', path: '/ordermanagement/v1/orders/*/captures', status, times });
      assert.equal(res.status, 201, res.body);
    }

    it('NO_IDEMPOTENCY_KEY: Order Management writes without a key, counted and shown; with keys, none', async () => {
      const id = await order();
      const first = await capture(id, 1000);
      const second = await capture(id, 1000);
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      // A read and a sandbox call never take a key.
      assert.equal((await t.get(`/ordermanagement/v1/orders/${id}`)).status, 200);
      const found = finding(await report(), 'NO_IDEMPOTENCY_KEY');
      assert.ok(found, 'the finding is listed');
      assert.equal(found.severity, 'warning');
      assert.equal(found.count, 2);
      assert.deepEqual(
        found.examples.map((e) => [e.method, e.path, e.order_id, e.correlation_id]),
        [first, second].map((res) => ['POST', `/ordermanagement/v1/orders/${id}/captures`, id, res.headers['klarna-correlation-id']]),
      );

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      const clean = await order();
      assert.equal((await capture(clean, 1000, 'k-1')).status, 201);
      assert.equal((await t.post(`/ordermanagement/v1/orders/${clean}/release-remaining-authorization`, undefined, { idempotencyKey: 'k-2' })).status, 204);
      assert.equal(finding(await report(), 'NO_IDEMPOTENCY_KEY'), undefined);
    });

    it('NEW_KEY_ON_RETRY: a capture retried after a 503 with another key is an error; the same key is not', async () => {
      const id = await order();
      await failCaptures(503, 1);
      assert.equal((await capture(id, 1000, 'first-key')).status, 503);
      await advance(2);
      const retry = await capture(id, 1000, 'second-key');
      assert.equal(retry.status, 201);
      const r = await report();
      const found = finding(r, 'NEW_KEY_ON_RETRY');
      assert.ok(found, JSON.stringify(r.findings));
      assert.equal(found.severity, 'error');
      assert.equal(found.count, 1);
      assert.equal(found.examples[0]?.correlation_id, retry.headers['klarna-correlation-id']);
      assert.match(found.examples[0]?.detail ?? '', /after 503 with key "second-key"; the first attempt had key "first-key"/);
      // Waited 2 s: a backoff, not a hammering.
      assert.equal(finding(r, 'NO_BACKOFF'), undefined);

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      const other = await order();
      await failCaptures(503, 1);
      assert.equal((await capture(other, 1000, 'same-key')).status, 503);
      await advance(2);
      assert.equal((await capture(other, 1000, 'same-key')).status, 201);
      assert.deepEqual(codes(await report()), []);
    });

    it('NEW_KEY_ON_RETRY: a dropped connection is journaled (status 0) and a retry without the key is counted', async () => {
      const id = await order();
      const rule = await t.post('/sandbox/v1/faults', { method: 'POST', path: `/ordermanagement/v1/orders/${id}/captures`, drop: true, times: 1 });
      assert.equal(rule.status, 201, rule.body);
      // Over a real socket: the server closes the connection without an answer.
      const port = await t.listen();
      await assert.rejects(
        fetch(`http://127.0.0.1:${port}/ordermanagement/v1/orders/${id}/captures`, {
          method: 'POST',
          headers: { authorization: basicAuth(MERCHANT), 'content-type': 'application/json', 'klarna-idempotency-key': 'lost-key' },
          body: JSON.stringify({ captured_amount: 1000 }),
        }),
      );
      await advance(5);
      assert.equal((await capture(id, 1000)).status, 201);
      const found = finding(await report(), 'NEW_KEY_ON_RETRY');
      assert.equal(found?.count, 1);
      assert.match(found?.examples[0]?.detail ?? '', /after a dropped connection with no key; the first attempt had key "lost-key"/);
    });

    it('NO_BACKOFF: retries sent at once after a 503 are counted; retries that wait 1 s, then 2 s, are not', async () => {
      const id = await order();
      await failCaptures(503, 2);
      assert.equal((await capture(id, 1000, 'k')).status, 503);
      assert.equal((await capture(id, 1000, 'k')).status, 503);
      assert.equal((await capture(id, 1000, 'k')).status, 201);
      const found = finding(await report(), 'NO_BACKOFF');
      assert.equal(found?.severity, 'warning');
      assert.equal(found?.count, 2, 'both retries came at once');
      assert.match(found?.examples[0]?.detail ?? '', /^retry 1 sent \d+ ms after 503 \(a backoff waits at least 1000 ms\)$/);
      assert.match(found?.examples[1]?.detail ?? '', /^retry 2 sent \d+ ms after 503 \(a backoff waits at least 2000 ms\)$/);

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      const patient = await order();
      await failCaptures(429, 2);
      assert.equal((await capture(patient, 1000, 'p')).status, 429);
      await advance(1);
      assert.equal((await capture(patient, 1000, 'p')).status, 429);
      await advance(2);
      assert.equal((await capture(patient, 1000, 'p')).status, 201);
      assert.deepEqual(codes(await report()), []);
    });

    it('RETRIED_CLIENT_ERROR: the same refused capture sent again is counted; a corrected one is not', async () => {
      const id = await order();
      const tooMuch = await capture(id, 999_999, 'a');
      assert.equal(tooMuch.status, 403);
      const again = await capture(id, 999_999, 'b');
      assert.equal(again.status, 403);
      const found = finding(await report(), 'RETRIED_CLIENT_ERROR');
      assert.equal(found?.count, 1);
      assert.equal(found?.examples[0]?.correlation_id, again.headers['klarna-correlation-id']);
      assert.match(found?.examples[0]?.detail ?? '', new RegExp(`after 403 ${tooMuch.json<{ error_code: string }>().error_code}$`));

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      const fixed = await order();
      assert.equal((await capture(fixed, 999_999, 'c')).status, 403);
      assert.equal((await capture(fixed, 12_500, 'd')).status, 201);
      assert.deepEqual(codes(await report()), []);
    });

    it('CAPTURE_WHILE_PENDING: a capture on an order under fraud review is counted; on an accepted order it is not', async () => {
      const pending = await order({ fraud_status: 'PENDING' });
      const refused = await capture(pending, 1000, 'p1');
      assert.equal(refused.status, 403, refused.body);
      const found = finding(await report(), 'CAPTURE_WHILE_PENDING');
      assert.equal(found?.count, 1);
      assert.equal(found?.examples[0]?.order_id, pending);
      assert.match(found?.examples[0]?.detail ?? '', /pending a fraud review/);

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      assert.equal((await capture(await order(), 1000, 'a1')).status, 201);
      assert.deepEqual(codes(await report()), []);
    });

    it('TAX_ROUNDING: a Payments session refused for its line tax names the line; a correct one is not counted', async () => {
      const body = orderBody();
      const lines = body.order_lines as Record<string, unknown>[];
      const wrong = { ...body, order_lines: [{ ...lines[0], total_tax_amount: 2100 }, lines[1]], order_tax_amount: 2600 };
      const refused = await t.post('/payments/v1/sessions', wrong);
      assert.equal(refused.status, 400, refused.body);
      const r = await report();
      const found = finding(r, 'TAX_ROUNDING');
      assert.equal(found?.severity, 'error');
      assert.equal(found?.count, 1);
      assert.equal(found?.examples[0]?.path, '/payments/v1/sessions');
      assert.match(found?.examples[0]?.detail ?? '', /order_lines\[0\]\.total_tax_amount/);
      assert.equal(r.summary.error, 1);

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      assert.equal((await t.post('/payments/v1/sessions', orderBody())).status, 200);
      // Refused for something else (a missing field): not arithmetic.
      assert.equal((await t.post('/payments/v1/sessions', { ...orderBody(), purchase_country: undefined })).status, 400);
      assert.equal(finding(await report(), 'TAX_ROUNDING'), undefined);
    });

    it("RATE_ABOVE_LIVE_LIMIT: 82 session creations in under a second go past the live 40 a second; 30 do not", async () => {
      const started = Date.now();
      const made = await Promise.all(Array.from({ length: 82 }, () => t.post('/payments/v1/sessions', orderBody())));
      const took = Date.now() - started;
      assert.ok(made.every((res) => res.status === 200));
      // Counted independently from the journal's stored times: per one-second window, the creations beyond 40.
      await flushApiCalls(t.db);
      const times = await t.db.read.all<{ created_at: number | string }>("select created_at from api_calls where route = '/payments/v1/sessions' and method = 'POST'");
      const perSecond = new Map<number, number>();
      for (const row of times) perSecond.set(Math.floor(Number(row.created_at) / 1000), (perSecond.get(Math.floor(Number(row.created_at) / 1000)) ?? 0) + 1);
      const beyond = [...perSecond.values()].reduce((sum, n) => sum + Math.max(0, n - 40), 0);
      // 82 requests within one second fall in at most two of Klarna's windows: one holds 41 or more.
      if (took < 1000) assert.ok(beyond >= 1, `82 creations in ${took} ms, windows ${JSON.stringify([...perSecond.values()])}`);
      const found = finding(await report(), 'RATE_ABOVE_LIVE_LIMIT');
      assert.equal(found?.count ?? 0, beyond, `windows ${JSON.stringify([...perSecond.values()])}`);
      if (found) assert.match(found.examples[0]?.detail ?? '', /^\d+ create-session requests in one second \(live limit 40\)$/);

      assert.equal((await t.post('/sandbox/v1/reset', {})).status, 200);
      for (let i = 0; i < 30; i++) assert.equal((await t.post('/payments/v1/sessions', orderBody())).status, 200);
      assert.equal(finding(await report(), 'RATE_ABOVE_LIVE_LIMIT'), undefined);
    });

    it('filters by severity and time, is per merchant, refuses a bad since, and says when the journal is empty', async () => {
      const id = await order();
      assert.equal((await capture(id, 1000)).status, 201);
      assert.equal((await t.post('/payments/v1/sessions', { ...orderBody(), order_amount: 1 })).status, 400);
      const all = await report();
      assert.deepEqual(codes(all), ['NO_IDEMPOTENCY_KEY', 'TAX_ROUNDING']);
      assert.deepEqual(all.findings.map((f) => f.severity), ['error', 'warning'], 'worst first');
      assert.deepEqual(codes(await report('?severity=error')), ['TAX_ROUNDING']);
      assert.deepEqual(codes(await report('?since=2999-01-01')), []);
      const bad = await t.get('/sandbox/v1/report?since=yesterday');
      assert.equal(bad.status, 400);
      assert.equal(bad.json<{ error_code: string }>().error_code, 'BAD_VALUE');
      const theirs = await t.get('/sandbox/v1/report', OTHER_MERCHANT);
      assert.equal(theirs.status, 200);
      assert.deepEqual(theirs.json<Report>().findings, []);
      assert.ok(all.journal.enabled && all.journal.calls >= 3);
      assert.equal(MERCHANT.username, (await t.get('/sandbox/v1/report')).json<{ merchant: { username: string } }>().merchant.username);
    });
  });
}
