/**
 * `klarna-local --version` and `klarna-local doctor`: the version of the package's own package.json;
 * one line per check, ✓ or ✗ with what is wrong in plain words, exit 0 only when every check passes,
 * and nothing changed in the database. The CLI runs (each a tsx start) are few and run side by side;
 * the other cases call the same checks in this process (runDoctor).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Migrator } from 'kysely';
import { MIGRATIONS, MIGRATION_NAMES, migrateToLatest, openDatabase } from '../../src/platform/db/database.js';
import { upsertMerchant } from '../../src/modules/merchants/provision.js';
import { findPackage, satisfiesRange } from '../../src/cli/package-info.js';
import { runDoctor } from '../../src/cli/doctor.js';
import type { CheckResult } from '../../src/cli/doctor.js';
import { startKlarnaLocal } from '../../src/index.js';
import type { KlarnaLocal } from '../../src/index.js';
import { POSTGRES_TEST_URL, availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase, TestDialect } from '../helpers/databases.js';
import { PROJECT_ROOT, runCli } from '../helpers/process.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A database migrated to `upTo` (every migration when undefined), with the merchants given. */
async function database(dialect: TestDialect, options: { upTo?: string; merchants?: string[]; extraMigrationRow?: string } = {}): Promise<TestDatabase> {
  const test = await createTestDatabase(dialect);
  const db = openDatabase(test.url);
  try {
    if (options.upTo === undefined) {
      await migrateToLatest(db);
    } else {
      const schema = db.dialect === 'postgres' ? (await db.read.get<{ s: string }>('select current_schema() as s'))?.s : undefined;
      const migrator = new Migrator({ db: db.kysely, provider: { getMigrations: async () => ({ ...MIGRATIONS }) }, ...(schema !== undefined && { migrationTableSchema: schema }) });
      const { error } = await migrator.migrateTo(options.upTo);
      if (error) throw error;
    }
    const extra = options.extraMigrationRow;
    if (extra !== undefined) await db.transaction((sql) => sql.run('insert into kysely_migration (name, timestamp) values (?, ?)', [extra, new Date().toISOString()]));
    for (const username of options.merchants ?? []) await upsertMerchant(db, { username, password: `${username}-secret` }, Date.now());
  } finally {
    await db.close();
  }
  return test;
}

const lines = (results: readonly CheckResult[], check: string) => results.filter((r) => r.check === check);
const failures = (results: readonly CheckResult[]) => results.filter((r) => r.status === 'fail');

describe('klarna-local --version', () => {
  it("prints the version of the package's own package.json, found from the module's place in a checkout or an installed package", async () => {
    const [long, short] = await Promise.all([runCli(['--version'], { env: {} }), runCli(['-V'], { env: {} })]);
    assert.equal(long.code, 0, long.stderr);
    assert.equal(long.stdout.trim(), VERSION);
    assert.equal(short.stdout.trim(), VERSION);

    // Built (dist/src/cli/package-info.js) and installed (node_modules/klarna-local/dist/src/cli/…) layouts.
    assert.equal(findPackage(path.join(PROJECT_ROOT, 'dist', 'src', 'cli'))?.root, PROJECT_ROOT);
    const shop = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-installed-'));
    try {
      fs.writeFileSync(path.join(shop, 'package.json'), JSON.stringify({ name: 'my-shop', version: '9.9.9' }));
      const installed = path.join(shop, 'node_modules', 'klarna-local');
      fs.mkdirSync(path.join(installed, 'dist', 'src', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: 'klarna-local', version: '1.2.3', engines: { node: '>=20' } }));
      assert.deepEqual(findPackage(path.join(installed, 'dist', 'src', 'cli')), { root: installed, name: 'klarna-local', version: '1.2.3', nodeRange: '>=20' });
      assert.equal(findPackage(path.join(shop, 'src')), null, "another package's package.json is not klarna-local's");
    } finally {
      fs.rmSync(shop, { recursive: true, force: true });
    }
  });

  it("compares Node's version with engines ranges as npm reads them", () => {
    const cases: [string, string, boolean][] = [
      ['v20.0.0', '>=20', true],
      ['v18.19.1', '>=20', false],
      ['v20.5.0', '^20.19.0 || >=22.12.0', false],
      ['v20.19.2', '^20.19.0 || >=22.12.0', true],
      ['v21.7.0', '^20.19.0 || >=22.12.0', false],
      ['v22.12.0', '^20.19.0 || >=22.12.0', true],
      ['v20.11.0', '20.x', true],
      ['v22.1.0', '>= 20 < 22', false],
      ['v20.11.0', '18 - 20', true],
    ];
    for (const [node, range, expected] of cases) assert.equal(satisfiesRange(node, range), expected, `${node} in ${range}`);
  });
});

