/** What every Checkout operation receives, the lock-and-load steps they start with, and the order's answer. */
import type { Db } from '../../../platform/db/database.js';
import type { Sql } from '../../../platform/db/sql.js';
import type { ApiError } from '../../../platform/http/errors.js';
import type { OperationContext } from '../../merchants/writes.js';
import type { CheckoutRecord } from '../checkout-order.js';
import { isExpired, isReadOnly, issuePageToken, presentCheckoutOrder } from '../checkout-order.js';
import { htmlSnippet } from '../page/snippet.js';
import { loadCheckoutOrder } from '../checkout.repository.js';
import { checkoutNotFound, readOnlyOrder } from '../errors.js';

export interface CheckoutContext extends OperationContext {
  /** Signs the page token in every snippet (checkout/writes.ts). */
  pageKey: Buffer;
}

/** What presenting an order takes: the page-token key and the public URL the snippet points at. */
export interface Presenter {
  pageKey: Buffer;
  publicUrl: string;
}

/** The order as Checkout answers it, with its snippet (a fresh page token). */
export function presentOrder(presenter: Presenter, order: CheckoutRecord, merchantName: string): Record<string, unknown> {
  return presentCheckoutOrder(order, merchantName, htmlSnippet(presenter.publicUrl, order, issuePageToken(presenter.pageKey, order)));
}

export const checkoutOrderUrl = (publicUrl: string, orderId: string): string => `${publicUrl}/checkout/v3/orders/${encodeURIComponent(orderId)}`;

/**
 * The order, locked (or read, outside a write); unknown, another merchant's and expired orders are
 * `notFound` (the merchant API's 404 has no body; the shopper's side keeps the envelope).
 */
export async function loadLiveOrder(db: Db, sql: Sql, merchantId: string, orderId: string, now: number, options: { lock: boolean; notFound?: () => ApiError }): Promise<CheckoutRecord> {
  const order = await loadCheckoutOrder(db, sql, merchantId, orderId, options.lock);
  if (!order || isExpired(order, now)) throw (options.notFound ?? checkoutNotFound)();
  return order;
}

/** An order the merchant or the shopper may still change: incomplete and not aborted (else 403 READ_ONLY_ORDER). */
export function assertChangeable(order: CheckoutRecord): CheckoutRecord {
  if (isReadOnly(order)) throw readOnlyOrder();
  return order;
}
