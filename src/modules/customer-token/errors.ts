/**
 * The Customer Token API's error catalogue (behaviour reference §4); every refusal an operation of
 * this module makes is built here. Another merchant's token is answered exactly like an unknown one,
 * so a token id never reveals that it exists elsewhere (TOKEN_FORBIDDEN is never produced).
 */
import { ApiError, badValue } from '../../platform/http/errors.js';

/** GET of an unknown (or another merchant's) token. */
export const invalidCustomerTokenId = () => new ApiError(404, 'NOT_FOUND', ['Invalid customer-token ID']);
/** PATCH status of an unknown (or another merchant's) token. */
export const invalidTokenId = () => new ApiError(404, 'NOT_FOUND', ['Invalid token ID']);

// Create order (§4: TOKEN_NOT_FOUND, TOKEN_CANCELLED, TOKEN_SUSPENDED, PAYMENT_METHOD_*).
export const tokenNotFound = () => new ApiError(404, 'TOKEN_NOT_FOUND', ['Customer token not found']);
export const tokenCancelled = () => new ApiError(403, 'TOKEN_CANCELLED', ['Customer token is cancelled']);
export const tokenSuspended = () => new ApiError(403, 'TOKEN_SUSPENDED', ['Customer token is suspended']);
export const currencyMismatch = (requested: string, tokenCurrency: string) =>
  new ApiError(403, 'PAYMENT_METHOD_CURRENCY_MISMATCH', [
    `Purchase currency ${requested} does not match the currency of the customer token (${tokenCurrency})`,
  ]);
/** The shopper's payment method was declined for this purchase (test data `+denied`); retryable at Klarna. */
export const paymentMethodFailed = () => new ApiError(403, 'PAYMENT_METHOD_FAILED', ['The payment method could not be charged']);
/** The payment method is not offered for this purchase (test data `+red`, Klarna's pre-screen). */
export const unavailablePaymentMethod = () => new ApiError(403, 'UNAVAILABLE_PAYMENT_METHOD', ['The payment method is not available for this purchase']);
/** Data that contradicts the token; worded like Payments' create-order 409 (§3.2). */
export const notMatching = (fields: readonly string[]) => new ApiError(409, 'BAD_VALUE', [`Not matching fields: [${fields.join(', ')}]`]);

/** Klarna's arithmetic and field rules, one `Bad value: <field>` per offending field (§0.5). */
export const badFields = (fields: readonly string[]) => badValue(...fields.map((f) => `Bad value: ${f}`));

// Sandbox only.
export const sandboxTokenNotFound = () => new ApiError(404, 'NOT_FOUND', ['Invalid customer-token ID']);
export const sandboxTokenFinal = (to: string) =>
  new ApiError(403, 'TOKEN_CANCELLED', [`Customer token is cancelled; a cancellation is final and the status cannot become ${to}`]);
