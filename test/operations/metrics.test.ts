/**
 * /metrics: Prometheus text with request counts by route pattern and status, latency histograms, the
 * outbox figures read from the database, database connection use and process metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../helpers/databases.js';
import { buildTestApp, orderBody } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { UNKNOWN_ID, om } from '../helpers/assertions.js';
import { RouteMetrics } from '../../src/modules/operations/metrics.js';

/** The samples of a scrape: `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const ORDER_ROUTE = '/ordermanagement/v1/orders/:order_id';

describe('request metrics of one route', () => {
  it('count statuses and place each latency in the first bucket whose bound it does not exceed', () => {
    const metrics = new RouteMetrics(ORDER_ROUTE, 'GET');
    metrics.record(200, 1);
    metrics.record(200, 1.5);
    metrics.record(404, 0.2);
    metrics.record(500, 40_000);
    assert.deepEqual([...metrics.statuses], [
      [200, 2],
      [404, 1],
      [500, 1],
    ]);
    assert.deepEqual([...metrics.buckets], [2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], '≤1 ms: two; ≤2.5 ms: one; over 30 s: one');
    assert.equal(metrics.count, 4);
    assert.ok(Math.abs(metrics.sum - 40.0027) < 1e-9);
  });
});

for (const dialect of await availableDialects()) {
  describe(`/metrics (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function scrape(): Promise<Map<string, number>> {
      const res = await t.request({ url: '/metrics', auth: null });
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return parse(res.body);
    }

    it('counts requests by route pattern, method and status, never by the URL with its ids, and times them', async () => {
      const order = await t.createOrder();
      await t.getOrder(order.order_id);
      await t.getOrder(order.order_id);
      assert.equal((await t.get(om(UNKNOWN_ID))).status, 404);
      assert.equal((await t.get(om(UNKNOWN_ID), null)).status, 401);
      assert.equal((await t.get('/no/such/route')).status, 404);

      const res = await t.request({ url: '/metrics', auth: null });
      const samples = parse(res.body);
      assert.ok(!res.body.includes(order.order_id), 'no label holds an order id');
      assert.ok(!res.body.includes(UNKNOWN_ID), 'no label holds a requested id');
      const requests = (route: string, method: string, status: number) => samples.get(`klarna_local_http_requests_total{route="${route}",method="${method}",status="${status}"}`);
      assert.equal(requests(ORDER_ROUTE, 'GET', 200), 2);
      assert.equal(requests(ORDER_ROUTE, 'GET', 404), 1);
      assert.equal(requests(ORDER_ROUTE, 'GET', 401), 1);
      assert.equal(requests('/sandbox/v1/orders', 'POST', 201), 1);
      assert.equal(requests('(unmatched)', 'GET', 404), 1, 'requests that match no route share one label');

      const histogram = (suffix: string, extra = '') => samples.get(`klarna_local_http_request_duration_seconds_${suffix}{${extra}route="${ORDER_ROUTE}",method="GET"}`);
      assert.equal(histogram('count'), 4, 'one observation per answered request, whatever its status');
      assert.ok((histogram('sum') ?? 0) > 0);
      assert.equal(samples.get(`klarna_local_http_request_duration_seconds_bucket{le="+Inf",route="${ORDER_ROUTE}",method="GET"}`), 4);
      const buckets = [...samples].filter(([key]) => key.startsWith('klarna_local_http_request_duration_seconds_bucket{') && key.includes(`route="${ORDER_ROUTE}",method="GET"`));
      assert.equal(buckets.length, 15, '14 bounds and +Inf');
      assert.ok(buckets.every(([, value], i) => i === 0 || value >= (buckets[i - 1]?.[1] ?? 0)), 'buckets are cumulative');

      assert.ok(![...samples.keys()].some((k) => k.includes('route="/metrics"')), 'the scrape leaves itself out');
      const again = await scrape();
      assert.ok(![...again.keys()].some((k) => k.includes('route="/metrics"')));
      assert.equal(again.get(`klarna_local_http_requests_total{route="${ORDER_ROUTE}",method="GET",status="200"}`), 2);
    });

    it('reports process metrics and database connection use', async () => {
      const samples = await scrape();
      assert.ok((samples.get('process_cpu_seconds_total') ?? 0) > 0);
      assert.ok((samples.get('nodejs_heap_size_used_bytes') ?? 0) > 0);
      assert.ok((samples.get('klarna_local_db_connections') ?? 0) >= 1);
      assert.ok((samples.get('klarna_local_db_waiting') ?? -1) >= 0);
      if (dialect === 'postgres') {
        assert.ok((samples.get('klarna_local_db_connections_idle') ?? -1) >= 0);
      } else {
        assert.equal(samples.get('klarna_local_db_connections'), 2, 'SQLite: one write and one read connection');
        assert.equal(samples.get('klarna_local_db_connections_idle'), undefined, 'SQLite has no pool to be idle in');
      }
    });

    it('outbox figures follow a callback from pending and due to failed, read from the database at scrape time', async () => {
      // The dispatcher stays idle until the test runs it, so the callback is seen waiting.
      await t.app.dispatcher.stop();
      const created = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: 'http://127.0.0.1:9/unreachable' } }));
      assert.equal(created.status, 200, created.body);
      const authorized = await t.post(`/sandbox/v1/payments/sessions/${created.json().session_id}/authorize`, {});
      assert.equal(authorized.json().approved, true, authorized.body);

      let samples = await scrape();
      assert.equal(samples.get('klarna_local_outbox_pending_callbacks'), 1);
      assert.equal(samples.get('klarna_local_outbox_due_callbacks'), 1);
      assert.equal(samples.get('klarna_local_outbox_failed_callbacks'), 0);
      assert.equal(samples.get('klarna_local_outbox_failed_attempts_total'), 0);

      const attemptedAt = Date.now();
      await t.app.dispatcher.runOnce();
      samples = await scrape();
      assert.equal(samples.get('klarna_local_outbox_pending_callbacks'), 1, 'waiting for its second attempt');
      assert.equal(samples.get('klarna_local_outbox_failed_attempts_total'), 1);
      // The retry is due 1 s (sandbox clock) after the first attempt.
      if (Date.now() - attemptedAt < 900) assert.equal(samples.get('klarna_local_outbox_due_callbacks'), 0);

      for (let i = 0; i < 20 && samples.get('klarna_local_outbox_failed_callbacks') !== 1; i += 1) {
        await t.advanceClock(2);
        samples = await scrape();
      }
      assert.equal(samples.get('klarna_local_outbox_failed_callbacks'), 1, 'given up after its attempts');
      assert.equal(samples.get('klarna_local_outbox_pending_callbacks'), 0);
      assert.equal(samples.get('klarna_local_outbox_due_callbacks'), 0);
      assert.equal(samples.get('klarna_local_outbox_failed_attempts_total'), 3, 'three attempts in all, none answered');
    });

    it('needs no credentials and is not refused for wrong ones', async () => {
      const res = await t.request({ url: '/metrics', auth: { username: 'nobody', password: 'wrong' } });
      assert.equal(res.status, 200);
    });
  });
}
