/**
 * Which databases the suite runs on. SQLite always; PostgreSQL when it is reachable at
 * TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). Under CI=true an
 * unreachable PostgreSQL is a failure, not a skip. TEST_DATABASES=sqlite (or postgres) runs one.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres';

export const POSTGRES_TEST_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;
let reported = false;

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** TEST_DATABASES (`sqlite`, `postgres`, or both, comma-separated): the databases asked for; default both. */
function requestedDialects(): TestDialect[] {
  const raw = process.env.TEST_DATABASES;
  if (raw === undefined || raw === '') return ['sqlite', 'postgres'];
  const asked = raw.split(',').map((d) => d.trim().toLowerCase());
  const unknown = asked.filter((d) => d !== 'sqlite' && d !== 'postgres');
  if (unknown.length > 0) throw new Error(`TEST_DATABASES: unknown database ${unknown.join(', ')} (sqlite, postgres)`);
  return (['sqlite', 'postgres'] as const).filter((d) => asked.includes(d));
}

export async function availableDialects(): Promise<TestDialect[]> {
  const requested = requestedDialects();
  if (!requested.includes('postgres')) {
    if (!reported && process.env.TEST_DATABASES_ANNOUNCED !== '1') console.log('# PostgreSQL tests not run: TEST_DATABASES asks for SQLite only');
    reported = true;
    return requested;
  }
  reachable ??= probePostgres();
  if (await reachable) return requested;
  if (!requested.includes('sqlite')) throw new Error(`TEST_DATABASES asks for PostgreSQL, which is not reachable at ${POSTGRES_TEST_URL}`);
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI but is not reachable at ${POSTGRES_TEST_URL}`);
  console.log(`# PostgreSQL tests SKIPPED: no PostgreSQL reachable at ${POSTGRES_TEST_URL} (set TEST_DATABASE_URL)`);
  return ['sqlite'];
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a temporary SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString('hex');
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-test-'));
    return { url: `sqlite:${path.join(dir, `db-${suffix}.sqlite`)}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `t_${suffix}`;
  const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
