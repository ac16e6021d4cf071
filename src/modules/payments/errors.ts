/** Payments' error catalogue (behaviour reference §3.2); every refusal an operation makes is built here. */
import { ApiError, badValue } from '../../platform/http/errors.js';

export const invalidSession = () => new ApiError(404, 'NOT_FOUND', ['Invalid session id']);
export const sessionCompleted = () => new ApiError(404, 'SESSION_COMPLETED', ['Session has already been completed']);
export const invalidAuthorizationToken = () => new ApiError(404, 'NOT_FOUND', ['Invalid authorization token']);
export const authorizationNotDeletable = () => new ApiError(404, 'NOT_FOUND', ['Authorization cannot be deleted']);
export const tokenConsumed = () => new ApiError(403, 'INVALID_OPERATION', ['Authorization token already consumed']);
export const completedWithDifferentBody = () => new ApiError(409, 'BAD_VALUE', ['The order has been already completed with different request body']);
export const notMatching = (fields: string[]) => new ApiError(409, 'BAD_VALUE', [`Not matching fields: [${fields.join(', ')}]`]);
export const rejected = () => new ApiError(403, 'REJECTED', ['Rejected']);
export const invalidOperation = (message: string) => new ApiError(403, 'INVALID_OPERATION', [message]);
export const badFields = (fields: string[]) => badValue(...fields.map((f) => `Bad value: ${f}`));
