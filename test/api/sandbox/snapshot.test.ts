/**
 * `GET /sandbox/v1/snapshot` and `PUT /sandbox/v1/snapshot`: a merchant's whole state after a full
 * lifecycle, exported on one database and imported into a fresh database of the other dialect (and
 * back), reads the same through every API: orders, captures, refunds, sessions, tokens, Checkout and
 * HPP, settlements, virtual cards, and the sandbox's events, callbacks, timeline, inbox, faults and
 * settings; the merchant's clock reads the snapshot's time. The numbers the database gives (callback,
 * event and call ids) are new, in the same order. Refused snapshots change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Value } from 'typebox/value';
import type { Db } from '../../../src/platform/db/database.js';
import { SNAPSHOT_TABLES } from '../../../src/modules/sandbox/merchant-state.js';
import { MerchantSnapshot } from '../../../src/modules/sandbox/state-schemas.js';
import { availableDialects } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp } from '../../helpers/harness.js';
import type { RequestOptions, TestApp, TestResponse } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { populateMerchant } from '../../helpers/merchant-state.js';
import type { Populated } from '../../helpers/merchant-state.js';

type Auth = RequestOptions['auth'];
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const HOUR = 3600;

type Lifecycle = Populated;

/** A full lifecycle (test/helpers/merchant-state.ts), the merchant's clock two hours on. */
const lifecycle = (t: TestApp, auth: Auth, merchant: FakeMerchant): Promise<Lifecycle> => populateMerchant(t, auth, merchant, 2 * HOUR);

// ---------------------------------------------------------------------------------------------
// Comparing answers of two databases

/** The numbers a database gave a merchant's rows, each by its rank: the same on both sides when the order is. */
interface Ranks {
  /** The merchant's id, which some answers show (a payout's merchant_id): another one on each database. */
  merchant: string;
  callbacks: Map<string, number>;
  events: Map<string, number>;
  calls: Map<string, number>;
}

async function ranksOf(db: Db, merchantId: string): Promise<Ranks> {
  const ranked = async (table: string, column: string) => {
    const rows = await db.read.all<Record<string, number | string>>(`select ${column} as id from ${table} where merchant_id = ? order by ${column}`, [merchantId]);
    return new Map(rows.map((row, i) => [String(row.id), i]));
  };
  return { merchant: merchantId, callbacks: await ranked('callbacks', 'callback_id'), events: await ranked('events', 'event_id'), calls: await ranked('api_calls', 'call_id') };
}

const merchantIdOf = async (t: TestApp, username: string): Promise<string> =>
  (await t.db.kysely.selectFrom('merchants').select('merchant_id').where('username', '=', username).executeTakeFirstOrThrow()).merchant_id;

