/**
 * The merchant dashboard under hostile input, property-based (fast-check), on every dashboard route
 * of the route table (helpers/routes.ts, `auth: 'dashboard'`), with real signed-in sessions of two
 * merchants who each own one of every kind of resource. Properties:
 *
 *  - nothing is ever answered 5xx; every refusal is an HTML page (text/html) with a 4xx status, and
 *    no page carries markup from the input, no redirect leaves the dashboard;
 *  - without a session (no cookie, a forged, malformed, expired or signed-out one, an administrator's
 *    session the configuration no longer names, Basic credentials instead of the cookie), a request is
 *    sent to the sign-in page (303; the event stream is 401), sets no cookie and changes nothing,
 *    even with a valid form and the real session's CSRF token in it;
 *  - every POST without the session's own CSRF token in its form (missing, empty, wrong, another
 *    session's or another merchant's, altered, in the query string or a header instead, repeated
 *    after a wrong one, in a JSON body) is a 403 page and changes nothing;
 *  - hostile path ids (unicode, very long, traversal, NUL, broken escapes, another kind of id, another
 *    merchant's id) are 404 (or 400) pages and change nothing; another merchant's id gets the very
 *    page an unknown id gets;
 *  - hostile query strings on every page, and hostile form bodies on every form (wrong values, huge,
 *    broken percent-encoding, invalid UTF-8, NUL, JSON, multipart, other media types, over 5 MiB,
 *    missing, repeated and unknown fields): no 5xx, refusals are pages and change nothing.
 *
 * The one answer that is not a page: a URL the router cannot decode, a path parameter over its length
 * limit (src/app.ts, frameworkErrors), or dot segments that take the path to no route at all (the
 * app's not-found handler, or before it the app's body parser, which takes no form) are answered
 * before any route, in the JSON envelope, for every path alike; that is accepted only for requests
 * built with such a URL.
 *
 * Bounded for CI (a few seconds per database): FUZZ_SCALE multiplies the number of runs, FUZZ_SEED
 * replays fast-check's seed printed with a failure.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../src/app.js';
import { SESSION_COOKIE, SESSION_TTL_MS, createSession } from '../../src/modules/dashboard/sessions.js';
import { availableDialects } from '../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, basicAuth, buildTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { createResources } from '../helpers/resources.js';
import { ROUTES, SAME_KIND, idsOf, registeredRoutes, urlOf } from '../helpers/routes.js';
import type { IdSource, Ids, RouteSpec } from '../helpers/routes.js';
import { form, signedIn } from '../api/dashboard/helpers.js';
import type { Browser } from '../api/dashboard/helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

const DASHBOARD = ROUTES.filter((r) => r.auth === 'dashboard');
/** Routes that need a session. */
const GUARDED = DASHBOARD.filter((r) => !r.open);
/** Routes answered through inject with a session (the event stream never ends: read over a socket). */
const PAGES = DASHBOARD.filter((r) => r.method === 'GET' && !r.stream);
const FORMS = DASHBOARD.filter((r) => r.method === 'POST');
const CSRF_FORMS = FORMS.filter((r) => !r.open);
const WITH_IDS = DASHBOARD.filter((r) => r.params);

/** Markup that must never come back as markup: every value of the input may carry it. */
const MARK = '"><i data-hostile>\'';
const MARKUP = '<i data-hostile>';

// ---------------------------------------------------------------------------------------------
// Generators

const ascii = (min: number, max: number) => fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: max });
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));

