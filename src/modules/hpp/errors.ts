/** The Hosted Payment Page's error catalogue (behaviour reference §5.1). */
import { ApiError, badRequest, badValue } from '../../platform/http/errors.js';

export const sessionNotFound = () => new ApiError(404, 'NOT_FOUND', ['HPP session not found']);
export const sessionExpired = () => new ApiError(404, 'NOT_FOUND', ['HPP session has expired']);
export const paymentSessionNotFound = () => new ApiError(404, 'NOT_FOUND', ['Payment session not found']);
export const paymentSessionExpired = () => new ApiError(404, 'NOT_FOUND', ['Payment session has expired']);
export const alreadyCompleted = () => badRequest('HPP session has already been successfully completed');
export const sessionDisabled = () => badRequest('HPP session is disabled');
export const sessionCancelled = () => badRequest('HPP session was cancelled by the consumer');
export const badFields = (fields: string[]) => badValue(...fields.map((f) => `Bad value: ${f}`));
export const distributionLimit = (channel: string, limit: number) =>
  new ApiError(429, 'TOO_MANY_REQUESTS', [`The daily limit of ${limit} ${channel} distributions is reached (playground limits are on for this merchant)`]);
/** A shopper's action on a session that no longer takes one (sandbox; the page says so instead). */
export const shopperActionNotAllowed = (status: string) => new ApiError(403, 'NOT_ALLOWED', [`The HPP session is ${status}: the consumer can no longer act on it`]);