/** An answer with what differs between two installations taken out: the database's numbers as ranks, tokens signed with the installation's secret, correlation ids. */
function normalized(value: Json, ranks: Ranks, key = ''): Json {
  const rank = (map: Map<string, number>, id: unknown, kind: string) => `${kind}#${map.get(String(id)) ?? `unknown ${String(id)}`}`;
  if (Array.isArray(value)) return value.map((v) => normalized(v, ranks));
  if (value !== null && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'correlation_id') continue;
      if (k === 'resource_id' && typeof value.route === 'string' && value.route.includes(':callback_id') && v !== null) out[k] = rank(ranks.callbacks, v, 'callback');
      else out[k] = normalized(v, ranks, k);
    }
    return out;
  }
  if (key === 'callback_id' && value !== null) return rank(ranks.callbacks, value, 'callback');
  if (key === 'call_id') return rank(ranks.calls, value, 'call');
  if (key === 'client_token') return '<client token>';
  if (typeof value === 'string') {
    if (value === ranks.merchant) return '<merchant>';
    return value
      .replace(/^callback:(\d+)$/, (_m, id: string) => `callback:${rank(ranks.callbacks, id, 'callback')}`)
      .replace(/^event:(\d+)$/, (_m, id: string) => `event:${rank(ranks.events, id, 'event')}`)
      .replace(/\/callbacks\/(\d+)/g, (_m, id: string) => `/callbacks/${rank(ranks.callbacks, id, 'callback')}`)
      // A stored event payload (JSON text) naming a callback.
      .replace(/"callback_id":"(\d+)"/g, (_m, id: string) => `"callback_id":"${rank(ranks.callbacks, id, 'callback')}"`)
      .replace(/([?&](?:amp;)?token=)[^"&\s]+/g, '$1<page token>');
  }
  return value;
}

/** Virtual cards are encrypted anew for every read: compared without their encrypted part. */
function withoutCiphertext(body: Json): Json {
  return { ...body, cards: (body.cards as Json[]).map(({ pci_data: _p, iv: _i, aes_key: _a, ...card }) => card) };
}

// ---------------------------------------------------------------------------------------------

const dialects = await availableDialects();
for (const source of dialects) {
  const target = dialects.find((d) => d !== source) ?? source;

  describe(`merchant snapshots: export on ${source}, import on a fresh ${target}, and back`, () => {
    let from: TestApp;
    let to: TestApp;
    let merchant: FakeMerchant;
    let mine: Lifecycle;
    let snapshot: Json;
    let fromRanks: Ranks;
    let toRanks: Ranks;
    let exportedAt: number;

    before(async () => {
      merchant = await startFakeMerchant();
      merchant.answer({ status: 200, body: '{}' });
      from = await buildTestApp({ dialect: source, config: { callbackPollMs: '20' } });
      to = await buildTestApp({ dialect: target, config: { callbackPollMs: '20' } });
      // The other merchant first: the source's numbers for A do not start at 1, the fresh target's do.
      await lifecycle(from, OTHER_MERCHANT, merchant);
      mine = await lifecycle(from, MERCHANT, merchant);
      const res = await from.get('/sandbox/v1/snapshot');
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      snapshot = res.json();
      exportedAt = Date.now();
      fromRanks = await ranksOf(from.db, await merchantIdOf(from, MERCHANT.username));
    });
    after(async () => {
      await from.close();
      await to.close();
      await merchant.close();
    });

    it('the snapshot holds every merchant table of the merchant, rows as stored in key order, its settings and its clock', async () => {
      const checked: unknown = snapshot;
      assert.ok(Value.Check(MerchantSnapshot, checked), JSON.stringify([...Value.Errors(MerchantSnapshot, checked)].slice(0, 3)));
      assert.equal(snapshot.format, 'klarna-local/merchant-snapshot');
      assert.equal(snapshot.version, 1);
      const migrations = await from.db.read.all<{ name: string }>('select name from kysely_migration order by name');
      assert.equal(snapshot.schema, migrations.at(-1)?.name);
      assert.equal(snapshot.merchant.username, MERCHANT.username);
      assert.deepEqual(Object.keys(snapshot.tables), SNAPSHOT_TABLES.map((t) => t.name));
      const merchantId = await merchantIdOf(from, MERCHANT.username);
      for (const table of SNAPSHOT_TABLES) {
        const rows: Json[] = snapshot.tables[table.name];
        assert.ok(rows.length > 0, `${table.name} has rows`);
        if (!table.throughParent) assert.ok(rows.every((row) => row.merchant_id === merchantId), `${table.name}: only the merchant's rows`);
        const keys = rows.map((row) => JSON.stringify(table.key.map((k) => row[k])));
        const sorted = [...rows].sort((a, b) => {
          for (const k of table.key) if (a[k] !== b[k]) return typeof a[k] === 'number' ? a[k] - b[k] : a[k] < b[k] ? -1 : 1;
          return 0;
        });
        assert.deepEqual(keys, sorted.map((row) => JSON.stringify(table.key.map((k) => row[k]))), `${table.name} in key order`);
      }
      // Rows as stored: the order's row is the database's, JSON columns as text.
      const stored = await from.db.read.get<Record<string, unknown>>('select * from orders where order_id = ?', [mine.order_id]);
      const exported = snapshot.tables.orders.find((row: Json) => row.order_id === mine.order_id);
      assert.deepEqual(exported, Object.fromEntries(Object.entries(stored ?? {}).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
      assert.equal(typeof exported.order_lines, 'string');
      assert.deepEqual(snapshot.settings, JSON.parse((await from.db.read.get<{ settings: string }>('select settings from merchants where merchant_id = ?', [merchantId]))?.settings ?? ''));
      const clockNow = await from.clock.now(merchantId);
      assert.ok(Math.abs(clockNow - snapshot.clock.now_ms) < 3000, `${snapshot.clock.now} ~ ${new Date(clockNow).toISOString()}`);
      assert.equal(snapshot.clock.now, new Date(snapshot.clock.now_ms).toISOString());
      assert.ok(snapshot.clock.now_ms - Date.now() > 2 * HOUR * 1000 - 5000, 'the merchant clock is two hours ahead');
    });

    it(`imported into a fresh ${target} database, the merchant's clock reads the snapshot's time and every read answers as on ${source}`, async () => {
      const res = await to.request({ method: 'PUT', url: '/sandbox/v1/snapshot', body: snapshot });
      assert.equal(res.status, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.imported, Object.fromEntries(SNAPSHOT_TABLES.map((t) => [t.name, snapshot.tables[t.name].length])));
      const expectedNow = snapshot.clock.now_ms + (Date.now() - exportedAt);
      assert.ok(Math.abs(Date.parse(body.clock.now) - expectedNow) < 3000, `${body.clock.now} ~ ${new Date(expectedNow).toISOString()}`);
      const clock = await to.get('/sandbox/v1/clock');
      assert.ok(Math.abs(Date.parse(clock.json().now) - (snapshot.clock.now_ms + (Date.now() - exportedAt))) < 3000, clock.body);
      toRanks = await ranksOf(to.db, await merchantIdOf(to, MERCHANT.username));
      assert.equal(toRanks.callbacks.size, fromRanks.callbacks.size);

      const same = async (url: string, headers: Record<string, string> = {}, shape: (b: Json) => Json = (b) => b) => {
        const [a, b]: [TestResponse, TestResponse] = [await from.request({ url, headers }), await to.request({ url, headers })];
        assert.equal(b.status, a.status, `${url}: ${b.body}`);
        assert.ok(a.status === 200 || a.status === 202, `${url}: ${a.status} ${a.body}`);
        assert.deepEqual(normalized(shape(b.json()), toRanks), normalized(shape(a.json()), fromRanks), url);
      };
      // The sandbox's account first: the reads below are logged calls about these orders.
      const orders: string[] = snapshot.tables.orders.map((row: Json) => row.order_id);
      const sessions: string[] = [...snapshot.tables.payment_sessions, ...snapshot.tables.hpp_sessions].map((row: Json) => row.session_id);
      for (const id of orders) {
        await same(`/sandbox/v1/timeline?order_id=${id}`);
        await same(`/sandbox/v1/events?order_id=${id}`);
        await same(`/sandbox/v1/settlements/disputes?order_id=${id}`);
      }
      for (const id of sessions) {
        await same(`/sandbox/v1/timeline?session_id=${id}`);
        await same(`/sandbox/v1/events?session_id=${id}`);
      }
      await same('/sandbox/v1/events');
      await same('/sandbox/v1/callbacks?size=100');
      for (const id of fromRanks.callbacks.keys()) {
        const a = await from.get(`/sandbox/v1/callbacks/${id}`);
        const newId = [...toRanks.callbacks].find(([, rank]) => rank === fromRanks.callbacks.get(id))?.[0];
        const b = await to.get(`/sandbox/v1/callbacks/${newId}`);
        assert.equal(b.status, 200, b.body);
        assert.deepEqual(normalized(b.json(), toRanks), normalized(a.json(), fromRanks));
      }
      await same('/sandbox/v1/messages');
      await same('/sandbox/v1/faults');
      await same('/sandbox/v1/settings', {}, (b) => b.settings);
      await same('/sandbox/v1/merchant-card/keys');
      // The faulted attempt's event names the callback by its new number.
      const faulted = (await to.get('/sandbox/v1/events')).json().events.find((e: Json) => e.type === 'fault.injected');
      assert.ok(faulted && [...toRanks.callbacks.keys()].includes(faulted.payload.callback_id), JSON.stringify(faulted));

      // Klarna's APIs.
      for (const id of orders) {
        await same(`/ordermanagement/v1/orders/${id}`);
        await same(`/settlements/v1/transactions?order_id=${id}`);
      }
      for (const row of snapshot.tables.captures) await same(`/ordermanagement/v1/orders/${row.order_id}/captures/${row.capture_id}`);
      for (const row of snapshot.tables.refunds) await same(`/ordermanagement/v1/orders/${row.order_id}/refunds/${row.refund_id}`);
      for (const row of snapshot.tables.payment_sessions) await same(`/payments/v1/sessions/${row.session_id}`);
      for (const row of snapshot.tables.customer_tokens) {
        await same(`/customer-token/v1/tokens/${row.token_id}`);
        await same(`/sandbox/v1/customer-tokens/${row.token_id}`);
      }
      for (const row of snapshot.tables.checkout_orders) await same(`/checkout/v3/orders/${row.order_id}`);
      for (const row of snapshot.tables.hpp_sessions) await same(`/hpp/v1/sessions/${row.session_id}`);
      await same('/settlements/v1/payouts');
      await same(`/settlements/v1/payouts/${mine.payment_reference}`);
      await same(`/settlements/v1/transactions?payment_reference=${mine.payment_reference}`);
      await same(`/merchantcard/v3/promises/${mine.promise_id}`);
      await same(`/merchantcard/v3/settlements/${mine.card_settlement_id}`, { KeyId: mine.card_key_id }, withoutCiphertext);
      await same(`/merchantcard/v3/orders/${mine.card_order_id}/cancel-request`);
    });

    it('with keep_clock the merchant keeps its own time', async () => {
      const merchantId = await merchantIdOf(to, MERCHANT.username);
      assert.equal((await to.post('/sandbox/v1/clock/advance', { seconds: 30 * 24 * HOUR })).status, 200);
      const offset = await to.clock.offset(merchantId);
      const res = await to.request({ method: 'PUT', url: '/sandbox/v1/snapshot?keep_clock=true', body: snapshot });
      assert.equal(res.status, 200, res.body);
      assert.equal(await to.clock.offset(merchantId), offset);
      assert.equal(res.json().clock.offset_seconds, Math.floor(offset / 1000));
      assert.equal((await to.getOrder(mine.order_id)).order_id, mine.order_id);
      // Back to the snapshot's time for what follows.
      assert.equal((await to.request({ method: 'PUT', url: '/sandbox/v1/snapshot', body: snapshot })).status, 200);
    });

    it('refusals change nothing: another format or version, a newer schema, unknown tables or columns, values that do not fit, broken references, ids of another merchant', async () => {
      const copy = (): Json => structuredClone(snapshot);
      const cases: [string, Json, number, string, RegExp][] = [];
      const add = (what: string, change: (s: Json) => Json | void, status: number, code: string, message: RegExp) => {
        const s = copy();
        cases.push([what, change(s) ?? s, status, code, message]);
      };
      add('another format', (s) => void (s.format = 'klarna-local/orders'), 400, 'BAD_VALUE', /format/);
      add('another version', (s) => void (s.version = 2), 400, 'BAD_VALUE', /version/);
      add('a newer schema', (s) => void (s.schema = '9999_from_the_future'), 400, 'BAD_VALUE', /schema .*newer/);
      add('a schema this database never had', (s) => void (s.schema = '0001_elsewhere'), 400, 'BAD_VALUE', /schema/);
      add('an unknown table', (s) => void (s.tables.dashboard_sessions = []), 400, 'BAD_VALUE', /tables\.dashboard_sessions/);
      add('an unknown column', (s) => void (s.tables.orders[0].colour = 'red'), 400, 'BAD_VALUE', /tables\.orders\[0\]\.colour/);
      add('a string for an amount', (s) => void (s.tables.orders[0].order_amount = '12500'), 400, 'BAD_VALUE', /tables\.orders\[0\]\.order_amount/);
      add('a missing required column', (s) => void delete s.tables.captures[0].captured_amount, 400, 'BAD_VALUE', /tables\.captures\[0\]\.captured_amount/);
      add('a text too long', (s) => void (s.tables.orders[0].status = 'X'.repeat(33)), 400, 'BAD_VALUE', /tables\.orders\[0\]\.status/);
      add('a capture of an order not in the snapshot', (s) => void (s.tables.orders = s.tables.orders.filter((o: Json) => o.order_id !== mine.order_id)), 400, 'BAD_VALUE', /tables\.captures\[\d+\]\.order_id/);
      add('an attempt of a callback not in the snapshot', (s) => void (s.tables.callbacks = []), 400, 'BAD_VALUE', /tables\.callback_attempts\[0\]\.callback_id/);
      add('the same order twice', (s) => void s.tables.orders.push(s.tables.orders[0]), 400, 'BAD_VALUE', /tables\.orders\[\d+\]\.order_id/);
      add('a setting this server does not have', (s) => void (s.settings.colour = 'red'), 400, 'BAD_VALUE', /settings/);
      add('not an object', () => [], 400, 'BAD_REQUEST', /object/);

      const before = await fingerprint(to.db, target);
      for (const [what, body, status, code, message] of cases) {
        const res = await to.request({ method: 'PUT', url: '/sandbox/v1/snapshot', body });
        assert.equal(res.status, status, `${what}: ${res.body}`);
        assert.equal(res.json().error_code, code, what);
        assert.match(res.json().error_messages.join(' '), message, what);
      }
      // The other merchant imports A's snapshot: A's ids are A's.
      const taken = await to.request({ method: 'PUT', url: '/sandbox/v1/snapshot', body: snapshot, auth: OTHER_MERCHANT });
      assert.equal(taken.status, 409, taken.body);
      assert.equal(taken.json().error_code, 'CONFLICT');
      assert.match(taken.json().error_messages[0], /belongs to another merchant/);
      await assertUnchanged(to.db, target, before, 'refused snapshots');
      assert.equal((await to.getOrder(mine.order_id)).order_id, mine.order_id);
    });

    it(`exported again on ${target} and imported back on ${source}, the rows are the original ones (numbers aside)`, async () => {
      const again = await to.get('/sandbox/v1/snapshot');
      assert.equal(again.status, 200);
      const back = await from.request({ method: 'PUT', url: '/sandbox/v1/snapshot', body: again.json() });
      assert.equal(back.status, 200, back.body);
      const merchantId = await merchantIdOf(from, MERCHANT.username);
      const ranks = await ranksOf(from.db, merchantId);
      const final = (await from.get('/sandbox/v1/snapshot')).json();
      // Rows without the numbers the database gives (serial columns), and references to callbacks by rank.
      const rows = (s: Json, table: (typeof SNAPSHOT_TABLES)[number], r: Ranks) =>
        (s.tables[table.name] as Json[]).map((row) => {
          const { [table.serial ?? '']: _serial, ...rest } = row;
          return normalized(rest, r);
        });
      for (const table of SNAPSHOT_TABLES) {
        const original = rows(snapshot, table, fromRanks);
        const now = rows(final, table, ranks);
        assert.ok(original.length > 0, table.name);
        // The calls made since are logged after the original ones.
        if (table.name === 'api_calls') assert.deepEqual(now.slice(0, original.length), original, table.name);
        else assert.deepEqual(now, original, table.name);
      }
      assert.deepEqual(final.settings, snapshot.settings);
      assert.equal((await from.getOrder(mine.order_id)).order_id, mine.order_id);
    });
  });
}
