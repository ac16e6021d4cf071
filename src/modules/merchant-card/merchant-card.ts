/**
 * The Merchant Card Service's records and rules (behaviour reference §7): card promises for an
 * authorized order, settlements that issue virtual cards for it (capturing it in Order Management),
 * and cancel requests decided on the sandbox clock. Pure: no database, no HTTP.
 */
import { Transitions } from '../../kernel/transitions.js';
import { effectiveStatus } from '../order-management/order.js';
import type { OrderRecord } from '../order-management/order.js';
import { orderNotSettleable, promiseNotAllowed } from './errors.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** What the merchant asks a card to be (a promise's `cards`). */
export interface CardSpec {
  amount: number;
  currency: string;
  reference: string;
  fund_amount?: number | undefined;
}

export const PROMISE_STATUSES = ['ACTIVE', 'INVALIDATED', 'SETTLED'] as const;
export type PromiseStatus = (typeof PROMISE_STATUSES)[number];
/** A newer promise for the order invalidates the previous one; a settlement uses one. */
export const PROMISE_TRANSITIONS = new Transitions<PromiseStatus>('card promise', {
  ACTIVE: ['INVALIDATED', 'SETTLED'],
  INVALIDATED: [],
  SETTLED: [],
});

export interface PromiseRecord {
  promise_id: string;
  merchant_id: string;
  order_id: string;
  cards: CardSpec[];
  status: PromiseStatus;
  created_at: number;
  expires_at: number;
}

