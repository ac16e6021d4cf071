/**
 * The OpenAPI 3.1 document of everything the server serves, built by @fastify/swagger from the routes
 * as they are added, and completed here:
 *
 *  - `transform` sees each route with its options: every route is shown (the docs' own routes too,
 *    which their plugins hide), tagged by API, and its facts are kept (credentials, body, validation
 *    style, fault rules);
 *  - `transformObject` writes each operation's answers: its own (operations.ts, or the route's response
 *    schemas where it has them) and, from its facts, the refusals every route shares, each with the
 *    media types it really has (Klarna's edge answers 401 with HTML; the dashboard's refusals are pages).
 *
 * The answers are written into the document only: no route serialises through them, so a hand-built
 * body stays byte for byte what it was (docs/architecture.md).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { TSchema } from 'typebox';
import type { ValidationStyle } from '../../platform/http/validation.js';
import { FAULT_STATUSES } from '../faults/fault.js';
import type { Answer, OperationDoc } from './answers.js';
import { JSON_TYPE } from './answers.js';
import { OPERATION_DOCS } from './operations.js';
import { ErrorEnvelope } from './schemas.js';

export interface DocumentSettings {
  /** The sandbox API is served, and fault rules can answer for any merchant route. */
  sandbox: boolean;
  /** Klarna's rate limits are emulated (429 on every merchant route). */
  rateLimit: boolean;
  version: string;
}

/** What the document needs to know about a route, read from its options as it is added. */
interface RouteFacts {
  auth: boolean;
  faults: boolean;
  /** How a schema violation is answered; null when the route validates nothing. */
  validation: ValidationStyle | null;
  takesBody: boolean;
  /** The route declares its response schemas (the document keeps them). */
  ownResponses: boolean;
}

