/**
 * Order Management's pure decisions (behaviour reference §1, docs/fidelity.md "Order Management"),
 * without a database or a server: each refusal with the status, error code and messages a merchant
 * gets, and each accepted case with what the operation goes on to store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, InitialPaymentMethodType, OrderLine } from '../../src/kernel/schemas.js';
import { DEFAULT_SETTINGS } from '../../src/modules/merchants/merchant.js';
import type { MerchantSettings } from '../../src/modules/merchants/merchant.js';
import { cancelNotAllowed, captureNotAllowed, invalidAddress, notAllowed, refundNotAllowed } from '../../src/modules/order-management/errors.js';
import { decideCancel } from '../../src/modules/order-management/operations/cancel-order.js';
import { decideCapture } from '../../src/modules/order-management/operations/create-capture.js';
import { decideRefund } from '../../src/modules/order-management/operations/create-refund.js';
import { decideExtendAuthorization } from '../../src/modules/order-management/operations/extend-authorization-time.js';
import { decideRelease } from '../../src/modules/order-management/operations/release-remaining-authorization.js';
import { decideUpdateAuthorization } from '../../src/modules/order-management/operations/update-authorization.js';
import { decideCustomerDetails } from '../../src/modules/order-management/operations/update-customer-details.js';
import {
  ORDER_STATUSES,
  assertTransition,
  dueDateOptions,
  effectiveStatus,
  statusAfterCapture,
} from '../../src/modules/order-management/order.js';
import type { CaptureRecord, OrderAggregate, OrderRecord, OrderStatus, RefundRecord } from '../../src/modules/order-management/order.js';
import type { CaptureBody, RefundBody, UpdateCustomerDetailsBody } from '../../src/modules/order-management/schemas.js';
import { ApiError } from '../../src/platform/http/errors.js';

// ---------------------------------------------------------------------------------------------
// Factories

const DAY = 24 * 60 * 60 * 1000;
/** Klarna's example (§1.7): an order placed on January 1st. */
const CREATED = Date.UTC(2025, 0, 1, 10, 0, 0);
const ORDER_ID = '5f6c1d3e-2b7a-4c1e-9f3a-0d8e7b6a5c4d';

const line = (over: Partial<OrderLine> = {}): OrderLine => ({
  type: 'physical',
  reference: 'SKU-1',
  name: 'T-shirt',
  quantity: 1,
  unit_price: 10000,
  tax_rate: 2500,
  total_amount: 10000,
  total_tax_amount: 2000,
  ...over,
});

/** A return fee as Klarna's example builds it: unit_price = −fee (§1.6). */
const returnFee = (fee: number, over: Partial<OrderLine> = {}): OrderLine => ({
  type: 'return_fee',
  name: 'Return fee',
  quantity: 1,
  unit_price: 0 - fee,
  total_amount: 0 - fee,
  ...over,
});

const address = (over: Partial<Address> = {}): Address => ({
  given_name: 'Testperson-se',
  family_name: 'Approved',
  street_address: 'Stårgatan 1',
  postal_code: '12345',
  city: 'Ankeborg',
  country: 'SE',
  email: 'customer@email.se',
  phone: '+46765260000',
  ...over,
});

const method = (type: InitialPaymentMethodType) => ({ type, description: `Paid with ${type}` });

/** A complete, freshly authorized SE order of 100.00 SEK; override what the case is about. */
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
    order_lines: [line()],
    merchant_reference1: null,
    merchant_reference2: null,
    merchant_data: null,
    klarna_reference: 'K7QB2XZ',
    customer: null,
    billing_address: address(),
    shipping_address: address(),
    initial_payment_method: method('INVOICE'),
    selected_shipping_option: null,
    shipping_info: [],
    capture_count: 0,
    created_at: CREATED,
    expires_at: CREATED + 28 * DAY,
    acknowledged_at: null,
    fraud_decision: null,
    fraud_decision_at: null,
    merchant_urls: null,
    ...over,
  };
}

function capture(over: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    capture_id: 'capture-1',
    seq: 1,
    klarna_reference: 'K7QB2XZ-1',
    captured_amount: 10000,
    refunded_amount: 0,
    description: null,
    reference: null,
    order_lines: [],
    shipping_info: [],
    billing_address: address(),
    shipping_address: address(),
    due_date_extension_days: null,
    due_date_extension_fee: null,
    captured_at: CREATED + DAY,
    ...over,
  };
}

/**
 * An order with the given captures (amounts, oldest first) and refunds, whose stored totals,
 * capture count and status agree with those rows unless overridden.
 */
function orderWithRows(
  captured: readonly number[],
  over: Partial<OrderRecord> = {},
  refunded: readonly number[] = [],
): OrderAggregate {
  const captures = captured.map((amount, i) => capture({ capture_id: `capture-${i + 1}`, seq: i + 1, klarna_reference: `K7QB2XZ-${i + 1}`, captured_amount: amount }));
  const refunds: RefundRecord[] = refunded.map((amount, i) => ({
    refund_id: `refund-${i + 1}`,
    refunded_amount: amount,
    description: null,
    reference: null,
    order_lines: [],
    allocations: [],
    refunded_at: CREATED + 2 * DAY,
  }));
  const base = order(over);
  const capturedAmount = captured.reduce((s, a) => s + a, 0);
  const refundedAmount = refunded.reduce((s, a) => s + a, 0);
  return {
    ...base,
    status: over.status ?? statusAfterCapture(base.order_amount, capturedAmount),
    captured_amount: over.captured_amount ?? capturedAmount,
    refunded_amount: over.refunded_amount ?? refundedAmount,
    capture_count: over.capture_count ?? captures.length,
    captures,
    refunds,
  };
}

