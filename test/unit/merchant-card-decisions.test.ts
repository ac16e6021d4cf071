/**
 * The Merchant Card Service's pure rules (behaviour reference §7), without a database or a server:
 * which cards fit an order, which orders can get virtual cards, the promise and settlement decisions
 * with the status, error code and messages a merchant gets for each refusal, how a due cancel request
 * ends, the amounts a card holds and an order still has authorized, the expiry times, and the four
 * status machines (promises, cards, cancel requests, keys).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CANCEL_STATUSES,
  CANCEL_TRANSITIONS,
  CARD_STATUSES,
  CARD_TRANSITIONS,
  KEY_STATUSES,
  KEY_TRANSITIONS,
  PROMISE_STATUSES,
  PROMISE_TRANSITIONS,
  cancelCheckAfter,
  cardAmount,
  cardErrors,
  cardsTotal,
  decideCancellation,
  decidePromise,
  decideSettlement,
  promiseExpiry,
  remainingAuthorized,
  settlementExpiry,
  unsettleableReason,
} from '../../src/modules/merchant-card/merchant-card.js';
import type { CardSpec, PromiseRecord } from '../../src/modules/merchant-card/merchant-card.js';
import type { OrderRecord, OrderStatus } from '../../src/modules/order-management/order.js';
import type { Transitions } from '../../src/kernel/transitions.js';
import { ApiError } from '../../src/platform/http/errors.js';

// ---------------------------------------------------------------------------------------------
// Factories

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 2, 14, 12, 0, 0);
const ORDER_ID = '5f6c1d3e-2b7a-4c1e-9f3a-0d8e7b6a5c4d';
const PROMISE_ID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

/** An authorized, accepted SE order of 100.00 SEK placed a day ago; override what the case is about. */
function order(over: Partial<OrderRecord> = {}): OrderRecord {
  return {
    order_id: ORDER_ID,
    merchant_id: 'merchant-1',
    status: 'AUTHORIZED',
    fraud_status: 'ACCEPTED',
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: 10000,
    original_order_amount: 10000,
    captured_amount: 0,
    refunded_amount: 0,
    order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 1, unit_price: 10000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 }],
    merchant_reference1: 'ORDER-1',
    merchant_reference2: null,
    merchant_data: null,
    klarna_reference: 'K7QB2XZ',
    customer: null,
    billing_address: { given_name: 'Testperson-se', family_name: 'Approved', country: 'SE' },
    shipping_address: null,
    initial_payment_method: null,
    selected_shipping_option: null,
    shipping_info: [],
    capture_count: 0,
    created_at: NOW - DAY,
    expires_at: NOW + 27 * DAY,
    acknowledged_at: null,
    fraud_decision: null,
    fraud_decision_at: null,
    merchant_urls: null,
    ...over,
  };
}

const spec = (amount: number, reference: string, over: Partial<CardSpec> = {}): CardSpec => ({ amount, currency: 'SEK', reference, ...over });

function promiseOf(cards: CardSpec[], over: Partial<PromiseRecord> = {}): PromiseRecord {
  return { promise_id: PROMISE_ID, merchant_id: 'merchant-1', order_id: ORDER_ID, cards, status: 'ACTIVE', created_at: NOW - HOUR, expires_at: NOW + 23 * HOUR, ...over };
}

/** The call must be refused with exactly this answer (status, error code, messages, in the envelope). */
function refuses(decide: () => unknown, statusCode: number, errorCode: string, messages: readonly string[]): void {
  assert.throws(decide, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.statusCode, statusCode);
    assert.equal(error.errorCode, errorCode);
    assert.deepEqual(error.errorMessages, messages);
    assert.equal(error.page, null, 'answered in Klarna’s envelope');
    return true;
  });
}

const TOTAL_TOO_HIGH = (total: number, remaining: number) => `Bad value: cards (their total ${total} is more than the order's remaining authorized amount ${remaining})`;
const WRONG_CURRENCY = (i: number, currency = 'SEK') => `Bad value: cards[${i}].currency (the order's currency is ${currency})`;
const OVERFUNDED = (i: number) => `Bad value: cards[${i}].fund_amount (more than the card's amount)`;

/** Orders that cannot get virtual cards, with the reason a merchant reads. */
const UNSETTLEABLE: [string, OrderRecord, string][] = [
  ...(['PART_CAPTURED', 'CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'] as OrderStatus[]).map(
    (status): [string, OrderRecord, string] => [status, order({ status }), `Order ${ORDER_ID} is ${status}; virtual cards need an AUTHORIZED order without captures`],
  ),
  ['past expires_at', order({ expires_at: NOW }), `Order ${ORDER_ID} is EXPIRED; virtual cards need an AUTHORIZED order without captures`],
  ['fraud PENDING', order({ fraud_status: 'PENDING' }), `Order ${ORDER_ID} is pending a fraud review`],
  ['fraud REJECTED', order({ fraud_status: 'REJECTED' }), `Order ${ORDER_ID} is rejected by fraud review`],
];

