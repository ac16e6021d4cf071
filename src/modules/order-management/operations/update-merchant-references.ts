/** PATCH /orders/{order_id}/merchant-references: present keys overwrite, "" clears (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { notAllowed } from '../errors.js';
import { updateOrder } from '../order.repository.js';
import type { OrderChange } from '../order.repository.js';
import type { UpdateMerchantReferencesBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

const SUFFIX = 'Merchant references cannot be updated.';

export async function updateMerchantReferences(ctx: OperationContext, orderId: string, body: UpdateMerchantReferencesBody): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  if (order.status === 'CANCELLED') throw notAllowed(`Cannot update a cancelled order. ${SUFFIX}`);
  const change: OrderChange = {};
  if (body.merchant_reference1 !== undefined) change.merchant_reference1 = body.merchant_reference1 === '' ? null : body.merchant_reference1;
  if (body.merchant_reference2 !== undefined) change.merchant_reference2 = body.merchant_reference2 === '' ? null : body.merchant_reference2;
  if (Object.keys(change).length > 0) await updateOrder(ctx.sql, order, change, ctx.now);
  return { status: 204 };
}
