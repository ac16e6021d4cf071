/**
 * Validates our responses against Klarna's published contract in ../shared/klarna-openapi/normalized.
 * Where ../shared is absent, validation is skipped with a printed reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { PROJECT_ROOT } from './root.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const SHARED_OPENAPI_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'klarna-openapi', 'normalized');

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

interface LoadedDocument {
  doc: OpenApiDocument;
  routes: { method: string; pattern: RegExp; template: string }[];
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addFormat('int64', true);
ajv.addFormat('int32', true);

const loaded = new Map<string, LoadedDocument | null>();
const compiled = new Map<string, ValidateFunction>();
let warned = false;

function load(api: string): LoadedDocument | null {
  if (loaded.has(api)) return loaded.get(api) ?? null;
  const file = path.join(SHARED_OPENAPI_DIR, `${api}.json`);
  if (!fs.existsSync(file)) {
    if (!warned) console.log(`# OpenAPI response validation SKIPPED: ${file} not found (../shared is absent)`);
    warned = true;
    loaded.set(api, null);
    return null;
  }
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
  ajv.addSchema({ $id: `${api}.json`, components: doc.components });
  const routes = Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.keys(methods).map((method) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    })),
  );
  const entry = { doc, routes };
  loaded.set(api, entry);
  return entry;
}

export const openApiAvailable = (): boolean => fs.existsSync(SHARED_OPENAPI_DIR);

/** Rewrites local refs so they resolve inside the document registered as `${api}.json`. */
function rebase(schema: unknown, api: string): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${api}.json#/`));
}

export interface ValidatedResponse {
  method: string;
  url: string;
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * Throws when a response does not match the documented schema of its operation and status.
 * Statuses the document does not list for the operation (e.g. 401, 422) are checked as Klarna's
 * error envelope.
 */
export function validateAgainstContract(api: string, response: ValidatedResponse): void {
  const entry = load(api);
  if (!entry) return;
  const pathOnly = response.url.split('?')[0] ?? '';
  const route = entry.routes.find((r) => r.method === response.method && r.pattern.test(pathOnly));
  if (!route) throw new Error(`no operation in ${api}.json for ${response.method} ${pathOnly}`);
  const operation = entry.doc.paths[route.template]?.[route.method.toLowerCase()];
  const documented = operation?.responses?.[String(response.statusCode)];
  // Klarna's OM writes answer 201/204 with no body (§12), whatever stray content the document lists;
  // the Customer Token status update answers 202 with no body.
  // Checkout's and the Hosted Payment Page's creates are the exceptions: 201 with a body.
  // The Merchant Card Service answers its 201s and 202s with the documented bodies.
  const withBody = api === 'checkout' || api === 'merchant-card-service' || (api === 'hpp' && route.template === '/hpp/v1/sessions');
  const emptyCreated = response.statusCode === 201 && !withBody;
  if (response.statusCode === 204 || emptyCreated || (response.statusCode === 202 && api !== 'merchant-card-service')) {
    if (response.body !== '') throw new Error(`${response.method} ${pathOnly} ${response.statusCode} must have no body`);
    if (response.headers['content-type'] !== undefined) throw new Error(`${response.method} ${pathOnly} ${response.statusCode} must have no content type`);
    return;
  }
  // Klarna's edge answers 401 itself: an HTML page with the Basic challenge, never an error object (§0.2).
  if (response.statusCode === 401) {
    if (!/^text\/html/.test(String(response.headers['content-type']))) throw new Error(`${response.method} ${pathOnly} 401 must be an HTML page: ${String(response.headers['content-type'])}`);
    if (!/^Basic realm="[^"]+"$/.test(String(response.headers['www-authenticate']))) throw new Error(`${response.method} ${pathOnly} 401 must challenge with Basic`);
    if (response.body.includes('error_code')) throw new Error(`${response.method} ${pathOnly} 401 must carry no error object`);
    return;
  }
  // A status the document gives no content (Checkout's 404) is answered with none.
  if (documented && documented.content === undefined && response.body === '') {
    if (response.headers['content-type'] !== undefined) throw new Error(`${response.method} ${pathOnly} ${response.statusCode} without a body must have no content type`);
    return;
  }
  const body: unknown = JSON.parse(response.body);
  const schema = documented?.content?.['application/json']?.schema ?? documented?.content?.['*/*']?.schema;
  const key = schema ? `${api} ${route.method} ${route.template} ${response.statusCode}` : 'envelope';
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(
      schema
        ? (rebase(schema, api) as object)
        : {
            type: 'object',
            required: ['error_code', 'error_messages', 'correlation_id'],
            properties: { error_code: { type: 'string' }, error_messages: { type: 'array', items: { type: 'string' } }, correlation_id: { type: 'string' } },
          },
    );
    compiled.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `${response.method} ${pathOnly} ${response.statusCode} does not match ${api}.json: ${ajv.errorsText(validate.errors)}\n${response.body.slice(0, 2000)}`,
    );
  }
}

const CALLBACK_PATHS: Record<string, string> = {
  'checkout.validation': '/merchant_urls.validation',
  'checkout.address_update': '/merchant_urls.address_update',
  'checkout.country_change': '/merchant_urls.country_change',
  'checkout.shipping_option_update': '/merchant_urls.shipping_option_update',
};

/**
 * Throws when a request klarna-local sent to a merchant does not match checkout-merchant-callbacks.json
 * (the request body schema of that callback).
 */
export function validateCallbackRequest(kind: keyof typeof CALLBACK_PATHS, body: string): void {
  const api = 'checkout-merchant-callbacks';
  const entry = load(api);
  if (!entry) return;
  const path = CALLBACK_PATHS[kind];
  if (!path) throw new Error(`unknown callback ${kind}`);
  const doc = entry.doc as OpenApiDocument & { components: { requestBodies?: Record<string, { content?: Record<string, { schema?: unknown }> }> } };
  const requestBody = (doc.paths[path]?.post as { requestBody?: { $ref?: string; content?: Record<string, { schema?: unknown }> } } | undefined)?.requestBody;
  const resolved = requestBody?.$ref ? doc.components.requestBodies?.[requestBody.$ref.split('/').pop() ?? ''] : requestBody;
  const schema = resolved?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no request schema for ${kind} in ${api}.json`);
  const key = `${api} request ${kind}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(rebase(schema, api) as object);
    compiled.set(key, validate);
  }
  if (!validate(JSON.parse(body))) throw new Error(`${kind} request does not match ${api}.json: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 2000)}`);
}
