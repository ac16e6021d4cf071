/** What every Order Management write receives, and the lock-and-load step they all start with. */
import type { Kysely } from 'kysely';
import type { Db } from '../../../platform/db/database.js';
import type { Database } from '../../../platform/db/schema.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import { noSuchOrder } from '../errors.js';
import type { OrderAggregate } from '../order.js';
import { assertTransition, effectiveStatus } from '../order.js';
import { loadOrder, updateOrder } from '../order.repository.js';

export interface OperationContext {
  db: Db;
  trx: Kysely<Database>;
  now: number;
  merchantId: string;
  settings: MerchantSettings;
  publicUrl: string;
}

/**
 * Locks the order row and loads it. An order whose authorization ran out is stored as EXPIRED
 * first, so the decision sees the same status a read would.
 */
export async function lockOrder(ctx: OperationContext, orderId: string, action?: string): Promise<OrderAggregate> {
  const order = await loadOrder(ctx.db, ctx.trx, ctx.merchantId, orderId, { forUpdate: true });
  if (!order) throw noSuchOrder(orderId, action);
  const status = effectiveStatus(order, ctx.now);
  if (status !== order.status) {
    assertTransition(order.status, status);
    await updateOrder(ctx.trx, order.order_id, { status }, ctx.now);
    order.status = status;
  }
  return order;
}

export const orderUrl = (ctx: OperationContext, orderId: string): string =>
  `${ctx.publicUrl}/ordermanagement/v1/orders/${encodeURIComponent(orderId)}`;
