/**
 * Queries for orders, captures and refunds, in plain SQL on the hot-path layer (platform/db/sql.ts).
 * JSON columns are parsed here, at the edge. Every capture and refund row also holds its `document`:
 * itself as Order Management answers it, rewritten whenever the row changes. An order row holds the
 * rest of its answer after the keys that captures and refunds change (status and amounts, rendered
 * from the row's columns on every read): a capture rewrites a few columns, not the order's document.
 * A GET joins stored JSON text without parsing or serialising it.
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../../platform/db/database.js';
import type { Sql, SqlParam } from '../../platform/db/sql.js';
import type { CapturesTable, OrdersTable, RefundsTable } from './tables.js';
import type { CaptureRecord, FraudDecision, FraudStatus, OrderAggregate, OrderRecord, OrderStatus, RefundRecord } from './order.js';
import { presentCapture, presentOrderCore, presentRefund } from './schemas.js';
import { isOpenStatus } from './order.js';
import { ownedRowLoader } from '../../platform/db/owned-rows.js';
import type { ClockGroup } from '../../platform/clock.js';

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** The columns an operation reads; `updated_at` and `document` are written only. */
type OrderRow = Omit<OrdersTable, 'updated_at' | 'document'>;

const ORDER_COLUMNS =
  'order_id, merchant_id, status, fraud_status, purchase_country, purchase_currency, locale, order_amount, ' +
  'original_order_amount, captured_amount, refunded_amount, order_lines, merchant_reference1, merchant_reference2, ' +
  'merchant_data, klarna_reference, customer, billing_address, shipping_address, initial_payment_method, ' +
  'selected_shipping_option, shipping_info, capture_count, created_at, expires_at, acknowledged_at, fraud_decision, ' +
  'fraud_decision_at, merchant_urls';

function toOrder(row: OrderRow): OrderRecord {
  return {
    ...row,
    status: row.status as OrderStatus,
    fraud_status: row.fraud_status as FraudStatus,
    order_lines: JSON.parse(row.order_lines),
    customer: parse(row.customer),
    billing_address: parse(row.billing_address),
    shipping_address: parse(row.shipping_address),
    initial_payment_method: parse(row.initial_payment_method),
    selected_shipping_option: parse(row.selected_shipping_option),
    shipping_info: JSON.parse(row.shipping_info),
    fraud_decision: row.fraud_decision as FraudDecision | null,
    merchant_urls: parse(row.merchant_urls),
  };
}


type CaptureRow = Omit<CapturesTable, 'order_id' | 'merchant_id' | 'shipping_delay' | 'document'>;

function toCapture(row: CaptureRow, orderReference: string): CaptureRecord {
  return {
    ...row,
    klarna_reference: `${orderReference}-${row.seq}`,
    order_lines: JSON.parse(row.order_lines),
    shipping_info: JSON.parse(row.shipping_info),
    billing_address: parse(row.billing_address),
    shipping_address: parse(row.shipping_address),
  };
}


type RefundRow = Omit<RefundsTable, 'order_id' | 'merchant_id' | 'document'>;

function toRefund(row: RefundRow): RefundRecord {
  return { ...row, order_lines: JSON.parse(row.order_lines), allocations: JSON.parse(row.allocations) };
}

/** The order row, scoped to the merchant; `forUpdate` locks it (platform/db/owned-rows.ts). */
export const loadOrderRecord = ownedRowLoader<OrderRow, OrderRecord>({ table: 'orders', idColumn: 'order_id', columns: ORDER_COLUMNS, toRecord: toOrder });

/**
 * Whether the merchant has acknowledged the order (a first capture acknowledges it too, §1.3);
 * null when there is no such order.
 */
export async function isAcknowledged(sql: Sql, merchantId: string, orderId: string): Promise<boolean | null> {
  const row = await sql.get<{ acknowledged_at: number | null; capture_count: number }>('select acknowledged_at, capture_count from orders where order_id = ? and merchant_id = ?', [
    orderId,
    merchantId,
  ]);
  return row ? row.acknowledged_at !== null || row.capture_count > 0 : null;
}

export async function loadCaptures(sql: Sql, order: Pick<OrderRecord, 'order_id' | 'klarna_reference'>): Promise<CaptureRecord[]> {
  const rows = await sql.all<CaptureRow>(
    'select capture_id, seq, captured_amount, refunded_amount, description, reference, order_lines, shipping_info, ' +
      'billing_address, shipping_address, due_date_extension_days, due_date_extension_fee, captured_at ' +
      'from captures where order_id = ? order by seq',
    [order.order_id],
  );
  return rows.map((r) => toCapture(r, order.klarna_reference));
}

