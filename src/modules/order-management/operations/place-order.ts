/**
 * The one way a purchase becomes an Order Management order: Payments create-order, Checkout
 * completion and Customer Token charges (and next, the Hosted Payment Page) all place it here, in
 * their own transaction. The order is AUTHORIZED with the shopper's fraud outcome (a PENDING one is
 * decided later, §1.4), and captured whole at once with `auto_capture` unless it is pending.
 */
import { MS_PER_SECOND } from '../../../platform/clock.js';
import type { FraudOutcome } from '../../../kernel/test-data.js';
import type { OperationContext } from '../../merchants/writes.js';
import type { OrderAggregate } from '../order.js';
import type { NewOrder } from './create-order.js';
import { captureWholeOrder, createAuthorizedOrder } from './create-order.js';

const MS_PER_MINUTE = 60 * MS_PER_SECOND;

export interface Purchase extends Omit<NewOrder, 'fraud_status' | 'fraud_decision' | 'fraud_decision_after_ms'> {
  /** What the shopper's test data decided (kernel/test-data.ts). */
  fraud: FraudOutcome;
  auto_capture?: boolean | undefined;
}

export async function placeOrder(ctx: OperationContext, purchase: Purchase): Promise<OrderAggregate> {
  const { fraud, auto_capture, ...order } = purchase;
  const placed = await createAuthorizedOrder(ctx, {
    ...order,
    fraud_status: fraud.fraud_status,
    ...(fraud.fraud_status === 'PENDING' && { fraud_decision: fraud.decision, fraud_decision_after_ms: fraud.after_minutes * MS_PER_MINUTE }),
  });
  if (auto_capture === true) await captureWholeOrder(ctx, placed);
  return placed;
}
