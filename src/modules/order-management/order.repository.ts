/** Typed queries for orders, captures and refunds. JSON columns are parsed here, at the edge. */
import type { Selectable } from 'kysely';
import type { Db, Executor } from '../../platform/db/database.js';
import { lockForUpdate } from '../../platform/db/database.js';
import type { CapturesTable, OrdersTable, RefundsTable } from '../../platform/db/schema.js';
import type { CaptureRecord, FraudStatus, OrderAggregate, OrderRecord, OrderStatus, RefundRecord } from './order.js';

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

function toOrder(row: Selectable<OrdersTable>): OrderRecord {
  return {
    order_id: row.order_id,
    merchant_id: row.merchant_id,
    status: row.status as OrderStatus,
    fraud_status: row.fraud_status as FraudStatus,
    purchase_country: row.purchase_country,
    purchase_currency: row.purchase_currency,
    locale: row.locale,
    order_amount: row.order_amount,
    original_order_amount: row.original_order_amount,
    captured_amount: row.captured_amount,
    refunded_amount: row.refunded_amount,
    order_lines: JSON.parse(row.order_lines),
    merchant_reference1: row.merchant_reference1,
    merchant_reference2: row.merchant_reference2,
    merchant_data: row.merchant_data,
    klarna_reference: row.klarna_reference,
    customer: parse(row.customer),
    billing_address: parse(row.billing_address),
    shipping_address: parse(row.shipping_address),
    initial_payment_method: parse(row.initial_payment_method),
    selected_shipping_option: parse(row.selected_shipping_option),
    shipping_info: JSON.parse(row.shipping_info),
    capture_count: row.capture_count,
    created_at: row.created_at,
    expires_at: row.expires_at,
    acknowledged_at: row.acknowledged_at,
  };
}

function toCapture(row: Selectable<CapturesTable>, orderReference: string): CaptureRecord {
  return {
    capture_id: row.capture_id,
    seq: row.seq,
    klarna_reference: `${orderReference}-${row.seq}`,
    captured_amount: row.captured_amount,
    refunded_amount: row.refunded_amount,
    description: row.description,
    reference: row.reference,
    order_lines: JSON.parse(row.order_lines),
    shipping_info: JSON.parse(row.shipping_info),
    billing_address: parse(row.billing_address),
    shipping_address: parse(row.shipping_address),
    due_date_extension_days: row.due_date_extension_days,
    due_date_extension_fee: row.due_date_extension_fee,
    captured_at: row.captured_at,
  };
}

function toRefund(row: Selectable<RefundsTable>): RefundRecord {
  return {
    refund_id: row.refund_id,
    refunded_amount: row.refunded_amount,
    description: row.description,
    reference: row.reference,
    order_lines: JSON.parse(row.order_lines),
    allocations: JSON.parse(row.allocations),
    refunded_at: row.refunded_at,
  };
}

/**
 * The order with its captures and refunds, scoped to the merchant: another merchant's order is
 * indistinguishable from an unknown one. With `forUpdate` the order row is locked (PostgreSQL).
 */