/** encodeURIComponent, with lone surrogates sent as the invalid UTF-8 they would be. */
function encodeId(id: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    return [...id].map((ch) => (/[\uD800-\uDFFF]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

/** Text with markup in it, where a page might show it. */
const marked = fc.oneof(fc.constant(MARK), fc.tuple(ascii(0, 8), ascii(0, 8)).map(([a, b]) => `${a}${MARK}${b}`));

/** What a form field may hold instead of its value: wrong types, noise, huge, markup, prototype names. */
const hostileValue = fc.oneof(
  anyText,
  marked,
  ascii(0, 40),
  fc.constantFrom(
    '',
    ' ',
    '-1',
    '0',
    '0.001',
    '1e9',
    '99999999999',
    '1,234.5',
    '١٢',
    'NaN',
    'true',
    'null',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    '//evil.example/',
    'https://evil.example/',
    '/dashboard//evil.example',
    'javascript:alert(1)',
    'customer+denied@email.se',
  ),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => 'x'.repeat(n)),
);

/** A form: the valid one with some fields replaced, removed or repeated, and unknown ones added. */
function hostileFields(valid: Record<string, string>): fc.Arbitrary<[string, string][]> {
  const names = Object.keys(valid);
  return fc
    .record({
      replaced: fc.dictionary(names.length > 0 ? fc.constantFrom(...names) : fc.constant('x'), hostileValue, { maxKeys: names.length }),
      removed: fc.subarray(names),
      repeated: fc.subarray(names),
      repeatFirst: fc.boolean(),
      extra: fc.array(fc.tuple(fc.oneof(ascii(1, 12), fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'csrf_token[]', '')), hostileValue), { maxLength: 3 }),
    })
    .map(({ replaced, removed, repeated, repeatFirst, extra }) => {
      const fields: [string, string][] = [];
      for (const name of names) {
        if (removed.includes(name)) continue;
        const value = replaced[name] ?? (valid[name] as string);
        // A repeated field: the hostile value before or after the valid one (the first one counts).
        if (repeated.includes(name)) fields.push(...((repeatFirst ? [[name, value], [name, valid[name] as string]] : [[name, valid[name] as string], [name, value]]) as [string, string][]));
        else fields.push([name, value]);
      }
      return [...fields, ...extra];
    });
}

const encodeForm = (fields: [string, string][]) => new URLSearchParams(fields).toString();

/** Cookies that name no live session; `real` is a live session's value, `dead` values of sessions that ended. */
function noSession(real: string, dead: string[]): fc.Arbitrary<{ cookie?: string; authorization?: string; what: string }> {
  const named = (value: string) => `${SESSION_COOKIE}=${value}`;
  return fc.oneof(
    fc.constant({ what: 'no cookie' }),
    fc.constant({ authorization: basicAuth(MERCHANT), what: 'Basic credentials' }),
    fc.constantFrom(...dead).map((value) => ({ cookie: named(value), what: 'an ended session' })),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).filter((v) => v !== real).map((value) => ({ cookie: named(value), what: 'a forged value' })),
    // (Cookie values are read trimmed and unquoted: a value that comes to the real one is the real one.)
    fc.oneof(ascii(0, 60), fc.constantFrom('', '%00', 'a%00b', '"quoted"', 'x'.repeat(4000), `${real}x`, real.slice(1), real.toLowerCase(), `"${real}x"`))
      .filter((v) => v.trim().replace(/^"(.*)"$/, '$1') !== real)
      .map((value) => ({ cookie: named(value), what: `a malformed value ${JSON.stringify(value.slice(0, 40))}` })),
    fc.constant({ cookie: `${SESSION_COOKIE}x=${real}; other=${real}`, what: 'the value under other names' }),
    fc.constant({ cookie: real, what: 'the value without a name' }),
    fc.constant({ cookie: `${named(real.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))}`, what: 'one character changed' }),
  );
}

