/**
 * Hostile input, property-based (fast-check): generated bodies, headers, ids, methods and
 * credentials against every route the app serves. Properties:
 *
 *  - nothing is ever answered 5xx;
 *  - a request built to be invalid (wrong types, missing required fields, out-of-range or
 *    non-integer numbers, 10,000 lines, 10,000-level nesting, malformed JSON, invalid UTF-8, bodies
 *    over 5 MiB, unknown or malformed ids, wrong methods, missing or wrong credentials) is answered
 *    4xx, and every JSON error is Klarna's envelope with a status and error_code listed in
 *    docs/error-codes.md and the `Klarna-Correlation-Id` header equal to its correlation_id;
 *  - none of these requests changes anything stored: a fingerprint of every table is taken before
 *    and after each batch.
 *
 * Random inputs that might be valid (query strings and headers on reads; bodies of the right shape
 * with other values, which reach each operation's own rules) only have to avoid 5xx and answer errors
 * in the envelope, and a refused one must still change nothing. The shopper pages (`/kp/widget`, `/checkout/v3/page/checkout` and
 * `/confirmation`) answer a bad or missing token with an HTML page and a 4xx status, which is their
 * documented behaviour (the page tells the shopper); that is accepted for them only.
 *
 * The route table (helpers/routes.ts) is checked against the routes the app itself registers, so a
 * new route without an entry fails the first test. The dashboard's routes (`auth: 'dashboard'`: a
 * session cookie, CSRF tokens in forms, HTML pages) are walked here for wrong methods only, which the
 * router refuses before any page; everything else about them is in dashboard.test.ts. Bounded for CI (about 15 s per database):
 * FUZZ_SCALE multiplies the number of runs, FUZZ_SEED replays fast-check's seed printed with a failure.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../../src/app.js';
import { availableDialects } from '../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp, isBareError, orderBody } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { CHECKOUT_LINES, checkoutBody, createResources } from '../helpers/resources.js';
import { ROUTES, SAME_KIND, idsOf, realParams, registeredRoutes, urlOf } from '../helpers/routes.js';
import type { FieldType, IdSource, Ids, Method, RouteSpec } from '../helpers/routes.js';
import { PROJECT_ROOT } from '../helpers/root.js';

const ROOT = PROJECT_ROOT;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const DEPTH = 10_000;
const MANY = 10_000;

/** The JSON APIs' routes and the shopper pages: the dashboard's are fuzzed by dashboard.test.ts. */
const API_ROUTES = ROUTES.filter((r) => r.auth !== 'dashboard');
/** Routes with a body limit of their own above 5 MiB: a merchant snapshot (src/modules/sandbox/state-routes.ts). */
const LARGER_BODIES = new Set(['PUT /sandbox/v1/snapshot']);

/** Every `| status | CODE |` row of docs/error-codes.md: the answers a client can be told about. */
const DOCUMENTED = new Set(
  [...fs.readFileSync(path.join(ROOT, 'docs/error-codes.md'), 'utf8').matchAll(/^\| (\d{3}) \| ([A-Z_]+) \|/gm)].map((m) => `${m[1]} ${m[2]}`),
);

// ---------------------------------------------------------------------------------------------
// Building requests

/** Bytes that go into the JSON text as they are: deep nesting, invalid UTF-8. */
class Raw {
  constructor(readonly bytes: Buffer) {}
}
const raw = (content: string | Buffer) => new Raw(Buffer.isBuffer(content) ? content : Buffer.from(content));
const RAW_MARK = '~~raw-7f3a~~';

function serialise(value: unknown): Buffer {
  if (value instanceof Raw) return value.bytes;
  const raws: Raw[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Raw ? `${RAW_MARK}${raws.push(v) - 1}${RAW_MARK}` : v)) ?? 'null';
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(new RegExp(`"${RAW_MARK}(\\d+)${RAW_MARK}"`, 'g'))) {
    parts.push(Buffer.from(text.slice(last, match.index)), (raws[Number(match[1])] as Raw).bytes);
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last)));
  return Buffer.concat(parts);
}

const DEEP_ARRAY = raw('['.repeat(DEPTH) + ']'.repeat(DEPTH));
const DEEP_OBJECT = raw('{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH));
const INVALID_UTF8 = raw(Buffer.concat([Buffer.from('"ab'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80]), Buffer.from('cd"')]));

