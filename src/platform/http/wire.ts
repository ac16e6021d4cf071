/**
 * What goes over the socket, below Fastify: header names in the canonical case Klarna's edge uses,
 * requests whose framing leaves stray bytes on the connection, and requests Node's HTTP parser
 * refuses before any route could see them (behaviour reference §12).
 *
 * - Header names. HTTP names are case-insensitive (RFC 9110), but clients look some up by exact name
 *   (Klarna's PHP SDK reads `Content-Type` and `Location`). Fastify lower-cases every name it is
 *   given, so the response class rewrites names to `Content-Type`, `Klarna-Correlation-Id`,
 *   `WWW-Authenticate`, … as the head is written.
 * - Unframed bodies. A request that declares a `Content-Type` but neither `Content-Length` nor
 *   `Transfer-Encoding` has no body by HTTP's rules (RFC 9112 §6.3), yet its client may write one
 *   anyway: one Node client writes `{}` after every GET. Those bytes would be read as the next
 *   request. Such a request is answered with `Connection: close` and the connection ends after the
 *   answer, so stray bytes never poison a kept-alive connection.
 * - Parser refusals. Bytes Node's parser cannot read (a malformed request line, oversized headers,
 *   bad framing) never reach Fastify. If a request on the connection is still being answered, the
 *   bytes were its stray body: that answer is sent whole, with `Connection: close`, and the
 *   connection ends after it. Otherwise the refusal is answered here in Klarna's error envelope with
 *   a correlation id and `Connection: close`, and reported (logged and counted by the caller).
 */
import { randomUUID } from 'node:crypto';
import { ServerResponse } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorEnvelope } from './errors.js';

/** Names whose canonical form is not "each dash-separated word capitalised". */
const SPECIAL_NAMES: Readonly<Record<string, string>> = {
  'www-authenticate': 'WWW-Authenticate',
  etag: 'ETag',
  'content-md5': 'Content-MD5',
  te: 'TE',
  dnt: 'DNT',
  'x-xss-protection': 'X-XSS-Protection',
};

const canonicalNames = new Map<string, string>();

/** `content-type` → `Content-Type`, `www-authenticate` → `WWW-Authenticate`, `x-ratelimit-limit` → `X-Ratelimit-Limit`. */
export function canonicalHeaderName(name: string): string {
  let canonical = canonicalNames.get(name);
  if (canonical === undefined) {
    const lower = name.toLowerCase();
    canonical = SPECIAL_NAMES[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
    // Names come from code, not from requests, so the map stays small; the bound is a safeguard.
    if (canonicalNames.size < 1000) canonicalNames.set(name, canonical);
  }
  return canonical;
}

type HeaderList = OutgoingHttpHeaders | OutgoingHttpHeader[];

function canonicalHeaders(headers: HeaderList | undefined): HeaderList | undefined {
  if (headers === undefined || headers === null) return headers;
  if (Array.isArray(headers)) {
    // Node accepts [name, value, name, value, …] and [[name, value], …].
    return headers.map((item, i) => {
      if (Array.isArray(item)) return [canonicalHeaderName(String(item[0])), ...item.slice(1)] as unknown as OutgoingHttpHeader;
      return i % 2 === 0 ? canonicalHeaderName(String(item)) : item;
    });
  }
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) out[canonicalHeaderName(name)] = headers[name];
  return out;
}

/** The response still being answered on a socket, if any (set as each response is made). */
const LATEST_RESPONSE = Symbol('klarna-local.latestResponse');
/** Set once a parser refusal has been answered (or left to the response in flight) on a socket. */
const REFUSAL_HANDLED = Symbol('klarna-local.refusalHandled');

interface WireSocket extends Socket {
  [LATEST_RESPONSE]?: KlarnaServerResponse;
  [REFUSAL_HANDLED]?: boolean;
}

/** Whether a request declares a body (`Content-Type`) without saying where it ends. */
export function hasUnframedBody(request: IncomingMessage): boolean {
  const headers = request.headers;
  return headers['content-type'] !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined;
}

/**
 * Node's response with canonical header names, which closes the connection after answering a
 * request whose body is unframed. Given to the HTTP server as its `ServerResponse` class.
 */