export const CARD_STATUSES = ['ISSUED', 'USED', 'CANCELLED'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const CARD_TRANSITIONS = new Transitions<CardStatus>('virtual card', {
  ISSUED: ['USED', 'CANCELLED'],
  USED: [],
  CANCELLED: [],
});

export interface CardRecord {
  card_id: string;
  settlement_id: string;
  merchant_id: string;
  seq: number;
  reference: string;
  amount: number;
  currency: string;
  brand: string;
  holder: string;
  pan: string;
  expiry_date: string;
  cvv: string;
  status: CardStatus;
  used_at: number | null;
}

export interface SettlementRecord {
  settlement_id: string;
  merchant_id: string;
  order_id: string;
  promise_id: string | null;
  capture_id: string;
  created_at: number;
  expires_at: number;
}

export const CANCEL_STATUSES = ['PENDING', 'CANCELLED', 'REJECTED'] as const;
export type CancelStatus = (typeof CANCEL_STATUSES)[number];
/** A rejected request may be made again; a cancelled order stays cancelled. */
export const CANCEL_TRANSITIONS = new Transitions<CancelStatus>('cancel request', {
  PENDING: ['CANCELLED', 'REJECTED'],
  REJECTED: ['PENDING'],
  CANCELLED: [],
});
export type CancelReason = 'CARD_IN_USE' | 'OTHER';

export interface CancelRequestRecord {
  order_id: string;
  merchant_id: string;
  status: CancelStatus;
  reason_code: CancelReason | null;
  reason_message: string | null;
  requested_at: number;
  check_after: number;
  decided_at: number | null;
}

export const KEY_STATUSES = ['ACTIVE', 'REVOKED'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];
export const KEY_TRANSITIONS = new Transitions<KeyStatus>('merchant card key', { ACTIVE: ['REVOKED'], REVOKED: [] });

export const promiseExpiry = (now: number, hours: number): number => now + hours * HOUR_MS;
export const settlementExpiry = (now: number, hours: number): number => now + hours * HOUR_MS;
export const cancelCheckAfter = (now: number, minutes: number): number => now + minutes * MINUTE_MS;

/** What the order still has authorized and not captured. */
export const remainingAuthorized = (order: Pick<OrderRecord, 'order_amount' | 'captured_amount'>): number => order.order_amount - order.captured_amount;

/** What a card holds: its funded amount when given, else its amount. */
export const cardAmount = (spec: CardSpec): number => spec.fund_amount ?? spec.amount;
export const cardsTotal = (specs: readonly CardSpec[]): number => specs.reduce((sum, c) => sum + c.amount, 0);

/**
 * Pure: the card specifications against the order, or 400 naming every problem: each card in the
 * order's currency, a funded amount not above the card's amount, and the cards' total not above
 * what the order still has authorized.
 */
export function cardErrors(order: Pick<OrderRecord, 'purchase_currency' | 'order_amount' | 'captured_amount'>, specs: readonly CardSpec[]): string[] {
  const errors: string[] = [];
  specs.forEach((card, i) => {
    if (card.currency.toUpperCase() !== order.purchase_currency.toUpperCase()) errors.push(`Bad value: cards[${i}].currency (the order's currency is ${order.purchase_currency})`);
    if (card.fund_amount !== undefined && card.fund_amount > card.amount) errors.push(`Bad value: cards[${i}].fund_amount (more than the card's amount)`);
  });
  const total = cardsTotal(specs);
  const remaining = remainingAuthorized(order);
  if (total > remaining) errors.push(`Bad value: cards (their total ${total} is more than the order's remaining authorized amount ${remaining})`);
  return errors;
}

/** Why the order cannot get virtual cards now, or null: it must be authorized, open and accepted by fraud review. */
export function unsettleableReason(order: OrderRecord, now: number): string | null {
  const status = effectiveStatus(order, now);
  if (status !== 'AUTHORIZED') return `Order ${order.order_id} is ${status}; virtual cards need an AUTHORIZED order without captures`;
  if (order.fraud_status !== 'ACCEPTED') return `Order ${order.order_id} is ${order.fraud_status === 'PENDING' ? 'pending a fraud review' : 'rejected by fraud review'}`;
  return null;
}

/** Pure: a promise for the order, or 400 (the only refusal the promise API documents). */
export function decidePromise(order: OrderRecord, specs: readonly CardSpec[], now: number): void {
  const reason = unsettleableReason(order, now);
  if (reason) throw promiseNotAllowed(reason);
  const errors = cardErrors(order, specs);
  if (errors.length > 0) throw promiseNotAllowed(...errors);
}

/**
 * Pure: the cards a settlement issues. With a promise, its cards (it must be the order's, still
 * active and unexpired, and still fit the order); without, one card of everything the order has
 * authorized, referenced by the order's merchant_reference1 (else its id). 403 for an order or a
 * promise that cannot be settled.
 */
export function decideSettlement(order: OrderRecord, promise: PromiseRecord | undefined, now: number): CardSpec[] {
  const reason = unsettleableReason(order, now);
  if (reason) throw orderNotSettleable(reason);
  if (!promise) return [{ amount: remainingAuthorized(order), currency: order.purchase_currency, reference: order.merchant_reference1 ?? order.order_id }];
  if (promise.status === 'INVALIDATED') throw orderNotSettleable(`Promise ${promise.promise_id} was replaced by a newer promise for the order`);
  if (promise.status === 'SETTLED') throw orderNotSettleable(`Promise ${promise.promise_id} is already settled`);
  if (promise.expires_at <= now) throw orderNotSettleable(`Promise ${promise.promise_id} has expired`);
  const errors = cardErrors(order, promise.cards);
  if (errors.length > 0) throw orderNotSettleable(`Promise ${promise.promise_id} no longer fits the order: ${errors.join('; ')}`);
  return promise.cards;
}

/** Pure: how a due cancel request ends. Any card in use rejects it; otherwise every card is cancelled. */
export function decideCancellation(cards: readonly Pick<CardRecord, 'status'>[]): { status: 'CANCELLED' } | { status: 'REJECTED'; reason_code: CancelReason; reason_message: string } {
  if (cards.some((c) => c.status === 'USED')) {
    return { status: 'REJECTED', reason_code: 'CARD_IN_USE', reason_message: 'Cancellation request was rejected because a virtual credit card linked to this order is in use.' };
  }
  return { status: 'CANCELLED' };
}
