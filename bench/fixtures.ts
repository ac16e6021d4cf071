/** What the benchmark's requests and generated rows have in common: the merchant and the order. */

export const MERCHANT = { username: 'bench', password: 'bench' };
export const AUTH = `Basic ${Buffer.from(`${MERCHANT.username}:${MERCHANT.password}`).toString('base64')}`;
/** Largest amount of one line and of an order (src/kernel/schemas.ts MAX_AMOUNT). */
export const MAX_AMOUNT = 200_000_000;

/** Klarna's approved Swedish test person (fraud status ACCEPTED). */
const SE_BILLING = {
  given_name: 'Testperson-se',
  family_name: 'Approved',
  email: 'customer@email.se',
  street_address: 'Stårgatan 1',
  postal_code: '12345',
  city: 'Ankeborg',
  country: 'SE',
  phone: '+46765260000',
};

/** A valid sandbox order (Swedish market, 25% VAT) of `amount` in one line. */
export function orderBody(amount: number) {
  const tax = amount / 5; // 25% VAT included: tax = total × 2500 / 12500
  if (!Number.isInteger(tax)) throw new Error('amount must be a multiple of 5');
  return {
    purchase_country: 'SE',
    purchase_currency: 'SEK',
    locale: 'sv-SE',
    order_amount: amount,
    order_tax_amount: tax,
    order_lines: [{ type: 'physical' as const, reference: 'SKU-1', name: 'Bench item', quantity: 1, unit_price: amount, tax_rate: 2500, total_amount: amount, total_tax_amount: tax }],
    billing_address: SE_BILLING,
    merchant_reference1: 'BENCH',
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies of the `apis` scenarios (bench/api-scenarios.ts): one valid request per API, Swedish
// market, 25% VAT, Klarna's approved test person (fraud status ACCEPTED).

/** The merchant's shop, for the URLs the bodies must name (never called: no body asks for a callback). */
export const SHOP = 'https://shop.example';
/** Amount of the orders of the `apis` scenarios (minor units, a multiple of 5). */
export const API_AMOUNT = 12_500;

const SE_LINES = [
  { type: 'physical' as const, reference: 'SKU-1', name: 'T-shirt', quantity: 2, unit_price: 5000, tax_rate: 2500, total_amount: 10_000, total_tax_amount: 2000 },
  { type: 'shipping_fee' as const, reference: 'SHIP', name: 'Shipping', quantity: 1, unit_price: 2500, tax_rate: 2500, total_amount: 2500, total_tax_amount: 500 },
];
const SE_CART = { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', order_amount: API_AMOUNT, order_tax_amount: 2500, order_lines: SE_LINES };

/** POST /payments/v1/sessions: the cart and the shopper's billing address (approved by test data). */
export function paymentsSessionBody() {
  return { ...SE_CART, billing_address: SE_BILLING, merchant_reference1: 'BENCH' };
}

/**
 * POST /payments/v1/authorizations/{token}/order: the cart exactly as authorized (Klarna refuses
 * any field that differs with 409); the addresses come from the authorization.
 */
export function paymentsOrderBody() {
  return { ...SE_CART, merchant_reference1: 'BENCH' };
}

/** POST /checkout/v3/orders: the cart and the four merchant URLs Checkout requires. */
export function checkoutOrderBody() {
  return {
    ...SE_CART,
    merchant_urls: {
      terms: `${SHOP}/terms`,
      checkout: `${SHOP}/checkout?id={checkout.order.id}`,
      confirmation: `${SHOP}/confirmation?id={checkout.order.id}`,
      push: `${SHOP}/push?id={checkout.order.id}`,
    },
    merchant_reference1: 'BENCH',
  };
}

/** POST /sandbox/v1/customer-tokens: a Swedish token of the approved test person. */
export function customerTokenBody() {
  return { purchase_country: 'SE', purchase_currency: 'SEK', locale: 'sv-SE', billing_address: SE_BILLING, description: 'Bench subscription' };
}

/** POST /customer-token/v1/tokens/{token}/order: a charge in the token's currency. */
export function tokenOrderBody() {
  return { purchase_currency: 'SEK', order_amount: API_AMOUNT, order_tax_amount: 2500, order_lines: SE_LINES, merchant_reference1: 'BENCH' };
}

/** POST /ordermanagement/v1/orders/{id}/refunds of 1 minor unit. */
export const REFUND_BODY = { refunded_amount: 1 };

/**
 * POST /hpp/v1/sessions for a Payments session. The URL names Klarna's playground API host, which
 * klarna-local accepts as its own whatever the Host header of the request.
 */
export function hppSessionBody(paymentsSessionId: string) {
  return { payment_session_url: `https://api.playground.klarna.com/payments/v1/sessions/${paymentsSessionId}` };
}

/** POST /merchantcard/v3/promises: one virtual card of the whole (authorized, uncaptured) order. */
export function cardPromiseBody(orderId: string) {
  return { order_id: orderId, cards: [{ amount: API_AMOUNT, currency: 'SEK', reference: 'BENCH-CARD' }] };
}

/** POST /merchantcard/v3/settlements: the order's promised cards, encrypted for an enrolled key. */
export function cardSettlementBody(orderId: string, keyId: string, promiseId: string) {
  return { order_id: orderId, key_id: keyId, promise_id: promiseId };
}
