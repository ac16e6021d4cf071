/** The Merchant Card Service's refusals, in Klarna's error envelope (behaviour reference §7). */
import { ApiError, badValue } from '../../platform/http/errors.js';

export const notEnrolled = () => new ApiError(403, 'FORBIDDEN', ['The merchant is not enrolled for the Merchant Card Service']);
export const badFields = (...messages: string[]) => badValue(...messages);
/** An order the merchant does not have, named in a body (its own or another merchant's alike). */
export const unknownOrder = (orderId: string) => badValue(`Bad value: order_id (no order ${orderId})`);
export const orderNotSettleable = (message: string) => new ApiError(403, 'NOT_ALLOWED', [message]);
export const promiseNotAllowed = (...messages: string[]) => badValue(...messages);
export const promiseNotFound = () => new ApiError(404, 'NOT_FOUND', ['Promise not found']);
export const settlementNotFound = () => new ApiError(404, 'NOT_FOUND', ['Settlement not found']);
/** A key that is not one of the merchant's active keys: unknown, revoked or another merchant's, alike. */
export const keyNotActive = (keyId: string) => new ApiError(403, 'FORBIDDEN', [`Key ${keyId} is not an active key of this merchant`]);
export const missingKeyId = () => badValue('KeyId header is required');
export const noVirtualCardOrder = () => new ApiError(404, 'NOT_FOUND', ['Order does not exist or does not have an associated Virtual Credit Card Settlement']);
export const keyNotFound = () => new ApiError(404, 'NOT_FOUND', ['Key not found']);
export const badKey = (reason: string) => badValue(`Bad value: jwk (${reason})`);
export const cardNotFound = () => new ApiError(404, 'NOT_FOUND', ['Card not found']);
export const cardNotUsable = (message: string) => new ApiError(403, 'NOT_ALLOWED', [message]);