/** encodeURIComponent, with lone surrogates sent as the invalid UTF-8 they would be. */
function encodeId(id: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    return [...id].map((ch) => (/[\uD800-\uDFFF]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

const ascii = (min: number, max: number) => fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: max });
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const smallJson = fc.jsonValue({ maxDepth: 2 });

const NUMBERS = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 53 + 1), 2 ** 31, -1, -0.5, 0.5];
const notInteger = fc.oneof(
  fc.constantFrom<unknown>(...NUMBERS, true, false, null, '1', '', DEEP_ARRAY, DEEP_OBJECT, INVALID_UTF8),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  anyText,
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(ascii(1, 8), smallJson, { maxKeys: 3 }),
);
const notString = fc.oneof(
  fc.constantFrom<unknown>(...NUMBERS, 0, true, false, null, DEEP_ARRAY, DEEP_OBJECT),
  fc.integer(),
  fc.array(anyText, { maxLength: 3 }),
  fc.dictionary(ascii(1, 8), smallJson, { maxKeys: 3 }),
);
const notObject = fc.oneof(fc.constantFrom<unknown>(...NUMBERS, 0, true, null, 'x', DEEP_ARRAY, INVALID_UTF8), anyText, fc.array(smallJson, { maxLength: 3 }));
const notBoolean = fc.constantFrom<unknown>('true', 'false', 1, 0, null, {}, [], DEEP_ARRAY, INVALID_UTF8);
const notArray = fc.oneof(fc.constantFrom<unknown>(...NUMBERS, 0, true, null, 'x', DEEP_OBJECT, INVALID_UTF8), anyText, fc.dictionary(ascii(1, 8), smallJson, { maxKeys: 3 }));

const omit = (object: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));

/** Values that no schema of this field type accepts. */
function wrongValue(type: FieldType, current: unknown): fc.Arbitrary<unknown> {
  const element = Array.isArray(current) && current.length > 0 ? current[0] : 1;
  const tooMany = fc.constant(null).map(() => Array.from({ length: MANY }, () => element));
  if (typeof type === 'object') return fc.oneof(notString, anyText.filter((s) => !type.enum.includes(s)));
  switch (type) {
    case 'integer':
      return notInteger;
    case 'string':
      return notString;
    case 'object':
      return notObject;
    case 'boolean':
      return notBoolean;
    case 'array':
      return fc.oneof(notArray, tooMany);
    case 'lines': {
      const line = CHECKOUT_LINES[0] as Record<string, unknown>;
      return fc.oneof(
        notArray,
        fc.constant(null).map(() => Array.from({ length: MANY }, () => line)),
        notString.map((name) => [{ ...line, name }]),
        notInteger.map((quantity) => [{ ...line, quantity }]),
        fc.constant([omit(line, 'name')]),
        fc.constant([DEEP_ARRAY]),
      );
    }
  }
}

/** Unknown fields: extra, ignored by Klarna's APIs, so they never make an invalid body valid. */
function extras(spec: RouteSpec, template: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const known = new Set([...Object.keys(template), ...(spec.required ?? []), ...Object.keys(spec.fields ?? {})]);
  return fc.dictionary(
    ascii(1, 12).filter((k) => !known.has(k)),
    fc.oneof(smallJson, fc.constantFrom<unknown>(DEEP_ARRAY, DEEP_OBJECT, INVALID_UTF8, 1e308, -0.5)),
    { maxKeys: 3 },
  );
}

const nonObjectBody = fc.oneof(fc.constantFrom<unknown>(null, 0, -1, 1e308, true, 'text', [], DEEP_ARRAY, INVALID_UTF8), anyText, fc.array(smallJson, { maxLength: 3 }));

/** A body that the route's schema refuses: its valid template with one thing broken, plus unknown fields. */
function invalidBody(spec: RouteSpec, ids: Ids): fc.Arbitrary<{ body: unknown; fault: string }> {
  const template = (spec.body as (ids: Ids) => Record<string, unknown>)(ids);
  const faults: fc.Arbitrary<{ body: unknown; fault: string }>[] = [nonObjectBody.map((body) => ({ body, fault: 'not an object' }))];
  if (spec.required?.length) faults.push(fc.constantFrom(...spec.required).map((field) => ({ body: omit(template, field), fault: `without ${field}` })));
  for (const [field, type] of Object.entries(spec.fields ?? {})) {
    faults.push(wrongValue(type, template[field]).map((value) => ({ body: { ...template, [field]: value }, fault: `wrong ${field}` })));
  }
  return fc.tuple(fc.oneof(...faults), extras(spec, template)).map(([broken, extra]) =>
    broken.body !== null && typeof broken.body === 'object' && !Array.isArray(broken.body) && !(broken.body instanceof Raw)
      ? { body: { ...extra, ...broken.body }, fault: broken.fault }
      : broken,
  );
}

const HEADER_NAMES = ['accept', 'accept-language', 'accept-encoding', 'user-agent', 'x-forwarded-for', 'x-forwarded-proto', 'origin', 'referer', 'cookie', 'klarna-correlation-id', 'x-request-id', 'if-none-match', 'range'];
const headerValue = fc.oneof(ascii(0, 40), fc.constantFrom('*/*', 'application/json', '127.0.0.1, 10.0.0.1', 'bytes=0-1', 'x'.repeat(4000)));
const randomHeaders = fc.dictionary(fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.stringMatching(/^x-[a-z0-9-]{1,20}$/)), headerValue, { maxKeys: 3 });
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1', 'text/plain', 'application/vnd.klarna+json', ''];
const OTHER_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/octet-stream', 'image/png'];