// ---------------------------------------------------------------------------------------------
// Amounts and times

describe('amounts: what a card holds, what cards total, what the order has left', () => {
  it('cardAmount is the funded amount when given, else the amount', () => {
    assert.equal(cardAmount(spec(5000, 'a')), 5000);
    assert.equal(cardAmount(spec(5000, 'a', { fund_amount: 1500 })), 1500);
    assert.equal(cardAmount(spec(5000, 'a', { fund_amount: 5000 })), 5000);
    assert.equal(cardAmount(spec(5000, 'a', { fund_amount: undefined })), 5000);
  });

  it('cardsTotal adds the cards\' amounts (not their funded amounts); no cards total 0', () => {
    assert.equal(cardsTotal([]), 0);
    assert.equal(cardsTotal([spec(5000, 'a'), spec(2000, 'b', { fund_amount: 1500 }), spec(1, 'c')]), 7001);
  });

  it('remainingAuthorized is the order amount less what is captured', () => {
    assert.equal(remainingAuthorized({ order_amount: 10000, captured_amount: 0 }), 10000);
    assert.equal(remainingAuthorized({ order_amount: 10000, captured_amount: 2500 }), 7500);
    assert.equal(remainingAuthorized({ order_amount: 10000, captured_amount: 10000 }), 0);
  });

  it('promises and settlements expire whole hours on, cancel requests are checked whole minutes on', () => {
    assert.equal(promiseExpiry(NOW, 24), NOW + DAY);
    assert.equal(promiseExpiry(NOW, 1), NOW + HOUR);
    assert.equal(settlementExpiry(NOW, 24), NOW + DAY);
    assert.equal(settlementExpiry(NOW, 48), NOW + 2 * DAY);
    assert.equal(cancelCheckAfter(NOW, 15), NOW + 15 * MINUTE);
    assert.equal(cancelCheckAfter(NOW, 0), NOW, 'no delay: due at once');
  });
});

// ---------------------------------------------------------------------------------------------
// cardErrors

describe('cardErrors: the cards against the order', () => {
  it('cards in the order\'s currency (any case), funded up to their amount and totalling up to the remaining authorization fit', () => {
    assert.deepEqual(cardErrors(order(), [spec(10000, 'all')]), []);
    assert.deepEqual(cardErrors(order(), [{ amount: 4000, currency: 'sek', reference: 'a' }, spec(6000, 'b', { fund_amount: 6000 })]), []);
    assert.deepEqual(cardErrors(order({ purchase_currency: 'eur' }), [{ amount: 1, currency: 'EUR', reference: 'a' }]), []);
    assert.deepEqual(cardErrors(order(), []), []);
  });

  it('a card in another currency is named by its index with the order\'s currency', () => {
    assert.deepEqual(cardErrors(order(), [spec(1000, 'a'), { amount: 1000, currency: 'NOK', reference: 'b' }]), [WRONG_CURRENCY(1)]);
    assert.deepEqual(cardErrors(order({ purchase_currency: 'EUR' }), [spec(1000, 'a')]), [WRONG_CURRENCY(0, 'EUR')]);
  });

  it('a funded amount above the card\'s amount is refused; equal is not', () => {
    assert.deepEqual(cardErrors(order(), [spec(1000, 'a', { fund_amount: 1001 })]), [OVERFUNDED(0)]);
    assert.deepEqual(cardErrors(order(), [spec(1000, 'a', { fund_amount: 1000 })]), []);
  });

  it('the total is held against the order amount less captures, to the unit', () => {
    assert.deepEqual(cardErrors(order(), [spec(6000, 'a'), spec(4001, 'b')]), [TOTAL_TOO_HIGH(10001, 10000)]);
    assert.deepEqual(cardErrors(order({ captured_amount: 2500 }), [spec(7500, 'a')]), []);
    assert.deepEqual(cardErrors(order({ captured_amount: 2500 }), [spec(7501, 'a')]), [TOTAL_TOO_HIGH(7501, 7500)]);
    assert.deepEqual(cardErrors(order({ order_amount: 8000 }), [spec(8001, 'a')]), [TOTAL_TOO_HIGH(8001, 8000)]);
    // The cards' amounts count, not what they are funded with.
    assert.deepEqual(cardErrors(order(), [spec(10001, 'a', { fund_amount: 100 })]), [TOTAL_TOO_HIGH(10001, 10000)]);
  });

  it('every problem is named, card by card, then the total', () => {
    const cards = [{ amount: 6000, currency: 'NOK', reference: 'a', fund_amount: 7000 }, spec(1000, 'b', { fund_amount: 2000 }), { amount: 4000, currency: 'DKK', reference: 'c' }];
    assert.deepEqual(cardErrors(order(), cards), [WRONG_CURRENCY(0), OVERFUNDED(0), OVERFUNDED(1), WRONG_CURRENCY(2), TOTAL_TOO_HIGH(11000, 10000)]);
  });
});

