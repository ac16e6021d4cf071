/**
 * buildApp(deps): Fastify with the cross-cutting hooks (correlation id, authentication, body
 * parsing, Klarna's error envelope) and what every module of src/modules/index.ts declares: its
 * routes, its callback kinds, its background steps and its reactions (platform/module.ts).
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, AppDeps, ModuleDeps } from './platform/app.js';
import { CallbackDispatcher } from './platform/outbox/dispatcher.js';
import { loggableUrl, redactPaths } from './platform/logging.js';
import { isDatabaseUnavailable } from './platform/db/unavailable.js';
import { ApiError, badRequest, edgeUnauthorized, envelope, internalError, methodNotAllowed, notFoundRoute, noteRefusal, requestTooLarge, temporarilyUnavailable, unauthorized, unsupportedMediaType } from './platform/http/errors.js';
import { KlarnaServerResponse, handleClientError } from './platform/http/wire.js';
import type { ClientErrorHooks } from './platform/http/wire.js';
import { validationError } from './platform/http/validation.js';
import type { ApiModule } from './platform/module.js';
import { dueWorkOf, registerCallbackKinds } from './platform/module.js';
import { Reactions } from './platform/reactions.js';
import { MODULES } from './modules/index.js';
import { instrumentRequests, registerOperationsRoutes } from './modules/operations/routes.js';
import { registerReference } from './modules/reference/routes.js';

/**
 * One validator compiler for every app of the process: Ajv keeps what it compiled by schema, and the
 * route schemas are module constants, so a second app (tests build many) compiles nothing again.
 */
const sharedValidatorCompiler = AjvCompiler();

/**
 * Each route's validator is compiled when the route first validates a request, not when the app is
 * built: an app has some 250 schemas to compile (half a second), most of which an embedded instance
 * in a merchant's test suite, a short `exec` run or a test never uses. A route's first request pays
 * for its own schema (a few milliseconds), once per process.
 */
const lazyValidatorCompiler: typeof sharedValidatorCompiler = (externalSchemas, options) => {
  const compile = sharedValidatorCompiler(externalSchemas, options);
  return (route) => {
    let compiled: ReturnType<typeof compile> | undefined;
    const validate = ((data: unknown) => {
      compiled ??= compile(route);
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    }) as ReturnType<typeof compile>;
    return validate;
  };
};

/**
 * The same for the response serializers: compiled once per response schema object (module constants)
 * for every app of the process, instead of once per route of every app (embedded instances and tests
 * build many apps). No app adds shared schemas or serializer options, so one compilation serves all.
 */
const serializerSelector = SerializerSelector();
const compiledSerializers = new WeakMap<object, SerializerSelector.Serializer>();
const sharedSerializerCompiler: SerializerSelector.SerializerFactory = (externalSchemas, options) => {
  const compile = serializerSelector(externalSchemas, options);
  return (route) => {
    const key = route.schema as object;
    let serializer = compiledSerializers.get(key);
    if (!serializer) compiledSerializers.set(key, (serializer = compile(route)));
    return serializer;
  };
};

