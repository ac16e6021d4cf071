/** The read side: get order, captures, refund, due-date options. No locks, no writes. */
import type { Db } from '../../../platform/db/database.js';
import type { Clock } from '../../../platform/clock.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { noSuchCapture, noSuchOrder, notAllowed, refundNotFound } from '../errors.js';
import type { CaptureRecord, OrderAggregate, OrderStatus } from '../order.js';
import { dueDateOptions, effectiveStatus } from '../order.js';
import { assembleOrderDocument, loadOrder, loadOrderDocument } from '../order.repository.js';
import type { OrderDocumentRow } from '../order.repository.js';
import type { CaptureResponse, OrderResponse, RefundResponse } from '../schemas.js';

export const DOCUMENT_CACHE_MAX_ENTRIES = 10_000;
/** And at most this many bytes of documents: an order with many captures answers tens of KB. */
export const DOCUMENT_CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Stored order documents of this process, exact: on SQLite every read first asks whether anything
 * was committed since (`data_version`, answered from the WAL index without reading a table) and the
 * cache is emptied when it was. Without such a signal (PostgreSQL) nothing is cached.
 */
export interface StoredOrder {
  status: OrderStatus;
  expires_at: number;
  clock_offset: number;
  /** What the answer is assembled from, to render it again with EXPIRED once the authorization runs out. */
  row: OrderDocumentRow;
  /** The whole order as JSON, encoded once. */
  body: Buffer;
  /** Bytes the entry holds: the answer and the stored parts it was assembled from. */
  size: number;
}

export class OrderDocumentCache {
  private readonly orders = new Map<string, StoredOrder>();
  private bytes = 0;
  private version: number | undefined;

  constructor(private readonly db: Db) {}

  async load(merchantId: string, orderId: string): Promise<StoredOrder | undefined> {
    const version = this.db.dataVersion();
    if (version === undefined) return this.fetch(merchantId, orderId);
    if (version !== this.version) {
      this.clear();
      this.version = version;
    }
    const key = `${merchantId} ${orderId}`;
    const hit = this.orders.get(key);
    if (hit) return hit;
    const stored = await this.fetch(merchantId, orderId);
    if (stored) {
      if (this.orders.size >= DOCUMENT_CACHE_MAX_ENTRIES || this.bytes + stored.size > DOCUMENT_CACHE_MAX_BYTES) this.clear();
      this.orders.set(key, stored);
      this.bytes += stored.size;
    }
    return stored;
  }

  private clear(): void {
    this.orders.clear();
    this.bytes = 0;
  }

  private async fetch(merchantId: string, orderId: string): Promise<StoredOrder | undefined> {
    const row = await loadOrderDocument(this.db.read, this.db.dialect, merchantId, orderId);
    if (!row) return undefined;
    const status = row.status as OrderStatus;
    const body = assembleOrderDocument(row, status);
    const size = body.length + row.document.length + row.captures.length + row.refunds.length;
    return { status, expires_at: row.expires_at, clock_offset: row.clock_offset ?? 0, row, body, size };
  }
}

/**
 * The order as GET answers it: the stored document with its head rendered from the row (the common
 * case: no parsing, no serialising); rendered again with EXPIRED when the authorization ran out
 * since the row was written.
 */
export async function readOrderDocument(cache: OrderDocumentCache, clock: Clock, merchantId: string, orderId: string): Promise<Buffer> {
  const stored = await cache.load(merchantId, orderId);
  if (!stored) throw noSuchOrder(orderId);
  const now = clock.wallClock() + stored.clock_offset;
  const status = effectiveStatus(stored, now);
  return status === stored.status ? stored.body : assembleOrderDocument(stored.row, status);
}

export async function readOrderResponse(cache: OrderDocumentCache, clock: Clock, merchantId: string, orderId: string): Promise<OrderResponse> {
  const document = await readOrderDocument(cache, clock, merchantId, orderId);
  return JSON.parse(document.toString('utf8')) as OrderResponse;
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