const settings = (over: Partial<MerchantSettings> = {}): MerchantSettings => ({ ...DEFAULT_SETTINGS, ...over });

/** The call must be refused with exactly this answer (status, error code, messages, envelope). */
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

/** The same refusal as the catalogue builds it (errors.ts), so message and code come from one place. */
function refusesWith(decide: () => unknown, expected: ApiError): void {
  refuses(decide, expected.statusCode, expected.errorCode, expected.errorMessages);
}

// ---------------------------------------------------------------------------------------------
// order.ts: status rules

describe('effectiveStatus: expiry is derived from expires_at', () => {
  const expiresAt = CREATED + 28 * DAY;

  it('an open order (AUTHORIZED, PART_CAPTURED) is EXPIRED from the instant expires_at is reached', () => {
    for (const status of ['AUTHORIZED', 'PART_CAPTURED'] as const) {
      assert.equal(effectiveStatus({ status, expires_at: expiresAt }, expiresAt - 1), status, `${status} one ms before`);
      assert.equal(effectiveStatus({ status, expires_at: expiresAt }, expiresAt), 'EXPIRED', `${status} at expires_at`);
      assert.equal(effectiveStatus({ status, expires_at: expiresAt }, expiresAt + 90 * DAY), 'EXPIRED', `${status} long after`);
    }
  });

  it('an order that is no longer open keeps its status after expires_at', () => {
    for (const status of ['CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'] as const) {
      assert.equal(effectiveStatus({ status, expires_at: expiresAt }, expiresAt + DAY), status);
    }
  });
});

describe('statusAfterCapture', () => {
  it('is AUTHORIZED without captures, PART_CAPTURED below the order amount, CAPTURED at it', () => {
    assert.equal(statusAfterCapture(10000, 0), 'AUTHORIZED');
    assert.equal(statusAfterCapture(10000, 1), 'PART_CAPTURED');
    assert.equal(statusAfterCapture(10000, 9999), 'PART_CAPTURED');
    assert.equal(statusAfterCapture(10000, 10000), 'CAPTURED');
  });
});

describe('assertTransition: the status machine (§1.3)', () => {
  const allowed: Record<OrderStatus, readonly OrderStatus[]> = {
    AUTHORIZED: ['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED', 'CANCELLED', 'EXPIRED', 'CLOSED'],
    PART_CAPTURED: ['PART_CAPTURED', 'CAPTURED', 'EXPIRED', 'CLOSED'],
    CAPTURED: ['CAPTURED', 'CLOSED'],
    CANCELLED: ['CANCELLED'],
    EXPIRED: ['EXPIRED'],
    CLOSED: ['CLOSED'],
  };

  it('allows exactly the listed changes and throws on every other one, naming both statuses', () => {
    let refused = 0;
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        if (allowed[from].includes(to)) {
          assert.doesNotThrow(() => assertTransition(from, to), `${from} → ${to}`);
        } else {
          assert.throws(() => assertTransition(from, to), { message: `illegal order status transition ${from} → ${to}` });
          refused += 1;
        }
      }
    }
    assert.equal(refused, 36 - 15);
  });

  it('CANCELLED, EXPIRED and CLOSED are final; a captured order can neither be cancelled nor expire', () => {
    for (const from of ['CANCELLED', 'EXPIRED', 'CLOSED'] as const) assert.throws(() => assertTransition(from, 'AUTHORIZED'));
    assert.throws(() => assertTransition('PART_CAPTURED', 'CANCELLED'));
    assert.throws(() => assertTransition('PART_CAPTURED', 'AUTHORIZED'));
    assert.throws(() => assertTransition('CAPTURED', 'EXPIRED'));
    assert.throws(() => assertTransition('CAPTURED', 'CANCELLED'));
  });
});

