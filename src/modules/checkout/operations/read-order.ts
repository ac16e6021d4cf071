/**
 * GET /checkout/v3/orders/{order_id} (§2.1), and the order a checkout page token is for (the
 * shopper's side, 401 for a token klarna-local did not sign).
 */
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/database.js';
import type { CheckoutRecord } from '../checkout-order.js';
import { verifyPageToken } from '../checkout-order.js';
import { invalidPageToken, merchantOrderNotFound } from '../errors.js';
import type { Presenter } from './context.js';
import { loadLiveOrder, presentOrder } from './context.js';

export async function readCheckoutOrder(
  deps: { db: Db; clock: Clock },
  presenter: Presenter,
  merchant: { merchant_id: string; username: string },
  orderId: string,
): Promise<Record<string, unknown>> {
  const { db, clock } = deps;
  const order = await loadLiveOrder(db, db.read, merchant.merchant_id, orderId, await clock.now(merchant.merchant_id), { lock: false, notFound: merchantOrderNotFound });
  return presentOrder(presenter, order, merchant.username);
}

export async function orderForPageToken(deps: { db: Db; clock: Clock }, pageKey: Buffer, token: string): Promise<{ order: CheckoutRecord; merchantName: string }> {
  const claims = verifyPageToken(pageKey, token);
  if (!claims) throw invalidPageToken();
  const { db, clock } = deps;
  const order = await loadLiveOrder(db, db.read, claims.merchant_id, claims.order_id, await clock.now(claims.merchant_id), { lock: false });
  const merchant = await db.read.get<{ username: string }>('select username from merchants where merchant_id = ?', [claims.merchant_id]);
  return { order, merchantName: merchant?.username ?? '' };
}
