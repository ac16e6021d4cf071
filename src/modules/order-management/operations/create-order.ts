/**
 * Creates an AUTHORIZED Order Management order: what a completed Payments authorization, Checkout
 * purchase or token order turns into, and what the sandbox creates directly.
 */
import { MS_PER_DAY } from '../../../platform/clock.js';
import { newId, newKlarnaReference } from '../../../platform/ids.js';
import type { Address, Customer, InitialPaymentMethod, OrderLine } from '../../../kernel/schemas.js';
import { knownAddressFields } from '../../../kernel/schemas.js';
import type { FraudDecision, FraudStatus, MerchantUrls, OrderAggregate, OrderRecord } from '../order.js';
import { insertOrder } from '../order.repository.js';
import { createCapture } from './create-capture.js';
import type { OperationContext } from '../../merchants/writes.js';

export interface NewOrder {
  order_id?: string;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  order_amount: number;
  order_lines: OrderLine[];
  billing_address?: Address | undefined;
  shipping_address?: Address | undefined;
  customer?: Customer | undefined;
  merchant_reference1?: string | undefined;
  merchant_reference2?: string | undefined;
  merchant_data?: string | undefined;
  fraud_status?: FraudStatus | undefined;
  initial_payment_method?: InitialPaymentMethod | undefined;
  selected_shipping_option?: Record<string, unknown> | undefined;
  /** With fraud_status PENDING: the decision taken `fraud_decision_after_ms` later. */
  fraud_decision?: FraudDecision | undefined;
  fraud_decision_after_ms?: number | undefined;
  merchant_urls?: MerchantUrls | undefined;
  source: string;
}

export const DEFAULT_PAYMENT_METHOD: InitialPaymentMethod = { type: 'INVOICE', description: 'Pay later in 30 days' };

export async function createAuthorizedOrder(ctx: OperationContext, input: NewOrder): Promise<OrderAggregate> {
  const billing = input.billing_address && knownAddressFields(input.billing_address);
  const shipping = input.shipping_address && knownAddressFields(input.shipping_address);
  const order: OrderRecord = {
    order_id: input.order_id ?? newId(),
    merchant_id: ctx.merchantId,
    status: 'AUTHORIZED',
    fraud_status: input.fraud_status ?? 'ACCEPTED',
    // Stored in upper case, as clients send them (docs/fidelity.md).
    purchase_country: input.purchase_country.toUpperCase(),
    purchase_currency: input.purchase_currency.toUpperCase(),
    locale: input.locale,
    order_amount: input.order_amount,
    original_order_amount: input.order_amount,
    captured_amount: 0,
    refunded_amount: 0,
    order_lines: input.order_lines,
    merchant_reference1: input.merchant_reference1 || null,
    merchant_reference2: input.merchant_reference2 || null,
    merchant_data: input.merchant_data ?? null,
    klarna_reference: newKlarnaReference(),
    customer: input.customer ?? null,
    billing_address: billing ?? null,
    shipping_address: shipping ?? billing ?? null,
    initial_payment_method: input.initial_payment_method ?? DEFAULT_PAYMENT_METHOD,
    selected_shipping_option: input.selected_shipping_option ?? null,
    shipping_info: [],
    capture_count: 0,
    created_at: ctx.now,
    expires_at: ctx.now + ctx.settings.authorization_period_days * MS_PER_DAY,
    acknowledged_at: null,
    fraud_decision: input.fraud_status === 'PENDING' ? (input.fraud_decision ?? null) : null,
    fraud_decision_at: input.fraud_status === 'PENDING' && input.fraud_decision ? ctx.now + (input.fraud_decision_after_ms ?? 0) : null,
    merchant_urls: input.merchant_urls ?? null,
  };
  const aggregate: OrderAggregate = { ...order, captures: [], refunds: [] };
  await insertOrder(ctx.sql, order);
  return aggregate;
}

/**
 * `auto_capture` of Payments and Customer Token orders: the whole order is captured, with its lines,
 * in the same transaction that created it. An order whose fraud status is PENDING is left
 * AUTHORIZED (captures are refused while pending; docs/fidelity.md). Returns whether it captured.
 */
export async function captureWholeOrder(ctx: OperationContext, order: OrderAggregate): Promise<boolean> {
  if (order.fraud_status !== 'ACCEPTED' || order.order_amount === 0) return false;
  await createCapture(ctx, order.order_id, { captured_amount: order.order_amount, order_lines: order.order_lines });
  return true;
}
