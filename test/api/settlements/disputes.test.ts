/**
 * Disputes on captures (behaviour reference §6, §9.1; docs/fidelity.md "Settlements"): opened
 * through the sandbox or by test data (`customer+disputed-{reason}@…` disputes every capture and
 * loses after the merchant's settlement_dispute_days), won (nothing booked) or lost (a REVERSAL with
 * the dispute's KRN as reversal_reference, and under merchant protection its refund), and paid out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError } from '../../helpers/assertions.js';
import { availableDialects } from '../../helpers/databases.js';
import { OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';
import { DAY, MS_PER_DAY, byType, capture, payouts, runPayouts, transactions } from './api-helpers.js';

const KRN = /^krn:klarna:eu1:dispute:([a-z_]+):\d{8}$/;

for (const dialect of await availableDialects()) {
  describe(`disputes (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    const open = (body: Record<string, unknown>, auth?: typeof OTHER_MERCHANT) => t.post('/sandbox/v1/settlements/disputes', body, { auth });
    const disputesOf = async (orderId: string) => (await t.get(`/sandbox/v1/settlements/disputes?order_id=${orderId}`)).json().disputes;

    it('a lost dispute books a REVERSAL of the disputed amount, named by the dispute\'s KRN, paid out with the next payout', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, 12500);
      const opened = await open({ order_id: order.order_id, capture_id: captureId, reason: 'faulty_goods', amount: 4000 });
      assert.equal(opened.status, 201, opened.body);
      const dispute = opened.json();
      assert.equal(dispute.status, 'OPEN');
      assert.equal(dispute.amount, 4000);
      assert.match(dispute.reversal_reference, KRN);
      assert.equal(KRN.exec(dispute.reversal_reference)?.[1], 'faulty_goods');
      assert.equal(dispute.decides_at, undefined, 'a sandbox dispute waits for its decision');
      assert.deepEqual(byType(await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.startsWith('REVERSAL')), [], 'opening books nothing');

      const lost = await t.post(`/sandbox/v1/settlements/disputes/${dispute.dispute_id}/lose`, {});
      assert.equal(lost.status, 200, lost.body);
      assert.equal(lost.json().status, 'LOST');
      const reversal = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type === 'REVERSAL');
      assert.equal(reversal.length, 1);
      assert.equal(reversal[0]?.amount, 4000);
      assert.equal(reversal[0]?.reversal_reference, dispute.reversal_reference);
      assert.equal(reversal[0]?.capture_id, '', 'reversals carry an empty capture_id, as Klarna\'s files show it');
      assert.equal(reversal[0]?.capture_date, (await t.getOrder(order.order_id)).captures[0].captured_at);

      const [payout] = await runPayouts(t);
      assert.equal(payout?.totals.reversal_amount, 4000);
      assert.equal(payout?.totals.settlement_amount, 12500 - 374 - 300 - 94 - 75 - 4000);

      const again = await t.post(`/sandbox/v1/settlements/disputes/${dispute.dispute_id}/win`, {});
      assertError(again, 403, 'NOT_ALLOWED', /LOST/);
    });

    it('a won dispute books nothing; a lost one under merchant protection is refunded by it (reversal reported net)', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, 12500);
      const won = (await open({ order_id: order.order_id, capture_id: captureId })).json();
      assert.equal(won.reason, 'goods_not_received', 'the default reason');
      assert.equal((await t.post(`/sandbox/v1/settlements/disputes/${won.dispute_id}/win`, {})).json().status, 'WON');
      const covered = (await open({ order_id: order.order_id, capture_id: captureId, reason: 'unauthorized_purchase' })).json();
      const lost = await t.post(`/sandbox/v1/settlements/disputes/${covered.dispute_id}/lose`, { merchant_protection: true });
      assert.equal(lost.json().merchant_protection, true);
      const rows = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type.startsWith('REVERSAL'));
      assert.deepEqual(byType(rows), ['REVERSAL/REVERSAL 12500', 'REVERSAL_MERCHANT_PROTECTION/REVERSAL 12500']);
      assert.ok(rows.every((r) => r.reversal_reference === covered.reversal_reference));
      const [payout] = await runPayouts(t);
      assert.equal(payout?.totals.reversal_amount, 0, 'reversal net of merchant protection');
      assert.deepEqual((await disputesOf(order.order_id)).map((d: { status: string }) => d.status), ['WON', 'LOST']);
    });

    it('test data: customer+disputed-{reason}@ disputes every capture, lost by itself after 14 days on the sandbox clock', async () => {
      const email = 'customer+disputed-goods_not_received@email.se';
      const body = orderBody();
      const order = await t.createOrder({ billing_address: { ...(body.billing_address as object), email } });
      await capture(t, order.order_id, 5000);
      await capture(t, order.order_id, 7500);
      const disputes = await disputesOf(order.order_id);
      assert.equal(disputes.length, 2);
      const read = await t.getOrder(order.order_id);
      for (const [i, d] of disputes.entries()) {
        assert.equal(d.status, 'OPEN');
        assert.equal(d.reason, 'goods_not_received');
        assert.equal(d.capture_id, read.captures[i].capture_id);
        assert.equal(Date.parse(d.decides_at) - Date.parse(read.captures[i].captured_at), 14 * MS_PER_DAY);
      }
      await t.advanceClock(13 * DAY);
      assert.ok((await disputesOf(order.order_id)).every((d: { status: string }) => d.status === 'OPEN'));
      await t.advanceClock(DAY + 60);
      assert.ok((await disputesOf(order.order_id)).every((d: { status: string }) => d.status === 'LOST'));
      const reversals = (await transactions(t, `order_id=${order.order_id}`)).filter((r) => r.type === 'REVERSAL');
      assert.deepEqual(reversals.map((r) => r.amount).sort(), [5000, 7500]);
      // Reversals are payable the schedule's delay after they were booked; then they are paid out.
      await t.advanceClock(8 * DAY);
      const paid = await transactions(t, `order_id=${order.order_id}`);
      assert.ok(paid.every((r) => r.payment_reference !== undefined), JSON.stringify(paid.filter((r) => !r.payment_reference)));
      assert.equal((await payouts(t)).reduce((n, p) => n + p.totals.reversal_amount, 0) >= 12500, true);
    });

    it('refuses a dispute on another merchant\'s or an unknown capture, over the capture\'s amount, and decisions on unknown disputes', async () => {
      const order = await t.createOrder();
      const captureId = await capture(t, order.order_id, 1000);
      assertError(await open({ order_id: order.order_id, capture_id: captureId }, OTHER_MERCHANT), 404, 'NOT_FOUND');
      assertError(await open({ order_id: order.order_id, capture_id: '00000000-0000-4000-8000-000000000000' }), 404, 'NOT_FOUND');
      assertError(await open({ order_id: order.order_id, capture_id: captureId, amount: 1001 }), 400, 'BAD_VALUE', /amount/);
      assertError(await open({ order_id: order.order_id, capture_id: captureId, reason: 'bored' }), 400, 'BAD_VALUE', /reason/);
      const mine = (await open({ order_id: order.order_id, capture_id: captureId })).json();
      assertError(await t.post(`/sandbox/v1/settlements/disputes/${mine.dispute_id}/lose`, {}, { auth: OTHER_MERCHANT }), 404, 'NOT_FOUND');
      assertError(await t.post('/sandbox/v1/settlements/disputes/00000000-0000-4000-8000-000000000000/win', {}), 404, 'NOT_FOUND');
      assert.equal((await disputesOf(order.order_id))[0].status, 'OPEN');
    });
  });
}
