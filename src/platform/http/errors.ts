/**
 * Klarna's error envelope `{error_code, error_messages[], correlation_id}` and the one error type
 * that operations throw for a refusal. Anything else that escapes a handler is a bug: logged whole
 * with the correlation id and answered with a generic 500.
 */

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    readonly errorMessages: readonly string[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${statusCode} ${errorCode}: ${errorMessages.join('; ')}`);
  }
}

export interface ErrorEnvelope {
  error_code: string;
  error_messages: string[];
  correlation_id: string;
}

export function envelope(error: ApiError, correlationId: string): ErrorEnvelope {
  return { error_code: error.errorCode, error_messages: [...error.errorMessages], correlation_id: correlationId };
}

// Errors shared by every API; module-specific ones live in each module's errors.ts.
export const badRequest = (...messages: string[]) => new ApiError(400, 'BAD_REQUEST', messages);
export const badValue = (...messages: string[]) => new ApiError(400, 'BAD_VALUE', messages);
export const unauthorized = () =>
  new ApiError(401, 'UNAUTHORIZED', ['Missing or invalid credentials'], { 'www-authenticate': 'Basic realm="klarna-local"' });
export const notFoundRoute = (method: string, url: string) =>
  new ApiError(404, 'NOT_FOUND', [`No route for ${method} ${url.split('?')[0] ?? ''}`]);
export const methodNotAllowed = (method: string, url: string) =>
  new ApiError(405, 'METHOD_NOT_ALLOWED', [`Method ${method} is not allowed on ${url.split('?')[0] ?? ''}`]);
export const requestTooLarge = () => new ApiError(413, 'REQUEST_TOO_LARGE', ['Request is too large']);
export const unsupportedMediaType = (type: string) =>
  new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', [`Content type ${type} is not supported; send application/json`]);
export const unprocessable = (...messages: string[]) => new ApiError(422, 'UNPROCESSABLE_ENTITY', messages);
export const internalError = () => new ApiError(500, 'INTERNAL_SERVER_ERROR', ['Unexpected server error']);
export const temporarilyUnavailable = () => new ApiError(503, 'TEMPORARILY_UNAVAILABLE', ['Temporarily unavailable']);