/** Largest accepted request body. 1000 fully described order lines fit well inside it. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
const CORRELATION_HEADER = 'klarna-correlation-id';

export async function buildApp(deps: AppDeps, modules: readonly ApiModule[] = MODULES): Promise<App> {
  // What the HTTP parser refuses is logged and counted; the metrics exist once the hooks are added.
  let countRefusal: (status: number) => void = () => undefined;
  const clientErrors: ClientErrorHooks = {
    refused(refusal) {
      deps.logger.warn(
        { correlation_id: refusal.correlationId, status: refusal.status, error_code: refusal.errorCode, code: refusal.code, reason: refusal.reason, remote_address: refusal.remoteAddress },
        'request refused by the HTTP parser',
      );
      countRefusal(refusal.status);
    },
    strayBytes(details) {
      deps.logger.debug({ code: details.code, remote_address: details.remoteAddress }, 'bytes after a request without body framing were discarded; the connection closes after its answer');
    },
  };
  const app = Fastify({
    // Canonical header names and `Connection: close` after an unframed body (platform/http/wire.ts).
    // A request without Host is answered by the Host check below, in Klarna's envelope, not by Node.
    http: { ServerResponse: KlarnaServerResponse, requireHostHeader: false },
    clientErrorHandler: (error, socket) => handleClientError(error, socket, clientErrors),
    loggerInstance: deps.logger,
    // Per-request log lines only at debug and trace (not on the hot path at info); every line a
    // request logs carries its correlation id.
    logController: new LogController({ disableRequestLogging: !deps.logger.isLevelEnabled('debug'), requestIdLogLabel: 'correlation_id' }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: MAX_BODY_BYTES,
    // Clients reach us under any host name (§0.1), with or without a trailing slash.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    schemaController: { compilersFactory: { buildValidator: lazyValidatorCompiler, buildSerializer: sharedSerializerCompiler } },
    // The error handler renders Klarna's envelope; this only carries the errors there.
    schemaErrorFormatter: (errors) => Object.assign(new Error('validation'), { validation: errors }),
    // The router's own refusals (an undecodable path, a parameter over maxParamLength) come before
    // any hook; they too get Klarna's envelope and a correlation id (§0.3, §12).
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  const dispatcher = deps.dispatcher ?? new CallbackDispatcher(deps.db, deps.clock, deps.logger, { pollIntervalMs: deps.config.callbackPollMs });
  registerCallbackKinds(modules, dispatcher);
  redactPaths(modules.flatMap((m) => m.secretPaths ?? []));
  const moduleDeps: ModuleDeps = { ...deps, dispatcher, reactions: new Reactions(modules), dueWork: dueWorkOf(modules) };
  app.decorate('dispatcher', dispatcher);
  app.addHook('onReady', async () => dispatcher.start());
  // Shutting down: a response still in flight closes its connection, so the server is done as soon
  // as the last request is answered instead of waiting for keep-alive connections to time out.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onClose', async () => dispatcher.stop());

  app.decorateRequest('merchant', null);
  registerBodyParsing(app);
  const knownPaths = trackRoutePaths(app);

  // Callback style, so a remembered credential costs no promise on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(CORRELATION_HEADER, request.id);
    // PostgreSQL text cannot hold NUL: refused like an undecodable URL, the same on both databases.
    if (request.url.includes('%00')) return done(badRequest('The URL contains a NUL character (%00)'));
    // HTTP/1.1 requires Host (RFC 9112 §3.2); any value will do (§12).
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      reply.header('connection', 'close');
      return done(badRequest('An HTTP/1.1 request must carry a Host header'));
    }
    if (request.routeOptions.config.auth === false || request.is404) return done();
    const header = request.headers.authorization;
    if (header === undefined && request.routeOptions.config.browserLanding === true && /\btext\/html\b/.test(request.headers.accept ?? '')) return done();
    const known = deps.authenticator.cached(header);
    if (known !== undefined) {
      request.merchant = known;
      return done(known ? undefined : unauthorizedFor(request));
    }
    deps.authenticator.authenticate(header).then((merchant) => {
      request.merchant = merchant;
      done(merchant ? undefined : unauthorizedFor(request));
    }, done);
  });

  // Request metrics and the optional rate limit: after authentication (limits are per merchant),
  // before any route (each route's labels and category are fixed as it is added).
  const metrics = instrumentRequests(app, moduleDeps);
  countRefusal = (status) => metrics.forUnparsed().record(status, 0);

  app.setErrorHandler((error: AnyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const error = knownPaths.some((p) => p.test(path)) ? methodNotAllowed(request.method, request.url) : notFoundRoute(request.method, request.url);
    sendError(error, request, reply);
  });

  // The OpenAPI document learns every route as it is added, so it comes before them (modules/reference).
  await registerReference(app, moduleDeps);

  // Every module's request hooks, then its routes (src/modules/index.ts); the sandbox's unless --no-sandbox.
  for (const module of modules) module.hooks?.(app, moduleDeps);
  registerOperationsRoutes(app, moduleDeps, metrics);
  for (const module of modules) module.routes?.(app, moduleDeps);
  if (deps.config.sandbox) for (const module of modules) module.sandboxRoutes?.(app, moduleDeps);

  await app.ready();
  return app;
}

/**
 * Klarna's APIs answer missing or wrong credentials as Klarna's edge does (an HTML 401, §0.2); the
 * sandbox API is klarna-local's own and keeps the JSON envelope (docs/fidelity.md).
 */