export async function loadRefunds(sql: Sql, orderId: string): Promise<RefundRecord[]> {
  const rows = await sql.all<RefundRow>(
    'select refund_id, refunded_amount, description, reference, order_lines, allocations, refunded_at ' +
      'from refunds where order_id = ? order by refunded_at, refund_id',
    [orderId],
  );
  return rows.map(toRefund);
}

/** The order with its captures and refunds, from the rows. */
export async function loadOrder(db: Db, sql: Sql, merchantId: string, orderId: string, forUpdate = false): Promise<OrderAggregate | undefined> {
  const order = await loadOrderRecord(db, sql, merchantId, orderId, forUpdate);
  if (!order) return undefined;
  const captures = await loadCaptures(sql, order);
  const refunds = await loadRefunds(sql, orderId);
  return { ...order, captures, refunds };
}

/** The columns the first keys of an order's answer are rendered from. */
export interface OrderHead {
  order_id: string;
  status: string;
  fraud_status: string;
  order_amount: number;
  original_order_amount: number;
  captured_amount: number;
  refunded_amount: number;
}

/**
 * The first keys of the order's answer, in the order Order Management answers them, without the
 * closing brace: `{"order_id":…,"status":…,…,"remaining_authorized_amount":…`.
 */
export function renderOrderHead(head: OrderHead, status: OrderStatus): string {
  const remaining = isOpenStatus(status) ? head.order_amount - head.captured_amount : 0;
  return (
    `{"order_id":${JSON.stringify(head.order_id)},"status":${JSON.stringify(status)},"fraud_status":${JSON.stringify(head.fraud_status)},` +
    `"order_amount":${head.order_amount},"original_order_amount":${head.original_order_amount},"captured_amount":${head.captured_amount},` +
    `"refunded_amount":${head.refunded_amount},"remaining_authorized_amount":${remaining}`
  );
}

/** What an order row stores as its document: its answer after the head's keys, without captures and refunds. */
export function orderDocumentTail(order: OrderRecord, now: number): string {
  const {
    order_id: _orderId,
    status: _status,
    fraud_status: _fraudStatus,
    order_amount: _orderAmount,
    original_order_amount: _originalOrderAmount,
    captured_amount: _capturedAmount,
    refunded_amount: _refundedAmount,
    remaining_authorized_amount: _remaining,
    ...tail
  } = presentOrderCore(order, now);
  return JSON.stringify(tail);
}

/** Before this layout an order row stored its whole answer (snapshots of older schemas still hold such rows). */
const WHOLE_DOCUMENT_START = '{"order_id":';

function tailOf(document: Buffer | string): Buffer {
  if (typeof document === 'string') return document.startsWith(WHOLE_DOCUMENT_START) ? wholeToTail(document) : Buffer.from(document);
  return document.subarray(0, WHOLE_DOCUMENT_START.length).toString('latin1') === WHOLE_DOCUMENT_START ? wholeToTail(document.toString('utf8')) : document;
}

function wholeToTail(text: string): Buffer {
  const whole = JSON.parse(text) as Record<string, unknown>;
  for (const key of ['order_id', 'status', 'fraud_status', 'order_amount', 'original_order_amount', 'captured_amount', 'refunded_amount', 'remaining_authorized_amount']) delete whole[key];
  return Buffer.from(JSON.stringify(whole));
}

export interface OrderDocumentRow extends OrderHead {
  expires_at: number;
  /** The order's stored tail (orderDocumentTail): UTF-8 bytes (SQLite) or text (PostgreSQL). */
  document: Buffer | string;
  /** The capture documents joined with commas, oldest first (bytes or text, as `document`). */
  captures: Buffer | string;
  refunds: Buffer | string;
  clock_offset: number | null;
}

/**
 * The order row as SQLite stores it, its document read as bytes: the answer is bytes too, so the
 * text is neither decoded into a JavaScript string nor encoded back (on PostgreSQL a text-to-bytes
 * cast would interpret backslashes, so the text is read as text there).
 */
const orderDocumentSql = (documentColumn: string) =>
  `select order_id, status, fraud_status, order_amount, original_order_amount, captured_amount, refunded_amount, expires_at, ${documentColumn}, capture_count, ` +
  '(select c.offset_ms + m.clock_offset_ms from sandbox_clock c, merchants m where c.id = 1 and m.merchant_id = orders.merchant_id) as clock_offset ' +
  'from orders where order_id = ? and merchant_id = ?';
/**
 * An order's captures and refunds, each list joined by the database into one value (one row, one
 * value to convert, however many captures the order has), in the order the aggregate names: an
 * ordered subquery would not promise it.
 */
