/** Checkout's error catalogue (behaviour reference §2.1). */
import { ApiError, badValue, withoutBody } from '../../platform/http/errors.js';

export const checkoutNotFound = () => new ApiError(404, 'NOT_FOUND', ['Order not found. Create a new order.']);
/**
 * The merchant API's 404 for an unknown (or expired) order: no body, as Klarna's Checkout document
 * gives it and its PHP SDK's tests expect. The shopper's side keeps the envelope.
 */
export const merchantOrderNotFound = () => withoutBody(checkoutNotFound());
export const readOnlyOrder = () => new ApiError(403, 'READ_ONLY_ORDER', ['Resource is read-only']);
export const badFields = (fields: string[]) => badValue(...fields.map((f) => `Bad value: ${f}`));
export const invalidPageToken = () => new ApiError(401, 'UNAUTHORIZED', ['Invalid checkout page token']);
