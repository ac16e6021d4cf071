/**
 * What a capture costs SQLite to store, and who checkpoints the WAL: the writer's commits must not
 * copy the WAL back into the database file themselves (a worker thread does), the WAL must stay
 * bounded under steady writes, and a capture must fit on its page (a capture that spills into an
 * overflow page of its own stores and writes four times as much).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import Database from 'better-sqlite3';
import { MIGRATION_NAMES, MIGRATIONS, migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { RESTART_AFTER_PAGES } from '../../src/platform/db/checkpointer.js';
import { Migrator } from 'kysely';
import { buildTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';
import { createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';

const fileOf = (url: string) => url.slice('sqlite:'.length);
const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/** A migrated SQLite database with a table `scratch (id, payload)` for the suite's own rows. */
function scratchDatabase(payloadType: 'blob' | 'text') {
  const handle = { database: undefined as unknown as TestDatabase, db: undefined as unknown as Db };
  before(async () => {
    handle.database = await createTestDatabase('sqlite');
    handle.db = openDatabase(handle.database.url);
    await migrateToLatest(handle.db);
    await sql`create table scratch (id integer primary key, payload ${sql.raw(payloadType)} not null)`.execute(handle.db.kysely);
  });
  after(async () => {
    await handle.db.close();
    await handle.database.drop();
  });
  return handle;
}

