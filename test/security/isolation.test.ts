/**
 * Isolation between merchants and the handling of their secrets, on every merchant route:
 *
 *  - no credentials, or wrong ones, are 401 with `WWW-Authenticate: Basic`: Klarna's HTML page on its
 *    APIs, the envelope on the sandbox API;
 *  - another merchant's resource is answered exactly as an unknown id is (status, error_code and
 *    messages, the id aside), so a response never tells whether someone else's id exists; so is
 *    another merchant's key named in a Merchant Card `KeyId` header;
 *  - none of these requests changes anything stored;
 *  - on the dashboard, another merchant's resource is the same 404 page as an unknown id, on every
 *    page and action that takes one (changing nothing), and no list shows another merchant's rows,
 *    not even when searched by their ids (the dashboard's other checks: test/fuzz/dashboard.test.ts);
 *  - passwords are stored only as scrypt hashes and compared with crypto.timingSafeEqual.
 *
 * The routes come from the shared route table, which the fuzz test checks against the app's own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { hashPassword, verifyPassword } from '../../src/platform/passwords.js';
import { availableDialects } from '../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../helpers/fingerprint.js';
import { assertUnauthorized } from '../helpers/assertions.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp } from '../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../helpers/harness.js';
import { createResources } from '../helpers/resources.js';
import { FIXED_IDS, ROUTES, idsOf, registeredRoutes, urlOf } from '../helpers/routes.js';
import type { IdSource, Ids, RouteSpec } from '../helpers/routes.js';
import { signedIn } from '../api/dashboard/helpers.js';
import type { Browser } from '../api/dashboard/helpers.js';

const MERCHANT_ROUTES = ROUTES.filter((r) => r.auth === 'merchant');
const WITH_IDS = MERCHANT_ROUTES.filter((r) => r.params);
/** The dashboard's pages and actions that name a resource, and its lists searchable by id. */
const DASHBOARD_WITH_IDS = ROUTES.filter((r) => r.auth === 'dashboard' && r.params);
const DASHBOARD_LISTS = ROUTES.filter((r) => r.auth === 'dashboard' && r.method === 'GET' && r.query?.q);

const withAssets = async (t: TestApp, auth: RequestOptions['auth']): Promise<Ids> => idsOf(await createResources(t, auth));

/** An id of the same shape that no merchant has. */
const unknownId = (source: IdSource): string => (source === 'callback_id' ? '999999999' : source === 'payment_reference' ? 'QQQQQQQQQQ' : randomUUID());

/** What a refusal says, with the ids that were asked for replaced, so two answers can be compared. */
function refusal(res: TestResponse, ids: string[]): { status: number; body: unknown } {
  let text = res.body;
  for (const id of ids) text = text.split(id).join('<id>');
  // Checkout's 404 has no body at all.
  if (text === '') return { status: res.status, body: null };
  const body = JSON.parse(text) as Record<string, unknown>;
  delete body.correlation_id;
  return { status: res.status, body };
}

