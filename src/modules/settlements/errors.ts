/** Settlements' refusals, in Klarna's ErrorResponse (behaviour reference §6). */
import { ApiError, badValue } from '../../platform/http/errors.js';

export const payoutNotFound = (paymentReference: string) => new ApiError(404, 'NOT_FOUND', [`Payout ${paymentReference} not found`]);
export const badParameter = (name: string, rule: string) => badValue(`Bad value: ${name} (${rule})`);
export const missingParameter = (name: string) => badValue(`${name} is required`);
export const disputeNotFound = () => new ApiError(404, 'NOT_FOUND', ['Dispute not found']);
export const disputeDecided = (status: string) => new ApiError(403, 'NOT_ALLOWED', [`The dispute is already ${status}`]);
export const noSuchCapture = () => new ApiError(404, 'NOT_FOUND', ['Order or capture not found']);
export const disputeAmountTooHigh = () => badValue('Bad value: amount (more than the capture)');