describe('klarna-local doctor', () => {
  const cleanup: (() => Promise<void>)[] = [];
  let dialects: TestDialect[];
  let running: KlarnaLocal;
  before(async () => {
    dialects = await availableDialects();
    running = await startKlarnaLocal();
    cleanup.push(() => running.stop());
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('exits 0 with a ✓ for every check on a healthy setup, and 1 with plain words for what is wrong (a bad setting, a missing folder, a port taken by a running klarna-local)', async () => {
    const healthy = await database('sqlite', { merchants: ['shop'] });
    cleanup.push(healthy.drop);
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-doctor-')), 'no', 'such', 'folder');
    cleanup.push(async () => fs.rmSync(path.dirname(path.dirname(path.dirname(missing))), { recursive: true, force: true }));
    const takenPort = new URL(running.url).port;

    const started = Date.now();
    const [good, bad] = await Promise.all([
      runCli(['doctor', '--database-url', healthy.url, '--port', String(await freePort())], { env: {} }),
      runCli(['doctor', '--database-url', `sqlite:${path.join(missing, 'klarna-local.sqlite')}`, '--port', takenPort], { env: { LOG_LEVEL: 'loud' } }),
    ]);
    console.log(`# two doctor runs side by side: ${Date.now() - started} ms`);

    assert.equal(good.code, 0, `${good.stdout}\n${good.stderr}`);
    const goodLines = good.stdout.trim().split('\n');
    for (const check of ['Node.js', 'configuration', 'database', 'migrations', 'merchants', 'web build', 'port', 'public URL']) {
      assert.ok(goodLines.some((line) => line.startsWith(`✓ ${check}:`)), `✓ ${check} in:\n${good.stdout}`);
    }
    assert.ok(!good.stdout.includes('✗'), good.stdout);
    assert.match(good.stdout, new RegExp(`✓ migrations: all ${MIGRATION_NAMES.length} applied`));
    assert.match(good.stdout, /✓ merchants: 1 \(shop\)/);
    assert.match(good.stdout, /Everything klarna-local needs is in place\./);

    assert.equal(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
    assert.match(bad.stdout, /✗ configuration: invalid LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent \(from the environment variable LOG_LEVEL\)/);
    assert.match(bad.stdout, new RegExp(`✗ database: there is no database at ${escape(path.join(missing, 'klarna-local.sqlite'))}: its folder ${escape(missing)} does not exist\\. \`klarna-local migrate`));
    assert.match(bad.stdout, /- migrations: not checked/);
    assert.match(bad.stdout, new RegExp(`✗ port: 127\\.0\\.0\\.1:${takenPort} is in use by a klarna-local that is already running`));
    assert.match(bad.stdout, /✓ web build:/, 'the other checks still run');
    assert.match(bad.stdout, /3 checks failed/);
    assert.ok(!fs.existsSync(path.dirname(path.dirname(missing))), 'doctor creates no folder');
  });

  it('names pending migrations and ones this version does not know, without migrating (both databases)', async () => {
    for (const dialect of dialects) {
      const older = MIGRATION_NAMES[MIGRATION_NAMES.length - 2] ?? '';
      const newest = MIGRATION_NAMES[MIGRATION_NAMES.length - 1] ?? '';
      const test = await database(dialect, { upTo: older, extraMigrationRow: '0099_from_a_newer_version' });
      cleanup.push(test.drop);
      const results = await runDoctor({ databaseUrl: test.url, port: '0' }, {});
      const migrations = lines(results, 'migrations');
      assert.equal(migrations.length, 2, JSON.stringify(results));
      assert.match(migrations[0]?.message ?? '', /does not know \(0099_from_a_newer_version\): a newer klarna-local migrated it/);
      assert.match(migrations[1]?.message ?? '', new RegExp(`^1 of ${MIGRATION_NAMES.length} pending \\(${newest}\\): \`klarna-local migrate --database-url`));
      const merchants = lines(results, 'merchants');
      assert.equal(merchants.length, 1);
      assert.equal(merchants[0]?.status, 'fail');
      assert.match(merchants[0]?.message ?? '', /^no merchant yet, so no credentials work: `klarna-local merchants add NAME:PASSWORD` creates one/);
      assert.equal(lines(results, 'database')[0]?.status, 'ok', `${dialect}: ${JSON.stringify(results)}`);

      const db = openDatabase(test.url);
      try {
        const applied = await db.read.all<{ name: string }>('select name from kysely_migration order by name');
        assert.deepEqual(
          applied.map((r) => r.name),
          [...MIGRATION_NAMES.slice(0, -1), '0099_from_a_newer_version'],
          `${dialect}: doctor ran no migration`,
        );
      } finally {
        await db.close();
      }
    }
  });

  it('says what is wrong with a PostgreSQL URL: nothing listening, or no such database', async () => {
    const refused = await runDoctor({ databaseUrl: 'postgres://klarna:secret@127.0.0.1:1/shop', port: '0' }, {});
    const unreachable = lines(refused, 'database')[0];
    assert.equal(unreachable?.status, 'fail');
    assert.match(unreachable?.message ?? '', /^nothing answers at 127\.0\.0\.1:1: PostgreSQL is not running there, or listens on another port/);
    assert.doesNotMatch(JSON.stringify(refused), /secret/, 'the password is never shown');
    assert.equal(lines(refused, 'migrations')[0]?.status, 'skip');

    if (!dialects.includes('postgres')) return;
    const url = new URL(POSTGRES_TEST_URL);
    url.pathname = '/klarna_local_no_such_database';
    const noDatabase = await runDoctor({ databaseUrl: url.toString(), port: '0' }, {});
    assert.match(lines(noDatabase, 'database')[0]?.message ?? '', /^the database "klarna_local_no_such_database" does not exist on .*: create it \(createdb /);

    const healthy = await database('postgres', { merchants: ['shop'] });
    cleanup.push(healthy.drop);
    const good = await runDoctor({ databaseUrl: healthy.url, port: '0' }, {});
    assert.deepEqual(failures(good), [], JSON.stringify(good));
    assert.match(lines(good, 'database')[0]?.message ?? '', /^PostgreSQL \S+ answers: database "[^"]+", user \S+, schema t_/);
  });

  it('every bad setting gets a line of its own; a path that is a folder, or a file that is no database, is said so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-doctor-'));
    cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const results = await runDoctor({ port: 'eighty', databaseUrl: `sqlite:${dir}` }, { KLARNA_LOCAL_RATE_LIMIT: 'sometimes', PUBLIC_URL: 'http://0.0.0.0:3000' });
    const configuration = lines(results, 'configuration').map((r) => r.message);
    assert.equal(configuration.length, 2, JSON.stringify(configuration));
    assert.match(configuration[0] ?? '', /^invalid PORT: "eighty" is not a port number \(0-65535\) \(from the flag --port\)\. Correct it, or leave the flag out/);
    assert.match(configuration[1] ?? '', /^invalid KLARNA_LOCAL_RATE_LIMIT: "sometimes" is not one of off, playground, live \(from the environment variable KLARNA_LOCAL_RATE_LIMIT\)\. Correct it, or unset/);
    assert.match(lines(results, 'database')[0]?.message ?? '', /is a folder, not a database file/);
    assert.equal(lines(results, 'port')[0]?.status, 'skip');

    const notADatabase = path.join(dir, 'notes.sqlite');
    fs.writeFileSync(notADatabase, 'these are notes, not a database '.repeat(100));
    const other = await runDoctor({ databaseUrl: `sqlite:${notADatabase}`, port: '0', publicUrl: 'http://0.0.0.0:3000' }, {});
    assert.match(lines(other, 'database')[0]?.message ?? '', /notes\.sqlite is not a SQLite database/);
    assert.match(lines(other, 'public URL')[0]?.message ?? '', /its host 0\.0\.0\.0 is an address to listen on, not one a client can connect to/);
    assert.equal(fs.readFileSync(notADatabase, 'utf8').length, 'these are notes, not a database '.length * 100, 'the file is left as it was');

    const memory = await runDoctor({ databaseUrl: 'sqlite::memory:', port: '0' }, {});
    assert.deepEqual(failures(memory), [], JSON.stringify(memory));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