// ---------------------------------------------------------------------------------------------
// unsettleableReason

describe('unsettleableReason: which orders can get virtual cards', () => {
  it('an AUTHORIZED order accepted by fraud review, until its authorization expires', () => {
    assert.equal(unsettleableReason(order(), NOW), null);
    assert.equal(unsettleableReason(order({ expires_at: NOW + 1 }), NOW), null, 'one ms before expiry');
  });

  it('any other status, an expired authorization, or a fraud review not accepted, with the reason', () => {
    for (const [what, o, reason] of UNSETTLEABLE) assert.equal(unsettleableReason(o, NOW), reason, what);
  });

  it('the status is named before the fraud review', () => {
    assert.equal(unsettleableReason(order({ status: 'CANCELLED', fraud_status: 'REJECTED' }), NOW), `Order ${ORDER_ID} is CANCELLED; virtual cards need an AUTHORIZED order without captures`);
  });
});

// ---------------------------------------------------------------------------------------------
// decidePromise

describe('decidePromise: 400 BAD_VALUE is the only refusal', () => {
  it('cards that fit an order that can get them are accepted', () => {
    assert.doesNotThrow(() => decidePromise(order(), [spec(4000, 'a'), spec(6000, 'b', { fund_amount: 10 })], NOW));
  });

  it('an order that cannot get cards: 400 BAD_VALUE with the reason', () => {
    for (const [, o, reason] of UNSETTLEABLE) refuses(() => decidePromise(o, [spec(100, 'a')], NOW), 400, 'BAD_VALUE', [reason]);
  });

  it('cards that do not fit: 400 BAD_VALUE naming every problem', () => {
    refuses(() => decidePromise(order(), [{ amount: 11000, currency: 'NOK', reference: 'a', fund_amount: 12000 }], NOW), 400, 'BAD_VALUE', [
      WRONG_CURRENCY(0),
      OVERFUNDED(0),
      TOTAL_TOO_HIGH(11000, 10000),
    ]);
  });

  it('the order is judged before its cards', () => {
    refuses(() => decidePromise(order({ status: 'CAPTURED' }), [spec(99999, 'a')], NOW), 400, 'BAD_VALUE', [
      `Order ${ORDER_ID} is CAPTURED; virtual cards need an AUTHORIZED order without captures`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// decideSettlement

describe('decideSettlement: the cards a settlement issues, or 403 NOT_ALLOWED', () => {
  it('without a promise: one card of everything the order has authorized, referenced by merchant_reference1, else the order id', () => {
    assert.deepEqual(decideSettlement(order(), undefined, NOW), [{ amount: 10000, currency: 'SEK', reference: 'ORDER-1' }]);
    assert.deepEqual(decideSettlement(order({ merchant_reference1: null, order_amount: 8000 }), undefined, NOW), [{ amount: 8000, currency: 'SEK', reference: ORDER_ID }]);
  });

  it('with an active, unexpired promise that fits: its cards, as promised', () => {
    const cards = [spec(4000, 'a'), spec(6000, 'b', { fund_amount: 5000 })];
    assert.deepEqual(decideSettlement(order(), promiseOf(cards), NOW), cards);
    assert.deepEqual(decideSettlement(order(), promiseOf(cards, { expires_at: NOW + 1 }), NOW), cards, 'one ms before it expires');
  });

  it('an order that cannot be settled: 403 with the reason, whatever the promise', () => {
    for (const [, o, reason] of UNSETTLEABLE) {
      refuses(() => decideSettlement(o, undefined, NOW), 403, 'NOT_ALLOWED', [reason]);
      refuses(() => decideSettlement(o, promiseOf([spec(100, 'a')], { status: 'INVALIDATED' }), NOW), 403, 'NOT_ALLOWED', [reason]);
    }
  });

  it('a replaced, settled or expired promise: 403 naming it', () => {
    const cards = [spec(100, 'a')];
    refuses(() => decideSettlement(order(), promiseOf(cards, { status: 'INVALIDATED' }), NOW), 403, 'NOT_ALLOWED', [`Promise ${PROMISE_ID} was replaced by a newer promise for the order`]);
    refuses(() => decideSettlement(order(), promiseOf(cards, { status: 'SETTLED' }), NOW), 403, 'NOT_ALLOWED', [`Promise ${PROMISE_ID} is already settled`]);
    refuses(() => decideSettlement(order(), promiseOf(cards, { expires_at: NOW }), NOW), 403, 'NOT_ALLOWED', [`Promise ${PROMISE_ID} has expired`]);
    refuses(() => decideSettlement(order(), promiseOf(cards, { expires_at: NOW - DAY }), NOW), 403, 'NOT_ALLOWED', [`Promise ${PROMISE_ID} has expired`]);
  });

  it('a promise that no longer fits the order: 403 with every problem in one message', () => {
    refuses(() => decideSettlement(order({ order_amount: 8000 }), promiseOf([spec(9000, 'a')]), NOW), 403, 'NOT_ALLOWED', [
      `Promise ${PROMISE_ID} no longer fits the order: ${TOTAL_TOO_HIGH(9000, 8000)}`,
    ]);
    refuses(() => decideSettlement(order(), promiseOf([spec(100, 'a', { fund_amount: 200 }), spec(10000, 'b')]), NOW), 403, 'NOT_ALLOWED', [
      `Promise ${PROMISE_ID} no longer fits the order: ${OVERFUNDED(0)}; ${TOTAL_TOO_HIGH(10100, 10000)}`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// decideCancellation

describe('decideCancellation: how a due cancel request ends', () => {
  it('CANCELLED when no card is in use (none, issued, or already cancelled)', () => {
    assert.deepEqual(decideCancellation([]), { status: 'CANCELLED' });
    assert.deepEqual(decideCancellation([{ status: 'ISSUED' }, { status: 'ISSUED' }]), { status: 'CANCELLED' });
    assert.deepEqual(decideCancellation([{ status: 'ISSUED' }, { status: 'CANCELLED' }]), { status: 'CANCELLED' });
  });

  it('REJECTED with CARD_IN_USE and Klarna\'s message as soon as one card is used', () => {
    const rejected = {
      status: 'REJECTED',
      reason_code: 'CARD_IN_USE',
      reason_message: 'Cancellation request was rejected because a virtual credit card linked to this order is in use.',
    };
    assert.deepEqual(decideCancellation([{ status: 'USED' }]), rejected);
    assert.deepEqual(decideCancellation([{ status: 'ISSUED' }, { status: 'CANCELLED' }, { status: 'USED' }]), rejected);
  });
});

// ---------------------------------------------------------------------------------------------
// Status machines

/** Every change between `statuses` is allowed exactly when `allowed` lists it; the others throw naming the machine and both statuses. */
function assertMachine<S extends string>(machine: Transitions<S>, name: string, statuses: readonly S[], allowed: Record<S, readonly S[]>): void {
  let refused = 0;
  for (const from of statuses) {
    for (const to of statuses) {
      const ok = allowed[from].includes(to);
      assert.equal(machine.allows(from, to), ok, `${from} → ${to}`);
      if (ok) assert.doesNotThrow(() => machine.assert(from, to), `${from} → ${to}`);
      else {
        assert.throws(() => machine.assert(from, to), { message: `illegal ${name} status transition ${from} → ${to}` });
        refused += 1;
      }
    }
  }
  const listed = Object.values<readonly S[]>(allowed).reduce((sum, list) => sum + list.length, 0);
  assert.equal(refused, statuses.length * statuses.length - listed);
}

describe('status machines', () => {
  it('promises: an ACTIVE promise is replaced (INVALIDATED) or SETTLED, both final', () => {
    assert.deepEqual([...PROMISE_STATUSES], ['ACTIVE', 'INVALIDATED', 'SETTLED']);
    assertMachine(PROMISE_TRANSITIONS, 'card promise', PROMISE_STATUSES, { ACTIVE: ['INVALIDATED', 'SETTLED'], INVALIDATED: [], SETTLED: [] });
  });

  it('virtual cards: an ISSUED card is USED or CANCELLED, both final (a used card cannot be cancelled)', () => {
    assert.deepEqual([...CARD_STATUSES], ['ISSUED', 'USED', 'CANCELLED']);
    assertMachine(CARD_TRANSITIONS, 'virtual card', CARD_STATUSES, { ISSUED: ['USED', 'CANCELLED'], USED: [], CANCELLED: [] });
  });

  it('cancel requests: PENDING ends CANCELLED (final) or REJECTED, which may be asked again', () => {
    assert.deepEqual([...CANCEL_STATUSES], ['PENDING', 'CANCELLED', 'REJECTED']);
    assertMachine(CANCEL_TRANSITIONS, 'cancel request', CANCEL_STATUSES, { PENDING: ['CANCELLED', 'REJECTED'], REJECTED: ['PENDING'], CANCELLED: [] });
  });

  it('keys: an ACTIVE key is REVOKED for good', () => {
    assert.deepEqual([...KEY_STATUSES], ['ACTIVE', 'REVOKED']);
    assertMachine(KEY_TRANSITIONS, 'merchant card key', KEY_STATUSES, { ACTIVE: ['REVOKED'], REVOKED: [] });
  });
});