/** Is this valid UTF-8 (the server refuses anything else) that parses as JSON? */
function parsesAsJson(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  try {
    JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
}
const isBlank = (bytes: Buffer) => bytes.toString('utf8').trim() === '';

/** Non-blank payloads that are not JSON: broken, truncated, with invalid UTF-8 between tokens, or simply noise. */
function malformedPayload(ids: Ids): fc.Arbitrary<Buffer> {
  const valid = JSON.stringify(orderBody({ merchant_data: ids.order_id }));
  return fc
    .oneof(
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => Buffer.from(valid.slice(0, n))),
      fc.constantFrom('}', ',', 'x', ']', '"', '\u0000').map((tail) => Buffer.from(valid + tail)),
      fc.constantFrom(
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
        Buffer.concat([Buffer.from('{"a":'), Buffer.from([0xc3, 0x28]), Buffer.from('}')]),
        Buffer.from('{"a":NaN}'),
        Buffer.from("{'a':1}"),
        Buffer.from('{"a":1,}'),
        Buffer.from('// comment\n{}'),
        Buffer.from('{"a":0x10}'),
        Buffer.from('{"a":"\u0001"}'),
        Buffer.from('['.repeat(DEPTH)),
        Buffer.from('['.repeat(DEPTH) + 'x' + ']'.repeat(DEPTH)),
        Buffer.from('{"__proto__":{"polluted":true}}'),
        Buffer.from('{"constructor":{"prototype":{"polluted":true}}}'),
        Buffer.from('undefined'),
      ),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      ascii(1, 64).map((text) => Buffer.from(text)),
    )
    // Valid JSON is kept only where it poisons a prototype, which the parser refuses: a `__proto__`
    // key, or `constructor.prototype`. A JSON string that merely contains the word is a valid body.
    .filter((bytes) => !isBlank(bytes) && (!parsesAsJson(bytes) || /"__proto__"\s*:|"constructor"\s*:\s*\{\s*"prototype"\s*:/.test(bytes.toString())));
}

/** Authorization headers that identify no merchant. */
function badAuthorization(validHeaders: string[]): fc.Arbitrary<string | undefined> {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  const usernames = [MERCHANT.username, OTHER_MERCHANT.username];
  const passwords = [MERCHANT.password, OTHER_MERCHANT.password];
  return fc
    .oneof(
      fc.constant(undefined),
      fc.constantFrom('', 'Basic', 'Basic ', 'Bearer abc', 'Basic !!!', 'Digest username="merchant_a"', `Basic ${'A'.repeat(5000)}`, basic('\u0000:\u0000'), basic('merchant_a\u0000:secret-a')),
      ascii(0, 80),
      fc.tuple(fc.constantFrom('Basic ', 'basic ', 'BASIC ', 'Bearer ', 'Basic  '), fc.base64String({ maxLength: 80 })).map(([scheme, token]) => scheme + token),
      // A known username with a wrong password: the real scrypt comparison runs.
      fc.tuple(fc.constantFrom(...usernames), anyText).map(([user, password]) => basic(`${user}:${password}`)),
      // A merchant's password under another name, or the other merchant's password.
      fc.tuple(anyText, fc.constantFrom(...passwords)).map(([user, password]) => basic(`${user}:${password}`)),
      fc.constantFrom(basic(`${MERCHANT.username}:${OTHER_MERCHANT.password}`), basic(`${OTHER_MERCHANT.username}:${MERCHANT.password}`), basic(MERCHANT.username)),
      anyText.map(basic),
    )
    .filter((header) => header === undefined || !validHeaders.some((valid) => header.trim().toLowerCase() === valid.toLowerCase()));
}

/**
 * The value with some of its leaves replaced by others of the same JSON type: strings by noise, test
 * shoppers and card numbers, numbers by anything from negative to just over Klarna's maximum. The
 * shape stays right, so such a body gets past the schema into the operation's own rules.
 */
function perturb(value: unknown): fc.Arbitrary<unknown> {
  const keep = <T>(changed: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(value), weight: 3 }, { arbitrary: changed, weight: 1 });
  if (typeof value === 'string') {
    return keep(fc.oneof(anyText, fc.constantFrom('', ' ', 'SE', 'US', 'XX', 'sek', 'EUR', 'sv-SE', 'en-US', 'x'.repeat(300), 'customer+denied@email.se', 'customer+red@email.se', '4111111111111111', 'http://[::1', 'https://shop.example/{checkout.order.id}')));
  }
  if (typeof value === 'number') return keep(fc.oneof(fc.integer({ min: -1000, max: 200_000_000 }), fc.constantFrom(0, 1, -1, 2500, 10_000, 200_000_000, 200_000_001)));
  if (typeof value === 'boolean') return fc.boolean();
  if (Array.isArray(value)) {
    const element = value[0];
    return element === undefined ? fc.constant(value) : keep(fc.array(perturb(element), { minLength: 0, maxLength: 5 }));
  }
  if (value !== null && typeof value === 'object') {
    return fc.record(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, perturb(v)])));
  }
  return fc.constant(value);
}