describe('dueDateOptions: extend-due-date options per capture (§1.7)', () => {
  const defaults = [
    { number_of_days: 7, amount: 195 },
    { number_of_days: 14, amount: 295 },
    { number_of_days: 30, amount: 495 },
  ];

  it('offers the merchant’s options (default 7/14/30 days for 195/295/495) for every pay-later method', () => {
    for (const type of ['INVOICE', 'INVOICE_BUSINESS', 'PAY_LATER_BY_CARD', 'PAY_LATER_IN_PARTS', 'PAY_IN_X'] as const) {
      assert.deepEqual(dueDateOptions(order({ initial_payment_method: method(type) }), capture(), settings()), defaults, type);
    }
  });

  it('offers nothing for methods that are not pay later, or an order without a payment method', () => {
    for (const type of ['CARD', 'PAY_BY_CARD', 'DIRECT_DEBIT', 'FIXED_AMOUNT', 'ACCOUNT', 'SWISH', 'OTHER'] as const) {
      assert.deepEqual(dueDateOptions(order({ initial_payment_method: method(type) }), capture(), settings()), [], type);
    }
    assert.deepEqual(dueDateOptions(order({ initial_payment_method: null }), capture(), settings()), []);
  });

  it('offers nothing once the capture was extended', () => {
    const extended = capture({ due_date_extension_days: 14, due_date_extension_fee: 295 });
    assert.deepEqual(dueDateOptions(order(), extended, settings()), []);
  });

  it('offers nothing for a fully refunded capture, and the options while anything is left to pay', () => {
    assert.deepEqual(dueDateOptions(order(), capture({ captured_amount: 10000, refunded_amount: 10000 }), settings()), []);
    assert.deepEqual(dueDateOptions(order(), capture({ captured_amount: 10000, refunded_amount: 9999 }), settings()), defaults);
  });

  it('uses the merchant’s own options and hands out copies, not the settings’ objects', () => {
    const own = settings({ extend_due_date_options: [{ number_of_days: 10, amount: 0 }] });
    const options = dueDateOptions(order(), capture(), own);
    assert.deepEqual(options, [{ number_of_days: 10, amount: 0 }]);
    (options[0] as { amount: number }).amount = 999;
    assert.deepEqual(own.extend_due_date_options, [{ number_of_days: 10, amount: 0 }]);
    assert.deepEqual(dueDateOptions(order(), capture(), settings({ extend_due_date_options: [] })), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Capture (§1.5)

describe('decideCapture', () => {
  const body = (over: Partial<CaptureBody> = {}): CaptureBody => ({ captured_amount: 10000, ...over });

  it('refuses an order that is no longer open, naming its state', () => {
    const cases: [OrderStatus, string][] = [
      ['CANCELLED', `Order ${ORDER_ID} is cancelled. Capture not possible.`],
      ['EXPIRED', `Order ${ORDER_ID} is expired. Capture not possible.`],
      ['CAPTURED', `Order ${ORDER_ID} is fully captured. Capture not possible.`],
      ['CLOSED', `Order ${ORDER_ID} is closed. Capture not possible.`],
    ];
    for (const [status, message] of cases) {
      refuses(() => decideCapture(order({ status }), body({ captured_amount: 1 }), false), 403, 'CAPTURE_NOT_ALLOWED', [message]);
    }
  });

  it('uses Klarna’s own texts for the expired order and the amount above the remaining authorization', () => {
    refusesWith(() => decideCapture(order({ status: 'EXPIRED' }), body(), false), captureNotAllowed(`Order ${ORDER_ID} is expired. Capture not possible.`));
    refusesWith(
      () => decideCapture(order(), body({ captured_amount: 10001 }), false),
      captureNotAllowed('Captured amount is higher than the remaining authorized amount. Capture not possible.'),
    );
  });

  it('an open order past its expires_at is refused as expired once its status is derived, as every write does first', () => {
    const lapsed = order({ expires_at: CREATED + 28 * DAY });
    const locked = { ...lapsed, status: effectiveStatus(lapsed, CREATED + 28 * DAY) };
    refuses(() => decideCapture(locked, body({ captured_amount: 1 }), false), 403, 'CAPTURE_NOT_ALLOWED', [`Order ${ORDER_ID} is expired. Capture not possible.`]);
    const stillOpen = { ...lapsed, status: effectiveStatus(lapsed, CREATED + 28 * DAY - 1) };
    assert.equal(decideCapture(stillOpen, body({ captured_amount: 1 }), false), undefined);
  });

  it('refuses while the fraud status is PENDING or REJECTED', () => {
    refuses(() => decideCapture(order({ fraud_status: 'PENDING' }), body(), false), 403, 'CAPTURE_NOT_ALLOWED', [
      `Order ${ORDER_ID} is pending a fraud review. Capture not possible.`,
    ]);
    refuses(() => decideCapture(order({ fraud_status: 'REJECTED' }), body(), false), 403, 'CAPTURE_NOT_ALLOWED', [
      `Order ${ORDER_ID} was rejected by fraud review. Capture not possible.`,
    ]);
  });

  it('names the status before the fraud review, and the fraud review before the amount', () => {
    refuses(() => decideCapture(order({ status: 'CANCELLED', fraud_status: 'REJECTED' }), body(), false), 403, 'CAPTURE_NOT_ALLOWED', [
      `Order ${ORDER_ID} is cancelled. Capture not possible.`,
    ]);
    refuses(() => decideCapture(order({ fraud_status: 'PENDING' }), body({ captured_amount: 0 }), false), 403, 'CAPTURE_NOT_ALLOWED', [
      `Order ${ORDER_ID} is pending a fraud review. Capture not possible.`,
    ]);
  });

  it('refuses a capture of 0', () => {
    refuses(() => decideCapture(order(), body({ captured_amount: 0 }), false), 403, 'CAPTURE_NOT_ALLOWED', [
      'Captured amount must be greater than 0. Capture not possible.',
    ]);
  });

  it('accepts exactly the remaining authorization and refuses one more (AUTHORIZED)', () => {
    assert.equal(decideCapture(order(), body({ captured_amount: 10000 }), false), undefined);
    assert.equal(decideCapture(order(), body({ captured_amount: 1 }), false), undefined);
    refuses(() => decideCapture(order(), body({ captured_amount: 10001 }), false), 403, 'CAPTURE_NOT_ALLOWED', [
      'Captured amount is higher than the remaining authorized amount. Capture not possible.',
    ]);
  });

  it('counts what is already captured (PART_CAPTURED): the rest is order_amount − captured_amount', () => {
    const partly = order({ status: 'PART_CAPTURED', captured_amount: 6000, capture_count: 1 });
    assert.equal(decideCapture(partly, body({ captured_amount: 4000 }), false), undefined);
    refuses(() => decideCapture(partly, body({ captured_amount: 4001 }), false), 403, 'CAPTURE_NOT_ALLOWED', [
      'Captured amount is higher than the remaining authorized amount. Capture not possible.',
    ]);
    // The capture that takes the rest makes the order CAPTURED, a smaller one keeps it PART_CAPTURED.
    assert.equal(statusAfterCapture(partly.order_amount, partly.captured_amount + 4000), 'CAPTURED');
    assert.equal(statusAfterCapture(partly.order_amount, partly.captured_amount + 3999), 'PART_CAPTURED');
  });

  it('refuses shipping_delay > 0 unless the merchant has it enabled; 0 is always fine', () => {
    refuses(() => decideCapture(order(), body({ shipping_delay: 1 }), false), 403, 'CAPTURE_NOT_ALLOWED', [
      'shipping_delay greater than 0 is not enabled for this merchant. Capture not possible.',
    ]);
    assert.equal(decideCapture(order(), body({ shipping_delay: 0 }), false), undefined);
    assert.equal(decideCapture(order(), body({ shipping_delay: 1440 }), true), undefined);
  });

  it('accepts lines whose totals add up to the captured amount, and no lines or an empty list', () => {
    const lines = [line({ total_amount: 6000, unit_price: 3000, quantity: 2, total_tax_amount: 1200 }), line({ reference: 'SKU-2', unit_price: 4000, total_amount: 4000, total_tax_amount: 800 })];
    assert.equal(decideCapture(order(), body({ order_lines: lines }), false), undefined);
    assert.equal(decideCapture(order(), body({ captured_amount: 5000, order_lines: [] }), false), undefined);
    assert.equal(
      decideCapture(order(), body({ captured_amount: 9000, order_lines: [line({ total_discount_amount: 1000, total_amount: 9000 })] }), false),
      undefined,
    );
  });

  it('refuses lines with a wrong total or a sum other than the captured amount (422, naming the fields)', () => {
    refuses(() => decideCapture(order(), body({ order_lines: [line({ total_amount: 9999 })] }), false), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines[0].total_amount',
      'Bad value: order_lines (the sum of total_amount must equal captured_amount)',
    ]);
    refuses(() => decideCapture(order(), body({ captured_amount: 5000, order_lines: [line()] }), false), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines (the sum of total_amount must equal captured_amount)',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Refund (§1.6)

describe('decideRefund', () => {
  const body = (over: Partial<RefundBody> = {}): RefundBody => ({ refunded_amount: 1000, ...over });

  it('refuses an order without captures', () => {
    refusesWith(() => decideRefund(orderWithRows([]), body()), refundNotAllowed('Order has no captures. Refund not possible.'));
    refuses(() => decideRefund(orderWithRows([], { status: 'CANCELLED' }), body()), 403, 'REFUND_NOT_ALLOWED', ['Order has no captures. Refund not possible.']);
  });

  it('refuses a fully refunded order, whatever the amount', () => {
    refuses(() => decideRefund(orderWithRows([10000], {}, [4000, 6000]), body({ refunded_amount: 1 })), 403, 'REFUND_NOT_ALLOWED', [
      'Order is fully refunded. Refund not possible.',
    ]);
  });

  it('refuses a refund of 0', () => {
    refuses(() => decideRefund(orderWithRows([10000]), body({ refunded_amount: 0 })), 403, 'REFUND_NOT_ALLOWED', [
      'Refunded amount must be greater than 0. Refund not possible.',
    ]);
  });

  it('accepts exactly captured − already refunded and refuses one more', () => {
    const o = orderWithRows([6000, 3000], { order_amount: 10000 }, [2000]);
    assert.equal(decideRefund(o, body({ refunded_amount: 7000 })), undefined);
    refuses(() => decideRefund(o, body({ refunded_amount: 7001 })), 403, 'REFUND_NOT_ALLOWED', [
      'Refunded amount is higher than the captured amount minus already refunded amount. Refund not possible.',
    ]);
  });

  it('the limit is what was captured, not what was authorized', () => {
    const partly = orderWithRows([4000]);
    assert.equal(partly.status, 'PART_CAPTURED');
    assert.equal(decideRefund(partly, body({ refunded_amount: 4000 })), undefined);
    refuses(() => decideRefund(partly, body({ refunded_amount: 4001 })), 403, 'REFUND_NOT_ALLOWED', [
      'Refunded amount is higher than the captured amount minus already refunded amount. Refund not possible.',
    ]);
  });

  it('is allowed on CAPTURED, EXPIRED and CLOSED orders that have captures', () => {
    for (const status of ['CAPTURED', 'EXPIRED', 'CLOSED'] as const) {
      assert.equal(decideRefund(orderWithRows([4000], { status }), body({ refunded_amount: 4000 })), undefined, status);
    }
  });

  it('accepts lines that add up to the refunded amount', () => {
    assert.equal(decideRefund(orderWithRows([10000]), body({ refunded_amount: 10000, order_lines: [line()] })), undefined);
    assert.equal(decideRefund(orderWithRows([10000]), body({ refunded_amount: 500, order_lines: [] })), undefined);
  });

  it('refuses lines with a wrong total or another sum (422 naming the fields)', () => {
    refuses(() => decideRefund(orderWithRows([10000]), body({ refunded_amount: 10000, order_lines: [line({ unit_price: 9000 })] })), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines[0].total_amount',
    ]);
    refuses(() => decideRefund(orderWithRows([10000]), body({ refunded_amount: 9000, order_lines: [line()] })), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines (the sum of total_amount must equal refunded_amount)',
    ]);
  });

  describe('return fees', () => {
    // Klarna's example: T-shirt 10000 + fee −500 → refunded_amount 9500.
    const withFee = (fee = 500) => body({ refunded_amount: 10000 - fee, order_lines: [line(), returnFee(fee)] });

    it('accepts Klarna’s example after one single full capture, in each of AT, DE, DK, FI, FR, NL, NO, SE', () => {
      for (const country of ['AT', 'DE', 'DK', 'FI', 'FR', 'NL', 'NO', 'SE']) {
        assert.equal(decideRefund(orderWithRows([10000], { purchase_country: country }), withFee()), undefined, country);
      }
    });

    it('compares the purchase country case-insensitively', () => {
      assert.equal(decideRefund(orderWithRows([10000], { purchase_country: 'de' }), withFee()), undefined);
    });

    it('refuses other purchase countries, naming the country', () => {
      for (const country of ['GB', 'US', 'BE', 'CH', 'IT']) {
        refuses(() => decideRefund(orderWithRows([10000], { purchase_country: country }), withFee()), 403, 'REFUND_NOT_ALLOWED', [
          `Return fees are not available for purchase country ${country}. Refund not possible.`,
        ]);
      }
    });

    it('refuses after several captures, even when together they capture the whole order', () => {
      refuses(() => decideRefund(orderWithRows([6000, 4000]), withFee()), 403, 'REFUND_NOT_ALLOWED', [
        'Return fees require the order to be captured in one single full capture. Refund not possible.',
      ]);
    });

    it('refuses after a single partial capture', () => {
      const partly = orderWithRows([9600]);
      refuses(() => decideRefund(partly, body({ refunded_amount: 9100, order_lines: [line({ unit_price: 9600, total_amount: 9600, total_tax_amount: 1920 }), returnFee(500)] })), 403, 'REFUND_NOT_ALLOWED', [
        'Return fees require the order to be captured in one single full capture. Refund not possible.',
      ]);
    });

    it('a return_fee line must not be positive; 0 is accepted', () => {
      refuses(
        () => decideRefund(orderWithRows([10000]), body({ refunded_amount: 10000, order_lines: [line({ unit_price: 9500, total_amount: 9500, total_tax_amount: 1900 }), returnFee(-500)] })),
        422,
        'UNPROCESSABLE_ENTITY',
        ['Bad value: order_lines[1].total_amount (a return_fee line must be negative)'],
      );
      assert.equal(decideRefund(orderWithRows([10000]), withFee(0)), undefined);
    });

    it('the lines must sum exactly to refunded_amount with the fee counted in', () => {
      refuses(() => decideRefund(orderWithRows([10000]), body({ refunded_amount: 10000, order_lines: [line(), returnFee(500)] })), 422, 'UNPROCESSABLE_ENTITY', [
        'Bad value: order_lines (the sum of total_amount must equal refunded_amount)',
      ]);
    });

    it('names the bad lines (422) before the country or capture rule (403)', () => {
      refuses(
        () => decideRefund(orderWithRows([6000, 4000], { purchase_country: 'GB' }), body({ refunded_amount: 9000, order_lines: [line(), returnFee(500)] })),
        422,
        'UNPROCESSABLE_ENTITY',
        ['Bad value: order_lines (the sum of total_amount must equal refunded_amount)'],
      );
    });

    it('names the country before the capture rule', () => {
      refuses(() => decideRefund(orderWithRows([6000, 4000], { purchase_country: 'GB' }), withFee()), 403, 'REFUND_NOT_ALLOWED', [
        'Return fees are not available for purchase country GB. Refund not possible.',
      ]);
    });

    it('a refund without a return_fee line is not held to the return-fee rules', () => {
      assert.equal(decideRefund(orderWithRows([6000, 4000], { purchase_country: 'GB' }), body({ refunded_amount: 10000, order_lines: [line()] })), undefined);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Cancel (§1.3)

describe('decideCancel', () => {
  it('accepts an AUTHORIZED order without captures, also while its fraud review is pending', () => {
    assert.equal(decideCancel(order()), undefined);
    assert.equal(decideCancel(order({ fraud_status: 'PENDING', fraud_decision: 'ACCEPTED', fraud_decision_at: CREATED + DAY })), undefined);
    assert.doesNotThrow(() => assertTransition('AUTHORIZED', 'CANCELLED'));
  });

  it('refuses an order with captures with Klarna’s text, whatever its status', () => {
    for (const status of ['PART_CAPTURED', 'CAPTURED', 'EXPIRED', 'CLOSED'] as const) {
      refusesWith(
        () => decideCancel(order({ status, captured_amount: 4000, capture_count: 1 })),
        cancelNotAllowed('Order has previous captures. Cancel not possible.'),
      );
    }
  });

  it('refuses a cancelled, expired or closed order without captures, naming its status', () => {
    refuses(() => decideCancel(order({ status: 'CANCELLED' })), 403, 'CANCEL_NOT_ALLOWED', ['Order is cancelled. Cancel not possible.']);
    refuses(() => decideCancel(order({ status: 'EXPIRED' })), 403, 'CANCEL_NOT_ALLOWED', ['Order is expired. Cancel not possible.']);
    refuses(() => decideCancel(order({ status: 'CLOSED' })), 403, 'CANCEL_NOT_ALLOWED', ['Order is closed. Cancel not possible.']);
  });
});

// ---------------------------------------------------------------------------------------------
// Release remaining authorization (§1.7)

describe('decideRelease', () => {
  const suffix = 'Remaining authorization cannot be released.';

  it('accepts a PART_CAPTURED order; the status it then gets (CAPTURED, or CLOSED by setting) is a legal change', () => {
    assert.equal(decideRelease(order({ status: 'PART_CAPTURED', captured_amount: 5000, capture_count: 1 })), undefined);
    assert.equal(DEFAULT_SETTINGS.release_remaining_status, 'CAPTURED');
    assert.doesNotThrow(() => assertTransition('PART_CAPTURED', 'CAPTURED'));
    assert.doesNotThrow(() => assertTransition('PART_CAPTURED', 'CLOSED'));
  });

  it('tells an AUTHORIZED order without captures to cancel instead', () => {
    refusesWith(() => decideRelease(order()), notAllowed(`Order has no captures; cancel the order instead. ${suffix}`));
  });

  it('refuses every other status with 403 NOT_ALLOWED naming it', () => {
    const cases: [OrderStatus, string][] = [
      ['CAPTURED', `Order is fully captured. ${suffix}`],
      ['CANCELLED', `Order is cancelled. ${suffix}`],
      ['EXPIRED', `Order is expired. ${suffix}`],
      ['CLOSED', `Order is closed. ${suffix}`],
    ];
    for (const [status, message] of cases) refuses(() => decideRelease(order({ status })), 403, 'NOT_ALLOWED', [message]);
  });
});

// ---------------------------------------------------------------------------------------------
// Update authorization (§1.7)

describe('decideUpdateAuthorization', () => {
  const suffix = 'Order authorization cannot be updated.';
  const partly = (over: Partial<OrderRecord> = {}) => order({ status: 'PART_CAPTURED', captured_amount: 4000, capture_count: 1, ...over });

  it('refuses an order that is fully captured, cancelled, expired or closed', () => {
    const cases: [OrderStatus, string][] = [
      ['CAPTURED', `Order is fully captured. ${suffix}`],
      ['CANCELLED', `Order is cancelled. ${suffix}`],
      ['EXPIRED', `Order is expired. ${suffix}`],
      ['CLOSED', `Order is closed. ${suffix}`],
    ];
    for (const [status, message] of cases) refuses(() => decideUpdateAuthorization(order({ status }), { order_amount: 5000 }), 403, 'NOT_ALLOWED', [message]);
  });

  it('refuses an amount below the captured amount with Klarna’s text', () => {
    refusesWith(
      () => decideUpdateAuthorization(partly(), { order_amount: 3999 }),
      notAllowed(`Resulting authorization amount 3999 cannot be less than the captured amount 4000 for order. ${suffix}`),
    );
    refuses(() => decideUpdateAuthorization(partly(), { order_amount: 0 }), 403, 'NOT_ALLOWED', [
      `Resulting authorization amount 0 cannot be less than the captured amount 4000 for order. ${suffix}`,
    ]);
  });

  it('refuses 0 on an order without captures (cancel instead)', () => {
    refuses(() => decideUpdateAuthorization(order(), { order_amount: 0 }), 403, 'NOT_ALLOWED', [
      `Resulting authorization amount cannot be 0; cancel the order instead. ${suffix}`,
    ]);
  });

  it('a part-captured order reduced to exactly its captured amount becomes CAPTURED; one more stays PART_CAPTURED', () => {
    assert.equal(decideUpdateAuthorization(partly(), { order_amount: 4000 }), 'CAPTURED');
    assert.equal(decideUpdateAuthorization(partly(), { order_amount: 4001 }), 'PART_CAPTURED');
    assert.equal(decideUpdateAuthorization(partly(), { order_amount: 12000 }), 'PART_CAPTURED');
  });

  it('an order without captures stays AUTHORIZED, the same amount included', () => {
    assert.equal(decideUpdateAuthorization(order(), { order_amount: 1 }), 'AUTHORIZED');
    assert.equal(decideUpdateAuthorization(order(), { order_amount: 10000 }), 'AUTHORIZED');
    assert.equal(decideUpdateAuthorization(order({ fraud_status: 'PENDING' }), { order_amount: 8000 }), 'AUTHORIZED');
  });

  it('allows an increase for INVOICE, INVOICE_BUSINESS, ACCOUNT, DIRECT_DEBIT, FIXED_AMOUNT and DEFERRED_INTEREST', () => {
    for (const type of ['INVOICE', 'INVOICE_BUSINESS', 'ACCOUNT', 'DIRECT_DEBIT', 'FIXED_AMOUNT', 'DEFERRED_INTEREST'] as const) {
      assert.equal(decideUpdateAuthorization(order({ initial_payment_method: method(type) }), { order_amount: 10001 }), 'AUTHORIZED', type);
    }
  });

  it('refuses an increase for other methods, naming the method; a decrease or the same amount is fine', () => {
    for (const type of ['CARD', 'PAY_BY_CARD', 'FIXED_AMOUNT_BY_CARD', 'PAY_LATER_IN_PARTS', 'SWISH'] as const) {
      refuses(() => decideUpdateAuthorization(order({ initial_payment_method: method(type) }), { order_amount: 10001 }), 403, 'NOT_ALLOWED', [
        `The authorization of an order paid with ${type} cannot be increased. ${suffix}`,
      ]);
      assert.equal(decideUpdateAuthorization(order({ initial_payment_method: method(type) }), { order_amount: 10000 }), 'AUTHORIZED', type);
      assert.equal(decideUpdateAuthorization(order({ initial_payment_method: method(type) }), { order_amount: 9000 }), 'AUTHORIZED', type);
    }
  });

  it('an order without a known payment method counts as OTHER and cannot be increased', () => {
    refuses(() => decideUpdateAuthorization(order({ initial_payment_method: null }), { order_amount: 10001 }), 403, 'NOT_ALLOWED', [
      `The authorization of an order paid with OTHER cannot be increased. ${suffix}`,
    ]);
  });

  it('accepts lines adding up to the new amount; refuses wrong totals and another sum (422)', () => {
    const two = [line(), line({ reference: 'SKU-2', unit_price: 2000, total_amount: 2000, total_tax_amount: 400 })];
    assert.equal(decideUpdateAuthorization(order(), { order_amount: 12000, order_lines: two }), 'AUTHORIZED');
    assert.equal(decideUpdateAuthorization(order(), { order_amount: 8000, order_lines: [] }), 'AUTHORIZED');
    refuses(() => decideUpdateAuthorization(order(), { order_amount: 11000, order_lines: two }), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines (the sum of total_amount must equal order_amount)',
    ]);
    refuses(() => decideUpdateAuthorization(order(), { order_amount: 9000, order_lines: [line({ total_amount: 9000 })] }), 422, 'UNPROCESSABLE_ENTITY', [
      'Bad value: order_lines[0].total_amount',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Update customer details (§1.7)

describe('decideCustomerDetails', () => {
  const suffix = 'Customer details cannot be updated.';
  const invalid = 'The shipping and/or billing address is invalid';
  const details = (shipping_address?: Partial<Address>): UpdateCustomerDetailsBody => (shipping_address === undefined ? {} : { shipping_address });

  it('refuses any billing address change with Klarna’s text', () => {
    refusesWith(
      () => decideCustomerDetails(order(), { billing_address: address({ city: 'Elsewhere' }) }),
      notAllowed(`Billing address cannot be updated for user account order. ${suffix}`),
    );
    refuses(() => decideCustomerDetails(order(), { billing_address: {}, shipping_address: address() }), 403, 'NOT_ALLOWED', [
      `Billing address cannot be updated for user account order. ${suffix}`,
    ]);
  });

  it('refuses a cancelled, expired or closed order', () => {
    for (const status of ['CANCELLED', 'EXPIRED', 'CLOSED'] as const) {
      refuses(() => decideCustomerDetails(order({ status }), details({ city: 'Malmö' })), 403, 'NOT_ALLOWED', [`Order is ${status.toLowerCase()}. ${suffix}`]);
    }
  });

  it('accepts AUTHORIZED, PART_CAPTURED and CAPTURED orders, returning the merged shipping address', () => {
    for (const status of ['AUTHORIZED', 'PART_CAPTURED', 'CAPTURED'] as const) {
      assert.deepEqual(decideCustomerDetails(order({ status }), details({ city: 'Malmö' })), address({ city: 'Malmö' }), status);
    }
  });

  it('changes nothing without a shipping address', () => {
    assert.equal(decideCustomerDetails(order(), {}), undefined);
  });

  it('present fields overwrite, absent ones are kept, and the order itself is not modified', () => {
    const o = order({ shipping_address: address({ street_address2: 'Lgh 1101' }) });
    const merged = decideCustomerDetails(o, details({ street_address: 'Nygatan 7', postal_code: '21122', city: 'Malmö' }));
    assert.deepEqual(merged, address({ street_address: 'Nygatan 7', postal_code: '21122', city: 'Malmö', street_address2: 'Lgh 1101' }));
    assert.deepEqual(o.shipping_address, address({ street_address2: 'Lgh 1101' }));
  });

  it('"" clears an optional field (the field is then absent)', () => {
    const o = order({ shipping_address: address({ street_address2: 'Lgh 1101', attention: 'Reception' }) });
    const merged = decideCustomerDetails(o, details({ street_address2: '', phone: '', attention: '' }));
    const expected: Address = address();
    delete expected.phone;
    assert.deepEqual(merged, expected);
    assert.equal(merged !== undefined && 'street_address2' in merged, false);
  });

  it('gives a full address to an order that had none', () => {
    assert.deepEqual(decideCustomerDetails(order({ shipping_address: null }), details(address({ city: 'Malmö' }))), address({ city: 'Malmö' }));
  });

  it('ignores properties Klarna’s address does not have', () => {
    const body = { shipping_address: { city: 'Malmö', favourite_colour: 'green' } } as unknown as UpdateCustomerDetailsBody;
    assert.deepEqual(decideCustomerDetails(order(), body), address({ city: 'Malmö' }));
  });

  it('refuses clearing a mandatory field (422 INVALID_ADDRESS naming it)', () => {
    for (const field of ['given_name', 'family_name', 'street_address', 'postal_code', 'city', 'country'] as const) {
      refuses(() => decideCustomerDetails(order(), details({ [field]: '' })), 422, 'INVALID_ADDRESS', [invalid, `shipping_address.${field} is required`]);
    }
  });

  it('names every missing mandatory field, in one answer', () => {
    refusesWith(
      () => decideCustomerDetails(order({ shipping_address: null }), details({ given_name: 'Anna', city: 'Malmö' })),
      invalidAddress(
        'shipping_address.family_name is required',
        'shipping_address.street_address is required',
        'shipping_address.postal_code is required',
        'shipping_address.country is required',
      ),
    );
  });

  it('the country must be ISO 3166-1 alpha-2 (either case)', () => {
    for (const country of ['S1', '12', 'S']) {
      refuses(() => decideCustomerDetails(order(), details({ country })), 422, 'INVALID_ADDRESS', [invalid, 'shipping_address.country must be an ISO 3166-1 alpha-2 code']);
    }
    assert.deepEqual(decideCustomerDetails(order(), details({ country: 'no' })), address({ country: 'no' }));
  });

  it('a US address needs a region; with one it is accepted', () => {
    const us = { country: 'US', street_address: '509 Amsterdam Ave', postal_code: '10024', city: 'New York' };
    refuses(() => decideCustomerDetails(order(), details(us)), 422, 'INVALID_ADDRESS', [invalid, 'shipping_address.region is required for US']);
    refuses(() => decideCustomerDetails(order(), details({ ...us, country: 'us' })), 422, 'INVALID_ADDRESS', [invalid, 'shipping_address.region is required for US']);
    assert.deepEqual(decideCustomerDetails(order(), details({ ...us, region: 'NY' })), address({ ...us, region: 'NY' }));
    // Clearing the region of a US address is clearing a field a US address cannot do without.
    const usOrder = order({ shipping_address: address({ ...us, region: 'NY' }) });
    refuses(() => decideCustomerDetails(usOrder, details({ region: '' })), 422, 'INVALID_ADDRESS', [invalid, 'shipping_address.region is required for US']);
  });

  it('an e-mail must contain @', () => {
    refuses(() => decideCustomerDetails(order(), details({ email: 'customer.email.se' })), 422, 'INVALID_ADDRESS', [invalid, 'shipping_address.email is not an e-mail address']);
    assert.deepEqual(decideCustomerDetails(order(), details({ email: 'anna@example.se' })), address({ email: 'anna@example.se' }));
    const withoutEmail: Address = address();
    delete withoutEmail.email;
    assert.deepEqual(decideCustomerDetails(order(), details({ email: '' })), withoutEmail);
  });
});

// ---------------------------------------------------------------------------------------------
// Extend authorization time (§1.7)

describe('decideExtendAuthorization', () => {
  const suffix = 'Authorization time cannot be extended.';
  const at = (month: number, day: number, hour = 0, minute = 0, ms = 0) => Date.UTC(2025, month - 1, day, hour, minute, 0, ms);

  it('Klarna’s example: an order of January 1st extended on January 15th expires February 13th (end of the UTC day 28 days on)', () => {
    assert.equal(decideExtendAuthorization(order(), settings(), at(1, 15, 14, 30)), at(2, 13));
  });

  it('repeated calls on the same UTC day give the same date; the next day one day later', () => {
    assert.equal(decideExtendAuthorization(order(), settings(), at(1, 15)), at(2, 13));
    assert.equal(decideExtendAuthorization(order(), settings(), at(1, 15, 23, 59, 59_999)), at(2, 13));
    assert.equal(decideExtendAuthorization(order(), settings(), at(1, 16)), at(2, 14));
  });

  it('a part-captured order can be extended too', () => {
    assert.equal(decideExtendAuthorization(order({ status: 'PART_CAPTURED', captured_amount: 5000, capture_count: 1 }), settings(), at(1, 15, 9)), at(2, 13));
  });

  it('uses the merchant’s authorization period', () => {
    const weekly = settings({ authorization_period_days: 7 });
    assert.equal(decideExtendAuthorization(order({ expires_at: CREATED + 7 * DAY }), weekly, at(1, 5, 9)), at(1, 13));
    // A shorter period never pulls an expiry forward: 28 days from creation is later than Jan 15 + 7 days.
    assert.equal(decideExtendAuthorization(order(), weekly, at(1, 15, 9)), CREATED + 28 * DAY);
  });

  it('never shortens the current expiry', () => {
    const later = at(3, 1);
    assert.equal(decideExtendAuthorization(order({ expires_at: later }), settings(), at(1, 15, 9)), later);
  });

  it('is clamped to created_at + 180 days, and refused from that instant on', () => {
    const cap = CREATED + 180 * DAY; // 2025-06-30T10:00:00Z
    assert.equal(cap, Date.UTC(2025, 5, 30, 10));
    assert.equal(decideExtendAuthorization(order({ expires_at: at(6, 20) }), settings(), at(6, 10)), cap);
    assert.equal(decideExtendAuthorization(order({ expires_at: at(6, 30) }), settings(), cap - 1), cap);
    refusesWith(() => decideExtendAuthorization(order({ expires_at: cap + 1 }), settings(), cap), notAllowed(`Order is older than 180 days. ${suffix}`));
    refuses(() => decideExtendAuthorization(order(), settings(), cap + 30 * DAY), 403, 'NOT_ALLOWED', [`Order is older than 180 days. ${suffix}`]);
  });

  it('follows the merchant’s max_authorization_days', () => {
    const cap = CREATED + 40 * DAY;
    assert.equal(decideExtendAuthorization(order(), settings({ max_authorization_days: 40 }), at(1, 20)), cap);
    refuses(() => decideExtendAuthorization(order(), settings({ max_authorization_days: 40 }), cap), 403, 'NOT_ALLOWED', [`Order is older than 40 days. ${suffix}`]);
  });

  it('refuses an expired, cancelled, fully captured or closed order', () => {
    const cases: [OrderStatus, string][] = [
      ['EXPIRED', `Order is expired. ${suffix}`],
      ['CANCELLED', `Order is cancelled. ${suffix}`],
      ['CAPTURED', `Order is fully captured. ${suffix}`],
      ['CLOSED', `Order is closed. ${suffix}`],
    ];
    for (const [status, message] of cases) refuses(() => decideExtendAuthorization(order({ status }), settings(), at(1, 15)), 403, 'NOT_ALLOWED', [message]);
  });

  it('uses Klarna’s text for an expired order', () => {
    refusesWith(() => decideExtendAuthorization(order({ status: 'EXPIRED' }), settings(), at(2, 1)), notAllowed('Order is expired. Authorization time cannot be extended.'));
  });

  it('refuses pay now by card (PAY_BY_CARD, CARD) and US financing (FIXED_SUM_CREDIT)', () => {
    for (const type of ['PAY_BY_CARD', 'CARD', 'FIXED_SUM_CREDIT'] as const) {
      refuses(() => decideExtendAuthorization(order({ initial_payment_method: method(type) }), settings(), at(1, 15)), 403, 'NOT_ALLOWED', [
        `Not available for payment method ${type}. ${suffix}`,
      ]);
    }
  });

  it('other methods, and an order without a payment method, can be extended', () => {
    for (const type of ['INVOICE', 'FIXED_AMOUNT', 'DIRECT_DEBIT', 'PAY_LATER_BY_CARD'] as const) {
      assert.equal(decideExtendAuthorization(order({ initial_payment_method: method(type) }), settings(), at(1, 15)), at(2, 13), type);
    }
    assert.equal(decideExtendAuthorization(order({ initial_payment_method: null }), settings(), at(1, 15)), at(2, 13));
  });
});
