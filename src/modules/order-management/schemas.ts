/** Request and response schemas of Order Management v1, and the mapping from stored records to responses. */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import {
  Address,
  Customer,
  InitialPaymentMethod,
  MAX_AMOUNT,
  MAX_ORDER_LINES,
  MAX_SHIPPING_INFO_ITEMS,
  OrderLine,
  PurchaseOrderLine,
  ShippingInfo,
  StringEnum,
} from '../../kernel/schemas.js';
import { toIso } from '../../platform/clock.js';
import type { CaptureRecord, OrderAggregate, OrderRecord, RefundRecord } from './order.js';
import { FRAUD_STATUSES, deriveAmounts, effectiveStatus, isOpenStatus } from './order.js';

const opt = Type.Optional;

// Ids are not length-checked here: a malformed id is answered exactly like an unknown one (404).
export const OrderParams = Type.Object({ order_id: Type.String() });
export const CaptureParams = Type.Object({
  order_id: Type.String(),
  capture_id: Type.String(),
});
export const RefundParams = Type.Object({
  order_id: Type.String(),
  refund_id: Type.String(),
});

const Amount = Type.Integer({ minimum: 0, maximum: MAX_AMOUNT });
const Lines = Type.Array(OrderLine, { maxItems: MAX_ORDER_LINES });
const ShippingInfoList = Type.Array(ShippingInfo, { maxItems: MAX_SHIPPING_INFO_ITEMS });

// Unknown properties are ignored, as Klarna's JSON binding does; known ones are checked strictly.
export const CaptureBody = Type.Object({
  captured_amount: Amount,
  description: opt(Type.String({ maxLength: 255 })),
  reference: opt(Type.String({ maxLength: 255 })),
  order_lines: opt(Lines),
  shipping_info: opt(ShippingInfoList),
  shipping_delay: opt(Type.Integer({ minimum: 0, maximum: 365 * 24 * 60 })),
});
export type CaptureBody = Static<typeof CaptureBody>;

export const RefundBody = Type.Object({
  refunded_amount: Amount,
  description: opt(Type.String({ maxLength: 255 })),
  reference: opt(Type.String({ maxLength: 255 })),
  order_lines: opt(Lines),
});
export type RefundBody = Static<typeof RefundBody>;

export const UpdateAuthorizationBody = Type.Object({
  order_amount: Amount,
  description: opt(Type.String({ maxLength: 255 })),
  order_lines: opt(Lines),
});
export type UpdateAuthorizationBody = Static<typeof UpdateAuthorizationBody>;

export const UpdateCustomerDetailsBody = Type.Object({
  shipping_address: opt(Address),
  billing_address: opt(Type.Unknown()),
});
export type UpdateCustomerDetailsBody = Static<typeof UpdateCustomerDetailsBody>;

export const UpdateMerchantReferencesBody = Type.Object({
  merchant_reference1: opt(Type.String({ maxLength: 255 })),
  merchant_reference2: opt(Type.String({ maxLength: 255 })),
});
export type UpdateMerchantReferencesBody = Static<typeof UpdateMerchantReferencesBody>;

export const ShippingInfoBody = Type.Object({
  shipping_info: Type.Array(ShippingInfo, { minItems: 1, maxItems: MAX_SHIPPING_INFO_ITEMS }),
});
export type ShippingInfoBody = Static<typeof ShippingInfoBody>;

export const ExtendDueDateBody = Type.Object({
  number_of_days: Type.Integer({ minimum: 1, maximum: 365 }),
});
export type ExtendDueDateBody = Static<typeof ExtendDueDateBody>;

// ---- responses ----

export const CaptureResponse = Type.Object({
  capture_id: Type.String(),
  klarna_reference: Type.String(),
  captured_amount: Type.Integer(),
  captured_at: Type.String(),
  description: opt(Type.String()),
  reference: opt(Type.String()),
  order_lines: Type.Array(OrderLine),
  refunded_amount: Type.Integer(),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  shipping_info: Type.Array(ShippingInfo),
});
export type CaptureResponse = Static<typeof CaptureResponse>;

export const RefundResponse = Type.Object({
  refund_id: Type.String(),
  refunded_amount: Type.Integer(),
  refunded_at: Type.String(),
  description: opt(Type.String()),
  reference: opt(Type.String()),
  order_lines: Type.Array(OrderLine),
});
export type RefundResponse = Static<typeof RefundResponse>;