interface Line {
  quantity: number;
  unit_price: number;
  tax_rate?: number;
  total_amount: number;
  total_tax_amount?: number;
}

/** Lines and order totals made consistent again with Klarna's arithmetic, so the body reaches further. */
function balanced(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.order_lines)) return body;
  const lines = (body.order_lines as Line[]).map((line) => {
    if (typeof line !== 'object' || line === null || typeof line.quantity !== 'number' || typeof line.unit_price !== 'number') return line;
    const total = line.quantity * line.unit_price;
    const rate = typeof line.tax_rate === 'number' ? line.tax_rate : 0;
    return { ...line, total_amount: total, total_tax_amount: Math.round(total - (total * 10000) / (10000 + rate)) };
  });
  const sum = (key: 'total_amount' | 'total_tax_amount') => lines.reduce((acc, line) => acc + (typeof line?.[key] === 'number' ? line[key] : 0), 0);
  return { ...body, order_lines: lines, order_amount: sum('total_amount'), order_tax_amount: sum('total_tax_amount') };
}

/** Bodies of the right shape with changed values: valid or not, the operation decides. */
function plausibleBody(spec: RouteSpec, ids: Ids): fc.Arbitrary<Record<string, unknown>> {
  const template = (spec.body as (ids: Ids) => Record<string, unknown>)(ids);
  return fc.tuple(perturb(template), fc.boolean(), extras(spec, template)).map(([body, balance, extra]) => {
    const changed = body as Record<string, unknown>;
    return { ...extra, ...(balance ? balanced(changed) : changed) };
  });
}

/** Ids nobody has: unicode, very long, traversal, NUL, broken escapes; or a real id of another kind. */
function hostileId(ids: Ids, own: IdSource): fc.Arbitrary<string> {
  const kin = SAME_KIND.find((kind) => kind.includes(own)) ?? [own];
  const others = Object.entries(ids)
    .filter(([key, value]) => !kin.includes(key as IdSource) && value !== ids[own])
    .map(([, value]) => value);
  return fc.oneof(
    anyText.filter((s) => s.length > 0).map(encodeId),
    ascii(256, 1200).map(encodeId),
    fc.tuple(fc.constantFrom('../', '..\\', '%00', '\u0000', '%2e%2e%2f', '../../etc/passwd', '%', '%ZZ', '<script>', "' or 1=1 --", '\uFEFF', '😀'), ascii(0, 10)).map(([a, b]) => encodeId(a + b)),
    fc.constantFrom(...others).map(encodeId),
  ).filter((id) => id !== '.' && id !== '..');
}

/** Ids put into the path as they are: escapes that decode badly, NUL, traversal. Every id in the path is one. */
const rawHostileId = fc
  .tuple(fc.constantFrom('%00', '%ZZ', '%', '%C3%28', '%ED%A0%80', '%FF', '..', '.', '%2e%2e', '%2F', '', 'a%00b'), fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/))
  .map(([a, b]) => a + b)
  .filter((id) => id !== '');

// ---------------------------------------------------------------------------------------------
// Checking answers

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

function checkAnswer(res: Answer, what: string, options: { mustFail: boolean; html?: boolean }): void {
  const label = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.ok(res.statusCode < 500, `server error: ${label}`);
  const correlationId = res.headers['klarna-correlation-id'];
  assert.match(String(correlationId), UUID, `Klarna-Correlation-Id: ${label}`);
  if (options.mustFail) assert.ok(res.statusCode >= 400, `accepted: ${label}`);
  if (res.statusCode < 400) return;
  const type = String(res.headers['content-type'] ?? '');
  // What Klarna answers without its envelope: the edge's HTML 401 on its APIs, Checkout's empty 404.
  const url = what.split(' ')[1] ?? '';
  if (isBareError(url, res.statusCode, res.body)) {
    if (res.statusCode === 401) {
      assert.match(type, /^text\/html/, label);
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="[^"]+"$/, label);
      assert.equal(res.body.includes('error_code'), false, label);
    } else {
      assert.equal(res.headers['content-type'], undefined, label);
    }
    return;
  }
  if (options.html && type.startsWith('text/html')) {
    // The shopper pages' documented answer to a bad or missing token: a page saying so.
    assert.match(res.body, /^<!doctype html>/i, label);
    return;
  }
  assert.match(type, /^application\/json/, label);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['correlation_id', 'error_code', 'error_messages'], label);
  assert.ok(DOCUMENTED.has(`${res.statusCode} ${String(body.error_code)}`), `not in docs/error-codes.md: ${label}`);
  const messages = body.error_messages;
  assert.ok(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string'), label);
  assert.equal(body.correlation_id, correlationId, label);
}