export async function loadOrder(
  db: Db,
  executor: Executor,
  merchantId: string,
  orderId: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrderAggregate | undefined> {
  let query = executor.selectFrom('orders').selectAll().where('order_id', '=', orderId).where('merchant_id', '=', merchantId);
  if (options.forUpdate) query = lockForUpdate(db, query);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const order = toOrder(row);
  const [captures, refunds] = await Promise.all([
    executor.selectFrom('captures').selectAll().where('order_id', '=', orderId).orderBy('seq').execute(),
    executor.selectFrom('refunds').selectAll().where('order_id', '=', orderId).orderBy('refunded_at').orderBy('refund_id').execute(),
  ]);
  return { ...order, captures: captures.map((c) => toCapture(c, order.klarna_reference)), refunds: refunds.map(toRefund) };
}

export async function insertOrder(executor: Executor, order: OrderRecord): Promise<void> {
  await executor
    .insertInto('orders')
    .values({
      ...order,
      order_lines: JSON.stringify(order.order_lines),
      customer: json(order.customer),
      billing_address: json(order.billing_address),
      shipping_address: json(order.shipping_address),
      initial_payment_method: json(order.initial_payment_method),
      selected_shipping_option: json(order.selected_shipping_option),
      shipping_info: JSON.stringify(order.shipping_info),
      updated_at: order.created_at,
    })
    .execute();
}

/** The named changes an operation may make to an order row. */
export interface OrderChange {
  status?: OrderStatus;
  fraud_status?: FraudStatus;
  order_amount?: number;
  captured_amount?: number;
  refunded_amount?: number;
  capture_count?: number;
  order_lines?: OrderRecord['order_lines'];
  merchant_reference1?: string | null;
  merchant_reference2?: string | null;
  shipping_address?: OrderRecord['shipping_address'];
  shipping_info?: OrderRecord['shipping_info'];
  expires_at?: number;
  acknowledged_at?: number;
}

export async function updateOrder(executor: Executor, orderId: string, change: OrderChange, now: number): Promise<void> {
  const { order_lines, shipping_address, shipping_info, ...scalars } = change;
  await executor
    .updateTable('orders')
    .set({
      ...scalars,
      ...(order_lines !== undefined && { order_lines: JSON.stringify(order_lines) }),
      ...(shipping_address !== undefined && { shipping_address: json(shipping_address) }),
      ...(shipping_info !== undefined && { shipping_info: JSON.stringify(shipping_info) }),
      updated_at: now,
    })
    .where('order_id', '=', orderId)
    .execute();
}

export async function insertCapture(executor: Executor, orderId: string, merchantId: string, capture: CaptureRecord, shippingDelay: number | null): Promise<void> {
  await executor
    .insertInto('captures')
    .values({
      capture_id: capture.capture_id,
      order_id: orderId,
      merchant_id: merchantId,
      seq: capture.seq,
      captured_amount: capture.captured_amount,
      refunded_amount: capture.refunded_amount,
      description: capture.description,
      reference: capture.reference,
      order_lines: JSON.stringify(capture.order_lines),
      shipping_info: JSON.stringify(capture.shipping_info),
      billing_address: json(capture.billing_address),
      shipping_address: json(capture.shipping_address),
      shipping_delay: shippingDelay,
      due_date_extension_days: null,
      due_date_extension_fee: null,
      captured_at: capture.captured_at,
    })
    .execute();
}

export interface CaptureChange {
  refunded_amount?: number;
  shipping_info?: CaptureRecord['shipping_info'];
  due_date_extension_days?: number;
  due_date_extension_fee?: number;
}

export async function updateCapture(executor: Executor, captureId: string, change: CaptureChange): Promise<void> {
  const { shipping_info, ...scalars } = change;
  await executor
    .updateTable('captures')
    .set({ ...scalars, ...(shipping_info !== undefined && { shipping_info: JSON.stringify(shipping_info) }) })
    .where('capture_id', '=', captureId)
    .execute();
}

export async function insertRefund(executor: Executor, orderId: string, merchantId: string, refund: RefundRecord): Promise<void> {
  await executor
    .insertInto('refunds')
    .values({
      refund_id: refund.refund_id,
      order_id: orderId,
      merchant_id: merchantId,
      refunded_amount: refund.refunded_amount,
      description: refund.description,
      reference: refund.reference,
      order_lines: JSON.stringify(refund.order_lines),
      allocations: JSON.stringify(refund.allocations),
      refunded_at: refund.refunded_at,
    })
    .execute();
}

/** Marks every open order whose authorization has run out as EXPIRED; returns how many. */
export async function expireDueOrders(executor: Executor, now: number): Promise<number> {
  const result = await executor
    .updateTable('orders')
    .set({ status: 'EXPIRED', updated_at: now })
    .where('status', 'in', ['AUTHORIZED', 'PART_CAPTURED'])
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
