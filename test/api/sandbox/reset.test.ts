/**
 * `POST /sandbox/v1/reset`: everything of the calling merchant is deleted (every merchant table), its
 * settings are the defaults again and its clock is the server's; another merchant with the very same
 * data keeps every row byte for byte, and its sign-ins to the dashboard survive. The registry of
 * merchant tables (src/modules/sandbox/merchant-state.ts) is checked against the migrated schema,
 * so a table added later cannot be forgotten by reset, export and import.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../../src/platform/db/database.js';
import { DEFAULT_SETTINGS } from '../../../src/modules/merchants/merchant.js';
import { flushApiCalls } from '../../../src/modules/sandbox/api-calls.js';
import { MERCHANT_TABLES, SERVER_TABLES } from '../../../src/modules/sandbox/merchant-state.js';
import { availableDialects } from '../../helpers/databases.js';
import type { TestDialect } from '../../helpers/databases.js';
import { assertUnchanged, fingerprint } from '../../helpers/fingerprint.js';
import { MERCHANT, OTHER_MERCHANT, buildTestApp, orderBody } from '../../helpers/harness.js';
import { populateMerchant } from '../../helpers/merchant-state.js';
import type { Populated } from '../../helpers/merchant-state.js';
import type { RequestOptions, TestApp } from '../../helpers/harness.js';
import { startFakeMerchant } from '../../helpers/merchant-server.js';
import type { FakeMerchant } from '../../helpers/merchant-server.js';
import { signedIn } from '../dashboard/helpers.js';

type Auth = RequestOptions['auth'];
type Row = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// The schema, read straight from the database

interface TableShape {
  columns: string[];
  primaryKey: string[];
  /** Unique column sets besides the primary key. */
  unique: string[][];
  /** column → table.column */
  foreignKeys: string[];
  /** Columns the database numbers itself. */
  serial: string[];
}

async function schemaOf(db: Db, dialect: TestDialect): Promise<Map<string, TableShape>> {
  const shapes = new Map<string, TableShape>();
  if (dialect === 'sqlite') {
    const { rows: tables } = await sql<{ name: string; sql: string | null }>`select name, sql from sqlite_master where type = 'table'`.execute(db.kysely);
    for (const table of tables) {
      const { rows: columns } = await sql<{ name: string; pk: number; type: string }>`select name, pk, type from pragma_table_info(${table.name}) order by cid`.execute(db.kysely);
      const { rows: indexes } = await sql<{ name: string; unique: number; origin: string }>`select name, "unique", origin from pragma_index_list(${table.name})`.execute(db.kysely);
      const unique: string[][] = [];
      for (const index of indexes.filter((i) => i.unique === 1 && i.origin !== 'pk')) {
        const { rows } = await sql<{ name: string }>`select name from pragma_index_info(${index.name}) order by seqno`.execute(db.kysely);
        unique.push(rows.map((r) => r.name));
      }
      const { rows: fks } = await sql<{ from: string; table: string; to: string }>`select "from", "table", "to" from pragma_foreign_key_list(${table.name})`.execute(db.kysely);
      const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const autoincrement = /autoincrement/i.test(table.sql ?? '');
      shapes.set(table.name, {
        columns: columns.map((c) => c.name),
        primaryKey,
        unique,
        foreignKeys: fks.map((f) => `${f.from} → ${f.table}.${f.to}`),
        serial: autoincrement ? primaryKey : [],
      });
    }
    return shapes;
  }
  const { rows: tables } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db.kysely);
  for (const { name } of tables) {
    const { rows: columns } = await sql<{ name: string; dflt: string | null }>`
      select column_name as name, column_default as dflt from information_schema.columns where table_schema = current_schema() and table_name = ${name} order by ordinal_position`.execute(db.kysely);
    const { rows: indexes } = await sql<{ primary: boolean; columns: string[] }>`
      select i.indisprimary as primary,
             array_to_json(array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, n) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n)) as columns
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = current_schema() and c.relname = ${name} and i.indisunique`.execute(db.kysely);
    const { rows: fks } = await sql<{ column: string; ref_table: string; ref_column: string }>`
      select kcu.column_name as column, ccu.table_name as ref_table, ccu.column_name as ref_column
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
      where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema() and tc.table_name = ${name}`.execute(db.kysely);
    shapes.set(name, {
      columns: columns.map((c) => c.name),
      primaryKey: indexes.find((i) => i.primary)?.columns ?? [],
      unique: indexes.filter((i) => !i.primary).map((i) => i.columns),
      foreignKeys: fks.map((f) => `${f.column} → ${f.ref_table}.${f.ref_column}`),
      serial: columns.filter((c) => c.dflt?.startsWith('nextval(')).map((c) => c.name),
    });
  }
  return shapes;
}