/** Ids nobody has: unicode, very long, traversal, NUL; a real id of another kind; another merchant's id of the same kind. */
function hostileId(ids: Ids, theirs: Ids, own: IdSource): fc.Arbitrary<{ id: string; foreign?: boolean; router?: boolean }> {
  const kin = SAME_KIND.find((kind) => kind.includes(own)) ?? [own];
  const others = Object.entries(ids)
    .filter(([key, value]) => !kin.includes(key as IdSource) && value !== ids[own])
    .map(([, value]) => value);
  const plain = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((id) => ({ id }));
  return fc.oneof(
    plain(anyText.filter((s) => s.length > 0).map(encodeId)),
    // Over the router's 1,000 characters an id is refused before any route.
    ascii(256, 1200).map((s) => ({ id: encodeId(s), router: encodeId(s).length > 1000 })),
    plain(fc.tuple(fc.constantFrom('../', '..\\', '%00', '\u0000', '%2e%2e%2f', '../../etc/passwd', '%', '%ZZ', '<script>', MARK, "' or 1=1 --", '\uFEFF', '😀'), ascii(0, 10)).map(([a, b]) => encodeId(a + b))),
    plain(fc.constantFrom(...others).map(encodeId)),
    theirs[own] === ids[own] ? plain(fc.constant(encodeId(randomUUID()))) : fc.constant({ id: encodeId(theirs[own]), foreign: true }),
    // Put in as they are: escapes that decode badly (the router's refusal), NUL, dot segments.
    fc
      .tuple(fc.constantFrom('%00', '%ZZ', '%', '%C3%28', '%ED%A0%80', '%FF', '..', '.', '%2e%2e', '%2F', 'a%00b'), fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/))
      .map(([a, b]) => ({ id: a + b, router: true })),
  ).filter(({ id }) => id !== '.' && id !== '..' && id !== '' && id !== encodeId(ids[own]));
}

// ---------------------------------------------------------------------------------------------
// Checking answers

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * No 5xx, a correlation id, no markup from the input, redirects only within the dashboard, and a
 * refusal as a page (4xx, text/html). `router`: the URL may be refused by the router in the envelope.
 */
function checkAnswer(res: Answer, what: string, options: { mustFail?: boolean; router?: boolean } = {}): void {
  const label = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.ok(res.statusCode < 500, `server error: ${label}`);
  assert.match(String(res.headers['klarna-correlation-id']), UUID, `Klarna-Correlation-Id: ${label}`);
  assert.equal(res.body.includes(MARKUP), false, `markup from the input in the page: ${label}`);
  if (options.mustFail) assert.ok(res.statusCode >= 400, `accepted: ${label}`);
  if (res.statusCode >= 300 && res.statusCode < 400) {
    assert.equal(res.statusCode, 303, label);
    const location = String(res.headers.location);
    assert.match(location, /^\/dashboard(?:[/?]|$)/, `a redirect out of the dashboard: ${label} (Location: ${location})`);
    assert.equal(location.includes('//'), false, `Location: ${location}`);
    return;
  }
  if (res.statusCode < 400) return;
  const type = String(res.headers['content-type'] ?? '');
  if (options.router && type.startsWith('application/json')) {
    const code = (JSON.parse(res.body) as { error_code?: string }).error_code;
    assert.ok(['400 BAD_REQUEST', '404 NOT_FOUND', '415 UNSUPPORTED_MEDIA_TYPE'].includes(`${res.statusCode} ${code}`), label);
    return;
  }
  assert.match(type, /^text\/html; charset=utf-8$/, `not a page: ${label}`);
  assert.match(res.body, /^<!doctype html>/i, label);
  assert.equal(res.headers['cache-control'], 'no-store', label);
}

const describeRequest = (method: string, url: string, extra = '') => `${method} ${url.length > 160 ? `${url.slice(0, 160)}…` : url}${extra ? ` (${extra})` : ''}`;

// ---------------------------------------------------------------------------------------------

