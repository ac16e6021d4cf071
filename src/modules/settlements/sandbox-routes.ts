/**
 * Settlements' sandbox routes: build payouts now (`POST /sandbox/v1/settlements/payouts/run`), and
 * disputes on captures: open one, list an order's, and win or lose one (a lost dispute books its
 * REVERSAL).
 */
import type { App, ModuleDeps } from '../../platform/app.js';
import { merchantOf } from '../../platform/http/write.js';
import { loadOrder } from '../order-management/order.repository.js';
import { orderMoneyFacts } from '../order-management/facts.js';
import { decide, openDispute, presentDispute } from './disputes.js';
import { disputeAmountTooHigh, disputeDecided, disputeNotFound, noSuchCapture } from './errors.js';
import { runMerchantPayouts } from './payouts.js';
import { DisputeBody, DisputeOutcomeBody, DisputeParams, DisputeResponse, DisputesQuery, DisputesResponse, PayoutRunBody, PayoutRunResponse, presentPayout } from './schemas.js';
import { disputesOfOrder, findDispute } from './settlement.repository.js';

export function registerSettlementsSandboxRoutes(app: App, deps: ModuleDeps): void {
  const { db, clock } = deps;
  const config = { validationStyle: 'bad_value' as const };
  // These bodies are optional: a request without one reads as `{}`. A body sent as JSON `null` is
  // still one that is not an object (400 BAD_REQUEST).
  const optionalBody = async (request: { body: unknown }) => {
    if (request.body === undefined) request.body = {};
  };

  app.post('/sandbox/v1/settlements/payouts/run', { config, preValidation: optionalBody, schema: { body: PayoutRunBody, response: { 200: PayoutRunResponse } } }, async (request) => {
    const merchantId = merchantOf(request).merchant_id;
    const payouts = await runMerchantPayouts(db, merchantId, (sql) => clock.now(merchantId, sql), request.body.immediately ?? false);
    return { payouts: payouts.map((p) => presentPayout(p, deps.config.publicUrl)) };
  });

  app.post('/sandbox/v1/settlements/disputes', { config, schema: { body: DisputeBody, response: { 201: DisputeResponse } } }, async (request, reply) => {
    const merchantId = merchantOf(request).merchant_id;
    const body = request.body;
    const dispute = await db.transaction(async (sql) => {
      const now = await clock.now(merchantId, sql);
      const order = await loadOrder(db, sql, merchantId, body.order_id, true);
      const capture = order?.captures.find((c) => c.capture_id === body.capture_id);
      if (!order || !capture) throw noSuchCapture();
      const amount = body.amount ?? capture.captured_amount;
      if (amount > capture.captured_amount) throw disputeAmountTooHigh();
      return openDispute(sql, merchantId, {
        order: orderMoneyFacts(order),
        capture_id: capture.capture_id,
        captured_at: capture.captured_at,
        amount,
        reason: body.reason ?? 'goods_not_received',
        merchant_protection: body.merchant_protection ?? false,
        now,
        decide_at: null,
      });
    });
    return reply.code(201).send(presentDispute(dispute));
  });

  app.get('/sandbox/v1/settlements/disputes', { config, schema: { querystring: DisputesQuery, response: { 200: DisputesResponse } } }, async (request) => ({
    disputes: (await disputesOfOrder(db.read, merchantOf(request).merchant_id, request.query.order_id)).map(presentDispute),
  }));

  for (const [action, outcome] of [
    ['win', 'WON'],
    ['lose', 'LOST'],
  ] as const) {
    app.post(`/sandbox/v1/settlements/disputes/:dispute_id/${action}`, { config, preValidation: optionalBody, schema: { params: DisputeParams, body: DisputeOutcomeBody, response: { 200: DisputeResponse } } }, async (request) => {
      const merchantId = merchantOf(request).merchant_id;
      return presentDispute(
        await db.transaction(async (sql) => {
          const now = await clock.now(merchantId, sql);
          const dispute = await findDispute(sql, db.forUpdate, merchantId, request.params.dispute_id);
          if (!dispute) throw disputeNotFound();
          if (dispute.status !== 'OPEN') throw disputeDecided(dispute.status);
          const protection = request.body.merchant_protection;
          return decide(sql, protection === undefined ? dispute : { ...dispute, merchant_protection: protection ? 1 : 0 }, outcome, now);
        }),
      );
    });
  }
}
