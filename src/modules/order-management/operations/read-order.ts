/** The read side: get order, captures, refund, due-date options. No locks, no writes. */
import type { Db } from '../../../platform/db/database.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { noSuchCapture, noSuchOrder, notAllowed, refundNotFound } from '../errors.js';
import type { CaptureRecord, OrderAggregate } from '../order.js';
import { loadOrder } from '../order.repository.js';
import { dueDateOptions } from './extend-due-date.js';

export async function readOrder(db: Db, merchantId: string, orderId: string): Promise<OrderAggregate> {
  const order = await loadOrder(db, db.kysely, merchantId, orderId);
  if (!order) throw noSuchOrder(orderId);
  return order;
}

/** 403 when the order has no captures at all (Klarna's "Order has no captures"), 404 for an unknown one. */
export function findCaptureOrThrow(order: OrderAggregate, captureId: string, action?: string): CaptureRecord {
  const capture = order.captures.find((c) => c.capture_id === captureId);
  if (capture) return capture;
  if (order.captures.length === 0 && action !== undefined) throw notAllowed(`Order has no captures. ${action}`);
  throw noSuchCapture(captureId, action);
}

export function findRefundOrThrow(order: OrderAggregate, refundId: string) {
  const refund = order.refunds.find((r) => r.refund_id === refundId);
  if (!refund) throw refundNotFound(refundId, order.order_id);
  return refund;
}

export function readDueDateOptions(order: OrderAggregate, captureId: string, settings: MerchantSettings) {
  const capture = findCaptureOrThrow(order, captureId);
  return { currency: order.purchase_currency, options: dueDateOptions(order, capture, settings) };
}
