/**
 * The Order Management order: statuses, their transition table, and the amounts derived from the
 * stored facts (captures and refunds are rows; totals come from `deriveAmounts`).
 */
import type { Address, Customer, InitialPaymentMethod, OrderLine, ShippingInfo } from '../../kernel/schemas.js';
import type { ExtendDueDateOption, MerchantSettings } from '../merchants/merchant.js';
import { Transitions } from '../../kernel/transitions.js';

export const ORDER_STATUSES = ['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const FRAUD_STATUSES = ['ACCEPTED', 'PENDING', 'REJECTED'] as const;
export type FraudStatus = (typeof FRAUD_STATUSES)[number];

/** Every status change an operation may make (§1.3). Anything else is a bug. */
export const ORDER_TRANSITIONS = new Transitions<OrderStatus>('order', {
  AUTHORIZED: ['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'],
  PART_CAPTURED: ['PART_CAPTURED', 'CAPTURED', 'EXPIRED', 'CLOSED'],
  CAPTURED: ['CAPTURED', 'CLOSED'],
  CANCELLED: ['CANCELLED'],
  EXPIRED: ['EXPIRED'],
  CLOSED: ['CLOSED'],
});

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  ORDER_TRANSITIONS.assert(from, to);
}

/**
 * Why a write that needs the authorization open is refused in this status, in Klarna's words
 * ("Order is fully captured."), or null while it is open (AUTHORIZED, PART_CAPTURED).
 */
export function closedAuthorizationReason(status: OrderStatus): string | null {
  switch (status) {
    case 'CAPTURED':
      return 'Order is fully captured.';
    case 'CANCELLED':
      return 'Order is cancelled.';
    case 'EXPIRED':
      return 'Order is expired.';
    case 'CLOSED':
      return 'Order is closed.';
    case 'AUTHORIZED':
    case 'PART_CAPTURED':
      return null;
  }
}

/** Statuses in which the authorization is still open (captures possible, expiry applies). */
export const isOpenStatus = (status: OrderStatus): boolean => status === 'AUTHORIZED' || status === 'PART_CAPTURED';

export interface CaptureRecord {
  capture_id: string;
  seq: number;
  klarna_reference: string;
  captured_amount: number;
  refunded_amount: number;
  description: string | null;
  reference: string | null;
  order_lines: OrderLine[];
  shipping_info: ShippingInfo[];
  billing_address: Address | null;
  shipping_address: Address | null;
  due_date_extension_days: number | null;
  due_date_extension_fee: number | null;
  captured_at: number;
}

export interface RefundAllocation {
  capture_id: string;
  amount: number;
}

export interface RefundRecord {
  refund_id: string;
  refunded_amount: number;
  description: string | null;
  reference: string | null;
  order_lines: OrderLine[];
  allocations: RefundAllocation[];
  refunded_at: number;
}

export interface OrderRecord {
  order_id: string;
  merchant_id: string;
  status: OrderStatus;
  fraud_status: FraudStatus;
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  order_amount: number;
  original_order_amount: number;
  /** Stored copies, kept equal to the sums of the capture and refund rows. */
  captured_amount: number;
  refunded_amount: number;
  order_lines: OrderLine[];
  merchant_reference1: string | null;
  merchant_reference2: string | null;
  merchant_data: string | null;
  klarna_reference: string;
  customer: Customer | null;
  billing_address: Address | null;
  shipping_address: Address | null;
  initial_payment_method: InitialPaymentMethod | null;
  selected_shipping_option: Record<string, unknown> | null;
  shipping_info: ShippingInfo[];
  capture_count: number;
  created_at: number;
  expires_at: number;
  acknowledged_at: number | null;
  /** What a PENDING fraud status turns into, and when (test data, §9.1); null once decided. */
  fraud_decision: FraudDecision | null;
  fraud_decision_at: number | null;
  /** merchant_urls of the purchase that created the order (notification, confirmation, push). */
  merchant_urls: MerchantUrls | null;
}

export type FraudDecision = 'ACCEPTED' | 'REJECTED';

export interface MerchantUrls {
  confirmation?: string | undefined;
  notification?: string | undefined;
  push?: string | undefined;
  authorization?: string | undefined;
}

export interface OrderAggregate extends OrderRecord {
  captures: CaptureRecord[];
  refunds: RefundRecord[];
}

/** The status as of `now`: an open order whose `expires_at` has passed is EXPIRED, read or not. */
export function effectiveStatus(order: Pick<OrderRecord, 'status' | 'expires_at'>, now: number): OrderStatus {
  return isOpenStatus(order.status) && order.expires_at <= now ? 'EXPIRED' : order.status;
}

export interface DerivedAmounts {
  captured_amount: number;
  refunded_amount: number;
  remaining_authorized_amount: number;
}

/** Totals from the rows; the remaining authorization is void once the order is no longer open. */
export function deriveAmounts(order: OrderAggregate, now: number): DerivedAmounts {
  const captured = order.captures.reduce((sum, c) => sum + c.captured_amount, 0);
  const refunded = order.refunds.reduce((sum, r) => sum + r.refunded_amount, 0);
  const open = isOpenStatus(effectiveStatus(order, now));
  return { captured_amount: captured, refunded_amount: refunded, remaining_authorized_amount: open ? order.order_amount - captured : 0 };
}

/** Status after the captured total changes. */
export function statusAfterCapture(orderAmount: number, capturedAmount: number): OrderStatus {
  return capturedAmount >= orderAmount ? 'CAPTURED' : capturedAmount > 0 ? 'PART_CAPTURED' : 'AUTHORIZED';
}

/** Payment methods whose authorization can be increased (§1.7, update authorization). */
export const INCREASE_ALLOWED_METHODS: ReadonlySet<string> = new Set([
  'INVOICE',
  'INVOICE_BUSINESS',
  'ACCOUNT',
  'DIRECT_DEBIT',
  'FIXED_AMOUNT',
  'DEFERRED_INTEREST',
]);

/** Pay-later methods, the only ones whose invoices' due dates can be extended (§1.7). */
export const PAY_LATER_METHODS: ReadonlySet<string> = new Set([
  'INVOICE',
  'INVOICE_BUSINESS',
  'PAY_LATER_BY_CARD',
  'PAY_LATER_IN_PARTS',
  'PAY_IN_X',
]);

/** Methods whose authorization time cannot be extended: pay now by card, US financing (§1.7). */
export const NO_EXTENSION_METHODS: ReadonlySet<string> = new Set(['PAY_BY_CARD', 'CARD', 'FIXED_SUM_CREDIT']);

/** Countries where refunds may carry a `return_fee` line (§1.6). */
export const RETURN_FEE_COUNTRIES: ReadonlySet<string> = new Set(['AT', 'DE', 'DK', 'FI', 'FR', 'NL', 'NO', 'SE']);

/**
 * Options are offered for a capture of a pay-later order that has not been extended yet and still
 * has something left to pay; otherwise the list is empty (Klarna: "no extension possible now").
 */
export function dueDateOptions(order: Pick<OrderRecord, 'initial_payment_method'>, capture: CaptureRecord, settings: MerchantSettings): ExtendDueDateOption[] {
  const method = order.initial_payment_method?.type;
  if (method === undefined || !PAY_LATER_METHODS.has(method)) return [];
  if (capture.due_date_extension_days !== null) return [];
  if (capture.refunded_amount >= capture.captured_amount) return [];
  return settings.extend_due_date_options.map((o) => ({ ...o }));
}
