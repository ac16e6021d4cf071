/** Fault injection's refusals, in Klarna's envelope like the rest of the sandbox API. */
import { ApiError, badValue } from '../../platform/http/errors.js';

export const badField = (name: string, rule: string) => badValue(`Bad value: ${name} (${rule})`);
export const faultNotFound = () => new ApiError(404, 'NOT_FOUND', ['Fault not found']);
