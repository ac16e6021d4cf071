import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp, TestResponse } from '../../helpers/harness.js';
import { om, UNKNOWN_ID } from '../../helpers/assertions.js';

interface DueDateOptions {
  currency: string;
  options: { number_of_days: number; amount: number }[];
}

interface EventView {
  type: string;
  payload: Record<string, unknown>;
}

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json().error_code, code, res.body);
}

async function capture(t: TestApp, orderId: string, amount = 12500): Promise<string> {
  const res = await t.post(om(orderId, '/captures'), { captured_amount: amount });
  assert.equal(res.status, 201, res.body);
  return String(res.headers['capture-id']);
}

async function options(t: TestApp, orderId: string, captureId: string): Promise<DueDateOptions> {
  const res = await t.get(om(orderId, `/captures/${captureId}/extend-due-date-options`));
  assert.equal(res.status, 200, res.body);
  return res.json<DueDateOptions>();
}

async function merchantOptions(t: TestApp): Promise<DueDateOptions['options']> {
  const res = await t.get('/sandbox/v1/settings');
  assert.equal(res.status, 200, res.body);
  return res.json<{ settings: { extend_due_date_options: DueDateOptions['options'] } }>().settings.extend_due_date_options;
}

async function dueDateEvents(t: TestApp, orderId: string): Promise<EventView[]> {
  const res = await t.get(`/sandbox/v1/events?order_id=${orderId}`);
  assert.equal(res.status, 200, res.body);
  return res.json<{ events: EventView[] }>().events.filter((e) => e.type === 'capture.due_date_extended');
}

const extendDueDate = (t: TestApp, orderId: string, captureId: string, days: number) =>
  t.patch(om(orderId, `/captures/${captureId}/extend-due-date`), { number_of_days: days });

