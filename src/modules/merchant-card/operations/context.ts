/** What every Merchant Card Service operation starts from: the merchant's enrolment, its order, its key. */
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Db } from '../../../platform/db/database.js';
import type { Sql } from '../../../platform/db/sql.js';
import type { MerchantSettings } from '../../merchants/merchant.js';
import type { OperationContext } from '../../merchants/writes.js';
import { loadOrderRecord } from '../../order-management/order.repository.js';
import type { OrderRecord } from '../../order-management/order.js';
import { encryptCardData } from '../card-data.js';
import type { EncryptedCard } from '../card-data.js';
import { keyNotActive, notEnrolled, unknownOrder } from '../errors.js';
import type { CardRecord } from '../merchant-card.js';
import { loadKey } from '../merchant-card.repository.js';

/** 403 for a merchant not enrolled for virtual cards (setting `merchant_card_enabled`). */
export function requireEnrolment(settings: Pick<MerchantSettings, 'merchant_card_enabled'>): void {
  if (!settings.merchant_card_enabled) throw notEnrolled();
}

/** The merchant's order a body names, locked; 400 for an order the merchant does not have. */
export async function lockNamedOrder(ctx: OperationContext, orderId: string): Promise<OrderRecord> {
  const order = await loadOrderRecord(ctx.db, ctx.sql, ctx.merchantId, orderId, true);
  if (!order) throw unknownOrder(orderId);
  return order;
}

/**
 * Encrypts cards for one of the merchant's active keys, or 403 for any other key (unknown, revoked
 * or another merchant's, answered alike).
 */
export async function cardEncrypter(db: Db, sql: Sql, merchantId: string, keyId: string): Promise<(card: CardRecord) => EncryptedCard> {
  const key = await loadKey(db, sql, merchantId, keyId);
  if (!key || key.status !== 'ACTIVE') throw keyNotActive(keyId);
  const publicKey: KeyObject = createPublicKey({ key: { ...key.jwk }, format: 'jwk' });
  return (card) => encryptCardData(publicKey, { pan: card.pan, expiry_date: card.expiry_date, cvv: card.cvv });
}
