/**
 * What Klarna does at onboarding and what the card network sees, as sandbox operations: enrolling a
 * merchant's public key (a JWK, RSA of at least 2 048 bits), listing and revoking keys, and marking a
 * virtual card used (which makes a cancel request be rejected).
 */
import type { Db } from '../../../platform/db/database.js';
import type { WriteResult } from '../../../platform/http/idempotency.js';
import { newId } from '../../../platform/ids.js';
import type { OperationContext } from '../../merchants/writes.js';
import { jwkThumbprint } from '../card-data.js';
import type { PublicRsaJwk } from '../card-data.js';
import { cardNotFound, cardNotUsable, keyNotFound } from '../errors.js';
import { CARD_TRANSITIONS, KEY_TRANSITIONS } from '../merchant-card.js';
import type { KeyRecord } from '../merchant-card.repository.js';
import { activeKeyByThumbprint, insertKey, keysOf, loadCard, loadKey, loadSettlement, revokeKey, setCardStatus } from '../merchant-card.repository.js';
import { presentCard, presentKey } from '../schemas.js';

/**
 * 201 with a new key id; the same key enrolled again while active answers 200 with the key it already
 * has. The key is one parsePublicJwk accepted (the route refuses the others before any write).
 */
export async function enrollKey(ctx: OperationContext, check: { jwk: PublicRsaJwk; bits: number }): Promise<WriteResult> {
  const thumbprint = jwkThumbprint(check.jwk);
  const known = await activeKeyByThumbprint(ctx.sql, ctx.merchantId, thumbprint);
  if (known) return { status: 200, body: presentKey(known) };
  const key: KeyRecord = { key_id: newId(), merchant_id: ctx.merchantId, jwk: check.jwk, thumbprint, bits: check.bits, status: 'ACTIVE', created_at: ctx.now, revoked_at: null };
  await insertKey(ctx.sql, key);
  return { status: 201, body: presentKey(key) };
}

export async function listKeys(db: Db, merchantId: string) {
  return { keys: (await keysOf(db.read, merchantId)).map(presentKey) };
}

/** Revokes a key (settlements can no longer be made or read with it); revoking it again changes nothing. */
export async function revokeMerchantKey(ctx: OperationContext, keyId: string): Promise<WriteResult> {
  const key = await loadKey(ctx.db, ctx.sql, ctx.merchantId, keyId, true);
  if (!key) throw keyNotFound();
  if (key.status === 'ACTIVE') {
    KEY_TRANSITIONS.assert(key.status, 'REVOKED');
    await revokeKey(ctx.sql, keyId, ctx.now);
  }
  const revoked = await loadKey(ctx.db, ctx.sql, ctx.merchantId, keyId);
  return { status: 200, body: presentKey(revoked ?? key) };
}

/** The card network saw the card used (authorized by an acquirer): 403 once cancelled or past the settlement's expiry. */
export async function markCardUsed(ctx: OperationContext, cardId: string): Promise<WriteResult> {
  const card = await loadCard(ctx.db, ctx.sql, ctx.merchantId, cardId, true);
  if (!card) throw cardNotFound();
  const settlement = await loadSettlement(ctx.db, ctx.sql, ctx.merchantId, card.settlement_id);
  if (!settlement) throw cardNotFound();
  if (card.status === 'CANCELLED') throw cardNotUsable('The card is cancelled');
  if (card.status === 'ISSUED') {
    if (settlement.expires_at <= ctx.now) throw cardNotUsable('The card can no longer be used: its settlement has expired');
    CARD_TRANSITIONS.assert(card.status, 'USED');
    await setCardStatus(ctx.sql, cardId, 'USED', ctx.now);
  }
  return { status: 200, body: presentCard({ ...card, status: 'USED', used_at: card.used_at ?? ctx.now }, settlement.order_id) };
}