for (const dialect of await availableDialects()) {
  describe(`extend due date (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    it("a pay-later (default INVOICE) order's capture offers the merchant's options in the purchase currency", async () => {
      const order = await t.createOrder();
      assert.equal(order.initial_payment_method.type, 'INVOICE');
      const captureId = await capture(t, order.order_id);
      const offered = await merchantOptions(t);
      assert.ok(offered.length > 0, 'the default settings offer extensions');

      assert.deepEqual(await options(t, order.order_id, captureId), { currency: 'SEK', options: offered });
    });

    it('the currency of the options is the purchase currency of the order', async () => {
      const order = await t.createOrder({
        purchase_country: 'DE',
        purchase_currency: 'EUR',
        locale: 'de-DE',
        billing_address: { given_name: 'Max', family_name: 'Muster', street_address: 'Hauptstr. 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      });
      const captureId = await capture(t, order.order_id);
      assert.equal((await options(t, order.order_id, captureId)).currency, 'EUR');
    });

    for (const type of ['CARD', 'PAY_BY_CARD']) {
      it(`a ${type} order's capture offers no options, and extending it gets 403 NOT_ALLOWED`, async () => {
        const order = await t.createOrder({ initial_payment_method: { type } });
        const captureId = await capture(t, order.order_id);
        assert.deepEqual(await options(t, order.order_id, captureId), { currency: 'SEK', options: [] });
        assertError(await extendDueDate(t, order.order_id, captureId, 14), 403, 'NOT_ALLOWED');
        assert.deepEqual(await dueDateEvents(t, order.order_id), []);
      });
    }

    it('extending by an offered number of days answers 204, records the fee, and leaves no further options', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const chosen = (await options(t, order.order_id, captureId)).options[1];
      assert.ok(chosen, 'a second option is offered');

      const res = await extendDueDate(t, order.order_id, captureId, chosen.number_of_days);
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(res.headers['content-type'], undefined);

      const events = await dueDateEvents(t, order.order_id);
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]?.payload, { capture_id: captureId, number_of_days: chosen.number_of_days, fee: chosen.amount, currency: 'SEK' });
      const row = await t.db.kysely
        .selectFrom('captures')
        .select(['due_date_extension_days', 'due_date_extension_fee'])
        .where('capture_id', '=', captureId)
        .executeTakeFirstOrThrow();
      assert.deepEqual({ days: Number(row.due_date_extension_days), fee: Number(row.due_date_extension_fee) }, { days: chosen.number_of_days, fee: chosen.amount });
      assert.deepEqual(await options(t, order.order_id, captureId), { currency: 'SEK', options: [] });
    });

    it('a number_of_days that is not offered gets 403 NOT_ALLOWED and the options stay', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const offered = await options(t, order.order_id, captureId);
      assert.ok(!offered.options.some((o) => o.number_of_days === 10));

      assertError(await extendDueDate(t, order.order_id, captureId, 10), 403, 'NOT_ALLOWED');
      assert.deepEqual(await dueDateEvents(t, order.order_id), []);
      assert.deepEqual(await options(t, order.order_id, captureId), offered);
    });

    it('a second extension of the same capture gets 403 NOT_ALLOWED and charges no second fee', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const [first, second] = (await options(t, order.order_id, captureId)).options;
      assert.ok(first && second);
      assert.equal((await extendDueDate(t, order.order_id, captureId, first.number_of_days)).status, 204);

      assertError(await extendDueDate(t, order.order_id, captureId, second.number_of_days), 403, 'NOT_ALLOWED');
      const events = await dueDateEvents(t, order.order_id);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.payload.number_of_days, first.number_of_days);
    });

    it('each capture is its own invoice: extending one leaves the other its options', async () => {
      const order = await t.createOrder();
      const first = await capture(t, order.order_id, 5000);
      const second = await capture(t, order.order_id, 7500);
      const offered = await merchantOptions(t);
      assert.equal((await extendDueDate(t, order.order_id, first, offered[0]?.number_of_days ?? 0)).status, 204);

      assert.deepEqual((await options(t, order.order_id, first)).options, []);
      assert.deepEqual((await options(t, order.order_id, second)).options, offered);
    });

    it('a fully refunded capture has nothing left to pay: no options, and extending it gets 403 NOT_ALLOWED', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      const refund = await t.post(om(order.order_id, '/refunds'), { refunded_amount: 12500 });
      assert.equal(refund.status, 201, refund.body);

      assert.deepEqual(await options(t, order.order_id, captureId), { currency: 'SEK', options: [] });
      assertError(await extendDueDate(t, order.order_id, captureId, 14), 403, 'NOT_ALLOWED');
      assert.deepEqual(await dueDateEvents(t, order.order_id), []);
    });

    it('an unknown capture gets 404 for the options and for the extension', async () => {
      const order = await t.createOrder();
      await capture(t, order.order_id);
      const read = await t.get(om(order.order_id, `/captures/${UNKNOWN_ID}/extend-due-date-options`));
      assertError(read, 404, 'NO_SUCH_CAPTURE');
      assertError(await extendDueDate(t, order.order_id, UNKNOWN_ID, 14), 404, 'NO_SUCH_CAPTURE');
    });

    it('an unknown order gets 404 NO_SUCH_ORDER for the options and for the extension', async () => {
      assertError(await t.get(om(UNKNOWN_ID, `/captures/${UNKNOWN_ID}/extend-due-date-options`)), 404, 'NO_SUCH_ORDER');
      assertError(await extendDueDate(t, UNKNOWN_ID, UNKNOWN_ID, 14), 404, 'NO_SUCH_ORDER');
    });
  });

  describe(`extend due date with the merchant's extend_due_date_options (${dialect})`, () => {
    let t: TestApp;
    const configured = [
      { number_of_days: 10, amount: 100 },
      { number_of_days: 45, amount: 900 },
    ];
    before(async () => {
      t = await buildTestApp({ dialect });
      const res = await t.patch('/sandbox/v1/settings', { extend_due_date_options: configured });
      assert.equal(res.status, 200, res.body);
    });
    after(async () => t.close());

    it('the configured options are offered and their fee is the one charged', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id);
      assert.deepEqual(await options(t, order.order_id, captureId), { currency: 'SEK', options: configured });

      assertError(await extendDueDate(t, order.order_id, captureId, 14), 403, 'NOT_ALLOWED');
      assert.equal((await extendDueDate(t, order.order_id, captureId, 45)).status, 204);
      const events = await dueDateEvents(t, order.order_id);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.payload.fee, 900);
    });
  });
}