const setOf = (sets: readonly (readonly string[])[]) => sets.map((s) => s.join(',')).sort();

// ---------------------------------------------------------------------------------------------
// Stored rows

/** Every stored row of a merchant in every table that names merchants (callback attempts through their callbacks), in a stable order. */
async function rowsOf(db: Db, dialect: TestDialect, merchantId: string): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const [table, shape] of await schemaOf(db, dialect)) {
    if (table === 'merchants' || table === 'dashboard_sessions') continue;
    let rows: Row[];
    if (shape.columns.includes('merchant_id')) {
      rows = (await sql<Row>`select * from ${sql.table(table)} where merchant_id = ${merchantId}`.execute(db.kysely)).rows;
    } else if (table === 'callback_attempts') {
      rows = (await sql<Row>`select a.* from callback_attempts a join callbacks c on c.callback_id = a.callback_id where c.merchant_id = ${merchantId}`.execute(db.kysely)).rows;
    } else continue;
    dump[table] = rows.map((row) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v]))).sort();
  }
  return dump;
}

async function merchantRow(db: Db, username: string): Promise<Row> {
  const row = await db.kysely.selectFrom('merchants').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  return row as unknown as Row;
}

// ---------------------------------------------------------------------------------------------
// A merchant with something in every table


/** Everything of a merchant (test/helpers/merchant-state.ts); the clock 10 s on, so nothing is left due. */
const populate = (t: TestApp, auth: Auth, merchant: FakeMerchant) => populateMerchant(t, auth, merchant, 10);

/** Reads of a merchant's resources by id, and the status each gives while they exist. */
function reads(r: Populated): [string, number][] {
  return [
    [`/ordermanagement/v1/orders/${r.order_id}`, 200],
    [`/ordermanagement/v1/orders/${r.order_id}/captures/${r.capture_id}`, 200],
    [`/ordermanagement/v1/orders/${r.order_id}/refunds/${r.refund_id}`, 200],
    [`/ordermanagement/v1/orders/${r.keyed_order_id}/captures/${r.keyed_capture_id}`, 200],
    [`/payments/v1/sessions/${r.session_id}`, 200],
    [`/customer-token/v1/tokens/${r.token_id}`, 200],
    [`/checkout/v3/orders/${r.checkout_order_id}`, 200],
    [`/hpp/v1/sessions/${r.hpp_session_id}`, 200],
    [`/settlements/v1/payouts/${r.payment_reference}`, 200],
    [`/merchantcard/v3/promises/${r.promise_id}`, 200],
    [`/merchantcard/v3/orders/${r.card_order_id}/cancel-request`, 200],
    [`/sandbox/v1/customer-tokens/${r.token_id}`, 200],
    [`/sandbox/v1/callbacks/${r.callback_id}`, 200],
    [`/sandbox/v1/callbacks/${r.status_callback_id}`, 200],
    [`/sandbox/v1/faults/${r.fault_id}`, 200],
  ];
}

// ---------------------------------------------------------------------------------------------

