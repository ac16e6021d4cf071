/**
 * Turns request-schema violations into Klarna-style messages. Order Management answers them with
 * 422 UNPROCESSABLE_ENTITY (§1.8: field-size or schema violation); Payments and Checkout with
 * 400 BAD_VALUE naming each field (§0.5).
 */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { ApiError, badRequest } from './errors.js';

export type ValidationStyle = 'unprocessable' | 'bad_value';

/** `/order_lines/0/total_amount` → `order_lines[0].total_amount`. */
export function fieldPath(instancePath: string, missingProperty?: string): string {
  const segments = instancePath.split('/').filter((s) => s !== '');
  if (missingProperty) segments.push(missingProperty);
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? 'body' : out;
}

/**
 * Payments-style APIs name a too-long field by its path (`Bad value: order_lines[1].name (…)`), not in
 * Order Management's size wording, which drops the line's index.
 */
function describeBadValue(error: FastifySchemaValidationError): string {
  if (error.keyword !== 'maxLength') return describe(error);
  return `Bad value: ${fieldPath(error.instancePath)} (${error.message ?? 'invalid'})`;
}

function describe(error: FastifySchemaValidationError): string {
  const params = error.params as Record<string, unknown>;
  const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
  const field = fieldPath(error.instancePath, missing);
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    // Klarna's size wording states the upper bound only; a too-short value falls through to the
    // generic message, which names the field and the lower bound.
    case 'maxLength':
      return `The size of the ${field.replace(/\[\d+\]/g, '').replace(/\./g, '/')} value must be between 0 and ${String(params.limit)}`;
    case 'maxItems':
      return `${field} must have at most ${String(params.limit)} items`;
    case 'minItems':
      return `${field} must have at least ${String(params.limit)} items`;
    default:
      return `Bad value: ${field} (${error.message ?? 'invalid'})`;
  }
}

/**
 * `bodySent`: whether the request carried a body (an absent one is a missing field, `body is required`).
 */
export function validationError(errors: readonly FastifySchemaValidationError[], style: ValidationStyle, bodySent: boolean): ApiError {
  if (style === 'bad_value') {
    // A body that is not an object at all (`["wrong order data"]`, `null`, `42`) is a malformed request,
    // not a bad field: Klarna answers it 400 BAD_REQUEST (its Checkout SDK's tests expect exactly that).
    if (bodySent && errors.some((e) => e.instancePath === '' && e.keyword === 'type')) return badRequest('The request body must be a JSON object');
    return new ApiError(400, 'BAD_VALUE', [...new Set(errors.slice(0, 20).map(describeBadValue))]);
  }
  const messages = [...new Set(errors.slice(0, 20).map(describe))];
  return new ApiError(422, 'UNPROCESSABLE_ENTITY', messages);
}