export class KlarnaServerResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  constructor(request: Request) {
    super(request);
    const socket = request.socket as WireSocket | null;
    if (socket) socket[LATEST_RESPONSE] = this as KlarnaServerResponse;
  }

  override setHeader(name: string, value: number | string | readonly string[]): this {
    return super.setHeader(canonicalHeaderName(name), value);
  }

  // Node's own signature: writeHead(status, headers?) or writeHead(status, reason, headers?).
  override writeHead(statusCode: number, reason?: string | HeaderList, headers?: HeaderList): this {
    // Node sends `Connection: close` and ends the connection after this response.
    if (hasUnframedBody(this.req)) this.shouldKeepAlive = false;
    if (typeof reason === 'string') return super.writeHead(statusCode, reason, canonicalHeaders(headers));
    return super.writeHead(statusCode, canonicalHeaders(reason));
  }
}

/** What was refused, for the caller's log line and metrics. */
export interface ParserRefusal {
  correlationId: string;
  status: number;
  errorCode: string;
  /** Node's code (HPE_INVALID_METHOD, HPE_HEADER_OVERFLOW, ERR_HTTP_REQUEST_TIMEOUT, …). */
  code: string;
  reason: string;
  remoteAddress: string | undefined;
}

export interface ClientErrorHooks {
  /** An answered refusal: log it and count it. */
  refused(refusal: ParserRefusal): void;
  /** Bytes after a request that was still being answered, discarded with the connection. */
  strayBytes(details: { code: string; remoteAddress: string | undefined }): void;
}

/** How long a refused connection may keep sending before it is dropped (its bytes are read and discarded meanwhile). */
const LINGER_MS = 2000;

function refusalOf(error: NodeJS.ErrnoException & { reason?: string }): { status: number; errorCode: string; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE', message: 'The request headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, errorCode: 'REQUEST_TOO_LARGE', message: 'The chunk extensions of the request body are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, errorCode: 'REQUEST_TIMEOUT', message: 'The request was not received in time' };
    default: {
      const reason = typeof error.reason === 'string' && error.reason !== '' ? `: ${error.reason}` : '';
      return { status: 400, errorCode: 'BAD_REQUEST', message: `The request is not valid HTTP/1.1${reason}` };
    }
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * The HTTP server's `clientError` listener (Fastify's `clientErrorHandler`), replacing Fastify's
 * bare `{"error":"Bad Request"}` answer that also cut off a response still in flight.
 */
export function handleClientError(error: NodeJS.ErrnoException & { reason?: string }, rawSocket: Socket, hooks: ClientErrorHooks): void {
  const socket = rawSocket as WireSocket;
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The parser stays in its error state: every later chunk on this connection reports again.
  if (socket[REFUSAL_HANDLED]) return;
  socket[REFUSAL_HANDLED] = true;
  const remoteAddress = socket.remoteAddress;

  const inFlight = socket[LATEST_RESPONSE];
  if (inFlight && !inFlight.writableFinished && inFlight.req.complete) {
    // The request before these bytes was read whole and is still being answered: the bytes were its
    // unframed body (a request cut off by bad framing is refused below instead).
    // It gets its whole answer, and the connection ends after it.
    if (!inFlight.headersSent) inFlight.shouldKeepAlive = false;
    else inFlight.once('finish', () => socket.destroySoon());
    hooks.strayBytes({ code: error.code ?? 'unknown', remoteAddress });
    return;
  }

  const { status, errorCode, message } = refusalOf(error);
  const correlationId = randomUUID();
  hooks.refused({ correlationId, status, errorCode, code: error.code ?? 'unknown', reason: error.reason ?? error.message, remoteAddress });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const envelope: ErrorEnvelope = { error_code: errorCode, error_messages: [message], correlation_id: correlationId };
  const body = Buffer.from(JSON.stringify(envelope));
  const head =
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    `Klarna-Correlation-Id: ${correlationId}\r\n` +
    'Connection: close\r\n\r\n';
  // Half-close after the answer, and go on reading (and discarding) what the client still sends for
  // a moment: closing with unread bytes would reset the connection and could destroy the answer
  // before the client reads it.
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