const LISTS_SQL: Record<Db['dialect'], string> = {
  sqlite:
    "select (select cast(group_concat(document, ',' order by seq) as blob) from captures where order_id = ?) as captures, " +
    "(select cast(group_concat(document, ',' order by refunded_at, refund_id) as blob) from refunds where order_id = ?) as refunds",
  postgres:
    "select (select string_agg(document, ',' order by seq) from captures where order_id = ?) as captures, " +
    "(select string_agg(document, ',' order by refunded_at, refund_id) from refunds where order_id = ?) as refunds",
};
const ORDER_DOCUMENT_SQL: Record<Db['dialect'], string> = {
  sqlite: orderDocumentSql('cast(document as blob) as document'),
  postgres: orderDocumentSql('document'),
};

/**
 * The read path: the order's columns and stored document, and the merchant's sandbox clock offset.
 * An order without captures has no refunds either, so the common read is a single statement.
 */
export async function loadOrderDocument(sql: Sql, dialect: Db['dialect'], merchantId: string, orderId: string): Promise<OrderDocumentRow | undefined> {
  const row = await sql.get<OrderHead & { expires_at: number; document: Buffer | string; capture_count: number; clock_offset: number | null }>(ORDER_DOCUMENT_SQL[dialect], [orderId, merchantId]);
  if (!row) return undefined;
  let captures: Buffer | string = '';
  let refunds: Buffer | string = '';
  if (row.capture_count > 0) {
    const lists = await sql.get<{ captures: Buffer | string | null; refunds: Buffer | string | null }>(LISTS_SQL[dialect], [orderId, orderId]);
    captures = lists?.captures ?? '';
    refunds = lists?.refunds ?? '';
  }
  const { capture_count: _count, ...rest } = row;
  return { ...rest, captures, refunds };
}

const COMMA = Buffer.from(',');
const NO_CAPTURES_OR_REFUNDS = Buffer.from(',"captures":[],"refunds":[]}');
const CAPTURES_OPEN = Buffer.from(',"captures":[');
const REFUNDS_OPEN = Buffer.from('],"refunds":[');
const LISTS_CLOSE = Buffer.from(']}');
const bytes = (value: Buffer | string): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

/** The JSON bytes of the whole order: the head rendered with `status`, the stored tail, the lists. */
export function assembleOrderDocument(row: OrderDocumentRow, status: OrderStatus): Buffer {
  const tail = tailOf(row.document);
  // The tail is one JSON object: its members go after the head's.
  const members = tail.subarray(1, tail.length - 1);
  const parts: Buffer[] = [Buffer.from(renderOrderHead(row, status))];
  if (members.length > 0) parts.push(COMMA, members);
  if (row.captures.length === 0 && row.refunds.length === 0) parts.push(NO_CAPTURES_OR_REFUNDS);
  else parts.push(CAPTURES_OPEN, bytes(row.captures), REFUNDS_OPEN, bytes(row.refunds), LISTS_CLOSE);
  return Buffer.concat(parts);
}

export async function insertOrder(sql: Sql, order: OrderRecord): Promise<void> {
  const document = orderDocumentTail(order, order.created_at);
  const values: SqlParam[] = [
    order.order_id,
    order.merchant_id,
    order.status,
    order.fraud_status,
    order.purchase_country,
    order.purchase_currency,
    order.locale,
    order.order_amount,
    order.original_order_amount,
    order.captured_amount,
    order.refunded_amount,
    JSON.stringify(order.order_lines),
    order.merchant_reference1,
    order.merchant_reference2,
    order.merchant_data,
    order.klarna_reference,
    json(order.customer),
    json(order.billing_address),
    json(order.shipping_address),
    json(order.initial_payment_method),
    json(order.selected_shipping_option),
    JSON.stringify(order.shipping_info),
    order.capture_count,
    order.created_at,
    order.expires_at,
    order.acknowledged_at,
    order.fraud_decision,
    order.fraud_decision_at,
    json(order.merchant_urls),
    order.created_at,
    document,
  ];
  await sql.run(`insert into orders (${ORDER_COLUMNS}, updated_at, document) values (${values.map(() => '?').join(', ')})`, values);
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
  fraud_decision?: FraudDecision | null;
  fraud_decision_at?: number | null;
}

const JSON_CHANGES = new Set(['order_lines', 'shipping_address', 'shipping_info']);
/** Changes that leave the stored document as it is: they are columns the head is rendered from, or not in the answer. */
const HEAD_OR_HIDDEN = new Set(['status', 'fraud_status', 'order_amount', 'captured_amount', 'refunded_amount', 'capture_count', 'acknowledged_at', 'fraud_decision', 'fraud_decision_at']);

