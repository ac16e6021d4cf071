/**
 * Cancel requests of virtual-card orders (POST and GET /merchantcard/v3/orders/{order_id}/cancel-request,
 * behaviour reference §7): a request is 202 PENDING with `check_after` the merchant's
 * `merchant_card_cancel_minutes` (15 by default) ahead on the sandbox clock, asked again it keeps it;
 * once due it is decided by the next read or by the background step alike. Decided CANCELLED, the
 * cards can no longer be used, Order Management refunds what the cards held and releases what was
 * left authorized (the order ends as `release_remaining_status` says), and Settlements books the
 * RETURN; asked again it is 200 CANCELLED. A card in use rejects it (CARD_IN_USE, nothing refunded),
 * and a rejected request may be made again. Without a request the read is Klarna's 400
 * NO_REQUEST_FOUND; an unknown order, another merchant's and one without a virtual-card settlement
 * are the same 404, and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNKNOWN_ID, assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { transactions } from '../settlements/api-helpers.js';
import { enroll, keyPair, omOrder, promise, settle } from './api-helpers.js';
import type { Settlement } from './api-helpers.js';

type Auth = RequestOptions['auth'];
const MINUTE = 60;
const MS_PER_MINUTE = 60_000;
const NO_VIRTUAL_CARD = 'Order does not exist or does not have an associated Virtual Credit Card Settlement';

for (const dialect of await availableDialects()) {
  describe(`merchant card cancel requests (${dialect})`, () => {
    let t: TestApp;
    let keyId: string;
    let otherKeyId: string;
    before(async () => {
      t = await buildTestApp({ dialect });
      keyId = await enroll(t);
      otherKeyId = await enroll(t, keyPair(), OTHER_MERCHANT);
    });
    after(async () => t.close());

    const url = (orderId: string) => `/merchantcard/v3/orders/${orderId}/cancel-request`;
    const ask = (orderId: string, auth?: Auth) => t.post(url(orderId), undefined, { auth });
    const read = (orderId: string, auth?: Auth) => t.get(url(orderId), auth);
    const clockNow = async () => Date.parse((await t.get('/sandbox/v1/clock')).json<{ now: string }>().now);
    const settings = async (values: Record<string, unknown>) => {
      const res = await t.patch('/sandbox/v1/settings', values);
      assert.equal(res.status, 200, res.body);
    };
    const useCard = (cardId: string, auth?: Auth) => t.post(`/sandbox/v1/merchant-card/cards/${cardId}/use`, undefined, { auth });

    /** An authorized order of 125.00 SEK settled with virtual cards of these amounts (a promise for part of it), or of all of it. */
    async function settledOrder(cards?: { amount: number; fund_amount?: number }[], auth?: Auth): Promise<Settlement> {
      const order = await t.createOrder({}, auth);
      const key = auth === OTHER_MERCHANT ? otherKeyId : keyId;
      if (!cards) return settle(t, { order_id: order.order_id, key_id: key }, auth);
      const specs = cards.map((c, i) => ({ ...c, currency: 'SEK', reference: `seller-${i + 1}` }));
      const promised = await promise(t, order.order_id, specs, auth);
      return settle(t, { order_id: order.order_id, key_id: key, promise_id: promised.promise_id }, auth);
    }

    /** A 202 PENDING answer's check_after, asserted to be the answer's whole body. */
    function pending(res: TestResponse): number {
      assert.equal(res.status, 202, res.body);
      const body = res.json<{ status: string; check_after: string }>();
      assert.deepEqual(Object.keys(body).sort(), ['check_after', 'status'], res.body);
      assert.equal(body.status, 'PENDING');
      return Date.parse(body.check_after);
    }

    /** Asks for a cancellation; check_after is `minutes` after the request on the sandbox clock (whole seconds). */
    async function askPending(orderId: string, minutes: number): Promise<{ checkAfter: number; body: unknown }> {
      const before = await clockNow();
      const res = await ask(orderId);
      const after = await clockNow();
      const checkAfter = pending(res);
      assert.ok(checkAfter >= before + minutes * MS_PER_MINUTE && checkAfter <= after + minutes * MS_PER_MINUTE, `check_after ${new Date(checkAfter).toISOString()} is ${minutes} minutes after ${new Date(before).toISOString()}`);
      return { checkAfter, body: res.json() };
    }

    async function readStatus(orderId: string): Promise<Record<string, unknown>> {
      const res = await read(orderId);
      assert.equal(res.status, 200, res.body);
      return res.json();
    }

    it('PENDING until check_after (15 minutes on the sandbox clock; asked again, the same answer), then CANCELLED: cards unusable, the capture refunded, the rest released, the RETURN booked', async () => {
      // A promise for part of the order: 50.00 and a card of 20.00 funded with 15.00, so 65.00 of 125.00 captured.
      const settlement = await settledOrder([{ amount: 5000 }, { amount: 2000, fund_amount: 1500 }]);
      const orderId = settlement.order_id;
      const settledOm = await omOrder(t, orderId);
      assert.equal(settledOm.status, 'PART_CAPTURED');
      assert.equal(settledOm.captured_amount, 6500);

      const first = await askPending(orderId, 15);
      const again = await ask(orderId);
      assert.equal(pending(again), first.checkAfter, 'asked again while pending: the same check_after');
      assert.deepEqual(again.json(), first.body);
      assert.deepEqual(await readStatus(orderId), first.body, 'read before check_after: PENDING');

      await t.advanceClock(14 * MINUTE);
      assert.deepEqual(await readStatus(orderId), first.body, 'still PENDING a minute before check_after');
      assert.equal((await omOrder(t, orderId)).refunded_amount, 0);

      await t.advanceClock(MINUTE + 1);
      assert.deepEqual(await readStatus(orderId), { status: 'CANCELLED' });

      for (const card of settlement.cards) assertError(await useCard(card.card_id), 403, 'NOT_ALLOWED', /cancelled/);

      const om = await omOrder(t, orderId);
      assert.equal(om.captured_amount, 6500);
      assert.equal(om.refunded_amount, 6500, 'the capture refunded for what the cards held');
      assert.equal(om.status, 'CAPTURED', 'what was left authorized is released (release_remaining_status CAPTURED by default)');
      assert.equal(om.order_amount, 6500, 'the authorization shrinks to what was captured');
      assert.equal(om.remaining_authorized_amount, 0);

      const booked = await transactions(t, `order_id=${orderId}`);
      const sale = booked.filter((r) => r.type === 'SALE');
      const returned = booked.filter((r) => r.type === 'RETURN');
      assert.deepEqual(sale.map((r) => r.amount), [6500], JSON.stringify(booked));
      assert.deepEqual(returned.map((r) => r.amount), [6500], JSON.stringify(booked));
      const { refunds } = await t.getOrder(orderId);
      assert.equal(refunds.length, 1);
      assert.equal(returned[0]?.refund_id, refunds[0].refund_id, 'the RETURN is Order Management\'s refund');

      // Cancelled is final: asked again it is 200 CANCELLED, and nothing more is refunded.
      const done = await ask(orderId);
      assert.equal(done.status, 200, done.body);
      assert.deepEqual(done.json(), { status: 'CANCELLED' });
      assert.equal((await omOrder(t, orderId)).refunded_amount, 6500);
      assert.equal((await transactions(t, `order_id=${orderId}`)).length, booked.length);
      assert.deepEqual(await readStatus(orderId), { status: 'CANCELLED' });
    });

    it('a settlement of the whole order cancelled: everything refunded, nothing left to release; a partial one under release_remaining_status CLOSED ends CLOSED', async () => {
      const whole = await settledOrder();
      assert.deepEqual(whole.cards.map((c) => c.amount), [12500]);
      await askPending(whole.order_id, 15);
      await t.advanceClock(15 * MINUTE);
      assert.deepEqual(await readStatus(whole.order_id), { status: 'CANCELLED' });
      const om = await omOrder(t, whole.order_id);
      assert.deepEqual([om.status, om.order_amount, om.captured_amount, om.refunded_amount], ['CAPTURED', 12500, 12500, 12500]);

      await settings({ release_remaining_status: 'CLOSED' });
      try {
        const part = await settledOrder([{ amount: 3000 }]);
        await askPending(part.order_id, 15);
        await t.advanceClock(15 * MINUTE);
        assert.deepEqual(await readStatus(part.order_id), { status: 'CANCELLED' });
        const closed = await omOrder(t, part.order_id);
        assert.deepEqual([closed.status, closed.order_amount, closed.captured_amount, closed.refunded_amount], ['CLOSED', 3000, 3000, 3000]);
      } finally {
        await settings({ release_remaining_status: 'CAPTURED' });
      }
    });

    it('a card used before the decision rejects the request (CARD_IN_USE), nothing refunded; asked again it is PENDING again, and rejected again', async () => {
      const settlement = await settledOrder([{ amount: 4000 }, { amount: 6000 }]);
      const orderId = settlement.order_id;
      const { checkAfter } = await askPending(orderId, 15);
      const used = await useCard(settlement.cards[1]?.card_id as string);
      assert.equal(used.status, 200, used.body);

      await t.advanceClock(15 * MINUTE);
      const rejected = await readStatus(orderId);
      assert.deepEqual(Object.keys(rejected).sort(), ['reason_code', 'reason_message', 'status']);
      assert.equal(rejected.status, 'REJECTED');
      assert.equal(rejected.reason_code, 'CARD_IN_USE');
      assert.match(String(rejected.reason_message), /in use/);
      const om = await omOrder(t, orderId);
      assert.deepEqual([om.status, om.captured_amount, om.refunded_amount, om.remaining_authorized_amount], ['PART_CAPTURED', 10000, 0, 2500], 'nothing refunded or released');
      assert.deepEqual((await transactions(t, `order_id=${orderId}`)).filter((r) => r.type === 'RETURN'), []);

      // A rejected request may be made again: a new check_after, and the card is still in use.
      const second = await askPending(orderId, 15);
      assert.ok(second.checkAfter > checkAfter);
      await t.advanceClock(15 * MINUTE);
      assert.deepEqual(await readStatus(orderId), rejected);
      assert.equal((await omOrder(t, orderId)).refunded_amount, 0);

      // The other card was not cancelled: it can still be used.
      const other = await useCard(settlement.cards[0]?.card_id as string);
      assert.equal(other.status, 200, other.body);
      assert.equal(other.json().status, 'USED');
    });

    it('the background step decides a due request without anyone reading it', async () => {
      const settlement = await settledOrder([{ amount: 7500 }]);
      await askPending(settlement.order_id, 15);
      await t.advanceClock(15 * MINUTE);
      // Order Management first: the refund is there before any read of the request.
      const om = await omOrder(t, settlement.order_id);
      assert.deepEqual([om.status, om.refunded_amount, om.order_amount], ['CAPTURED', 7500, 7500]);
      assert.deepEqual(await readStatus(settlement.order_id), { status: 'CANCELLED' });
    });

    it('merchant_card_cancel_minutes sets check_after; at 0 the next read decides, without the clock moving', async () => {
      await settings({ merchant_card_cancel_minutes: 5 });
      try {
        const five = await settledOrder([{ amount: 2000 }]);
        const { body } = await askPending(five.order_id, 5);
        await t.advanceClock(4 * MINUTE);
        assert.deepEqual(await readStatus(five.order_id), body);
        await t.advanceClock(MINUTE);
        assert.deepEqual(await readStatus(five.order_id), { status: 'CANCELLED' });

        await settings({ merchant_card_cancel_minutes: 0 });
        const now = await settledOrder([{ amount: 2500 }]);
        await askPending(now.order_id, 0);
        assert.equal((await omOrder(t, now.order_id)).refunded_amount, 0, 'not decided by the request itself');
        assert.deepEqual(await readStatus(now.order_id), { status: 'CANCELLED' });
        const om = await omOrder(t, now.order_id);
        assert.deepEqual([om.status, om.refunded_amount, om.order_amount], ['CAPTURED', 2500, 2500]);
      } finally {
        await settings({ merchant_card_cancel_minutes: 15 });
      }
    });

    it('a read without a request is Klarna\'s 400 NO_REQUEST_FOUND, with the envelope\'s fields as well', async () => {
      const settlement = await settledOrder([{ amount: 1000 }]);
      const res = await read(settlement.order_id);
      assert.equal(res.status, 400, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages', 'reason_code', 'reason_message', 'status']);
      assert.equal(body.status, 'NO_REQUEST_FOUND');
      assert.equal(body.reason_code, 'NO_REQUEST_FOUND');
      assert.equal(body.error_code, 'NO_REQUEST_FOUND');
      assert.ok(typeof body.reason_message === 'string' && body.reason_message.length > 0, res.body);
      assert.deepEqual(body.error_messages, [body.reason_message]);
      assert.equal(body.correlation_id, res.headers['klarna-correlation-id']);
    });

    it('an unknown order, another merchant\'s and one without a virtual-card settlement are the same 404 on POST and GET, changing nothing', async () => {
      const theirs = await settledOrder([{ amount: 1000 }], OTHER_MERCHANT);
      const plain = await t.createOrder();
      const promised = await t.createOrder();
      await promise(t, promised.order_id, [{ amount: 1000, currency: 'SEK', reference: 'seller-1' }]);
      const captured = await t.createOrder();
      assert.equal((await t.post(`/ordermanagement/v1/orders/${captured.order_id}/captures`, { captured_amount: 12500 })).status, 201);
      const before = await fingerprint(t.db, dialect);
      const answers: unknown[] = [];
      for (const orderId of [UNKNOWN_ID, theirs.order_id, plain.order_id, promised.order_id, captured.order_id]) {
        for (const res of [await ask(orderId), await read(orderId)]) {
          assertError(res, 404, 'NOT_FOUND', new RegExp(NO_VIRTUAL_CARD));
          const { correlation_id: _id, ...rest } = res.json();
          answers.push(rest);
        }
      }
      for (const answer of answers) assert.deepEqual(answer, answers[0], 'every such order answered alike');
      await assertUnchanged(t.db, dialect, before, 'cancel requests of orders without a virtual-card settlement');
      // The other merchant's own order is theirs to cancel.
      assert.equal((await ask(theirs.order_id, OTHER_MERCHANT)).status, 202);
    });
  });
}
