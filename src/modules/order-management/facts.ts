/**
 * Facts Order Management announces inside its writes, for other modules' rules (platform/module.ts),
 * and what each tells. Money events carry everything a settlement needs to know of the order, so a
 * module that books them never reads Order Management's tables.
 */
import type { OrderRecord } from './order.js';

/** The merchant acknowledged the order, or captured it for the first time (which acknowledges it, §1.3). */
export const ORDER_ACKNOWLEDGED = 'order.acknowledged';

/** A capture was made: money the shopper owes Klarna and Klarna owes the merchant. Data: CapturedFact. */
export const ORDER_CAPTURED = 'order.captured';
/** A refund was made: money going back to the shopper. Data: RefundedFact. */
export const ORDER_REFUNDED = 'order.refunded';
/** The due date of a capture was extended, for a fee the merchant pays. Data: DueDateExtendedFact. */
export const CAPTURE_DUE_DATE_EXTENDED = 'order.capture_due_date_extended';

/** What every money event tells of the order it happened to. */
export interface OrderMoneyFacts {
  order_id: string;
  /** Klarna's short reference of the order (the settlement files' `short_order_id`). */
  klarna_reference: string;
  purchase_country: string;
  purchase_currency: string;
  shipping_country: string | null;
  merchant_reference1: string | null;
  merchant_reference2: string | null;
  initial_payment_method_type: string | null;
  initial_number_of_installments: number | null;
  /** The shopper's e-mail (test data may ask for a dispute, §9.1). */
  email: string | null;
  /** When the purchase was made (the settlement files' `sale_date`). */
  created_at: number;
}

export interface CapturedFact {
  order: OrderMoneyFacts;
  capture_id: string;
  captured_amount: number;
  reference: string | null;
  captured_at: number;
}

export interface RefundedFact {
  order: OrderMoneyFacts;
  refund_id: string;
  refunded_amount: number;
  /** The part of the refund that is a (negative) return fee line, as a positive amount; 0 without one. */
  return_fee: number;
  reference: string | null;
  /** The capture the refund was allocated to first (Klarna books a return against the sale). */
  capture_id: string | null;
  capture_date: number | null;
  refunded_at: number;
}

export interface DueDateExtendedFact {
  order: OrderMoneyFacts;
  capture_id: string;
  captured_at: number;
  number_of_days: number;
  fee: number;
  extended_at: number;
}

export function orderMoneyFacts(order: OrderRecord): OrderMoneyFacts {
  return {
    order_id: order.order_id,
    klarna_reference: order.klarna_reference,
    purchase_country: order.purchase_country.toUpperCase(),
    purchase_currency: order.purchase_currency.toUpperCase(),
    shipping_country: (order.shipping_address?.country ?? order.billing_address?.country ?? null)?.toUpperCase() ?? null,
    merchant_reference1: order.merchant_reference1,
    merchant_reference2: order.merchant_reference2,
    initial_payment_method_type: order.initial_payment_method?.type ?? null,
    initial_number_of_installments: order.initial_payment_method?.number_of_installments ?? null,
    email: order.billing_address?.email ?? order.shipping_address?.email ?? null,
    created_at: order.created_at,
  };
}
