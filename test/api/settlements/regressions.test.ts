/**
 * Settlements: bugs found by the property and concurrency tests (property.test.ts,
 * test/concurrency/settlements.test.ts), each pinned by the smallest history that shows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { availableDialects } from '../../helpers/databases.js';
import { buildTestApp } from '../../helpers/harness.js';
import type { TestApp } from '../../helpers/harness.js';

interface Dispute {
  dispute_id: string;
  status: string;
  merchant_protection: boolean;
  reversal_reference: string;
}

for (const dialect of await availableDialects()) {
  describe(`settlements regressions (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await buildTestApp({ dialect });
    });
    after(async () => t.close());

    async function capturedOrder(): Promise<{ orderId: string; captureId: string }> {
      const order = await t.createOrder();
      const res = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 12500 });
      assert.equal(res.status, 201, res.body);
      return { orderId: order.order_id, captureId: String(res.headers['capture-id']) };
    }

    async function openDispute(orderId: string, captureId: string): Promise<Dispute> {
      const res = await t.post('/sandbox/v1/settlements/disputes', { order_id: orderId, capture_id: captureId, amount: 4000 });
      assert.equal(res.status, 201, res.body);
      return res.json<Dispute>();
    }

    async function listed(orderId: string): Promise<Dispute[]> {
      const res = await t.get(`/sandbox/v1/settlements/disputes?order_id=${orderId}`);
      assert.equal(res.status, 200, res.body);
      return res.json<{ disputes: Dispute[] }>().disputes;
    }

    // Found by property.test.ts (seed 2090760802): the decision answered and booked with the
    // protection it was given, but the dispute kept the one it was opened with.
    it('merchant_protection given with the decision is kept with the dispute, as answered and as booked', async () => {
      const { orderId, captureId } = await capturedOrder();
      const lost = await openDispute(orderId, captureId);
      const won = await openDispute(orderId, captureId);
      const lose = await t.post(`/sandbox/v1/settlements/disputes/${lost.dispute_id}/lose`, { merchant_protection: true });
      assert.equal(lose.status, 200, lose.body);
      assert.equal(lose.json<Dispute>().merchant_protection, true);
      const win = await t.post(`/sandbox/v1/settlements/disputes/${won.dispute_id}/win`, { merchant_protection: true });
      assert.equal(win.status, 200, win.body);

      const disputes = await listed(orderId);
      assert.deepEqual(
        disputes.map((d) => [d.dispute_id, d.status, d.merchant_protection]).sort(),
        [
          [lost.dispute_id, 'LOST', true],
          [won.dispute_id, 'WON', true],
        ].sort(),
      );
      const transactions = (await t.get(`/settlements/v1/transactions?order_id=${orderId}`)).json<{ transactions: { type: string; reversal_reference?: string }[] }>().transactions;
      assert.deepEqual(
        transactions.filter((tx) => tx.reversal_reference === lost.reversal_reference).map((tx) => tx.type),
        ['REVERSAL', 'REVERSAL_MERCHANT_PROTECTION'],
      );
    });

    // The sandbox routes document their bodies as optional ({immediately?}, {merchant_protection?})
    // and read them with `request.body?.…`, but a request without a body is refused with
    // 400 "Bad value: body (must be object)".
    it('payouts/run and a dispute decision accept a request without a body', async () => {
      const { orderId, captureId } = await capturedOrder();
      const dispute = await openDispute(orderId, captureId);
      const run = await t.request({ method: 'POST', url: '/sandbox/v1/settlements/payouts/run' });
      assert.equal(run.status, 200, `payouts/run without a body: ${run.body}`);
      const lose = await t.request({ method: 'POST', url: `/sandbox/v1/settlements/disputes/${dispute.dispute_id}/lose` });
      assert.equal(lose.status, 200, `lose without a body: ${lose.body}`);
      assert.equal(lose.json<Dispute>().merchant_protection, false, 'the protection it was opened with');
    });

    // Found by the fuzz test: the first fix read a JSON `null` body as an absent one and answered 200.
    it('a body sent as JSON null is still refused (400 BAD_REQUEST), deciding nothing', async () => {
      const { orderId, captureId } = await capturedOrder();
      const dispute = await openDispute(orderId, captureId);
      for (const url of ['/sandbox/v1/settlements/payouts/run', `/sandbox/v1/settlements/disputes/${dispute.dispute_id}/win`]) {
        const res = await t.request({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: 'null' });
        assert.equal(res.status, 400, `${url}: ${res.body}`);
        assert.equal(res.json<{ error_code: string }>().error_code, 'BAD_REQUEST');
      }
      assert.deepEqual((await listed(orderId)).map((d) => d.status), ['OPEN']);
    });
  });
}
