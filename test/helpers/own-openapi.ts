/**
 * Checks a response against the server's own OpenAPI document (`GET /openapi.json`, built by
 * src/modules/reference): its route and method are in it, its status is documented for them, its
 * media type is one that status lists (or it has no body where the status may have none), and a JSON
 * body matches the schema given for it. A request no route matches was answered by the not-found
 * handler: 400, 404 or 405 in the envelope.
 *
 * The document depends only on whether the sandbox is served and the rate limit is on, so it is read
 * once per such configuration per process, and each schema is compiled once.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { App } from '../../src/platform/app.js';
import type { Config } from '../../src/config.js';

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  description?: string;
  content?: Record<string, MediaType>;
  'x-empty'?: boolean;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components: { responses?: Record<string, ResponseObject> } & Record<string, unknown>;
}

export interface SeenResponse {
  method: string;
  url: string;
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

const COMPONENTS_ID = 'klarna-local-openapi-components';
const ENVELOPE_REF = { $ref: `${COMPONENTS_ID}#/components/schemas/ErrorEnvelope` };
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

interface Route {
  method: string;
  template: string;
  segments: string[];
}

export class OwnDocument {
  // Compiling is most of the cost, so it does the least: the first error is enough to tell what is
  // wrong, the bodies' schemas use no formats, and each schema was checked against JSON Schema
  // 2020-12 already (test/operations/openapi.test.ts), so it is not checked again here.
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false, code: { optimize: false } });
  private readonly routes: Route[];
  /** Compiled once per schema: by the schema object, and by its text (the refusals of every operation share one). */
  private readonly bySchema = new WeakMap<object, ValidateFunction>();
  private readonly byText = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: document.components.schemas } });
    this.routes = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), template, segments: template.split('/') })),
    );
  }

  /** The operation's path template a request reaches, as the router chooses: a fixed segment before a parameter, a parameter before a wildcard. */
  route(method: string, url: string): string | undefined {
    const path = (url.split('?')[0] ?? '').replace(/(.)\/$/, '$1');
    const segments = path.split('/');
    let best: { template: string; rank: number[] } | undefined;
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const rank = rankOf(route.segments, segments);
      if (rank && (!best || compare(rank, best.rank) < 0)) best = { template: route.template, rank };
    }
    return best?.template;
  }

  /** Throws when the response is not what the document says. */
  check(response: SeenResponse): void {
    const what = `${response.method} ${response.url.split('?')[0]} → ${response.statusCode}`;
    const template = this.route(response.method, response.url);
    if (template === undefined) {
      // The not-found handler (or a refusal before any route): the envelope.
      if (![400, 404, 405].includes(response.statusCode)) throw new Error(`${what}: no operation of the OpenAPI document answers this request`);
      this.validate(ENVELOPE_REF, JSON.parse(response.body), what, response.body);
      return;
    }
    const operation = this.document.paths[template]?.[response.method.toLowerCase()];
    const status = String(response.statusCode);
    let documented = operation?.responses?.[status] ?? operation?.responses?.[`${status[0]}XX`] ?? operation?.responses?.default;
    if (!documented) throw new Error(`${what}: status ${status} is not documented for ${response.method} ${template} (documented: ${Object.keys(operation?.responses ?? {}).join(', ')})\n${response.body.slice(0, 500)}`);
    if (documented.$ref) documented = this.document.components.responses?.[documented.$ref.split('/').pop() ?? ''] ?? {};
    const contentType = response.headers['content-type'];
    if (response.body === '' && contentType === undefined) {
      if (documented.content && !documented['x-empty']) throw new Error(`${what}: no body, but ${response.method} ${template} ${status} is documented with ${Object.keys(documented.content).join(', ')}`);
      return;
    }
    const type = String(contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const content = documented.content ?? {};
    const media = content[type] ?? content[`${type.split('/')[0]}/*`] ?? content['*/*'];
    if (!media) throw new Error(`${what}: ${type || 'no content type'} is not documented for ${response.method} ${template} ${status} (${Object.keys(content).join(', ') || 'no body'})\n${response.body.slice(0, 500)}`);
    if (media.schema === undefined || !isJson(type)) return;
    this.validate(media.schema as object, JSON.parse(response.body), `${what} (${response.method} ${template} ${status} ${type})`, response.body);
  }

  private validate(schema: object, body: unknown, what: string, text: string): void {
    let validate = this.bySchema.get(schema);
    if (!validate) {
      const source = JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, `"$ref":"${COMPONENTS_ID}#/components/`);
      validate = this.byText.get(source);
      if (!validate) this.byText.set(source, (validate = this.ajv.compile(JSON.parse(source) as object)));
      this.bySchema.set(schema, validate);
    }
    if (!validate(body)) throw new Error(`${what}: the body does not match the OpenAPI document: ${this.ajv.errorsText(validate.errors)}\n${text.slice(0, 1500)}`);
  }
}

/** Per segment 0 for a fixed match, 1 for a parameter, 2 for a wildcard; undefined when the template does not match. */
function rankOf(template: string[], segments: string[]): number[] | undefined {
  const rank: number[] = [];
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string;
    if (part === '{*}') return i <= segments.length ? [...rank, 2] : undefined;
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (part.startsWith('{') && part.endsWith('}')) {
      if (segment === '') return undefined;
      rank.push(1);
    } else if (part === segment) rank.push(0);
    else return undefined;
  }
  return template.length === segments.length ? rank : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

const documents = new Map<string, OwnDocument>();

/** The app's document, read once per configuration that changes it. */
export function ownDocument(app: App, config: Pick<Config, 'sandbox' | 'rateLimit'>): OwnDocument {
  const key = `${config.sandbox} ${config.rateLimit}`;
  let document = documents.get(key);
  if (!document) {
    documents.set(key, (document = new OwnDocument(app.swagger() as unknown as OpenApiDocument)));
  }
  return document;
}

/** Throws when the response does not match the app's own OpenAPI document. */
export function checkAgainstOwnDocument(app: App, config: Pick<Config, 'sandbox' | 'rateLimit'>, response: SeenResponse): void {
  ownDocument(app, config).check(response);
}
