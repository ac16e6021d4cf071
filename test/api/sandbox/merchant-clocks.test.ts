/**
 * Each merchant's own sandbox clock: one merchant's time travel expires its own orders, sends its
 * own due callbacks and ages its own idempotency keys, and nobody else's; the background sweep runs
 * each merchant's due work on that merchant's time; `--sandbox-clock server` keeps one clock for all,
 * and a server-wide advance moves everyone.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { availableDialects } from '../../helpers/databases.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { SHOPPER, checkoutBody, merchantUrls } from '../checkout/helpers.js';
import { Sweeper } from '../../../src/main.js';
import { MODULES } from '../../../src/modules/index.js';
import { dueWorkOf } from '../../../src/platform/module.js';
import { advanceServerClock } from '../../../src/modules/sandbox/clock-advance.js';

const DAY = 24 * 3600;
const B = { auth: OTHER_MERCHANT };

interface ClockView {
  now: string;
  offset_seconds: number;
  server_offset_seconds: number;
  scope: string;
}

async function clockOf(t: TestApp, auth = MERCHANT): Promise<ClockView> {
  const res = await t.request({ url: '/sandbox/v1/clock', auth });
  assert.equal(res.status, 200, res.body);
  return res.json<ClockView>();
}

async function storedStatus(t: TestApp, orderId: string): Promise<string> {
  const row = await t.db.read.get<{ status: string }>('select status from orders where order_id = ?', [orderId]);
  assert.ok(row, `order ${orderId} is stored`);
  return row.status;
}

async function readStatus(t: TestApp, orderId: string, auth = MERCHANT): Promise<string> {
  const res = await t.request({ url: `/ordermanagement/v1/orders/${orderId}`, auth });
  assert.equal(res.status, 200, res.body);
  return res.json<{ status: string }>().status;
}

const sweeperOf = (t: TestApp) => new Sweeper(t.db, t.clock, pino({ level: 'silent' }), 60_000, dueWorkOf(MODULES), t.app.dispatcher);

for (const dialect of await availableDialects()) {
  describe(`each merchant's own sandbox clock (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(() => t.close());

    it("an advance moves only the caller's clock: its orders expire (read and stored), the other merchant's stay AUTHORIZED", async () => {
      const a = await t.createOrder();
      const b = await t.createOrder({}, OTHER_MERCHANT);
      const [clockA, clockB] = [await clockOf(t), await clockOf(t, OTHER_MERCHANT)];
      assert.equal(clockA.scope, 'merchant');

      const advanced = await t.request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds: 29 * DAY } });
      assert.equal(advanced.status, 200, advanced.body);
      const view = advanced.json<ClockView>();
      assert.equal(view.offset_seconds, clockA.offset_seconds + 29 * DAY);
      assert.equal(view.server_offset_seconds, 0, 'the server clock did not move');
      assert.ok(Date.parse(view.now) - Date.now() > 29 * DAY * 1000 - 60_000);

      assert.equal(await storedStatus(t, a.order_id), 'EXPIRED', 'the advance expired the caller’s order before answering');
      assert.equal(await readStatus(t, a.order_id), 'EXPIRED');
      assert.equal(await storedStatus(t, b.order_id), 'AUTHORIZED');
      assert.equal(await readStatus(t, b.order_id, OTHER_MERCHANT), 'AUTHORIZED');
      const afterB = await clockOf(t, OTHER_MERCHANT);
      assert.equal(afterB.offset_seconds, clockB.offset_seconds, "the other merchant's clock did not move");
      assert.ok(Math.abs(Date.parse(afterB.now) - Date.now()) < 5_000);

      // Captures on the other merchant's order still work: its authorization has not run out.
      const captured = await t.request({ method: 'POST', url: `/ordermanagement/v1/orders/${b.order_id}/captures`, body: { captured_amount: 1000 }, ...B });
      assert.equal(captured.status, 201, captured.body);
      const refused = await t.post(`/ordermanagement/v1/orders/${a.order_id}/captures`, { captured_amount: 1000 });
      assert.equal(refused.status, 403, refused.body);
    });

    it("the background sweep runs each merchant's due work on that merchant's time", async () => {
      const a = await t.createOrder();
      const b = await t.createOrder({}, OTHER_MERCHANT);
      // The other merchant's clock jumps without the sandbox route, so only the sweep can store the expiry.
      await t.clock.advance(await t.merchantId(OTHER_MERCHANT.username), 30 * DAY);
      assert.equal(await storedStatus(t, b.order_id), 'AUTHORIZED');
      await sweeperOf(t).runOnce();
      assert.equal(await storedStatus(t, b.order_id), 'EXPIRED');
      // The first merchant is already 29 days ahead from the test before; a fresh order of its has 28 days of its time.
      assert.equal(await storedStatus(t, a.order_id), 'AUTHORIZED');
      const groups = await t.clock.groups();
      assert.equal(groups.length, 2, 'merchants on different times (29 and 30 days ahead) are swept in two groups');
      assert.deepEqual(groups.map((g) => g.merchantIds?.length).sort(), [1, 1]);
    });

    it('idempotency keys last 24 hours of their own merchant’s time', async () => {
      const a = await t.createOrder();
      const b = await t.createOrder({}, OTHER_MERCHANT);
      const key = `clock-key-${dialect}`;
      const first = await t.post(`/ordermanagement/v1/orders/${a.order_id}/captures`, { captured_amount: 100 }, { idempotencyKey: key });
      const firstB = await t.request({ method: 'POST', url: `/ordermanagement/v1/orders/${b.order_id}/captures`, body: { captured_amount: 100 }, idempotencyKey: key, ...B });
      assert.equal(first.status, 201, first.body);
      assert.equal(firstB.status, 201, firstB.body);
      // Another merchant's day passing changes nothing for the first merchant's key.
      await t.request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds: DAY + 60 }, ...B });
      await sweeperOf(t).runOnce();
      const replay = await t.post(`/ordermanagement/v1/orders/${a.order_id}/captures`, { captured_amount: 100 }, { idempotencyKey: key });
      assert.equal(replay.headers['capture-id'], first.headers['capture-id'], 'replayed within the merchant’s own 24 hours');
      // The other merchant's key has aged past 24 hours of its time: the same key captures again.
      const fresh = await t.request({ method: 'POST', url: `/ordermanagement/v1/orders/${b.order_id}/captures`, body: { captured_amount: 100 }, idempotencyKey: key, ...B });
      assert.equal(fresh.status, 201, fresh.body);
      assert.notEqual(fresh.headers['capture-id'], firstB.headers['capture-id']);
      assert.equal((await t.request({ url: `/ordermanagement/v1/orders/${b.order_id}`, auth: OTHER_MERCHANT })).json<{ captured_amount: number }>().captured_amount, 200);
      assert.equal((await t.getOrder(a.order_id)).captured_amount, 100);
    });

    it('a server-wide advance (the administrator’s) moves every merchant, on top of their own offsets', async () => {
      const a = await t.createOrder();
      const b = await t.createOrder({}, OTHER_MERCHANT);
      const [beforeA, beforeB] = [await clockOf(t), await clockOf(t, OTHER_MERCHANT)];
      await advanceServerClock({ db: t.db, clock: t.clock, dueWork: dueWorkOf(MODULES), dispatcher: t.app.dispatcher }, 29 * DAY);
      const [afterA, afterB] = [await clockOf(t), await clockOf(t, OTHER_MERCHANT)];
      assert.equal(afterA.server_offset_seconds, beforeA.server_offset_seconds + 29 * DAY);
      assert.equal(afterA.offset_seconds - beforeA.offset_seconds, 29 * DAY);
      assert.equal(afterB.offset_seconds - beforeB.offset_seconds, 29 * DAY);
      assert.equal(await storedStatus(t, a.order_id), 'EXPIRED');
      assert.equal(await storedStatus(t, b.order_id), 'EXPIRED');
    });
  });

  describe(`callbacks fall due on their merchant's clock (${dialect})`, () => {
    let t: TestApp;
    let merchant: FakeMerchant;
    before(async () => {
      t = await buildTestApp({ dialect, config: { callbackPollMs: '20' } });
      merchant = await startFakeMerchant();
    });
    after(async () => {
      await t.close();
      await merchant.close();
    });
    beforeEach(() => merchant.answer({ status: 200 }));

    async function completed(auth: typeof MERCHANT, tag: string): Promise<string> {
      const created = await t.request({ method: 'POST', url: '/checkout/v3/orders', body: checkoutBody(merchant.url, { merchant_urls: merchantUrls(`${merchant.url}/${tag}`) }), auth });
      assert.equal(created.status, 201, created.body);
      const orderId = created.json<{ order_id: string }>().order_id;
      const done = await t.request({ method: 'POST', url: `/sandbox/v1/checkout/orders/${orderId}/complete`, body: SHOPPER, auth });
      assert.equal(done.status, 200, done.body);
      return orderId;
    }
    const pushesTo = (tag: string) => merchant.received.filter((r) => r.url.startsWith(`/${tag}/push`));

    it("one merchant's advance sends its own due push and not the other's; the other's advance sends it", async () => {
      const a = await completed(MERCHANT, 'a');
      const b = await completed(OTHER_MERCHANT, 'b');
      // The first push is due about two minutes after completion, in each merchant's time.
      await t.request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds: 300 } });
      await merchant.waitFor(1, (r) => r.url.startsWith('/a/push'), 5_000);
      // The dispatcher polls every 20 ms: give it ample time to (wrongly) send the other merchant's push.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(
        pushesTo('a').map((r) => r.url),
        [`/a/push?id=${a}`],
      );
      assert.equal(pushesTo('b').length, 0, "the other merchant's push is not due on its clock");

      await t.request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds: 300 }, ...B });
      await merchant.waitFor(1, (r) => r.url.startsWith('/b/push'), 5_000);
      assert.deepEqual(
        pushesTo('b').map((r) => r.url),
        [`/b/push?id=${b}`],
      );
      assert.equal(pushesTo('a').length, 1, 'the first merchant got no extra push from the other’s advance');
    });
  });

  describe(`--sandbox-clock server: one clock for every merchant (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect, config: { sandboxClock: 'server' } });
    });
    after(() => t.close());

    it("any merchant's advance moves the server clock: every merchant's orders expire", async () => {
      const a = await t.createOrder();
      const b = await t.createOrder({}, OTHER_MERCHANT);
      const res = await t.request({ method: 'POST', url: '/sandbox/v1/clock/advance', body: { seconds: 29 * DAY } });
      assert.equal(res.status, 200, res.body);
      const view = res.json<ClockView>();
      assert.equal(view.scope, 'server');
      assert.equal(view.server_offset_seconds, 29 * DAY);
      assert.equal((await clockOf(t, OTHER_MERCHANT)).offset_seconds, 29 * DAY);
      assert.equal(await storedStatus(t, a.order_id), 'EXPIRED');
      assert.equal(await storedStatus(t, b.order_id), 'EXPIRED', 'the advance ran every merchant’s due work');
    });
  });
}
