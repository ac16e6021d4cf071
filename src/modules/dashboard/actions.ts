/**
 * What the dashboard's buttons do, each through the same code as Klarna's API and the sandbox API:
 * Order Management's operations in the merchant's write pipeline (one transaction, the merchant's
 * settings, the sandbox clock, the reactions of other modules: Settlements books a capture made here
 * as it books one made through the API), the sandbox's shopper (authorize a Payments session,
 * complete a Checkout order: the operations of POST /sandbox/v1/payments/sessions/{id}/authorize and
 * POST /sandbox/v1/checkout/orders/{id}/complete), the callback inspector's redelivery (the
 * dispatcher's deliverNow) and the sandbox's clock advance. A refusal is the operation's own ApiError
 * (Klarna's error code and messages), which the page shows.
 */
import type { ModuleDeps } from '../../platform/app.js';
import { checkoutShopperApi } from '../checkout/shopper-api.js';
import type { ShopperInput } from '../checkout/schemas.js';
import type { AuthorizeResult } from '../payments/operations/authorize-session.js';
import { authorizeSession } from '../payments/operations/authorize-session.js';
import type { AuthorizeBody } from '../payments/schemas.js';
import { paymentsWrites } from '../payments/writes.js';
import { advanceMerchantClock, advanceServerClock } from '../sandbox/clock-advance.js';
import { recordEvent } from '../../platform/events.js';
import type { WriteResult } from '../../platform/http/idempotency.js';
import type { FraudDecision } from '../order-management/order.js';
import { notAllowed } from '../order-management/errors.js';
import { cancelOrder } from '../order-management/operations/cancel-order.js';
import { lockOrder } from '../order-management/operations/context.js';
import { createCapture } from '../order-management/operations/create-capture.js';
import { createRefund } from '../order-management/operations/create-refund.js';
import { applyDueFraudDecision } from '../order-management/operations/fraud-decision.js';
import type { OperationContext } from '../merchants/writes.js';
import { merchantWrites } from '../merchants/writes.js';

export interface Actor {
  merchantId: string;
  correlationId: string;
}

export function dashboardActions(deps: ModuleDeps) {
  const writes = merchantWrites(deps, { afterCommit: () => deps.dispatcher.wake() });
  const run = (actor: Actor, operation: (ctx: OperationContext) => Promise<WriteResult>) =>
    writes.run({ merchantId: actor.merchantId, correlationId: actor.correlationId, idempotencyKey: undefined }, operation);
  const payments = paymentsWrites(deps);
  const checkout = checkoutShopperApi(deps);

  return {
    capture: (actor: Actor, orderId: string, amount: number) => run(actor, (ctx) => createCapture(ctx, orderId, { captured_amount: amount, description: 'Captured in the dashboard' })),
    refund: (actor: Actor, orderId: string, amount: number) => run(actor, (ctx) => createRefund(ctx, orderId, { refunded_amount: amount, description: 'Refunded in the dashboard' })),
    cancel: (actor: Actor, orderId: string) => run(actor, (ctx) => cancelOrder(ctx, orderId)),
    /**
     * Decides a pending fraud review now, as the timed decision would (fraud-decision.ts): the same
     * change, the same notification callback, only earlier and with the chosen outcome.
     */
    decideFraud: (actor: Actor, orderId: string, decision: FraudDecision) =>
      run(actor, async (ctx) => {
        const order = await lockOrder(ctx, orderId, 'Decision not possible.');
        if (order.fraud_status !== 'PENDING') throw notAllowed(`The fraud status is ${order.fraud_status}: there is no pending review to decide.`);
        await applyDueFraudDecision(ctx.sql, { ...order, fraud_decision: decision, fraud_decision_at: ctx.now }, ctx.now);
        await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: orderId, type: 'order.fraud_decided', payload: { decision, by: 'dashboard' }, created_at: ctx.now });
        return { status: 204 };
      }),
    /** The shopper approves a Payments session (the widget's authorize): an authorization token, or a decline. */
    authorizePayments: async (actor: Actor, sessionId: string, input: AuthorizeBody): Promise<AuthorizeResult> => {
      const result = await payments.run({ merchantId: actor.merchantId, correlationId: actor.correlationId, idempotencyKey: undefined }, async (ctx) => ({
        status: 200,
        body: await authorizeSession(ctx, sessionId, input),
      }));
      return result.body as AuthorizeResult;
    },
    /** The shopper buys on a Checkout order (its details and shipping choice first), as the checkout page would. */
    completeCheckout: (actor: Actor, orderId: string, input: ShopperInput) => checkout.complete({ merchantId: actor.merchantId, orderId, correlationId: actor.correlationId }, input),
    /** One of the merchant's callbacks sent again now, as a new attempt (`unknown` for another merchant's). */
    redeliver: (actor: Actor, callbackId: number) => deps.dispatcher.deliverNow(callbackId, actor.merchantId),
    /** The sandbox's clock advance of the merchant (sandbox/clock-advance.ts): what falls due happens before the answer. */
    advanceClock: (actor: Pick<Actor, 'merchantId'>, seconds: number) => advanceMerchantClock(deps, actor.merchantId, seconds),
    /** Every merchant's time forward (the administrator's choice). */
    advanceServerClock: (seconds: number) => advanceServerClock(deps, seconds),
  };
}

export type DashboardActions = ReturnType<typeof dashboardActions>;
