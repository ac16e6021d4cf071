/**
 * The Merchant Card Service's request schemas (behaviour reference §7: at most 1 000 cards, amounts
 * of at least 1, references 1–255) and the mapping from records to Klarna's objects.
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { toIso } from '../../platform/clock.js';
import { MAX_AMOUNT, StringEnum } from '../../kernel/schemas.js';
import type { EncryptedCard } from './card-data.js';
import type { CancelRequestRecord, CardRecord, PromiseRecord, SettlementRecord } from './merchant-card.js';
import { CARD_STATUSES, KEY_STATUSES } from './merchant-card.js';
import type { KeyRecord } from './merchant-card.repository.js';

const opt = Type.Optional;
const Id = Type.String({ minLength: 1, maxLength: 255 });

export const CardSpecBody = Type.Object({
  amount: Type.Integer({ minimum: 1, maximum: MAX_AMOUNT }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  reference: Type.String({ minLength: 1, maxLength: 255 }),
  fund_amount: opt(Type.Integer({ minimum: 1, maximum: MAX_AMOUNT })),
});

export const PromiseBody = Type.Object({
  order_id: Id,
  cards: Type.Array(CardSpecBody, { minItems: 1, maxItems: 1000 }),
});
export type PromiseBody = Static<typeof PromiseBody>;

export const SettlementBody = Type.Object({
  order_id: Id,
  key_id: Id,
  promise_id: opt(Id),
});
export type SettlementBody = Static<typeof SettlementBody>;

export const PromiseParams = Type.Object({ promise_id: Type.String() });
export const SettlementParams = Type.Object({ settlement_id: Type.String() });
export const OrderParams = Type.Object({ order_id: Type.String() });
export const KeyParams = Type.Object({ key_id: Type.String() });
export const CardParams = Type.Object({ card_id: Type.String() });
/** `KeyId` as Fastify reads headers (lower-cased names); its absence is answered by the route. */
export const KeyIdHeaders = Type.Object({ keyid: opt(Type.String({ maxLength: 255 })) });

// ---- Sandbox (`/sandbox/v1/merchant-card/…`) ----

/** A JWK to enroll: any JSON object; the JWK's own rules are checked by parsePublicJwk, with reasons. */
export const JwkBody = Type.Object({}, { additionalProperties: true, maxProperties: 64 });

/** An enrolled public key (presentKey): the JWK as stored (normalized: kty, n, e and kid, alg, use when given). */
export const CardKeyResponse = Type.Object({
  key_id: Type.String(),
  status: StringEnum(KEY_STATUSES),
  bits: Type.Integer(),
  thumbprint: Type.String(),
  jwk: Type.Object(
    { kty: Type.Literal('RSA'), n: Type.String(), e: Type.String(), kid: opt(Type.String()), alg: opt(Type.String()), use: opt(Type.String()) },
    { additionalProperties: true },
  ),
  created_at: Type.String(),
  revoked_at: opt(Type.String()),
});
export const CardKeysResponse = Type.Object({ keys: Type.Array(CardKeyResponse) });

/** A virtual card as the sandbox shows it (presentCard): never its number, expiry or code. */
export const CardResponse = Type.Object({
  card_id: Type.String(),
  settlement_id: Type.String(),
  order_id: Type.String(),
  reference: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  brand: Type.String(),
  status: StringEnum(CARD_STATUSES),
  used_at: opt(Type.String()),
});

export function presentPromise(promise: PromiseRecord) {
  return {
    promise_id: promise.promise_id,
    order_id: promise.order_id,
    cards: promise.cards,
    created_at: toIso(promise.created_at),
    expire_at: toIso(promise.expires_at),
  };
}

/** A settlement with its cards' data encrypted for one key (anew at every answer). */
export function presentSettlement(settlement: SettlementRecord, cards: readonly CardRecord[], encrypt: (card: CardRecord) => EncryptedCard) {
  return {
    settlement_id: settlement.settlement_id,
    ...(settlement.promise_id !== null && { promise_id: settlement.promise_id }),
    order_id: settlement.order_id,
    cards: cards.map((card) => ({
      reference: card.reference,
      card_id: card.card_id,
      amount: card.amount,
      currency: card.currency,
      brand: card.brand,
      holder: card.holder,
      ...encrypt(card),
    })),
    created_at: toIso(settlement.created_at),
    expires_at: toIso(settlement.expires_at),
  };
}

export function presentCancelRequest(request: CancelRequestRecord) {
  switch (request.status) {
    case 'PENDING':
      return { status: request.status, check_after: toIso(request.check_after) };
    case 'CANCELLED':
      return { status: request.status };
    case 'REJECTED':
      return { status: request.status, reason_code: request.reason_code ?? 'OTHER', reason_message: request.reason_message ?? '' };
  }
}

/** A key as the sandbox shows it (the public JWK is no secret). */
export function presentKey(key: KeyRecord) {
  return {
    key_id: key.key_id,
    status: key.status,
    bits: key.bits,
    thumbprint: key.thumbprint,
    jwk: key.jwk,
    created_at: toIso(key.created_at),
    ...(key.revoked_at !== null && { revoked_at: toIso(key.revoked_at) }),
  };
}

/** A card as the sandbox shows it: never its number, expiry or code. */
export function presentCard(card: CardRecord, orderId: string) {
  return {
    card_id: card.card_id,
    settlement_id: card.settlement_id,
    order_id: orderId,
    reference: card.reference,
    amount: card.amount,
    currency: card.currency,
    brand: card.brand,
    status: card.status,
    ...(card.used_at !== null && { used_at: toIso(card.used_at) }),
  };
}
