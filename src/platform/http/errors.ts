/**
 * Klarna's error envelope `{error_code, error_messages[], correlation_id}` and the one error type
 * that operations throw for a refusal. Anything else that escapes a handler is a bug: logged whole
 * with the correlation id and answered with a generic 500.
 */

/**
 * What a refusal is answered with instead of the envelope, where Klarna answers otherwise: a page
 * (Klarna's edge 401 is HTML) or nothing at all (Checkout's 404 has no body). `type` null: no body.
 */
export interface ErrorPage {
  readonly type: string | null;
  readonly text: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    readonly errorMessages: readonly string[],
    readonly headers: Readonly<Record<string, string>> = {},
    /** Sent instead of the envelope (which is the default). */
    readonly page: ErrorPage | null = null,
  ) {
    super(`${statusCode} ${errorCode}: ${errorMessages.join('; ')}`);
  }
}

/** The same refusal answered without a body (status, headers and correlation id only). */
export const withoutBody = (error: ApiError): ApiError => new ApiError(error.statusCode, error.errorCode, error.errorMessages, error.headers, { type: null, text: '' });

export interface ErrorEnvelope {
  error_code: string;
  error_messages: string[];
  correlation_id: string;
}

export function envelope(error: ApiError, correlationId: string): ErrorEnvelope {
  return { error_code: error.errorCode, error_messages: [...error.errorMessages], correlation_id: correlationId };
}

/** What a request was refused with: its error code and first message (for the request journal). */
export interface Refusal {
  code: string;
  message: string | null;
}

const refusals = new WeakMap<object, Refusal>();

/** Notes the refusal a request is answered with (the error handler, and a replayed refusal). */
export function noteRefusal(request: object, code: string, messages: readonly unknown[]): void {
  const first = messages.find((m) => typeof m === 'string');
  refusals.set(request, { code, message: typeof first === 'string' ? first : null });
}

/** The refusal noted for a request, if it was refused. */
export const refusalOf = (request: object): Refusal | undefined => refusals.get(request);

// Errors shared by every API; module-specific ones live in each module's errors.ts.
export const badRequest = (...messages: string[]) => new ApiError(400, 'BAD_REQUEST', messages);
export const badValue = (...messages: string[]) => new ApiError(400, 'BAD_VALUE', messages);
const CHALLENGE = { 'www-authenticate': 'Basic realm="klarna-local"' };
/** 401 in Klarna's envelope, with the Basic challenge: klarna-local's own sandbox API (docs/fidelity.md). */
export const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', ['Missing or invalid credentials'], CHALLENGE);
const EDGE_401_PAGE = '<html>\n<head><title>401 Authorization Required</title></head>\n<body>\n<h1>401 Authorization Required</h1>\n<p>klarna-local</p>\n</body>\n</html>\n';
/**
 * 401 as Klarna's edge answers it in front of its APIs (behaviour reference §0.2): the Basic
 * challenge and an HTML page, no JSON error object. Clients tell a credentials problem by exactly
 * that: Klarna's PHP SDK raises its API error only for a body with `error_code`.
 */
export const edgeUnauthorized = () =>
  new ApiError(401, 'UNAUTHORIZED', ['Missing or invalid credentials'], CHALLENGE, { type: 'text/html; charset=utf-8', text: EDGE_401_PAGE });
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