/** Klarna's merchant APIs: their 401 is the edge's HTML page (§0.2), not the envelope. */
const KLARNA_API = /^\/(?:ordermanagement|payments|customer-token|hpp\/v1|settlements|merchantcard|checkout\/v3\/orders)(?:\/|$)/;
/** The refusals each API's operations answer by their own rules (docs/error-codes.md), sandbox or not. */
const API_REFUSALS: readonly [RegExp, readonly number[]][] = [
  [/^\/ordermanagement\//, [403, 404]],
  [/^\/payments\//, [403, 404, 409]],
  [/^\/checkout\/v3\/orders/, [403, 404]],
  [/^\/customer-token\//, [403, 404, 409]],
  [/^\/hpp\/v1\//, [403, 404, 429]],
  [/^\/settlements\//, [403, 404]],
  [/^\/merchantcard\//, [403, 404]],
  [/^\/sandbox\//, [403, 404, 409]],
];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `/orders/:order_id` → `/orders/{order_id}`, a wildcard → `{*}`, as @fastify/swagger writes paths. */
export const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');

const TAGS: readonly [RegExp, string, string][] = [
  [/^\/ordermanagement\//, 'Order Management v1', 'Orders after purchase: captures, refunds, changes'],
  [/^\/payments\//, 'Payments v1', 'Sessions, authorizations, orders and customer tokens'],
  [/^\/checkout\/v3\/orders/, 'Checkout v3', 'Checkout orders and their snippet'],
  [/^\/checkout\/v3\/page/, 'Checkout page', 'The checkout page and its API (authenticated by its page token)'],
  [/^\/customer-token\//, 'Customer Token v1', 'Recurring charges'],
  [/^\/hpp\/v1\//, 'Hosted Payment Page v1', 'HPP sessions'],
  [/^\/hpp\//, 'Hosted Payment Page (browser)', 'The hosted page, its buttons and QR codes'],
  [/^\/kp\//, 'Payments widget', 'Klarna’s browser library as a drop-in, and its widget (authenticated by the client token)'],
  [/^\/settlements\//, 'Settlements v1', 'Payouts, transactions and reports'],
  [/^\/merchantcard\//, 'Merchant Card Service v3', 'Virtual cards'],
  [/^\/sandbox\//, 'Sandbox', 'What Klarna does behind its walls, for tests (absent with --no-sandbox)'],
  [/^\/dashboard/, 'Dashboard', 'The web dashboard (a session cookie; HTML pages and forms)'],
  [/^\/(?:openapi|docs)/, 'Reference', 'This document and its browsable reference'],
  [/^/, 'Operations', 'Liveness, readiness and metrics'],
];
const tagOf = (path: string): string => (TAGS.find(([pattern]) => pattern.test(path)) as (typeof TAGS)[number])[1];

const ref = (kind: 'schemas' | 'responses' | 'headers', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const CORRELATION = { 'Klarna-Correlation-Id': ref('headers', 'CorrelationId') };
const ENVELOPE = { [JSON_TYPE]: { schema: ref('schemas', 'ErrorEnvelope') } };
const PAGE_OR_ENVELOPE = { 'text/html': {}, ...ENVELOPE };

/** The refusals every route may answer, by status, in Klarna's envelope. */
const REFUSALS: Readonly<Record<number, [string, string]>> = {
  400: [
    'BadRequest',
    'Refused: malformed JSON, a body that is not valid UTF-8, nested deeper than 256 levels or holding NUL, a URL that does not decode or holds `%00` (BAD_REQUEST); on the APIs that answer field problems with 400, a schema violation or a broken rule (BAD_VALUE). Error codes: docs/error-codes.md.',
  ],
  403: ['Forbidden', 'Refused by the operation’s rules (NOT_ALLOWED, CAPTURE_NOT_ALLOWED, READ_ONLY_ORDER, …; docs/error-codes.md).'],
  404: ['NotFound', 'Unknown, or another merchant’s (NO_SUCH_ORDER, NOT_FOUND, …).'],
  409: ['Conflict', 'In conflict with an earlier request: an idempotency key sent again with another body, a concurrent change.'],
  413: ['RequestTooLarge', 'The body is over 5 MiB (REQUEST_TOO_LARGE).'],
  415: ['UnsupportedMediaType', 'A non-empty body that is not JSON (UNSUPPORTED_MEDIA_TYPE).'],
  422: ['UnprocessableEntity', 'The body breaks the schema or Klarna’s arithmetic (UNPROCESSABLE_ENTITY, INVALID_ADDRESS).'],
  429: ['TooManyRequests', 'Over a rate limit (TOO_MANY_REQUESTS), with `Retry-After` and `X-Ratelimit-*`: with `--rate-limit`, over the Hosted Payment Page’s distribution limits (a setting), or from a fault rule.'],
  500: ['InternalServerError', 'A bug, logged with the correlation id (INTERNAL_SERVER_ERROR).'],
  502: ['BadGateway', 'Only from a sandbox fault rule (BAD_GATEWAY).'],
  503: ['TemporarilyUnavailable', 'The database cannot be reached or used, or a fault rule (TEMPORARILY_UNAVAILABLE).'],
  504: ['GatewayTimeout', 'Only from a sandbox fault rule (GATEWAY_TIMEOUT).'],
};

function components(): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    EdgeUnauthorized: {
      description: 'Missing or wrong credentials: the page Klarna’s edge answers (HTML) with the Basic challenge, no envelope.',
      headers: { ...CORRELATION, 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Basic realm="klarna-local"' } },
      content: { 'text/html': {} },
    },
    Unauthorized: {
      description: 'Missing or wrong credentials, in the envelope (UNAUTHORIZED), with the Basic challenge.',
      headers: { ...CORRELATION, 'WWW-Authenticate': { schema: { type: 'string' }, description: 'Basic realm="klarna-local"' } },
      content: ENVELOPE,
    },
  };
  for (const [name, description] of Object.values(REFUSALS)) responses[name] = { description, headers: CORRELATION, content: ENVELOPE };
  return {
    schemas: { ErrorEnvelope: plain(ErrorEnvelope) },
    headers: { CorrelationId: { description: 'The request’s correlation id (also in every error body)', schema: { type: 'string', format: 'uuid' } } },
    responses,
    securitySchemes: {
      merchant: { type: 'http', scheme: 'basic', description: 'A merchant’s credentials (printed at the first start, or KLARNA_LOCAL_MERCHANTS)' },
      dashboardSession: { type: 'apiKey', in: 'cookie', name: 'klarna_local_dashboard', description: 'The dashboard’s session, set by signing in' },
    },
  };
}

/** A TypeBox schema as plain JSON (its own markers are not enumerable, so they drop out). */
const plain = (schema: TSchema): unknown => JSON.parse(JSON.stringify(schema));

function answerObject(answer: Answer, withBody: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...CORRELATION };
  for (const [name, description] of Object.entries(answer.headers ?? {})) headers[name] = { description, schema: { type: 'string' } };
  const content = answer.content && withBody ? Object.fromEntries(Object.entries(answer.content).map(([type, schema]) => [type, schema === null ? {} : { schema: plain(schema) }])) : undefined;
  return { description: answer.description, headers, ...(content && { content }), ...(answer.empty && { 'x-empty': true }) };
}

/** Fault rules answer for merchant routes while the sandbox is on (not for the fault routes themselves). */
const faultable = (facts: RouteFacts, settings: DocumentSettings) => settings.sandbox && facts.auth && facts.faults;

/** The refusals a route can answer whatever it does, from its facts. */
function sharedRefusals(path: string, facts: RouteFacts, settings: DocumentSettings): number[] {
  const statuses = new Set([400, 500, 503]);
  if (facts.auth) statuses.add(401);
  if (facts.takesBody) [413, 415].forEach((s) => statuses.add(s));
  if (facts.validation === 'unprocessable') statuses.add(422);
  if (facts.auth && settings.rateLimit) statuses.add(429);
  if (faultable(facts, settings)) FAULT_STATUSES.forEach((s) => statuses.add(s));
  for (const [pattern, own] of API_REFUSALS) if (facts.auth && pattern.test(path)) own.forEach((s) => statuses.add(s));
  return [...statuses];
}

function refusalObject(path: string, status: number, facts: RouteFacts, own: string | undefined): unknown {
  if (status === 401 && facts.auth) return ref('responses', KLARNA_API.test(path) ? 'EdgeUnauthorized' : 'Unauthorized');
  const pages = path.startsWith('/dashboard') || path.startsWith('/hpp/pay') || path.startsWith('/hpp/distribution');
  // The dashboard's and the hosted page's refusals are pages (the hosted page's for browsers only); a 5xx is the envelope.
  if (pages && status < 500) return { description: own ?? REFUSALS[status]?.[1] ?? 'Refused', headers: CORRELATION, content: PAGE_OR_ENVELOPE };
  if (own !== undefined) return { description: own, headers: CORRELATION, content: ENVELOPE };
  const shared = REFUSALS[status];
  return shared ? ref('responses', shared[0]) : { description: 'Refused', headers: CORRELATION, content: ENVELOPE };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
}

/**
 * The document with every operation's answers written. It is copied first (swagger gives a GET and a
 * HEAD of one route the same operation object) and last (objects used in many places would be YAML
 * anchors and aliases in /openapi.yaml, which parsers limit).
 */
function complete(built: Record<string, unknown>, facts: ReadonlyMap<string, RouteFacts>, settings: DocumentSettings): Record<string, unknown> {
  const document = JSON.parse(JSON.stringify(built)) as Record<string, unknown>;
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const routeFacts = facts.get(key) ?? facts.get(`GET ${path}`);
      const doc: OperationDoc | undefined = OPERATION_DOCS[key] ?? (method === 'head' ? OPERATION_DOCS[`GET ${path}`] : undefined);
      const responses: Record<string, unknown> = {};
      // The route's own response schemas (success answers; its refusals are written below like every route's).
      if (routeFacts?.ownResponses) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          const own = response as { description?: string; headers?: Record<string, unknown> };
          const description = own.description === 'Default Response' ? (STATUS_CODES[status] ?? 'Done') : own.description;
          if (Number(status) < 400) responses[status] = { ...own, description, headers: { ...CORRELATION, ...own.headers } };
        }
      }
      for (const [status, answer] of Object.entries(doc?.responses ?? {})) responses[status] = answerObject(answer, method !== 'head');
      if (routeFacts) {
        const statuses = new Set([...sharedRefusals(path, routeFacts, settings), ...Object.keys(doc?.refusals ?? {}).map(Number)]);
        for (const status of statuses) responses[String(status)] ??= refusalObject(path, status, routeFacts, doc?.refusals?.[status]);
      }
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
      if (doc) {
        operation.summary = doc.summary;
        const notes = [doc.description, routeFacts && faultable(routeFacts, settings) ? FAULT_NOTE : undefined].filter((n) => n !== undefined);
        if (notes.length > 0) operation.description = notes.join('\n\n');
        if (doc.optionalBody && operation.requestBody) operation.requestBody.required = false;
        if (doc.form) operation.requestBody = { required: true, content: { 'application/x-www-form-urlencoded': { schema: formSchema(doc.form) } } };
      }
      operation.security = !routeFacts?.auth ? (path.startsWith('/dashboard') && !OPEN_DASHBOARD.test(path) ? [{ dashboardSession: [] }] : []) : [{ merchant: [] }];
    }
  }
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}

const OPEN_DASHBOARD = /^\/dashboard(?:\/sign-in|\/assets\/.*)?$/;
const FAULT_NOTE = `A sandbox fault rule (\`POST /sandbox/v1/faults\`) may answer ${FAULT_STATUSES.join(', ')} in its place, or delay or drop the answer.`;

const formSchema = (fields: Readonly<Record<string, string>>) => ({
  type: 'object',
  properties: Object.fromEntries(Object.entries(fields).map(([name, description]) => [name, { type: 'string', description }])),
});

const INFO_DESCRIPTION = [
  'Everything this klarna-local server serves: Klarna’s merchant APIs as implemented here (with this server’s real status codes and bodies), the sandbox API, the shopper pages and their APIs, the dashboard and the operations routes.',
  'Every answer carries `Klarna-Correlation-Id`; every JSON refusal is Klarna’s envelope with the same id (error codes: docs/error-codes.md). A known path with another method is 405 METHOD_NOT_ALLOWED and an unknown path 404 NOT_FOUND, both in the envelope.',
].join('\n\n');

/** @fastify/swagger's options for one app (its routes' facts are kept per app). */
export function documentOptions(settings: DocumentSettings): FastifyDynamicSwaggerOptions {
  const facts = new Map<string, RouteFacts>();
  const openapi = {
    openapi: '3.1.0',
    info: { title: 'klarna-local', version: settings.version, description: INFO_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    tags: TAGS.map(([, name, description]) => ({ name, description })),
    components: components(),
  };
  return {
    openapi: openapi as FastifyDynamicSwaggerOptions['openapi'],
    transform: ({ schema, url, route }) => {
      const path = openapiPath(url);
      const config = route.config ?? {};
      const validated = schema !== undefined && (schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined || schema.headers !== undefined);
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        facts.set(`${method} ${path}`, {
          auth: config.auth !== false,
          faults: config.faults !== false,
          validation: validated ? (config.validationStyle ?? 'unprocessable') : null,
          takesBody: BODY_METHODS.has(method),
          ownResponses: schema?.response !== undefined,
        });
      }
      const { hide: _hidden, ...shown } = (schema ?? {}) as Record<string, unknown>;
      return { schema: { ...shown, tags: [tagOf(path)] } as FastifySchema, url };
    },
    transformObject: (documentObject) =>
      complete((documentObject as { openapiObject: Record<string, unknown> }).openapiObject, facts, settings) as ReturnType<NonNullable<FastifyDynamicSwaggerOptions['transformObject']>>,
  };
}