const describeRequest = (method: string, url: string, extra = '') => `${method} ${url.length > 160 ? `${url.slice(0, 160)}…` : url}${extra ? ` (${extra})` : ''}`;

// ---------------------------------------------------------------------------------------------

for (const dialect of await availableDialects()) {
  // PostgreSQL answers each request more slowly; its share is smaller and still covers every route.
  const runs = (n: number) => Math.max(1, Math.round(n * SCALE * (dialect === 'sqlite' ? 1 : 0.35)));

  describe(`hostile input (${dialect})`, () => {
    let t: TestApp;
    let ids: Ids;
    const auth = basicAuth(MERCHANT);

    before(async () => {
      t = await buildTestApp({ dialect });
      ids = idsOf(await createResources(t, MERCHANT));
      // The state is still: nothing runs in the background on these resources.
      const first = await fingerprint(t.db, dialect);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await assertUnchanged(t.db, dialect, first, 'waiting');
    });
    after(async () => t.close());

    const inject = (method: string, url: string, headers: Record<string, string>, payload?: Buffer) =>
      t.app.inject({ method: method as Method, url, headers, ...(payload !== undefined && { payload }) });

    const credentialsFor = (spec: RouteSpec): Record<string, string> => (spec.auth === 'merchant' ? { authorization: auth } : {});

    /** Runs a property as one batch and checks that the batch changed nothing stored. */
    async function batch<Ts>(name: string, property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
      const before = await fingerprint(t.db, dialect);
      await fc.assert(property, { numRuns, ...(SEED !== undefined && { seed: SEED }) });
      await assertUnchanged(t.db, dialect, before, name);
    }

    it('the route table lists exactly the routes the app serves', () => {
      const table = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
      assert.deepEqual(table, registeredRoutes(t.app));
    });

    it('wrong methods are 405 and unknown paths 404, on every path, changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      // The dashboard's paths too: the router refuses a wrong method before any page, in the envelope.
      const paths = new Map<string, RouteSpec[]>();
      for (const spec of ROUTES) paths.set(spec.path, [...(paths.get(spec.path) ?? []), spec]);
      for (const [, specs] of paths) {
        const first = specs[0] as RouteSpec;
        const allowed = new Set<string>(specs.map((s) => s.method));
        if (allowed.has('GET')) allowed.add('HEAD');
        const url = urlOf(first, realParams(first, ids));
        for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !allowed.has(m))) {
          const res = await inject(method, url, credentialsFor(first), Buffer.from(JSON.stringify(first.body?.(ids) ?? {})));
          assert.equal(res.statusCode, 405, describeRequest(method, url, res.body));
          if (method === 'HEAD') assert.match(String(res.headers['klarna-correlation-id']), UUID);
          else {
            checkAnswer(res, describeRequest(method, url), { mustFail: true });
            assert.equal(res.json().error_code, 'METHOD_NOT_ALLOWED');
          }
        }
      }
      await assertUnchanged(t.db, dialect, before, 'wrong methods');

      // Random paths: every segment starts with `~`, which no fixed segment of a route does.
      const segment = fc.oneof(anyText, ascii(0, 20)).map((s) => `~${encodeId(s)}`);
      const prefix = fc.constantFrom('', '/ordermanagement/v1', '/ordermanagement/v1/orders', '/payments/v1', '/checkout/v3', '/customer-token/v1/tokens', '/sandbox/v1', '/kp', '/checkout/v3/page');
      await batch(
        'unknown paths',
        fc.asyncProperty(prefix, fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'), async (base, segments, method) => {
          const url = `${base}/${segments.join('/')}`;
          const res = await inject(method, url, { authorization: auth }, method === 'GET' ? undefined : Buffer.from('{}'));
          checkAnswer(res, describeRequest(method, url), { mustFail: true });
          assert.ok([400, 404, 405].includes(res.statusCode), describeRequest(method, url, String(res.statusCode)));
        }),
        runs(300),
      );
    });

    it('missing, wrong and malformed credentials are 401 with WWW-Authenticate on every merchant route, changing nothing', async () => {
      const merchantRoutes = ROUTES.filter((r) => r.auth === 'merchant');
      const valid = [basicAuth(MERCHANT), basicAuth(OTHER_MERCHANT)];
      await batch(
        'bad credentials',
        fc.asyncProperty(fc.constantFrom(...merchantRoutes), badAuthorization(valid), async (spec, authorization) => {
          const url = urlOf(spec, realParams(spec, ids));
          const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
          let payload: Buffer | undefined;
          if (spec.body) {
            payload = serialise(spec.body(ids));
            headers['content-type'] = 'application/json';
          }
          const res = await inject(spec.method, url, headers, payload);
          const what = describeRequest(spec.method, url, `Authorization: ${JSON.stringify(authorization)?.slice(0, 60)}`);
          checkAnswer(res, what, { mustFail: true });
          assert.equal(res.statusCode, 401, what);
          if (spec.path.startsWith('/sandbox/')) assert.equal(res.json().error_code, 'UNAUTHORIZED', what);
          assert.match(String(res.headers['www-authenticate']), /^Basic realm="[^"]+"$/, what);
        }),
        runs(500),
      );
    });

    it('bodies with wrong types, missing fields, bad numbers, 10,000 lines, deep nesting and invalid UTF-8 are 4xx, changing nothing', async () => {
      const bodyRoutes = API_ROUTES.filter((r) => r.body);
      const request = fc.constantFrom(...bodyRoutes).chain((spec) =>
        fc.record({
          spec: fc.constant(spec),
          broken: invalidBody(spec, ids),
          type: fc.constantFrom(...JSON_TYPES),
          headers: randomHeaders,
          idempotencyKey: fc.option(ascii(1, 300), { nil: undefined }),
        }),
      );
      await batch(
        'invalid bodies',
        fc.asyncProperty(request, async ({ spec, broken, type, headers, idempotencyKey }) => {
          const url = urlOf(spec, realParams(spec, ids));
          const all: Record<string, string> = { ...headers, ...credentialsFor(spec), ...(type && { 'content-type': type }) };
          // A refusal under an idempotency key is remembered by design; these are refused before any key is read.
          if (idempotencyKey !== undefined) all['klarna-idempotency-key'] = idempotencyKey;
          const payload = serialise(broken.body);
          const res = await inject(spec.method, url, all, payload);
          checkAnswer(res, describeRequest(spec.method, url, `${broken.fault}: ${payload.toString('utf8').slice(0, 200)}`), { mustFail: true });
        }),
        runs(2000),
      );
    });

    it('malformed JSON, invalid UTF-8 between tokens and non-JSON media types are 400 or 415 on every route that takes a body, changing nothing', async () => {
      const writeRoutes = API_ROUTES.filter((r) => r.method !== 'GET');
      await batch(
        'malformed payloads',
        fc.asyncProperty(fc.constantFrom(...writeRoutes), malformedPayload(ids), fc.boolean(), fc.constantFrom(...OTHER_TYPES), async (spec, payload, jsonType, otherType) => {
          const url = urlOf(spec, realParams(spec, ids));
          const type = jsonType ? 'application/json' : otherType;
          const res = await inject(spec.method, url, { ...credentialsFor(spec), 'content-type': type }, payload);
          const what = describeRequest(spec.method, url, `${type}: ${JSON.stringify(payload.toString('utf8').slice(0, 80))}`);
          checkAnswer(res, what, { mustFail: true });
          assert.equal(res.statusCode, jsonType ? 400 : 415, what);
        }),
        runs(1000),
      );
    });

    it('bodies over 5 MiB are 413 on every route that takes a body, changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      // Valid JSON of the right shape, only too large: nothing but the size is wrong.
      const padding = 'x'.repeat(MAX_BODY_BYTES);
      for (const spec of API_ROUTES.filter((r) => r.method !== 'GET')) {
        const url = urlOf(spec, realParams(spec, ids));
        const payload = Buffer.from(JSON.stringify({ ...(spec.body?.(ids) ?? {}), merchant_data: padding }));
        const res = await inject(spec.method, url, { ...credentialsFor(spec), 'content-type': 'application/json' }, payload);
        checkAnswer(res, describeRequest(spec.method, url, `${payload.length} bytes`), { mustFail: true });
        // Within its own limit a snapshot is read, and refused for the field it does not have.
        assert.equal(res.statusCode, LARGER_BODIES.has(`${spec.method} ${spec.path}`) ? 400 : 413, describeRequest(spec.method, url, res.body));
      }
      await assertUnchanged(t.db, dialect, before, 'oversized bodies');
    });

    it('unknown and malformed ids (unicode, very long, traversal, NUL, another kind of id) are 4xx on every route with ids, changing nothing', async () => {
      const idRoutes = API_ROUTES.filter((r) => r.params);
      const request = fc.constantFrom(...idRoutes).chain((spec) => {
        const names = Object.keys(spec.params ?? {});
        return fc.record({
          spec: fc.constant(spec),
          // Which ids are hostile (at least one); the others are the merchant's real ones.
          hostile: fc.subarray(names, { minLength: 1 }),
          values: fc.tuple(...names.map((name) => hostileId(ids, (spec.params as Record<string, IdSource>)[name] as IdSource))),
          rawValues: fc.array(rawHostileId, { minLength: names.length, maxLength: names.length }),
          raw: fc.boolean(),
          broken: spec.body ? nonObjectBody : fc.constant(undefined),
        });
      });
      await batch(
        'hostile ids',
        fc.asyncProperty(request, async ({ spec, hostile, values, rawValues, raw: asIs, broken }) => {
          const names = Object.keys(spec.params ?? {});
          const real = realParams(spec, ids);
          const chosen: Record<string, string> = {};
          names.forEach((name, i) => {
            // Ids put in as they are may resolve `..` into another route: then every id is hostile and
            // any body is broken, so whichever route answers has nothing valid to act on.
            if (asIs) chosen[name] = rawValues[i] as string;
            else chosen[name] = hostile.includes(name) ? (values[i] as string) : (real[name] as string);
          });
          const url = urlOf(spec, chosen);
          const headers: Record<string, string> = { ...spec.headers?.(ids), ...credentialsFor(spec) };
          let payload: Buffer | undefined;
          if (spec.body) {
            payload = serialise(asIs ? broken : spec.body(ids));
            headers['content-type'] = 'application/json';
          }
          const res = await inject(spec.method, url, headers, payload);
          // A dot segment taken out of the path may leave a route that takes no id at all
          // (GET /settlements/v1/payouts/. is the payouts list): then no hostile id is left to refuse.
          const resolved = new URL(url, 'http://x').pathname.replace(/(.)\/$/, '$1');
          const noIdLeft = ROUTES.some((r) => !r.params && r.method === spec.method && r.path === resolved);
          checkAnswer(res, describeRequest(spec.method, url), { mustFail: !noIdLeft });
        }),
        runs(1500),
      );
    });

    it('random query strings and headers on every read answer without 5xx, errors in the envelope, bad shopper tokens refused', async () => {
      const reads = API_ROUTES.filter((r) => r.method === 'GET');
      const queryValue = fc.oneof(anyText, ascii(0, 3000), fc.constantFrom('\u0000', '%00', '', ' ', '😀', 'a'.repeat(9000)));
      const request = fc.constantFrom(...reads).chain((spec) =>
        fc.record({
          spec: fc.constant(spec),
          known: fc.subarray(Object.keys(spec.query ?? {})),
          keepReal: fc.boolean(),
          values: fc.dictionary(fc.constantFrom(...Object.keys(spec.query ?? {}), 'x'), queryValue, { maxKeys: 3 }),
          junk: fc.dictionary(ascii(1, 10), queryValue, { maxKeys: 2 }),
          headers: randomHeaders,
          rawQuery: fc.option(fc.constantFrom('?%', '?a=%ZZ', '?token=%00', '?client_token=%FF', '?order_id=%C3%28', '?&&==', '?a[b]=1&a[c][d]=2'), { nil: undefined }),
        }),
      );
      await batch(
        'random reads',
        fc.asyncProperty(request, async ({ spec, known, keepReal, values, junk, headers, rawQuery }) => {
          const query: Record<string, string> = {};
          // Real values for some known parameters (the route then gets as far as it can), random ones for the rest.
          for (const name of known) query[name] = keepReal ? (spec.query?.[name]?.(ids) ?? '') : (values[name] ?? '');
          Object.assign(query, junk);
          const search = rawQuery ?? (Object.keys(query).length ? `?${Object.entries(query).map(([k, v]) => `${encodeId(k)}=${encodeId(v)}`).join('&')}` : '');
          const url = urlOf(spec, realParams(spec, ids), search);
          const res = await inject('GET', url, { ...headers, ...spec.headers?.(ids), ...credentialsFor(spec) });
          const credential = spec.credentialParam;
          // A shopper route's token is its only credential: anything but the real one is refused.
          const badToken = credential !== undefined && (rawQuery !== undefined || !(keepReal && known.includes(credential)));
          checkAnswer(res, describeRequest('GET', url), { mustFail: badToken, html: spec.html });
        }),
        runs(800),
      );
    });

    it('bodies of the right shape with other values never get a 5xx, and every refusal changes nothing', async () => {
      // Last: these may be accepted and change what the tests above ran against. The clock is left
      // alone (advancing it would expire everything), as are the settings (they change the rules) and
      // the merchant's whole state (a reset or an accepted snapshot would delete what later runs act on).
      const routes = API_ROUTES.filter((r) => r.body && !['/sandbox/v1/clock/advance', '/sandbox/v1/settings', '/sandbox/v1/reset', '/sandbox/v1/snapshot'].includes(r.path));
      const request = fc.constantFrom(...routes).chain((spec) => fc.record({ spec: fc.constant(spec), body: plausibleBody(spec, ids) }));
      await fc.assert(
        fc.asyncProperty(request, async ({ spec, body }) => {
          const before = await fingerprint(t.db, dialect);
          const url = urlOf(spec, realParams(spec, ids));
          const payload = serialise(body);
          const res = await inject(spec.method, url, { ...credentialsFor(spec), 'content-type': 'application/json' }, payload);
          const what = describeRequest(spec.method, url, payload.toString('utf8').slice(0, 400));
          checkAnswer(res, what, { mustFail: false });
          if (res.statusCode >= 400) await assertUnchanged(t.db, dialect, before, what);
        }),
        { numRuns: runs(700), ...(SEED !== undefined && { seed: SEED }) },
      );
    });

    describe('regressions found by this test', () => {
      it('a NUL character (%00) in an id or a query parameter is 400 BAD_REQUEST, not a database error', async () => {
        const before = await fingerprint(t.db, dialect);
        const urls = [
          ['GET', '/ordermanagement/v1/orders/%00'],
          ['GET', `/ordermanagement/v1/orders/${ids.order_id}/captures/a%00b`],
          ['GET', '/payments/v1/sessions/%00'],
          ['DELETE', '/payments/v1/authorizations/%00'],
          ['GET', '/checkout/v3/orders/%00'],
          ['GET', '/customer-token/v1/tokens/%00'],
          ['GET', '/sandbox/v1/customer-tokens/%00'],
          ['GET', '/sandbox/v1/events?order_id=%00'],
          ['GET', '/sandbox/v1/events?session_id=x%00'],
        ] as const;
        for (const [method, url] of urls) {
          const res = await inject(method, url, { authorization: auth });
          checkAnswer(res, describeRequest(method, url), { mustFail: true });
          assert.equal(res.statusCode, 400, describeRequest(method, url, res.body));
          assert.equal(res.json().error_code, 'BAD_REQUEST');
        }
        await assertUnchanged(t.db, dialect, before, 'NUL in URLs');
      });

      it('a NUL character (\\u0000) in a JSON string is 400 BAD_REQUEST; an escaped backslash before "u0000" is not one', async () => {
        const before = await fingerprint(t.db, dialect);
        const headers = { authorization: auth, 'content-type': 'application/json' };
        for (const [url, body] of [
          ['/sandbox/v1/orders', orderBody({ merchant_reference1: 'a\u0000b' })],
          [`/ordermanagement/v1/orders/${ids.order_id}/captures`, { captured_amount: 100, description: '\u0000' }],
          ['/payments/v1/sessions', { ...orderBody(), ['key\u0000']: 1 }],
        ] as const) {
          const res = await inject('POST', url, headers, Buffer.from(JSON.stringify(body)));
          checkAnswer(res, describeRequest('POST', url), { mustFail: true });
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error_code, 'BAD_REQUEST');
        }
        await assertUnchanged(t.db, dialect, before, 'NUL in bodies');

        const literal = 'C:\\u0000';
        const res = await inject('POST', '/sandbox/v1/orders', headers, Buffer.from(JSON.stringify(orderBody({ merchant_reference1: literal }))));
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().merchant_reference1, literal);
      });

      it(`an unknown field nested deeper than ${MAX_JSON_DEPTH} levels is 400 BAD_REQUEST, not a stack overflow while storing it`, async () => {
        const headers = { authorization: auth, 'content-type': 'application/json' };
        const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
        // The body's own object is the first level.
        const withExtra = (body: Record<string, unknown>, levels: number) => Buffer.from(`${JSON.stringify(body).slice(0, -1)},"extra":${nested(levels)}}`);
        const before = await fingerprint(t.db, dialect);
        for (const [url, body] of [
          ['/checkout/v3/orders', checkoutBody()],
          [`/checkout/v3/orders/${ids.checkout_order_id}`, { merchant_reference2: 'deep' }],
          ['/payments/v1/sessions', orderBody()],
        ] as const) {
          for (const levels of [MAX_JSON_DEPTH, DEPTH]) {
            const res = await inject('POST', url, headers, withExtra(body, levels));
            checkAnswer(res, describeRequest('POST', url, `${levels} levels`), { mustFail: true });
            assert.equal(res.statusCode, 400, res.body);
            assert.equal(res.json().error_code, 'BAD_REQUEST');
          }
        }
        await assertUnchanged(t.db, dialect, before, 'deep bodies');
        const res = await inject('POST', '/payments/v1/sessions', headers, withExtra(orderBody(), MAX_JSON_DEPTH - 1));
        assert.equal(res.statusCode, 200, res.body);
        const inString = Buffer.from(JSON.stringify(orderBody({ merchant_data: '['.repeat(MAX_JSON_DEPTH + 1) })));
        assert.equal((await inject('POST', '/payments/v1/sessions', headers, inString)).statusCode, 200, 'brackets inside strings do not count');
      });

      it('Basic credentials whose username holds NUL are 401, not a database error', async () => {
        for (const user of ['\u0000', `${MERCHANT.username}\u0000`]) {
          const res = await inject('GET', '/sandbox/v1/settings', { authorization: `Basic ${Buffer.from(`${user}:${MERCHANT.password}`).toString('base64')}` });
          checkAnswer(res, 'GET /sandbox/v1/settings', { mustFail: true });
          assert.equal(res.statusCode, 401, res.body);
        }
      });
    });
  });
}