/**
 * Applies a named change to the order (the record passed in is updated too) and writes the changed
 * columns in one statement; the stored document only when the change reaches past the head (a
 * capture, a refund, a status change never does).
 */
export async function updateOrder(sql: Sql, order: OrderRecord, change: OrderChange, now: number): Promise<void> {
  const columns: string[] = [];
  const values: SqlParam[] = [];
  let tailChanged = false;
  for (const [column, value] of Object.entries(change)) {
    if (value === undefined) continue;
    columns.push(`${column} = ?`);
    values.push(JSON_CHANGES.has(column) ? json(value) : (value as SqlParam));
    if (!HEAD_OR_HIDDEN.has(column)) tailChanged = true;
  }
  Object.assign(order, change);
  columns.push('updated_at = ?');
  values.push(now);
  if (tailChanged) {
    columns.push('document = ?');
    values.push(orderDocumentTail(order, now));
  }
  values.push(order.order_id);
  await sql.run(`update orders set ${columns.join(', ')} where order_id = ?`, values);
}

export async function insertCapture(sql: Sql, orderId: string, merchantId: string, capture: CaptureRecord, shippingDelay: number | null): Promise<void> {
  await sql.run(
    'insert into captures (capture_id, order_id, merchant_id, seq, captured_amount, refunded_amount, description, reference, ' +
      'order_lines, shipping_info, billing_address, shipping_address, shipping_delay, captured_at, document) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      capture.capture_id,
      orderId,
      merchantId,
      capture.seq,
      capture.captured_amount,
      capture.refunded_amount,
      capture.description,
      capture.reference,
      JSON.stringify(capture.order_lines),
      JSON.stringify(capture.shipping_info),
      json(capture.billing_address),
      json(capture.shipping_address),
      shippingDelay,
      capture.captured_at,
      JSON.stringify(presentCapture(capture)),
    ],
  );
}

export interface CaptureChange {
  refunded_amount?: number;
  shipping_info?: CaptureRecord['shipping_info'];
  due_date_extension_days?: number;
  due_date_extension_fee?: number;
}

/** Applies the change to the capture row and rewrites its stored document. */
export async function updateCapture(sql: Sql, orderId: string, capture: CaptureRecord, change: CaptureChange): Promise<void> {
  const updated: CaptureRecord = { ...capture };
  const columns: string[] = [];
  const values: SqlParam[] = [];
  for (const [column, value] of Object.entries(change) as [keyof CaptureChange, CaptureChange[keyof CaptureChange]][]) {
    if (value === undefined) continue;
    columns.push(`${column} = ?`);
    values.push(column === 'shipping_info' ? json(value) : (value as SqlParam));
    Object.assign(updated, { [column]: value });
  }
  if (columns.length === 0) return;
  columns.push('document = ?');
  values.push(JSON.stringify(presentCapture(updated)), orderId, capture.seq);
  await sql.run(`update captures set ${columns.join(', ')} where order_id = ? and seq = ?`, values);
}

export async function insertRefund(sql: Sql, orderId: string, merchantId: string, refund: RefundRecord): Promise<void> {
  await sql.run(
    'insert into refunds (refund_id, order_id, merchant_id, refunded_amount, description, reference, order_lines, allocations, refunded_at, document) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      refund.refund_id,
      orderId,
      merchantId,
      refund.refunded_amount,
      refund.description,
      refund.reference,
      JSON.stringify(refund.order_lines),
      JSON.stringify(refund.allocations),
      refund.refunded_at,
      JSON.stringify(presentRefund(refund)),
    ],
  );
}

/**
 * Marks every open order whose authorization has run out as EXPIRED; returns how many. The status
 * and amounts of an order's answer are rendered from these columns, so the stored documents stay.
 */
export async function expireDueOrders(executor: Executor, group: ClockGroup): Promise<number> {
  const result = await expireDueOrdersQuery(executor, group).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The sweep's statement (separate so its query plan can be checked: it must use the partial index). */
export function expireDueOrdersQuery(executor: Executor, { now, merchantIds }: ClockGroup) {
  return (
    executor
      .updateTable('orders')
      .set({ status: 'EXPIRED', updated_at: now })
      .$if(merchantIds !== undefined, (q) => q.where('merchant_id', 'in', merchantIds?.length ? merchantIds : ['']))
      // Literal statuses, so the planner can use the partial index orders_open_expiry_idx (with bound
      // parameters SQLite cannot prove the rows are in it and scans the whole table every sweep).
      .where(sql<boolean>`status in ('AUTHORIZED', 'PART_CAPTURED')`)
      .where('expires_at', '<=', now)
  );
}