describe('SQLite WAL checkpoints', () => {
  const scratch = scratchDatabase('blob');

  it('the write connection never checkpoints in its commits', async () => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(scratch.db.kysely);
    assert.equal(rows[0]?.wal_autocheckpoint, 0);
  });

  it('under steady writes the worker copies the WAL into the database file and keeps it bounded', async () => {
    const file = fileOf(scratch.database.url);
    const payload = Buffer.alloc(3000, 7);
    const before = size(file);
    let largestWal = 0;
    // ~60 MiB through the WAL, one commit at a time.
    for (let i = 0; i < 20_000; i++) {
      await scratch.db.transaction((s) => s.run('insert into scratch (payload) values (?)', [payload as unknown as string]));
      if (i % 500 === 0) {
        largestWal = Math.max(largestWal, size(`${file}-wal`));
        // Let the worker's timers run as they would between requests.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // Give the worker a few rounds to catch up with the last commits.
    const deadline = Date.now() + 5000;
    while (size(file) - before < 50 * 1024 * 1024 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(size(file) - before >= 50 * 1024 * 1024, `the database file grew by ${size(file) - before} bytes only: the WAL was not checkpointed`);
    // The forced restart keeps the WAL near RESTART_AFTER_PAGES pages (plus what arrives meanwhile).
    const bound = 3 * RESTART_AFTER_PAGES * 4096;
    assert.ok(largestWal < bound, `the WAL reached ${largestWal} bytes (bound ${bound})`);
    const count = await scratch.db.read.get<{ n: number }>('select count(*) as n from scratch');
    assert.equal(count?.n, 20_000);
  });

  it('closing the database stops the worker and removes the WAL', async () => {
    const test = await createTestDatabase('sqlite');
    const other = openDatabase(test.url);
    await migrateToLatest(other);
    await other.close();
    const file = fileOf(test.url);
    assert.equal(fs.existsSync(`${file}-wal`), false);
    const check = new Database(file, { readonly: true });
    assert.ok((check.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n > 0);
    check.close();
    await test.drop();
  });
});

describe('SQLite reads (scratch.db.read)', () => {
  const scratch = scratchDatabase('text');

  it('see every commit, and never what an open write transaction has not committed', async () => {
    await scratch.db.transaction((s) => s.run("insert into scratch (id, payload) values (1, 'committed')"));
    assert.deepEqual(await scratch.db.read.all('select id, payload from scratch'), [{ id: 1, payload: 'committed' }]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const write = scratch.db.transaction(async (s) => {
      await s.run("insert into scratch (id, payload) values (2, 'pending')");
      inside();
      await held;
    });
    await entered;
    // The write connection holds a transaction: the read goes to the read connection, which sees only row 1.
    assert.deepEqual(await scratch.db.read.all('select id from scratch order by id'), [{ id: 1 }]);
    release();
    await write;
    assert.deepEqual(await scratch.db.read.all('select id from scratch order by id'), [{ id: 1 }, { id: 2 }]);
  });

  it('refuse to write', async () => {
    await assert.rejects(scratch.db.read.run("insert into scratch (id, payload) values (3, 'x')"), /does not write/);
    assert.equal((await scratch.db.read.get<{ n: number }>('select count(*) as n from scratch where id = 3'))?.n, 0);
  });
});

describe('what a capture stores (SQLite)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ dialect: 'sqlite' });
  });
  after(async () => {
    await t.close();
  });

  it('a capture row stays on its page: no overflow page, well under 2 KB a capture', async () => {
    const orders = await Promise.all(Array.from({ length: 10 }, () => t.createOrder()));
    for (let round = 0; round < 10; round++) {
      for (const order of orders) {
        const res = await t.post(`/ordermanagement/v1/orders/${order.order_id}/captures`, { captured_amount: 1, description: 'Shipped', reference: `R-${round}` });
        assert.equal(res.status, 201, res.body);
      }
    }
    const stats = await t.db.read.all<{ name: string; bytes: number; overflow: number }>(
      "select name, sum(pgsize) as bytes, sum(pagetype = 'overflow') as overflow from dbstat where name = 'captures' group by name",
    );
    const captures = stats[0];
    assert.ok(captures, 'dbstat lists the captures table');
    assert.equal(captures.overflow, 0, 'captures spill into overflow pages');
    assert.ok(captures.bytes / 100 < 2048, `${captures.bytes / 100} bytes a capture`);
    const order = await t.getOrder(orders[0].order_id);
    assert.deepEqual(
      order.captures.map((c: { reference: string }) => c.reference),
      Array.from({ length: 10 }, (_, i) => `R-${i}`),
    );
  });
});

describe('migrating captures to a rowid table (SQLite)', () => {
  it('keeps every capture, its key and its order', async () => {
    const test = await createTestDatabase('sqlite');
    const db = openDatabase(test.url);
    try {
      const before = MIGRATION_NAMES[MIGRATION_NAMES.indexOf('0012_captures_rowid') - 1] as string;
      const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
      const { error } = await migrator.migrateTo(before);
      if (error) throw error;
      await db.transaction(async (s) => {
        await s.run("insert into merchants (merchant_id, username, password_hash, settings, created_at, updated_at) values ('m', 'm', 'x', '{}', 0, 0)");
        await s.run(
          'insert into orders (order_id, merchant_id, status, fraud_status, purchase_country, purchase_currency, locale, order_amount, original_order_amount, ' +
            "order_lines, klarna_reference, created_at, expires_at, updated_at, document) values ('o', 'm', 'PART_CAPTURED', 'ACCEPTED', 'SE', 'SEK', 'sv-SE', 100, 100, '[]', 'K', 0, 1, 0, '{}')",
        );
        for (const seq of [1, 2, 3]) {
          await s.run(
            'insert into captures (capture_id, order_id, merchant_id, seq, captured_amount, order_lines, shipping_info, captured_at, document) ' +
              "values (?, 'o', 'm', ?, ?, '[]', '[]', ?, ?)",
            [`c${seq}`, seq, seq * 10, 4 - seq, `{"seq":${seq}}`],
          );
        }
      });
      await migrateToLatest(db);
      const rows = await db.read.all<{ capture_id: string; seq: number; captured_amount: number; document: string }>(
        "select capture_id, seq, captured_amount, document from captures where order_id = 'o' order by seq",
      );
      assert.deepEqual(rows, [
        { capture_id: 'c1', seq: 1, captured_amount: 10, document: '{"seq":1}' },
        { capture_id: 'c2', seq: 2, captured_amount: 20, document: '{"seq":2}' },
        { capture_id: 'c3', seq: 3, captured_amount: 30, document: '{"seq":3}' },
      ]);
      const table = await db.read.get<{ sql: string }>("select sql from sqlite_master where type = 'table' and name = 'captures'");
      assert.doesNotMatch(table?.sql ?? '', /without rowid/i);
      // (order_id, seq) is still the key.
      await assert.rejects(
        db.transaction((s) => s.run("insert into captures (capture_id, order_id, merchant_id, seq, captured_amount, order_lines, shipping_info, captured_at, document) values ('x', 'o', 'm', 2, 1, '[]', '[]', 0, '{}')")),
        /UNIQUE constraint failed/,
      );
    } finally {
      await db.close();
      await test.drop();
    }
  });
});