for (const dialect of await availableDialects()) {
  describe(`isolation between merchants (${dialect})`, () => {
    let t: TestApp;
    let mine: Ids;
    let theirs: Ids;

    before(async () => {
      t = await buildTestApp({ dialect });
      mine = await withAssets(t, MERCHANT);
      theirs = await withAssets(t, OTHER_MERCHANT);
    });
    after(async () => t.close());

    // Headers a route needs (the KeyId of a settlement read) are the caller's own.
    const call = (spec: RouteSpec, params: Record<string, string>, auth: RequestOptions['auth'], query = '') =>
      t.request({ method: spec.method, url: urlOf(spec, params, query), body: spec.body?.(mine), headers: spec.headers?.(auth === OTHER_MERCHANT ? theirs : mine), auth });
    const own = (spec: RouteSpec, ids: Ids) => Object.fromEntries(Object.entries(spec.params ?? {}).map(([name, source]) => [name, ids[source]]));

    it('the route table is the app\'s own', () => {
      assert.deepEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort(), registeredRoutes(t.app));
      assert.ok(MERCHANT_ROUTES.length >= 40 && WITH_IDS.length >= 25, 'the table has the merchant routes');
    });

    it('every merchant route without credentials is 401 with WWW-Authenticate: Basic (Klarna\'s HTML page; the envelope on the sandbox), changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      for (const spec of MERCHANT_ROUTES) assertUnauthorized(spec.path, await call(spec, own(spec, mine), null), `${spec.method} ${spec.path}`);
      await assertUnchanged(t.db, dialect, before, 'requests without credentials');
    });

    it('every merchant route with a wrong password, another merchant\'s password or an unknown user is 401, changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      const wrong = [
        { username: MERCHANT.username, password: 'secret-x' },
        { username: MERCHANT.username, password: OTHER_MERCHANT.password },
        { username: MERCHANT.username, password: `${MERCHANT.password} ` },
        { username: 'nobody', password: MERCHANT.password },
      ];
      for (const spec of MERCHANT_ROUTES) {
        for (const auth of wrong) assertUnauthorized(spec.path, await call(spec, own(spec, mine), auth), `${spec.method} ${spec.path} as ${auth.username}:${auth.password}`);
      }
      await assertUnchanged(t.db, dialect, before, 'requests with wrong credentials');
    });

    it('each merchant\'s resources are served to it (the ids below are real)', async () => {
      for (const spec of WITH_IDS.filter((r) => r.method === 'GET')) {
        for (const [auth, ids] of [[MERCHANT, mine], [OTHER_MERCHANT, theirs]] as const) {
          const res = await call(spec, own(spec, ids), auth);
          assert.equal(res.status, 200, `${spec.method} ${spec.path} as ${auth.username}: ${res.body}`);
        }
      }
    });

    it('another merchant\'s resource is answered exactly like an unknown id on every route that takes one, changing nothing', async () => {
      const before = await fingerprint(t.db, dialect);
      let compared = 0;
      for (const spec of WITH_IDS) {
        const names = Object.keys(spec.params ?? {});
        // Every id someone else's, then (routes with two ids) the caller's own order with someone else's capture or refund.
        const cases: { ids: Record<string, string>; asked: string[] }[] = [{ ids: own(spec, mine), asked: Object.values(own(spec, mine)) }];
        if (names.length > 1) {
          const [parent, child] = names as [string, string];
          const mixed = { [parent]: own(spec, theirs)[parent] as string, [child]: own(spec, mine)[child] as string };
          cases.push({ ids: mixed, asked: [mixed[child] as string] });
        }
        for (const { ids, asked } of cases) {
          const substitutes = new Map(asked.map((id) => [id, randomUUID()]));
          const unknown = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, substitutes.get(id) ?? id]));
          const foreign = await call(spec, ids, OTHER_MERCHANT);
          const missing = await call(spec, unknown, OTHER_MERCHANT);
          const what = `${spec.method} ${spec.path} with ${JSON.stringify(ids)}`;
          assert.equal(foreign.status, 404, `${what}: ${foreign.body}`);
          assert.deepEqual(refusal(foreign, asked), refusal(missing, [...substitutes.values()]), what);
          compared++;
        }
      }
      // Reads that take an id in the query: the sandbox's event timeline.
      for (const name of ['order_id', 'session_id'] as const) {
        const foreign = await t.request({ url: `/sandbox/v1/events?${name}=${mine[name]}`, auth: OTHER_MERCHANT });
        const missing = await t.request({ url: `/sandbox/v1/events?${name}=${randomUUID()}`, auth: OTHER_MERCHANT });
        assert.equal(foreign.status, missing.status, foreign.body);
        assert.deepEqual(foreign.json(), missing.json(), `events by ${name}`);
        const owner = await t.request({ url: `/sandbox/v1/events?${name}=${mine[name]}`, auth: MERCHANT });
        assert.equal(owner.status, 200, owner.body);
        compared++;
      }
      // Settlements' reads by an id in the query: another merchant's payout or order reads as an unknown one.
      const settlementsReads: [string, keyof Ids][] = [
        ['/settlements/v1/transactions?payment_reference=', 'payment_reference'],
        ['/settlements/v1/transactions?order_id=', 'order_id'],
        ['/settlements/v1/reports/payout?payment_reference=', 'payment_reference'],
        ['/settlements/v1/reports/payout-with-transactions?payment_reference=', 'payment_reference'],
        ['/sandbox/v1/settlements/disputes?order_id=', 'order_id'],
      ];
      for (const [prefix, name] of settlementsReads) {
        const unknown = name === 'payment_reference' ? 'QQQQQQQQQQ' : randomUUID();
        const foreign = await t.request({ url: `${prefix}${mine[name]}`, auth: OTHER_MERCHANT });
        const missing = await t.request({ url: `${prefix}${unknown}`, auth: OTHER_MERCHANT });
        assert.deepEqual(refusal(foreign, [mine[name]]), refusal(missing, [unknown]), `${prefix}…`);
        const owner = await t.request({ url: `${prefix}${mine[name]}`, auth: MERCHANT });
        assert.equal(owner.status, 200, owner.body);
        assert.notDeepEqual(owner.body, foreign.body, `${prefix}…: the owner sees what another merchant does not`);
        compared++;
      }
      // Merchant Card settlement reads name a key in the KeyId header: another merchant's key reads as an unknown one.
      for (const spec of WITH_IDS.filter((r) => r.headers)) {
        const unknown = randomUUID();
        const foreign = await t.request({ url: urlOf(spec, own(spec, theirs)), headers: { KeyId: mine.card_key_id }, auth: OTHER_MERCHANT });
        const missing = await t.request({ url: urlOf(spec, own(spec, theirs)), headers: { KeyId: unknown }, auth: OTHER_MERCHANT });
        assert.equal(foreign.status, 403, foreign.body);
        assert.deepEqual(refusal(foreign, [mine.card_key_id]), refusal(missing, [unknown]), `${spec.path} with another merchant's KeyId`);
        compared++;
      }
      assert.ok(compared >= WITH_IDS.length, `${compared} comparisons`);
      await assertUnchanged(t.db, dialect, before, 'another merchant\'s requests');
    });

    describe('the dashboard', () => {
      let a: Browser;
      let b: Browser;
      before(async () => {
        a = await signedIn(t, MERCHANT);
        b = await signedIn(t, OTHER_MERCHANT);
      });

      const dashboardUrl = (spec: RouteSpec, ids: Record<string, string>) => urlOf(spec, Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, encodeURIComponent(v)])));
      const ask = (browser: Browser, spec: RouteSpec, ids: Record<string, string>) =>
        spec.method === 'GET' ? browser.get(dashboardUrl(spec, ids)) : browser.post(dashboardUrl(spec, ids), spec.form?.(mine) ?? {});

      it('each merchant\'s own pages are served to it (the ids below are real)', async () => {
        assert.ok(DASHBOARD_WITH_IDS.length >= 12 && DASHBOARD_LISTS.length >= 6, 'the table has the dashboard\'s pages');
        for (const spec of DASHBOARD_WITH_IDS.filter((r) => r.method === 'GET')) {
          for (const [browser, ids] of [[a, mine], [b, theirs]] as const) {
            const res = await ask(browser, spec, own(spec, ids));
            assert.equal(res.status, 200, `${spec.path} as ${browser === a ? 'A' : 'B'}: ${res.body.slice(0, 300)}`);
          }
        }
      });

      it('another merchant\'s resource is the same 404 page as an unknown id on every page and action, changing nothing', async () => {
        const before = await fingerprint(t.db, dialect);
        for (const spec of DASHBOARD_WITH_IDS) {
          const params = spec.params as Record<string, IdSource>;
          // The resources' ids are A's; a fixed path value (the order action) is the same for anyone.
          const named = Object.keys(params).filter((name) => !Object.hasOwn(FIXED_IDS, params[name] as string));
          const ids = own(spec, mine);
          const substitutes = new Map(named.map((name) => [ids[name] as string, unknownId(params[name] as IdSource)]));
          const unknown = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, substitutes.get(id) ?? id]));
          const foreign = await ask(b, spec, ids);
          const missing = await ask(b, spec, unknown);
          const what = `${spec.method} ${spec.path} with ${JSON.stringify(ids)}`;
          assert.equal(foreign.status, 404, `${what}: ${foreign.body.slice(0, 300)}`);
          assert.match(String(foreign.headers['content-type']), /^text\/html/, what);
          // The very same page: it names neither id.
          assert.deepEqual({ status: foreign.status, type: foreign.headers['content-type'], body: foreign.body }, { status: missing.status, type: missing.headers['content-type'], body: missing.body }, what);
        }
        await assertUnchanged(t.db, dialect, before, 'another merchant\'s dashboard requests');
      });

      it('no list shows another merchant\'s rows, not even searched by their ids', async () => {
        const before = await fingerprint(t.db, dialect);
        const resourceIds = (ids: Ids) =>
          [ids.order_id, ids.promised_order_id, ids.card_order_id, ids.session_id, ids.checkout_order_id, ids.hpp_session_id, ids.token_id, ids.payment_reference];
        for (const spec of DASHBOARD_LISTS) {
          const search = (ids: Ids) => `?q=${encodeURIComponent(spec.query?.q?.(ids) ?? '')}`;
          const found = await a.get(urlOf(spec, {}, search(mine)));
          assert.equal(found.status, 200, found.body);
          assert.ok(found.body.includes(spec.query?.q?.(mine) ?? '?'), `${spec.path}: the owner finds its row`);
          for (const url of [urlOf(spec, {}, search(mine)), urlOf(spec, {})]) {
            const res = await b.get(url);
            assert.equal(res.status, 200, `${url}: ${res.body.slice(0, 300)}`);
            // The search box keeps what was searched for; nothing else may name A's ids.
            const shown = res.body.replace(/<input id="f-q"[^>]*>/, '');
            for (const id of resourceIds(mine)) assert.equal(shown.includes(id), false, `${url} as B shows A's ${id}`);
            if (url.includes('?q=')) assert.match(shown, /<p class="empty"[^>]*>No [A-Za-z ]+ match\.<\/p>/, `${url}: an empty result`);
          }
          // B's own rows are there: the list is not simply empty.
          assert.ok((await b.get(urlOf(spec, {}, search(theirs)))).body.includes(spec.query?.q?.(theirs) ?? '?'), `${spec.path}: B finds its own row`);
        }
        await assertUnchanged(t.db, dialect, before, 'another merchant\'s lists');
      });
    });

    it('passwords are stored only as scrypt hashes, each with its own salt', async () => {
      const merchants = await t.db.kysely.selectFrom('merchants').selectAll().execute();
      assert.equal(merchants.length, 2);
      for (const merchant of merchants) {
        const row = merchant as Record<string, unknown>;
        const hash = String(row.password_hash);
        assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/, 'scrypt$N$r$p$salt$key');
        const credential = row.username === MERCHANT.username ? MERCHANT : OTHER_MERCHANT;
        assert.equal(await verifyPassword(credential.password, hash), true);
      }
      // No table holds a password in plain text, or its base64 form as Basic credentials carry it.
      const tables = await (dialect === 'sqlite'
        ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
        : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      ).execute(t.db.kysely);
      for (const { name } of tables.rows) {
        const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(t.db.kysely);
        const text = JSON.stringify(rows);
        for (const { username, password } of [MERCHANT, OTHER_MERCHANT]) {
          assert.equal(text.includes(password), false, `${name} holds a password`);
          assert.equal(text.includes(Buffer.from(`${username}:${password}`).toString('base64')), false, `${name} holds Basic credentials`);
        }
      }
      const [first, second] = merchants.map((m) => String((m as Record<string, unknown>).password_hash).split('$')[4]);
      assert.notEqual(first, second, 'salts differ');
    });
  });
}

