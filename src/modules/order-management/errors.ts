/** Order Management's error catalogue (§1.8); every refusal an operation can make is built here. */
import { ApiError } from '../../platform/http/errors.js';

export const noSuchOrder = (orderId: string, action?: string) =>
  new ApiError(404, 'NO_SUCH_ORDER', [`Order ${orderId} cannot be found.${action ? ` ${action}` : ''}`]);
export const noSuchCapture = (captureId: string, action?: string) =>
  new ApiError(404, 'NO_SUCH_CAPTURE', [`Capture ${captureId} cannot be found.${action ? ` ${action}` : ''}`]);
export const refundNotFound = (refundId: string, orderId: string) =>
  new ApiError(404, 'NOT_FOUND', [`Refund ${refundId} cannot be found for order ${orderId}`]);
export const notAllowed = (...messages: string[]) => new ApiError(403, 'NOT_ALLOWED', messages);
export const captureNotAllowed = (message: string) => new ApiError(403, 'CAPTURE_NOT_ALLOWED', [message]);
export const refundNotAllowed = (message: string) => new ApiError(403, 'REFUND_NOT_ALLOWED', [message]);
export const cancelNotAllowed = (message: string) => new ApiError(403, 'CANCEL_NOT_ALLOWED', [message]);
export const invalidAddress = (...details: string[]) =>
  new ApiError(422, 'INVALID_ADDRESS', ['The shipping and/or billing address is invalid', ...details]);
export const badLines = (...fields: string[]) => new ApiError(422, 'UNPROCESSABLE_ENTITY', fields.map((f) => `Bad value: ${f}`));