async function settledApiCalls(db: Db): Promise<void> {
  let last = -1;
  for (let round = 0; round < 40; round += 1) {
    await flushApiCalls(db);
    const row = await db.read.get<{ n: number | string }>('select count(*) as n from api_calls');
    const count = Number(row?.n);
    if (count === last) return;
    last = count;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const dialect of await availableDialects()) {
  describe(`POST /sandbox/v1/reset (${dialect})`, () => {
    let t: TestApp;
    let merchant: FakeMerchant;

    before(async () => {
      t = await buildTestApp({ dialect, config: { callbackPollMs: '20' } });
      merchant = await startFakeMerchant();
      merchant.answer({ status: 200, body: '{}' });
    });
    after(async () => {
      await t.close();
      await merchant.close();
    });

    it('the registry names every table of the migrated schema, with its keys, serial columns, unique sets and foreign keys', async () => {
      const schema = await schemaOf(t.db, dialect);
      const registered = new Set(MERCHANT_TABLES.map((table) => table.name as string));
      for (const table of schema.keys()) {
        assert.ok(registered.has(table) || SERVER_TABLES.includes(table), `${table} is neither a merchant table (MERCHANT_TABLES) nor a server table (SERVER_TABLES)`);
      }
      for (const table of MERCHANT_TABLES) {
        const shape = schema.get(table.name);
        assert.ok(shape, `${table.name} exists`);
        assert.equal(shape.columns.includes('merchant_id'), table.throughParent !== true, `${table.name}: merchant_id column`);
        assert.deepEqual(shape.primaryKey, [...table.key], `${table.name}: primary key`);
        assert.deepEqual(shape.serial, table.serial === undefined ? [] : [table.serial], `${table.name}: numbered by the database`);
        assert.deepEqual(setOf(shape.unique), setOf(table.unique ?? []), `${table.name}: unique columns`);
        const expected = [
          ...(table.parent?.enforced ? [`${table.parent.column} → ${table.parent.table}.${table.parent.references}`] : []),
          ...shape.foreignKeys.filter((fk) => fk === 'merchant_id → merchants.merchant_id'),
        ].sort();
        assert.deepEqual([...shape.foreignKeys].sort(), expected, `${table.name}: foreign keys are the merchant and the registered parent only`);
        // A parent comes before its children: inserted first, deleted last.
        if (table.parent) assert.ok(MERCHANT_TABLES.findIndex((p) => p.name === table.parent?.table) < MERCHANT_TABLES.indexOf(table), `${table.name} after its parent`);
      }
      // Every table the server keeps for itself exists on this dialect, except SQLite's own.
      for (const table of SERVER_TABLES.filter((name) => name !== 'sqlite_sequence')) assert.ok(schema.has(table), `${table} exists`);
    });

    it("deletes every row of the merchant, sets its settings and clock back, answers 404 for its old ids, and leaves the other merchant's identical data byte for byte", async () => {
      const mine = await populate(t, MERCHANT, merchant);
      const theirs = await populate(t, OTHER_MERCHANT, merchant);
      const a = await merchantRow(t.db, MERCHANT.username);
      const b = await merchantRow(t.db, OTHER_MERCHANT.username);
      const browser = await signedIn(t, MERCHANT);
      assert.notEqual(a.settings, '{}', 'settings were changed');
      assert.notEqual(await t.clock.offset(String(a.merchant_id)), await t.clock.serverOffset(), 'the clock was advanced');
      for (const [auth, ids] of [[MERCHANT, mine], [OTHER_MERCHANT, theirs]] as const) {
        for (const [url, status] of reads(ids)) assert.equal((await t.request({ url, auth, headers: { KeyId: ids.card_key_id } })).status, status, url);
      }

      // A request's log record is taken when its response has finished, which can be just after the
      // client has the answer: wait until the last requests' records are in before counting.
      await settledApiCalls(t.db);
      const before = await rowsOf(t.db, dialect, String(a.merchant_id));
      // Packed API calls (transient) are unpacked by every reader, this one included: that table is empty here.
      for (const table of MERCHANT_TABLES.filter((t) => t.transient !== true)) assert.ok((before[table.name] ?? []).length > 0, `the merchant has rows in ${table.name} before the reset`);
      const theirsBefore = await rowsOf(t.db, dialect, String(b.merchant_id));
      // The API call log is best effort (buffered, docs/fidelity.md): both merchants have one, of about the same length.
      const counts = (rows: Record<string, string[]>) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, k === 'api_calls' ? v.length > 0 : v.length]));
      assert.deepEqual(counts(theirsBefore), counts(before), 'both merchants hold the same kinds and numbers of rows');

      const res = await t.post('/sandbox/v1/reset', {});
      assert.equal(res.status, 200, res.body);
      const body = res.json<{ deleted: Record<string, number>; clock: { now: string; offset_seconds: number } }>();
      const expectedDeleted = Object.fromEntries(MERCHANT_TABLES.map((table) => [table.name, before[table.name]?.length ?? 0]));
      // The reset's own flush may add calls made just before it: at least the ones counted here.
      assert.ok((body.deleted.api_calls ?? 0) >= (expectedDeleted.api_calls ?? 0), res.body);
      assert.deepEqual({ ...body.deleted, api_calls: 0 }, { ...expectedDeleted, api_calls: 0 }, 'the counts per table');
      assert.equal(body.clock.offset_seconds, Math.floor((await t.clock.serverOffset()) / 1000));
      assert.ok(Math.abs(Date.parse(body.clock.now) - (Date.now() + (await t.clock.serverOffset()))) < 2000, body.clock.now);

      // Stored: nothing of A is left but the log line of the reset itself; its settings and clock are the server's defaults.
      await settledApiCalls(t.db);
      const left = await rowsOf(t.db, dialect, String(a.merchant_id));
      for (const [table, rows] of Object.entries(left)) {
        if (table === 'api_calls') {
          assert.equal(rows.length, 1, `api_calls: ${rows.join('\n')}`);
          assert.match(rows[0] as string, /"POST"\],\["path","\/sandbox\/v1\/reset"\]/);
        } else assert.deepEqual(rows, [], `${table} has no row of the merchant left`);
      }
      const orphans = await sql<{ n: number | string }>`select count(*) as n from callback_attempts where callback_id not in (select callback_id from callbacks)`.execute(t.db.kysely);
      assert.equal(Number(orphans.rows[0]?.n), 0, 'no callback attempt without its callback');
      const aAfter = await merchantRow(t.db, MERCHANT.username);
      assert.equal(aAfter.settings, '{}');
      assert.equal(Number(aAfter.clock_offset_ms), 0);
      assert.equal(aAfter.password_hash, a.password_hash, 'the credentials stay');
      assert.equal(await t.clock.offset(String(a.merchant_id)), await t.clock.serverOffset(), "the merchant's clock is the server's");
      const settings = await t.get('/sandbox/v1/settings');
      assert.deepEqual(settings.json().settings, DEFAULT_SETTINGS);

      // B: every row as it was, byte for byte, and its merchant row (settings, clock) too.
      assert.deepEqual(await rowsOf(t.db, dialect, String(b.merchant_id)), theirsBefore);
      assert.deepEqual(await merchantRow(t.db, OTHER_MERCHANT.username), b);

      // Through the API: A's old ids are unknown (Checkout's 404 has no body), B's are all there.
      for (const [url] of reads(mine)) {
        const gone = await t.request({ url, auth: MERCHANT, headers: { KeyId: mine.card_key_id } });
        assert.equal(gone.status, 404, `${url}: ${gone.body}`);
      }
      for (const [url, status] of reads(theirs)) assert.equal((await t.request({ url, auth: OTHER_MERCHANT, headers: { KeyId: theirs.card_key_id } })).status, status, url);
      const listed = await t.get('/sandbox/v1/callbacks');
      assert.deepEqual(listed.json().callbacks, []);
      const events = await t.get(`/sandbox/v1/events?order_id=${mine.acknowledged_order_id}`);
      assert.deepEqual(events.json().events, []);
      const payouts = await t.get('/settlements/v1/payouts');
      assert.equal(payouts.json().payouts.length, 0, payouts.body);
      // The idempotency key is forgotten with the capture it replayed: the same key makes a new request.
      const replay = await t.post(`/ordermanagement/v1/orders/${mine.keyed_order_id}/captures`, { captured_amount: 12500 }, { idempotencyKey: `capture-${mine.keyed_order_id}` });
      assert.equal(replay.status, 404, replay.body);

      // The dashboard sign-in survives; the merchant works on from a clean state.
      const page = await browser.get('/dashboard/orders');
      assert.equal(page.status, 200, page.body.slice(0, 200));
      const fresh = await t.createOrder();
      assert.equal((await t.getOrder(fresh.order_id)).status, 'AUTHORIZED');
      // The status callbacks were delivered before, and nothing is sent about the deleted session now.
      const deliveries = merchant.received.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(merchant.received.length, deliveries);
    });

    it("a fault rule of the merchant stops applying at once; the other merchant's keeps applying", async () => {
      for (const auth of [MERCHANT, OTHER_MERCHANT]) {
        const rule = await t.post('/sandbox/v1/faults', { method: 'GET', path: '/sandbox/v1/messages', status: 503, times: 100 }, { auth });
        assert.equal(rule.status, 201, rule.body);
        assert.equal((await t.request({ url: '/sandbox/v1/messages', auth })).status, 503);
      }
      assert.equal((await t.post('/sandbox/v1/reset')).status, 200);
      assert.equal((await t.request({ url: '/sandbox/v1/messages', auth: MERCHANT })).status, 200);
      assert.equal((await t.request({ url: '/sandbox/v1/messages', auth: OTHER_MERCHANT })).status, 503);
    });

    it('a callback being delivered while its merchant resets leaves no attempt behind', async () => {
      merchant.answer({ status: 200, body: '{}', delayMs: 400 });
      try {
        const session = await t.post('/payments/v1/sessions', orderBody({ merchant_urls: { authorization: `${merchant.url}/in-flight/{session.id}` } }));
        assert.equal(session.status, 200, session.body);
        const sessionId = session.json<{ session_id: string }>().session_id;
        assert.equal((await t.post(`/sandbox/v1/payments/sessions/${sessionId}/authorize`, {})).status, 200);
        // The attempt is on the wire (the merchant answers 400 ms later) when the reset deletes its callback.
        await merchant.waitFor(1, (r) => r.url === `/in-flight/${sessionId}`, 5_000);
        assert.equal((await t.post('/sandbox/v1/reset')).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 700));
        const orphans = await t.db.read.get<{ n: number | string }>('select count(*) as n from callback_attempts a where not exists (select 1 from callbacks c where c.callback_id = a.callback_id)');
        assert.equal(Number(orphans?.n), 0, 'no attempt without its callback');
        const callbacks = await t.get('/sandbox/v1/callbacks');
        assert.deepEqual(callbacks.json<{ callbacks: unknown[] }>().callbacks, []);
      } finally {
        merchant.answer({ status: 200, body: '{}' });
      }
    });

    it('takes no body or an empty object; anything else is refused and changes nothing', async () => {
      await t.createOrder();
      const bare = await t.request({ method: 'POST', url: '/sandbox/v1/reset' });
      assert.equal(bare.status, 200, bare.body);
      assert.equal(bare.json().deleted.orders, 1);
      await t.createOrder();
      const before = await fingerprint(t.db, dialect);
      for (const [payload, code] of [
        ['{"orders": true}', 'BAD_VALUE'],
        ['{"merchant": "merchant_b"}', 'BAD_VALUE'],
        ['null', 'BAD_REQUEST'],
        ['[]', 'BAD_REQUEST'],
        ['"all"', 'BAD_REQUEST'],
      ] as const) {
        const res = await t.request({ method: 'POST', url: '/sandbox/v1/reset', payload, headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 400, `${payload}: ${res.body}`);
        assert.equal(res.json().error_code, code, payload);
      }
      const anonymous = await t.request({ method: 'POST', url: '/sandbox/v1/reset', body: {}, auth: null });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json().error_code, 'UNAUTHORIZED');
      await assertUnchanged(t.db, dialect, before, 'refused resets');
    });
  });
}