export const OrderResponse = Type.Object({
  order_id: Type.String(),
  status: Type.String(),
  fraud_status: Type.String(),
  order_amount: Type.Integer(),
  original_order_amount: Type.Integer(),
  captured_amount: Type.Integer(),
  refunded_amount: Type.Integer(),
  remaining_authorized_amount: Type.Integer(),
  purchase_currency: Type.String(),
  locale: Type.String(),
  order_lines: Type.Array(OrderLine),
  merchant_reference1: opt(Type.String()),
  merchant_reference2: opt(Type.String()),
  klarna_reference: Type.String(),
  customer: opt(Customer),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  created_at: Type.String(),
  purchase_country: Type.String(),
  expires_at: Type.String(),
  captures: Type.Array(CaptureResponse),
  refunds: Type.Array(RefundResponse),
  merchant_data: opt(Type.String()),
  shipping_info: Type.Array(ShippingInfo),
  initial_payment_method: opt(InitialPaymentMethod),
  selected_shipping_option: opt(Type.Record(Type.String(), Type.Unknown())),
});
export type OrderResponse = Static<typeof OrderResponse>;

export const ExtendDueDateOptionsResponse = Type.Object({
  currency: Type.String(),
  options: Type.Array(Type.Object({ number_of_days: Type.Integer(), amount: Type.Integer() })),
});

const orNothing = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function presentCapture(capture: CaptureRecord): CaptureResponse {
  return {
    capture_id: capture.capture_id,
    klarna_reference: capture.klarna_reference,
    captured_amount: capture.captured_amount,
    captured_at: toIso(capture.captured_at),
    description: orNothing(capture.description),
    reference: orNothing(capture.reference),
    order_lines: capture.order_lines,
    refunded_amount: capture.refunded_amount,
    billing_address: orNothing(capture.billing_address),
    shipping_address: orNothing(capture.shipping_address),
    shipping_info: capture.shipping_info,
  };
}

export function presentRefund(refund: RefundRecord): RefundResponse {
  return {
    refund_id: refund.refund_id,
    refunded_amount: refund.refunded_amount,
    refunded_at: toIso(refund.refunded_at),
    description: orNothing(refund.description),
    reference: orNothing(refund.reference),
    order_lines: refund.order_lines,
  };
}

export type OrderCoreResponse = Omit<OrderResponse, 'captures' | 'refunds'>;

/** The order without its captures and refunds, with the stored totals (kept equal to the rows' sums). */
export function presentOrderCore(order: OrderRecord, now: number): OrderCoreResponse {
  const status = effectiveStatus(order, now);
  const { captures: _captures, refunds: _refunds, ...core } = presentOrder({ ...order, captures: [], refunds: [] }, now);
  return {
    ...core,
    status,
    captured_amount: order.captured_amount,
    refunded_amount: order.refunded_amount,
    remaining_authorized_amount: isOpenStatus(status) ? order.order_amount - order.captured_amount : 0,
  };
}

/** The order as GET answers it, every amount derived from the capture and refund rows. */
export function presentOrder(order: OrderAggregate, now: number): OrderResponse {
  const amounts = deriveAmounts(order, now);
  return {
    order_id: order.order_id,
    status: effectiveStatus(order, now),
    fraud_status: order.fraud_status,
    order_amount: order.order_amount,
    original_order_amount: order.original_order_amount,
    ...amounts,
    purchase_currency: order.purchase_currency,
    locale: order.locale,
    order_lines: order.order_lines,
    merchant_reference1: orNothing(order.merchant_reference1),
    merchant_reference2: orNothing(order.merchant_reference2),
    klarna_reference: order.klarna_reference,
    customer: orNothing(order.customer),
    billing_address: orNothing(order.billing_address),
    shipping_address: orNothing(order.shipping_address),
    created_at: toIso(order.created_at),
    purchase_country: order.purchase_country,
    expires_at: toIso(order.expires_at),
    captures: order.captures.map(presentCapture),
    refunds: order.refunds.map(presentRefund),
    merchant_data: orNothing(order.merchant_data),
    shipping_info: order.shipping_info,
    initial_payment_method: orNothing(order.initial_payment_method),
    selected_shipping_option: orNothing(order.selected_shipping_option),
  };
}

// ---------------------------------------------------------------------------------------------
// Sandbox (`POST /sandbox/v1/orders`)

/** Shaped like a Payments create-order request, plus the outcome to force. */
export const SandboxOrderBody = Type.Object({
  purchase_country: Type.String({ minLength: 2, maxLength: 2 }),
  purchase_currency: Type.String({ minLength: 3, maxLength: 3 }),
  /** Checked against Klarna's locale rule (marketErrors), which answers `Bad value: locale`. */
  locale: Type.String({ maxLength: 16 }),
  order_amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }),
  order_tax_amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }),
  order_lines: Type.Array(PurchaseOrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
  billing_address: opt(Address),
  shipping_address: opt(Address),
  customer: opt(Customer),
  merchant_reference1: opt(Type.String({ maxLength: 255 })),
  merchant_reference2: opt(Type.String({ maxLength: 255 })),
  merchant_data: opt(Type.String({ maxLength: 6000 })),
  fraud_status: opt(StringEnum(FRAUD_STATUSES)),
  initial_payment_method: opt(InitialPaymentMethod),
});
export type SandboxOrderBody = Static<typeof SandboxOrderBody>;
