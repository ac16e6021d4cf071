import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { assertNoContent, om } from '../../helpers/assertions.js';

const DAY_MS = 24 * 3600 * 1000;
const DAY_SECONDS = 24 * 3600;

const startOfUtcDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The end of the UTC day that lies `days` days after `now` (the following midnight). */
const endOfDayAfter = (now: number, days: number): string => iso(startOfUtcDay(now + days * DAY_MS) + DAY_MS);

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, code, res.body);
}

async function serverNow(t: TestApp): Promise<number> {
  const res = await t.get('/sandbox/v1/clock');
  assert.equal(res.status, 200, res.body);
  return Date.parse(res.json<{ now: string }>().now);
}

/**
 * Moves the sandbox clock to the next 12:00 UTC, so that day arithmetic in a test cannot straddle
 * midnight while it runs.
 */
async function advanceToNoonUtc(t: TestApp): Promise<void> {
  const now = await serverNow(t);
  let noon = startOfUtcDay(now) + DAY_MS / 2;
  if (noon <= now) noon += DAY_MS;
  await t.advanceClock(Math.ceil((noon - now) / 1000));
}

const extend = (t: TestApp, orderId: string) => t.post(om(orderId, '/extend-authorization-time'));

for (const dialect of await availableDialects()) {
  describe(`extend authorization time (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it('extending 14 days after creation sets expires_at to the end of the UTC day 28 days from now', async () => {
      await advanceToNoonUtc(t);
      const order = await t.createOrder();
      assert.equal(Date.parse(order.expires_at) - Date.parse(order.created_at), 28 * DAY_MS, 'a new order is authorized for 28 days');
      await t.advanceClock(14 * DAY_SECONDS);
      const now = await serverNow(t);

      assertNoContent(await extend(t, order.order_id));
      const read = await t.getOrder(order.order_id);
      assert.equal(read.expires_at, endOfDayAfter(now, 28));
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.remaining_authorized_amount, 12500);
      assert.equal(read.created_at, order.created_at);
    });

    it('repeated extensions on the same day give the same date', async () => {
      await advanceToNoonUtc(t);
      const order = await t.createOrder();
      await t.advanceClock(3 * DAY_SECONDS);
      const now = await serverNow(t);

      assertNoContent(await extend(t, order.order_id));
      const first = (await t.getOrder(order.order_id)).expires_at;
      assert.equal(first, endOfDayAfter(now, 28));
      await t.advanceClock(3 * 3600);
      assertNoContent(await extend(t, order.order_id));
      assert.equal((await t.getOrder(order.order_id)).expires_at, first);
    });

    it('a part-captured order can be extended', async () => {
      await advanceToNoonUtc(t);
      const order = await t.createOrder();
      assert.equal((await t.post(om(order.order_id, '/captures'), { captured_amount: 5000 })).status, 201);
      await t.advanceClock(10 * DAY_SECONDS);
      const now = await serverNow(t);

      assertNoContent(await extend(t, order.order_id));
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'PART_CAPTURED');
      assert.equal(read.expires_at, endOfDayAfter(now, 28));
    });

    it('extending as time passes keeps the order alive, but never past created_at + 180 days', async () => {
      await advanceToNoonUtc(t);
      const order = await t.createOrder();
      const createdAt = Date.parse(order.created_at);
      const cap = iso(createdAt + 180 * DAY_MS);

      for (let day = 20; day <= 160; day += 20) {
        await t.advanceClock(20 * DAY_SECONDS);
        const now = await serverNow(t);
        assertNoContent(await extend(t, order.order_id));
        const read = await t.getOrder(order.order_id);
        assert.equal(read.status, 'AUTHORIZED', `still authorized on day ${day}`);
        const expected = Math.min(startOfUtcDay(now + 28 * DAY_MS) + DAY_MS, createdAt + 180 * DAY_MS);
        assert.equal(read.expires_at, iso(expected), `expires_at after extending on day ${day}`);
      }

      await t.advanceClock(10 * DAY_SECONDS); // day 170: 28 more days would reach day 198
      assertNoContent(await extend(t, order.order_id));
      const capped = await t.getOrder(order.order_id);
      assert.equal(capped.status, 'AUTHORIZED');
      assert.equal(capped.expires_at, cap);

      await t.advanceClock(11 * DAY_SECONDS); // day 181: the authorization has run out
      const expired = await t.getOrder(order.order_id);
      assert.equal(expired.status, 'EXPIRED');
      assertError(await extend(t, order.order_id), 403, 'NOT_ALLOWED');
      assert.equal((await t.getOrder(order.order_id)).expires_at, cap);
    });

    it('an expired order refuses extension with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      await t.advanceClock(29 * DAY_SECONDS);
      assertError(await extend(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'EXPIRED');
      assert.equal(read.expires_at, order.expires_at);
    });

    it('a cancelled order refuses extension with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assertNoContent(await t.post(om(order.order_id, '/cancel')));
      await t.advanceClock(DAY_SECONDS);
      assertError(await extend(t, order.order_id), 403, 'NOT_ALLOWED');
      assert.equal((await t.getOrder(order.order_id)).expires_at, order.expires_at);
    });

    it('a fully captured order refuses extension with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      assert.equal((await t.post(om(order.order_id, '/captures'), { captured_amount: 12500 })).status, 201);
      await t.advanceClock(DAY_SECONDS);
      assertError(await extend(t, order.order_id), 403, 'NOT_ALLOWED');
      assert.equal((await t.getOrder(order.order_id)).expires_at, order.expires_at);
    });

    it('an order paid with PAY_BY_CARD refuses extension with 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder({ initial_payment_method: { type: 'PAY_BY_CARD' } });
      await t.advanceClock(DAY_SECONDS);
      assertError(await extend(t, order.order_id), 403, 'NOT_ALLOWED');
      const read = await t.getOrder(order.order_id);
      assert.equal(read.status, 'AUTHORIZED');
      assert.equal(read.expires_at, order.expires_at);
    });

    it('extending an unknown order gets 404 NO_SUCH_ORDER', async () => {
      assertError(await extend(t, '00000000-0000-4000-8000-000000000000'), 404, 'NO_SUCH_ORDER');
    });
  });

  describe(`extend authorization time with the merchant's authorization_period_days (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
      const res = await t.patch('/sandbox/v1/settings', { authorization_period_days: 60 });
      assert.equal(res.status, 200, res.body);
    });
    after(async () => t.close());

    it('orders are authorized for, and extended by, the configured period', async () => {
      await advanceToNoonUtc(t);
      const order = await t.createOrder();
      assert.equal(Date.parse(order.expires_at) - Date.parse(order.created_at), 60 * DAY_MS);
      await t.advanceClock(14 * DAY_SECONDS);
      const now = await serverNow(t);

      assertNoContent(await extend(t, order.order_id));
      assert.equal((await t.getOrder(order.order_id)).expires_at, endOfDayAfter(now, 60));
    });
  });
}