function unauthorizedFor(request: FastifyRequest): ApiError {
  return request.routeOptions.url?.startsWith('/sandbox/') ? unauthorized() : edgeUnauthorized();
}

/** Path patterns of every route, so a known path with the wrong method gets 405 instead of 404. */
function trackRoutePaths(app: App): RegExp[] {
  const paths: RegExp[] = [];
  app.addHook('onRoute', (route) => {
    const source = route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+');
    paths.push(new RegExp(`^${source}/?$`));
  });
  return paths;
}

/** A `\u0000` escape that is not itself an escaped backslash followed by `u0000`. */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

/** Far deeper than any Klarna body; storing or echoing a much deeper one would exhaust the stack. */
export const MAX_JSON_DEPTH = 256;

/** Whether a JSON text nests objects and arrays deeper than `limit` (brackets inside strings do not count). */
function nestsDeeperThan(text: string, limit: number): boolean {
  // Each level takes at least one character, so a short text cannot be too deep.
  if (text.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Bodies: JSON of any declared type; an empty body (any content type) is no body at all, which
 * some clients send with `Content-Type: application/json` or form encoding on POSTs (§12).
 */
function registerBodyParsing(app: App): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const utf8 = isUtf8(bytes);
    const text = utf8 ? bytes.toString('utf8') : '';
    if (utf8 && text.trim() === '') {
      done(null, undefined);
      return;
    }
    const type = (request.headers['content-type'] ?? '').toLowerCase();
    if (type !== '' && !type.includes('json') && !type.startsWith('text/plain')) {
      done(unsupportedMediaType(type.split(';')[0] ?? type), undefined);
      return;
    }
    // Decoding would silently turn broken bytes into U+FFFD and store that: refused instead.
    if (!utf8) {
      done(badRequest('The request body is not valid UTF-8'), undefined);
      return;
    }
    // PostgreSQL text cannot hold NUL: refused before anything is stored, the same on both databases.
    if (text.includes('\\u0000') && NUL_ESCAPE.test(text)) {
      done(badRequest('JSON strings may not contain the NUL character (\\u0000)'), undefined);
      return;
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) done(badRequest(`Malformed JSON: ${error.message}`), undefined);
      else done(null, value);
    });
  });
}

type AnyError = Error & Partial<FastifyError> & { validation?: unknown };

function toApiError(error: AnyError, request: FastifyRequest): ApiError | null {
  if (error instanceof ApiError) return error;
  if (Array.isArray(error.validation)) {
    const bodySent = (error as { validationContext?: string }).validationContext === 'body' && request.body !== undefined;
    return validationError(error.validation, request.routeOptions.config?.validationStyle ?? 'unprocessable', bodySent);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return requestTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(request.headers['content-type'] ?? 'unknown');
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return requestTooLarge();
  if (status >= 400 && status < 500) return badRequest(error.message);
  return null;
}

function sendError(error: AnyError, request: FastifyRequest, reply: FastifyReply): void {
  let apiError = toApiError(error, request);
  if (!apiError && isDatabaseUnavailable(error)) {
    request.log.warn({ err: error, method: request.method, url: loggableUrl(request.url) }, 'database unavailable');
    apiError = temporarilyUnavailable();
  }
  if (!apiError) {
    // The request's logger adds correlation_id itself; naming it here too wrote the key twice in one line.
    request.log.error({ err: error, method: request.method, url: loggableUrl(request.url) }, 'unexpected error');
    apiError = internalError();
  }
  reply.code(apiError.statusCode).headers(apiError.headers).header(CORRELATION_HEADER, request.id);
  noteRefusal(request, apiError.errorCode, apiError.errorMessages);
  const page = apiError.page;
  if (page) {
    if (page.type === null) {
      reply.send();
      return;
    }
    reply.type(page.type).send(page.text);
    return;
  }
  reply.type('application/json; charset=utf-8').send(envelope(apiError, request.id));
}
