/** PATCH /orders/{order_id}/customer-details: only the shipping address may change (§1.7). */
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { recordEvent } from '../../../platform/events.js';
import { Address } from '../../../kernel/schemas.js';
import { invalidAddress, notAllowed } from '../errors.js';
import type { OrderRecord } from '../order.js';
import { updateOrder } from '../order.repository.js';
import type { UpdateCustomerDetailsBody } from '../schemas.js';
import type { OperationContext } from '../../merchants/writes.js';
import { lockOrder } from './context.js';

const SUFFIX = 'Customer details cannot be updated.';
/** Fields an address cannot lose once the order has them (Klarna: mandatory fields cannot be cleared). */
const MANDATORY_FIELDS = ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country'] as const;
/** The address fields Klarna knows; anything else in the body is ignored, not stored. */
const ADDRESS_FIELDS = Object.keys(Address.properties) as (keyof Address)[];

/** Pure: the merged shipping address, or Klarna's refusal. `""` clears an optional field. */
export function decideCustomerDetails(order: OrderRecord, body: UpdateCustomerDetailsBody): Address | undefined {
  if (body.billing_address !== undefined) throw notAllowed(`Billing address cannot be updated for user account order. ${SUFFIX}`);
  if (order.status === 'CANCELLED' || order.status === 'EXPIRED' || order.status === 'CLOSED') {
    throw notAllowed(`Order is ${order.status.toLowerCase()}. ${SUFFIX}`);
  }
  if (body.shipping_address === undefined) return undefined;
  const merged: Record<string, string> = { ...(order.shipping_address ?? {}) } as Record<string, string>;
  for (const field of ADDRESS_FIELDS) {
    const value = body.shipping_address[field];
    if (value === undefined) continue;
    if (value === '') delete merged[field];
    else merged[field] = value;
  }
  const missing = MANDATORY_FIELDS.filter((f) => merged[f] === undefined);
  if (missing.length > 0) throw invalidAddress(...missing.map((f) => `shipping_address.${f} is required`));
  const country = merged.country ?? '';
  if (!/^[A-Za-z]{2}$/.test(country)) throw invalidAddress('shipping_address.country must be an ISO 3166-1 alpha-2 code');
  if (country.toUpperCase() === 'US' && merged.region === undefined) throw invalidAddress('shipping_address.region is required for US');
  if (merged.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(merged.email)) throw invalidAddress('shipping_address.email is not an e-mail address');
  return merged as Address;
}

export async function updateCustomerDetails(ctx: OperationContext, orderId: string, body: UpdateCustomerDetailsBody): Promise<WriteResult> {
  const order = await lockOrder(ctx, orderId, SUFFIX);
  const address = decideCustomerDetails(order, body);
  if (address !== undefined) {
    await updateOrder(ctx.sql, order, { shipping_address: address }, ctx.now);
    await recordEvent(ctx.sql, { merchant_id: ctx.merchantId, order_id: order.order_id, type: 'customer_details.updated', payload: { shipping_address: address }, created_at: ctx.now });
  }
  return { status: 204 };
}