for (const dialect of await availableDialects()) {
  // PostgreSQL answers each request more slowly; its share is smaller and still covers every route.
  const runs = (n: number) => Math.max(1, Math.round(n * SCALE * (dialect === 'sqlite' ? 1 : 0.35)));

  describe(`the dashboard under hostile input (${dialect})`, () => {
    let t: TestApp;
    let ids: Ids;
    let theirs: Ids;
    /** Merchant A's session; a second session of A's; merchant B's. */
    let a: Browser;
    let a2: Browser;
    let b: Browser;
    let aValue: string;
    let merchantA: string;
    /** Cookie values of sessions that ended: signed out, expired, an administrator's no longer configured. */
    const dead: string[] = [];

    before(async () => {
      t = await buildTestApp({ dialect });
      ids = idsOf(await createResources(t, MERCHANT));
      theirs = idsOf(await createResources(t, OTHER_MERCHANT));
      [a, a2, b] = [await signedIn(t, MERCHANT), await signedIn(t, MERCHANT), await signedIn(t, OTHER_MERCHANT)];
      aValue = (a.cookie ?? '').split('=')[1] ?? '';
      const signedOut = await signedIn(t, MERCHANT);
      assert.equal((await signedOut.post('/dashboard/sign-out', {})).status, 303);
      const merchant = await t.db.read.get<{ merchant_id: string }>('select merchant_id from merchants where username = ?', [MERCHANT.username]);
      assert.ok(merchant);
      merchantA = merchant.merchant_id;
      const admin = await createSession(t.db, { merchant_id: merchantA, username: 'admin', admin: true });
      // Last: a new session clears the expired ones away, and this one is to stay, expired.
      const expired = await createSession(t.db, { merchant_id: merchantA, username: MERCHANT.username }, Date.now() - SESSION_TTL_MS - 60_000);
      const stored = await t.db.read.get<{ n: number | string }>('select count(*) as n from dashboard_sessions where expires_at < ?', [Date.now()]);
      assert.equal(Number(stored?.n), 1, 'the expired session is stored');
      dead.push((signedOut.cookie ?? '').split('=')[1] ?? '', expired.value, admin.value);
      // The state is still: nothing runs in the background on these resources.
      const first = await fingerprint(t.db, dialect);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await assertUnchanged(t.db, dialect, first, 'waiting');
    });
    after(async () => t.close());

    // Every answer within seconds: an event stream opened by mistake (a session where there is none) fails the test instead of hanging it.
    const inject = (method: string, url: string, headers: Record<string, string>, payload?: string | Buffer) =>
      t.app.inject({ method: method as 'GET', url, headers: { accept: 'text/html', ...headers }, signal: AbortSignal.timeout(10_000), ...(payload !== undefined && { payload }) });
    const FORM_TYPE = 'application/x-www-form-urlencoded';

    const realParams = (spec: RouteSpec) => Object.fromEntries(Object.entries(spec.params ?? {}).map(([name, source]) => [name, encodeId(ids[source])]));

    /** Runs a property as one batch and checks that the batch changed nothing stored. */
    async function batch<Ts>(name: string, property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
      const before = await fingerprint(t.db, dialect);
      await fc.assert(property, { numRuns, ...(SEED !== undefined && { seed: SEED }) });
      await assertUnchanged(t.db, dialect, before, name);
    }

    it('the route table lists every dashboard route, and each as a dashboard route', () => {
      const registered = registeredRoutes(t.app).filter((r) => r.split(' ')[1]?.startsWith('/dashboard'));
      assert.deepEqual(DASHBOARD.map((r) => `${r.method} ${r.path}`).sort(), registered);
      assert.ok(DASHBOARD.every((r) => r.path.startsWith('/dashboard')));
      assert.ok(FORMS.every((r) => r.form), 'every form has its valid fields');
    });

    it('without a session every guarded route leads to the sign-in page (303), sets no cookie and changes nothing, whatever the form holds', async () => {
      const request = fc.record({ spec: fc.constantFrom(...GUARDED), who: noSession(aValue, dead) });
      await batch(
        'requests without a session',
        fc.asyncProperty(request, async ({ spec, who }) => {
          const url = urlOf(spec, realParams(spec));
          const headers: Record<string, string> = { ...(who.cookie !== undefined && { cookie: who.cookie }), ...(who.authorization !== undefined && { authorization: who.authorization }) };
          // The valid form with the real session's token: the token alone is no credential.
          const payload = spec.method === 'POST' ? form({ csrf_token: a.csrf ?? '', ...spec.form?.(ids) }) : undefined;
          if (payload !== undefined) headers['content-type'] = FORM_TYPE;
          const res = await inject(spec.method, url, headers, payload);
          const what = describeRequest(spec.method, url, who.what);
          assert.ok(res.statusCode < 500, `${what} → ${res.statusCode}`);
          assert.equal(res.headers['set-cookie'], undefined, `${what}: a cookie was set`);
          if (spec.stream) {
            assert.equal(res.statusCode, 401, what);
            return;
          }
          checkAnswer(res, what);
          if (spec.method === 'GET') {
            assert.equal(res.statusCode, 303, `${what} → ${res.statusCode}`);
            assert.ok([`/dashboard/sign-in?next=${encodeURIComponent(url)}`, '/dashboard/sign-in'].includes(String(res.headers.location)), `${what}: Location ${String(res.headers.location)}`);
          } else if (res.statusCode === 303) {
            assert.equal(res.headers.location, '/dashboard/sign-in', what);
          } else {
            assert.ok([401, 403].includes(res.statusCode), `${what} → ${res.statusCode}`);
          }
        }),
        runs(300),
      );
    });

    it('every POST without the session\'s own CSRF token in its form is a 403 page, changing nothing', async () => {
      const token = () => a.csrf ?? '';
      const flip = (s: string) => s.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
      type Sent = { payload: string; type?: string; query?: string; headers?: Record<string, string> };
      const variants: { what: string; build: (fields: Record<string, string>) => Sent }[] = [
        { what: 'no token', build: (fields) => ({ payload: form(fields) }) },
        { what: 'an empty token', build: (fields) => ({ payload: form({ csrf_token: '', ...fields }) }) },
        { what: 'another session\'s token', build: (fields) => ({ payload: form({ csrf_token: a2.csrf ?? '', ...fields }) }) },
        { what: 'another merchant\'s token', build: (fields) => ({ payload: form({ csrf_token: b.csrf ?? '', ...fields }) }) },
        { what: 'one character changed', build: (fields) => ({ payload: form({ csrf_token: flip(token()), ...fields }) }) },
        { what: 'lower-cased', build: (fields) => ({ payload: form({ csrf_token: token().toLowerCase(), ...fields }) }) },
        { what: 'a prefix', build: (fields) => ({ payload: form({ csrf_token: token().slice(0, 42), ...fields }) }) },
        { what: 'one character more', build: (fields) => ({ payload: form({ csrf_token: `${token()}x`, ...fields }) }) },
        { what: 'in the query string', build: (fields) => ({ payload: form(fields), query: `?csrf_token=${encodeURIComponent(token())}` }) },
        { what: 'in a header', build: (fields) => ({ payload: form(fields), headers: { 'x-csrf-token': token(), 'csrf-token': token() } }) },
        { what: 'after a wrong one', build: (fields) => ({ payload: `csrf_token=wrong&${form({ csrf_token: token(), ...fields })}` }) },
        { what: 'under another name', build: (fields) => ({ payload: form({ csrfToken: token(), 'csrf_token[]': token(), ...fields }) }) },
        { what: 'in a JSON body', build: (fields) => ({ payload: JSON.stringify({ csrf_token: token(), ...fields }), type: 'application/json' }) },
        { what: 'in a text/plain body', build: (fields) => ({ payload: form({ csrf_token: token(), ...fields }), type: 'text/plain' }) },
      ];
      const random = fc.oneof(anyText, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)).filter((v) => v.trim() !== token());
      const request = fc.record({
        spec: fc.constantFrom(...CSRF_FORMS),
        variant: fc.oneof(
          fc.constantFrom(...variants),
          random.map((value) => ({ what: `a random token ${JSON.stringify(value.slice(0, 40))}`, build: (fields: Record<string, string>): Sent => ({ payload: form({ csrf_token: value, ...fields }) }) })),
        ),
      });
      await batch(
        'POSTs without the CSRF token',
        fc.asyncProperty(request, async ({ spec, variant }) => {
          const { payload, type, query = '', headers = {} } = variant.build(spec.form?.(ids) ?? {});
          const url = urlOf(spec, realParams(spec), query);
          const res = await inject('POST', url, { cookie: a.cookie ?? '', 'content-type': type ?? FORM_TYPE, ...headers }, payload);
          const what = describeRequest('POST', url, variant.what);
          checkAnswer(res, what, { mustFail: true });
          // A text/plain body is not a form at all (read as JSON, and not that either), nor is one with a NUL: 400.
          assert.equal(res.statusCode, type === 'text/plain' || payload.includes('%00') ? 400 : 403, `${what} → ${res.statusCode}`);
        }),
        runs(300),
      );
    });

    it('hostile path ids are 404 pages (400 for what cannot be an id) on every route with ids, another merchant\'s exactly like an unknown one, changing nothing', async () => {
      const request = fc.constantFrom(...WITH_IDS).chain((spec) => {
        const names = Object.keys(spec.params ?? {});
        return fc.record({
          spec: fc.constant(spec),
          hostile: fc.constantFrom(...names).chain((name) => hostileId(ids, theirs, (spec.params as Record<string, IdSource>)[name] as IdSource).map((id) => ({ name, ...id }))),
        });
      });
      await batch(
        'hostile ids',
        fc.asyncProperty(request, async ({ spec, hostile }) => {
          const params = { ...realParams(spec), [hostile.name]: hostile.id };
          const url = urlOf(spec, params);
          const headers: Record<string, string> = { cookie: a.cookie ?? '' };
          const payload = spec.method === 'POST' ? form({ csrf_token: a.csrf ?? '', ...spec.form?.(ids) }) : undefined;
          if (payload !== undefined) headers['content-type'] = FORM_TYPE;
          const res = await inject(spec.method, url, headers, payload);
          const what = describeRequest(spec.method, url);
          // A dot segment taken out of the path may leave another route, one without an id
          // (GET /dashboard/payouts/%2e%2e is GET /dashboard): then no hostile id is left to refuse.
          if (new URL(url, 'http://x').pathname !== url.split('?')[0]) {
            checkAnswer(res, what, { router: true });
            return;
          }
          checkAnswer(res, what, { mustFail: true, router: hostile.router });
          assert.ok([400, 404, ...(hostile.router ? [415] : [])].includes(res.statusCode), `${what} → ${res.statusCode}`);
          if (hostile.foreign) {
            const source = (spec.params as Record<string, IdSource>)[hostile.name] as IdSource;
            const unknown = source === 'callback_id' ? '999999999' : source === 'payment_reference' ? 'QQQQQQQQQQ' : randomUUID();
            const missing = await inject(spec.method, urlOf(spec, { ...params, [hostile.name]: unknown }), headers, payload);
            assert.equal(res.statusCode, 404, what);
            assert.deepEqual({ status: res.statusCode, body: res.body }, { status: missing.statusCode, body: missing.body }, `${what}: another merchant's id answered unlike an unknown one`);
          }
        }),
        runs(400),
      );
    });

    it('hostile query strings on every page answer without 5xx, refusals as pages, changing nothing', async () => {
      const queryValue = fc.oneof(anyText, ascii(0, 600), hostileValue, marked, fc.constantFrom('\u0000', '%00', '😀', 'a'.repeat(9000), Buffer.from(`1:${'x'.repeat(300)}`).toString('base64url'), Buffer.from('1:a\u0000b').toString('base64url')));
      const request = fc.constantFrom(...PAGES).chain((spec) =>
        fc.record({
          spec: fc.constant(spec),
          // Mostly signed in: the pages themselves, not the way to the sign-in page.
          signedIn: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          known: fc.subarray(Object.keys(spec.query ?? {})),
          keepReal: fc.boolean(),
          values: fc.dictionary(fc.constantFrom(...Object.keys(spec.query ?? {}), 'q', 'after', 'done', 'next', 'status', 'from'), queryValue, { maxKeys: 4 }),
          junk: fc.dictionary(ascii(1, 10), queryValue, { maxKeys: 2 }),
          rawQuery: fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            {
              weight: 1,
              arbitrary: fc.constantFrom('?%', '?q=%ZZ', '?q=%00', '?next=%2F%2Fevil.example', '?next=https%3A%2F%2Fevil.example', '?&&==', '?q[]=a&q=b', '?a[b]=1&a[c][d]=2', '?done=__proto__', '?done=constructor', '?after=%FF%FE', '?from=2024-02-31&to=0000-00-00'),
            },
          ),
        }),
      );
      await batch(
        'hostile queries',
        fc.asyncProperty(request, async ({ spec, signedIn: withSession, known, keepReal, values, junk, rawQuery }) => {
          const query: Record<string, string> = {};
          for (const name of known) query[name] = keepReal ? (spec.query?.[name]?.(ids) ?? '') : (values[name] ?? '');
          Object.assign(query, values, junk);
          const search = rawQuery ?? (Object.keys(query).length ? `?${Object.entries(query).map(([k, v]) => `${encodeId(k)}=${encodeId(v)}`).join('&')}` : '');
          const url = urlOf(spec, realParams(spec), search);
          const res = await inject('GET', url, withSession ? { cookie: a.cookie ?? '' } : {});
          checkAnswer(res, describeRequest('GET', url, withSession ? 'signed in' : 'no session'));
        }),
        runs(400),
      );
    });

    it('malformed form bodies (JSON, multipart, other media types, broken escapes, invalid UTF-8, NUL) are refused on every form, changing nothing', async () => {
      type Payload = { payload: Buffer; type: string; statuses: readonly number[]; what: string };
      const withToken = (spec: RouteSpec) => ({ ...(!spec.open && { csrf_token: a.csrf ?? '' }), ...spec.form?.(ids) });
      // What each form refuses it as: the sign-in form has no token to check first.
      const unreadable = (spec: RouteSpec) => (spec.open ? [400] : [400, 403]);
      const payloads = (spec: RouteSpec): fc.Arbitrary<Payload> => {
        const fields = withToken(spec);
        const valid = form(fields);
        const boundary = 'x-boundary';
        const multipart = Object.entries(fields)
          .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
          .join('');
        return fc.oneof(
          fc.constant({ payload: Buffer.from(JSON.stringify(fields)), type: 'application/json', statuses: spec.open ? [400] : [403], what: 'the form as JSON' }),
          fc.constant({ payload: Buffer.from(`${multipart}--${boundary}--\r\n`), type: `multipart/form-data; boundary=${boundary}`, statuses: [415], what: 'multipart' }),
          fc.constantFrom('application/xml', 'text/html', 'application/octet-stream', 'image/png', 'multipart/mixed').map((type) => ({ payload: Buffer.from(valid), type, statuses: [415], what: type })),
          fc
            .tuple(fc.constantFrom(...Object.keys(fields)), fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%C3%28', '%ED%A0%80', '%00', 'a%00b', '%FF'), fc.boolean())
            .map(([name, bad, inName]) => ({
              payload: Buffer.from(`${valid}&${inName ? `${bad}=1` : `${name}x=${bad}`}`),
              type: FORM_TYPE,
              statuses: [400],
              what: `${inName ? 'a name' : 'a value'} ${bad}`,
            })),
          fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => ({
            payload: Buffer.concat([Buffer.from(`${valid}&x=`), Buffer.from([0xff, ...bytes])]),
            type: FORM_TYPE,
            statuses: [400],
            what: 'invalid UTF-8',
          })),
          fc.constant({ payload: Buffer.from(`${valid}&city=${Buffer.from('Göteborg', 'latin1').toString('latin1')}`, 'latin1'), type: `${FORM_TYPE}; charset=latin1`, statuses: [400], what: 'Latin-1' }),
          fc.constant({ payload: Buffer.from(valid.replace(/=/g, '=%00')), type: FORM_TYPE, statuses: [400], what: 'NUL in every value' }),
          fc.constant({ payload: Buffer.from(JSON.stringify(fields)), type: 'text/plain', statuses: unreadable(spec), what: 'JSON as text/plain' }),
        );
      };
      const request = fc.constantFrom(...FORMS).chain((spec) => fc.record({ spec: fc.constant(spec), body: payloads(spec) }));
      await batch(
        'malformed forms',
        fc.asyncProperty(request, async ({ spec, body }) => {
          const url = urlOf(spec, realParams(spec));
          const res = await inject('POST', url, { cookie: a.cookie ?? '', 'content-type': body.type }, body.payload);
          const what = describeRequest('POST', url, `${body.what}: ${JSON.stringify(body.payload.toString('latin1').slice(0, 120))}`);
          checkAnswer(res, what, { mustFail: true });
          assert.ok(body.statuses.includes(res.statusCode), `${what} → ${res.statusCode}, not ${body.statuses.join(' or ')}`);
          assert.equal(res.headers['set-cookie'], undefined, `${what}: a cookie was set`);
        }),
        runs(300),
      );
    });

    it('forms over 5 MiB are 413 pages on every form, changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      for (const spec of FORMS) {
        const url = urlOf(spec, realParams(spec));
        const payload = form({ ...(!spec.open && { csrf_token: a.csrf ?? '' }), ...spec.form?.(ids), padding: 'x'.repeat(MAX_BODY_BYTES) });
        const res = await inject('POST', url, { cookie: a.cookie ?? '', 'content-type': FORM_TYPE }, payload);
        checkAnswer(res, describeRequest('POST', url, `${payload.length} bytes`), { mustFail: true });
        assert.equal(res.statusCode, 413, describeRequest('POST', url, res.body.slice(0, 200)));
      }
      await assertUnchanged(t.db, dialect, before, 'oversized forms');
    });

    it('the event stream streams for a session whatever the query string, and is 401 for any other cookie', async () => {
      const base = `http://127.0.0.1:${await t.listen()}`;
      for (const query of ['', '?%', `?x=${encodeURIComponent(MARK)}`, `?last=${'9'.repeat(3000)}`]) {
        const abort = new AbortController();
        const res = await fetch(`${base}/dashboard/events${query}`, { headers: { cookie: a.cookie ?? '' }, signal: abort.signal });
        assert.equal(res.status, 200, query);
        assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/, query);
        abort.abort();
      }
      for (const value of [...dead, randomBytes(32).toString('base64url'), '']) {
        const res = await fetch(`${base}/dashboard/events`, { headers: { cookie: `${SESSION_COOKIE}=${value}` } });
        assert.equal(res.status, 401);
        await res.text();
      }
    });

    it('forms with hostile fields (wrong values, huge, missing, repeated, unknown) never get a 5xx, and every refusal changes nothing', async () => {
      // Last: these may be accepted and change what the tests above ran against. The clock is only
      // ever asked to move by what no valid number of seconds is (it would expire everything).
      const request = fc.constantFrom(...FORMS).chain((spec) =>
        fc.record({
          spec: fc.constant(spec),
          fields: hostileFields(spec.form?.(ids) ?? {}).filter((fields) => spec.path !== '/dashboard/clock/advance' || !fields.some(([name, value]) => name === 'seconds' && /^\s*\d{1,10}\s*$/.test(value))),
        }),
      );
      await fc.assert(
        fc.asyncProperty(request, async ({ spec, fields }) => {
          // Signing out ends the session: a session of its own for each.
          let session = { cookie: a.cookie ?? '', csrf: a.csrf ?? '' };
          if (spec.path === '/dashboard/sign-out') {
            const made = await createSession(t.db, { merchant_id: merchantA, username: MERCHANT.username });
            session = { cookie: `${SESSION_COOKIE}=${made.value}`, csrf: made.session.csrf_token };
          }
          const before = await fingerprint(t.db, dialect);
          const url = urlOf(spec, realParams(spec));
          const payload = encodeForm([...(spec.open ? [] : ([['csrf_token', session.csrf]] as [string, string][])), ...fields]);
          const res = await inject('POST', url, { cookie: session.cookie, 'content-type': FORM_TYPE }, payload);
          const what = describeRequest('POST', url, payload.slice(0, 300));
          checkAnswer(res, what);
          if (res.statusCode >= 400) await assertUnchanged(t.db, dialect, before, what);
        }),
        { numRuns: runs(200), ...(SEED !== undefined && { seed: SEED }) },
      );
    });
  });
}
