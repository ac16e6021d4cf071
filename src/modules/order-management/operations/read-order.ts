/** The read side: get order, captures, refund, due-date options. No locks, no writes. */
import type { Db } from '../../../platform/db/database.js';
import type { Clock } from '../../../platform/clock.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { noSuchCapture, noSuchOrder, notAllowed, refundNotFound } from '../errors.js';
import type { CaptureRecord, OrderAggregate, OrderStatus } from '../order.js';
import { effectiveStatus } from '../order.js';
import { assembleOrderDocument, loadOrder, loadOrderDocument } from '../order.repository.js';
import type { OrderDocumentRow } from '../order.repository.js';
import type { CaptureResponse, OrderResponse, RefundResponse } from '../schemas.js';
import { dueDateOptions } from './extend-due-date.js';

export const DOCUMENT_CACHE_MAX_ENTRIES = 10_000;

/**
 * Stored order documents of this process, exact: on SQLite every read first asks whether anything
 * was committed since (`data_version`, answered from the WAL index without reading a table) and the
 * cache is emptied when it was. Without such a signal (PostgreSQL) nothing is cached.
 */
export class OrderDocumentCache {
  private readonly rows = new Map<string, OrderDocumentRow>();
  private version: number | undefined;

  constructor(private readonly db: Db) {}

  async load(merchantId: string, orderId: string): Promise<OrderDocumentRow | undefined> {
    const version = this.db.dataVersion();
    if (version === undefined) return loadOrderDocument(this.db.read, merchantId, orderId);
    if (version !== this.version) {
      this.rows.clear();
      this.version = version;
    }
    const key = `${merchantId} ${orderId}`;
    const hit = this.rows.get(key);
    if (hit) return hit;
    const row = await loadOrderDocument(this.db.read, merchantId, orderId);
    if (row) {
      if (this.rows.size >= DOCUMENT_CACHE_MAX_ENTRIES) this.rows.clear();
      this.rows.set(key, row);
    }
    return row;
  }
}

/**
 * The order as GET answers it: the stored document, as JSON text when it is current (the common
 * case: no parsing, no serialising), or patched when the authorization ran out since it was written.
 */
export async function readOrderDocument(cache: OrderDocumentCache, clock: Clock, merchantId: string, orderId: string): Promise<string | OrderResponse> {
  const row = await cache.load(merchantId, orderId);
  if (!row) throw noSuchOrder(orderId);
  const now = clock.wallClock() + (row.clock_offset ?? 0);
  const document = assembleOrderDocument(row);
  if (effectiveStatus({ status: row.status as OrderStatus, expires_at: row.expires_at }, now) !== 'EXPIRED') return document;
  const order = JSON.parse(document) as OrderResponse;
  return { ...order, status: 'EXPIRED', remaining_authorized_amount: 0 };
}

export async function readOrderResponse(cache: OrderDocumentCache, clock: Clock, merchantId: string, orderId: string): Promise<OrderResponse> {
  const document = await readOrderDocument(cache, clock, merchantId, orderId);
  return typeof document === 'string' ? (JSON.parse(document) as OrderResponse) : document;
}

/** The order from its rows (for answers that need more than the document holds). */
export async function readOrder(db: Db, merchantId: string, orderId: string): Promise<OrderAggregate> {
  const order = await loadOrder(db, db.read, merchantId, orderId);
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

export function findCaptureResponse(order: OrderResponse, captureId: string): CaptureResponse {
  const capture = order.captures.find((c) => c.capture_id === captureId);
  if (!capture) throw noSuchCapture(captureId);
  return capture;
}

export function findRefundResponse(order: OrderResponse, refundId: string): RefundResponse {
  const refund = order.refunds.find((r) => r.refund_id === refundId);
  if (!refund) throw refundNotFound(refundId, order.order_id);
  return refund;
}

export function readDueDateOptions(order: OrderAggregate, captureId: string, settings: MerchantSettings) {
  const capture = findCaptureOrThrow(order, captureId);
  return { currency: order.purchase_currency, options: dueDateOptions(order, capture, settings) };
}