describe('password hashes', () => {
  it('the right password verifies; a wrong one of the same length, a prefix, a longer one or an empty one does not', async () => {
    const stored = await hashPassword('correct horse');
    assert.equal(await verifyPassword('correct horse', stored), true);
    for (const wrong of ['correct horsf', 'Correct horse', 'correct hors', 'correct horse ', '', 'xxxxxxxxxxxxx']) {
      assert.equal(await verifyPassword(wrong, stored), false, JSON.stringify(wrong));
    }
  });

  it('the same password hashes differently each time (a fresh salt), and both verify', async () => {
    const [a, b] = [await hashPassword('same'), await hashPassword('same')];
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same', a), true);
    assert.equal(await verifyPassword('same', b), true);
  });

  it('the derived keys are compared with crypto.timingSafeEqual, for right and for wrong passwords', async () => {
    // Swap the built-in for a counting wrapper; syncBuiltinESMExports makes ESM imports of node:crypto see it.
    const crypto = createRequire(import.meta.url)('node:crypto') as typeof NodeCrypto;
    const original = crypto.timingSafeEqual;
    const compared: number[] = [];
    crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push(a.byteLength);
      return original(a, b);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      const stored = await hashPassword('secret-a');
      assert.equal(await verifyPassword('secret-a', stored), true);
      assert.equal(await verifyPassword('secret-b', stored), false);
      assert.deepEqual(compared, [32, 32], 'one constant-time comparison of the 32-byte keys per verification');
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
  });

  it('a stored value that is not a whole scrypt hash verifies nothing and throws nothing', async () => {
    const stored = await hashPassword('secret-a');
    const parts = stored.split('$');
    const shortKey = [...parts.slice(0, 5), Buffer.alloc(16).toString('base64url')].join('$');
    for (const bad of ['', 'secret-a', 'plain$secret-a', parts.slice(0, 5).join('$'), shortKey, stored.replace('scrypt', 'bcrypt')]) {
      assert.equal(await verifyPassword('secret-a', bad), false, bad);
    }
  });
});
