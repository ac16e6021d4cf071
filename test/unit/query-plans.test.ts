/**
 * Background statements run every second over the whole orders table: each must use its index,
 * or a large database stalls the server (found with 1 000 000 orders: a full scan per sweep).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import type { Db } from '../../src/platform/db/database.js';
import { expireDueOrdersQuery } from '../../src/modules/order-management/order.repository.js';
import { DUE_CALLBACKS } from '../../src/platform/outbox/dispatcher.js';
import { createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';

describe('query plans of the background work (SQLite)', () => {
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = await createTestDatabase('sqlite');
    db = openDatabase(database.url);
    await migrateToLatest(db);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  async function plan(compiled: { sql: string; parameters: readonly unknown[] }): Promise<string> {
    const rows = await db.read.all<{ detail: string }>(`explain query plan ${compiled.sql}`, compiled.parameters as (string | number)[]);
    return rows.map((r) => r.detail).join('\n');
  }

  it('the expiry sweep reads the open-orders expiry index, not the whole table', async () => {
    const detail = await plan(expireDueOrdersQuery(db.kysely, { now: Date.now(), merchantIds: undefined }).compile());
    assert.match(detail, /orders_open_expiry_idx/, detail);
    assert.doesNotMatch(detail, /SCAN orders\b(?! USING)/, detail);
  });

  it('so does the sweep of a group of merchants on their own clocks', async () => {
    const detail = await plan(expireDueOrdersQuery(db.kysely, { now: Date.now(), merchantIds: ['m-1', 'm-2'] }).compile());
    assert.doesNotMatch(detail, /SCAN orders\b(?! USING)/, detail);
  });

  it('due fraud decisions and due callbacks are found through their partial indexes', async () => {
    const fraud = await plan({ sql: 'select order_id from orders where fraud_decision_at is not null and fraud_decision_at <= 1', parameters: [] });
    assert.match(fraud, /orders_fraud_decision_idx/, fraud);
    // The dispatcher's look for due callbacks, each on its merchant's clock.
    const due = await plan({ sql: `select 1 as one ${DUE_CALLBACKS} limit 1`, parameters: [1, 1] });
    assert.match(due, /callbacks_due_idx/, due);
    assert.doesNotMatch(due, /SCAN cb\b(?! USING)/, due);
  });
});
