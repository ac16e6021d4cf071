/**
 * The package as a user gets it: `npm pack` makes the tarball, `npm install <tarball>` puts it into
 * an empty project in a temporary directory, and the project then uses it the ways the README shows:
 * `npx klarna-local --help`, `npx klarna-local serve` answering the sandbox and Order Management, an
 * ES module importing `startKlarnaLocal` from 'klarna-local', and the type declarations under
 * TypeScript's `module: nodenext`, which must refuse a wrong option.
 *
 * The tarball is packed from the build that scripts/run-tests.mjs compiles before this folder runs
 * (as for test/embed), with `--ignore-scripts`: the package's `prepack` would build dist/ again while
 * other test files use it. The test checks that the build is not older than src/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT_ROOT } from '../helpers/root.js';

const ROOT = PROJECT_ROOT;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface Run {
  code: number | null;
  /** stdout alone. */
  stdout: string;
  /** stdout and stderr together, as they came. */
  output: string;
  ms: number;
}

/** The environment of a user's shell: this test run's npm project variables and klarna-local's own settings removed, this node first on PATH. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // `npm test` describes this repository to its scripts (npm_package_*, npm_config_local_prefix, …): not the user's project.
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(key) || key === 'INIT_CWD') continue;
    if (/^(PORT|HOST|DATABASE_URL|PUBLIC_URL|LOG_LEVEL|KLARNA_LOCAL_\w+|NODE_TEST_CONTEXT|NODE_OPTIONS)$/.test(key)) continue;
    env[key] = value;
  }
  // npm, npx and the packages' install scripts run on the node that runs this test (Node 20, or the LTS in scripts/ci-node-lts.sh).
  env.PATH = [path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter);
  return { ...env, ...extra };
}

const children = new Set<ChildProcess>();
// Should the test process die first, take the servers (and npx's shells) with it.
process.once('exit', () => {
  for (const child of children) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Runs a command in its own process group to the end (killed after `timeoutMs`); stdout and stderr together. */
function run(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<Run> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, output, ms: Date.now() - started });
    });
  });
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), relative) : [relative];
  });
}

/** The newest modification time of the TypeScript sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

const CART = {
  purchase_country: 'SE',
  purchase_currency: 'SEK',
  locale: 'sv-SE',
  order_amount: 10000,
  order_tax_amount: 2000,
  order_lines: [{ type: 'physical', reference: 'SKU-1', name: 'T-shirt', quantity: 1, unit_price: 10000, tax_rate: 2500, total_amount: 10000, total_tax_amount: 2000 }],
};

/** A user's first script: a Payments purchase placed and captured against an instance of its own. */
const ESM_PURCHASE = `import assert from 'node:assert/strict';
import { startKlarnaLocal } from 'klarna-local';

const cart = ${JSON.stringify(CART)};
const klarna = await startKlarnaLocal();
try {
  const { username, password } = klarna.credentials;
  const api = async (method, path, body) => {
    const response = await fetch(klarna.url + path, {
      method,
      headers: { authorization: 'Basic ' + Buffer.from(username + ':' + password).toString('base64'), 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const session = await api('POST', '/payments/v1/sessions', cart);
  assert.equal(session.status, 200);
  const { authorization_token } = await klarna.sandbox.authorizePaymentsSession(session.body.session_id, { email: 'customer@email.se' });
  const order = await api('POST', '/payments/v1/authorizations/' + authorization_token + '/order', cart);
  assert.equal(order.status, 200);
  assert.equal((await api('POST', '/ordermanagement/v1/orders/' + order.body.order_id + '/captures', { captured_amount: 10000 })).status, 201);
  const read = await api('GET', '/ordermanagement/v1/orders/' + order.body.order_id);
  console.log(JSON.stringify({ status: read.body.status, captured_amount: read.body.captured_amount }));
} finally {
  await klarna.stop();
}
`;

/** TypeScript a user writes against the declarations; it compiles without an error. */
const TS_GOOD = `import { KlarnaLocalError, SandboxClient, startKlarnaLocal } from 'klarna-local';
import type { Duration, KlarnaLocal, KlarnaLocalOptions, MerchantCredential } from 'klarna-local';

const shop: MerchantCredential = { username: 'shop', password: 'shop-secret' };
const options: KlarnaLocalOptions = { database: 'memory', merchants: [shop], settings: { authorization_period_days: 7 }, logLevel: 'silent', sandboxClock: 'merchant' };
await using klarna: KlarnaLocal = await startKlarnaLocal(options);
const order = await klarna.sandbox.createOrder(${JSON.stringify(CART)});
const orderId: string = order.order_id;
const later: Duration = { days: 29 };
await klarna.sandbox.advanceClock(later);
const client = new SandboxClient({ url: klarna.url, ...klarna.credentials });
const { events } = await client.events({ order_id: orderId });
const types: string[] = events.map((event) => event.type);
try {
  await klarna.reset();
} catch (error) {
  if (error instanceof KlarnaLocalError) console.log(error.status, error.error_code, types);
}
`;

/** The same API given wrong types: lines 3, 4 and 6 are each an error. */
const TS_BAD = `import { startKlarnaLocal } from 'klarna-local';

await startKlarnaLocal({ port: '3000' });
await startKlarnaLocal({ sandboxClock: 'everyone' });
const klarna = await startKlarnaLocal();
await klarna.sandbox.createOrder(${JSON.stringify({ ...CART, order_amount: 'ten' })});
`;

describe('the packed package, installed into an empty project', { concurrency: true }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-package-'));
  const project = path.join(work, 'shop');
  const installed = path.join(project, 'node_modules', 'klarna-local');
  let packed: PackResult;

  before(
    async () => {
      const entry = path.join(ROOT, 'dist', 'src', 'index.js');
      assert.ok(fs.existsSync(entry), `${entry} is missing: run \`npm run build\` (node scripts/run-tests.mjs builds it for test/package)`);
      assert.ok(fs.statSync(entry).mtimeMs >= newestSource(path.join(ROOT, 'src')) - 1000, 'the build is older than src/: run `npm run build`');

      const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: userEnv(), timeoutMs: 60_000 });
      assert.equal(pack.code, 0, pack.output);
      const results = JSON.parse(pack.stdout) as PackResult[];
      assert.equal(results.length, 1, pack.output);
      packed = results[0] as PackResult;
      console.log(`# npm pack: ${pack.ms} ms, ${packed.files.length} files`);

      // better-sqlite3's install script (prebuild-install) downloads a prebuilt binary from GitHub,
      // which CI machines cannot reach, and otherwise compiles SQLite (minutes). It first looks for
      // a "local prebuild" named for the exact better-sqlite3 version, Node ABI, platform and
      // architecture: this repository's own build, which is made for this very node (the rest of the
      // suite loads it). prebuild-install loads what it unpacks and fails over to compiling, and a
      // project that resolves another better-sqlite3 version finds no file of that name and compiles:
      // a binary of another version or ABI is never used.
      const sqlite = path.join(ROOT, 'node_modules', 'better-sqlite3');
      const sqliteVersion = readJson<{ version: string }>(path.join(sqlite, 'package.json')).version;
      const prebuilds = path.join(work, 'prebuilds');
      fs.mkdirSync(prebuilds);
      const archive = path.join(prebuilds, `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
      const tar = await run('tar', ['-czf', archive, '-C', sqlite, 'build/Release/better_sqlite3.node'], { cwd: work, env: userEnv(), timeoutMs: 30_000 });
      assert.equal(tar.code, 0, tar.output);

      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'a-shop', version: '1.0.0', private: true, type: 'module' }, null, 2));
      const install = await run('npm', ['install', path.join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: project,
        env: userEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }),
        timeoutMs: 600_000,
      });
      assert.equal(install.code, 0, install.output);
      // npm checks klarna-local's `engines` against this node: the Node lines it names are the ones the suite runs on.
      assert.doesNotMatch(install.output, /EBADENGINE\s+package: 'klarna-local@/, install.output);
      const installedSqlite = path.join(project, 'node_modules', 'better-sqlite3');
      const reused = fs.readFileSync(path.join(installedSqlite, 'build', 'Release', 'better_sqlite3.node')).equals(fs.readFileSync(path.join(sqlite, 'build', 'Release', 'better_sqlite3.node')));
      const installedVersion = readJson<{ version: string }>(path.join(installedSqlite, 'package.json')).version;
      console.log(`# npm install <tarball>: ${install.ms} ms (better-sqlite3 ${installedVersion}: ${reused ? "this repository's build" : 'compiled from source'})`);
    },
    { timeout: 660_000 },
  );

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('the tarball holds the build, its declarations and the browser code, and nothing else of the repository', () => {
    const files = listFiles(installed).sort();
    assert.deepEqual(files, packed.files.map((file) => file.path).sort(), 'what is installed is what was packed');
    const migrations = fs.readdirSync(path.join(ROOT, 'migrations')).filter((name) => name.endsWith('.ts'));
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli.js',
      'dist/web/kp/api.js',
      'dist/web/checkout/checkout.js',
      'dist/web/dashboard/dashboard.css',
      ...migrations.map((name) => `dist/migrations/${name.replace(/\.ts$/, '.js')}`),
    ]) {
      assert.ok(files.includes(file), `the package holds ${file}`);
    }
    const foreign = files.filter(
      (file) =>
        /^(src|test|bench|scripts|docs|web|migrations|data|node_modules|test-artifacts|\.ci|\.github)\//.test(file) ||
        /^dist\/(test|bench)\//.test(file) ||
        (/\.[cm]?tsx?$/.test(file) && !/\.d\.ts$/.test(file)) ||
        file.endsWith('.map') ||
        /^(tsconfig.*\.json|eslint\.config\.js|\.dependency-cruiser\.cjs|package-lock\.json|\.npmrc|\.gitignore|Containerfile|Dockerfile)$/.test(file),
    );
    assert.deepEqual(foreign, [], 'no sources, tests, benchmarks, source maps or repository configuration');

    const bin = path.join(installed, 'dist', 'src', 'cli.js');
    assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin starts with its shebang');
    assert.ok((fs.statSync(bin).mode & 0o111) !== 0, 'the bin is executable');
    assert.equal(fs.realpathSync(path.join(project, 'node_modules', '.bin', 'klarna-local')), fs.realpathSync(bin), 'npm links the bin');
  });

  test('npx klarna-local --help names the commands', async () => {
    const help = await run('npx', ['klarna-local', '--help'], { cwd: project, env: userEnv(), timeoutMs: 60_000 });
    assert.equal(help.code, 0, help.output);
    assert.match(help.output, /^Usage: klarna-local /m, help.output);
    assert.match(help.output, /^\s+serve\b/m, help.output);
    assert.match(help.output, /^\s+migrate\b/m, help.output);
  });

  test('npx klarna-local serve answers the sandbox and Order Management', async () => {
    const database = path.join(work, 'serve.sqlite');
    const args = ['klarna-local', 'serve', '--port', '0', '--database-url', `sqlite:${database}`, '--merchants', 'shop:shop-secret', '--log-level', 'warn'];
    const child = spawn('npx', args, { cwd: project, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`klarna-local serve did not start within 60 s:\n${output}`)), 60_000);
        child.stdout.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`klarna-local serve exited:\n${output}`));
        });
      });
      const headers = { authorization: `Basic ${Buffer.from('shop:shop-secret').toString('base64')}`, 'content-type': 'application/json' };
      const created = await fetch(`${url}/sandbox/v1/orders`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...CART, billing_address: { given_name: 'Testperson-se', family_name: 'Approved', email: 'customer@email.se', country: 'SE' } }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { order_id } = (await created.json()) as { order_id: string };
      const read = await fetch(`${url}/ordermanagement/v1/orders/${order_id}`, { headers });
      assert.equal(read.status, 200);
      const order = (await read.json()) as { order_id: string; status: string; order_amount: number };
      assert.deepEqual({ order_id: order.order_id, status: order.status, order_amount: order.order_amount }, { order_id, status: 'AUTHORIZED', order_amount: 10000 });
      const library = await fetch(`${url}/kp/lib/v1/api.js`);
      assert.equal(library.status, 200, 'the browser code is in the package');
      assert.ok(fs.existsSync(database), 'the database is where --database-url says');
    } finally {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
      children.delete(child);
    }
  });

  test("an ES module imports startKlarnaLocal from 'klarna-local', makes a purchase and exits when it stops", async () => {
    fs.writeFileSync(path.join(project, 'purchase.mjs'), ESM_PURCHASE);
    const purchase = await run(process.execPath, ['purchase.mjs'], { cwd: project, env: userEnv(), timeoutMs: 60_000 });
    assert.equal(purchase.code, 0, purchase.output);
    assert.deepEqual(JSON.parse(purchase.stdout), { status: 'CAPTURED', captured_amount: 10000 }, purchase.output);
  });

  test('TypeScript (module nodenext) compiles against the declarations and refuses wrong option types', async () => {
    fs.writeFileSync(path.join(project, 'good.ts'), TS_GOOD);
    fs.writeFileSync(path.join(project, 'bad.ts'), TS_BAD);
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2023', 'esnext.disposable'],
      strict: true,
      noEmit: true,
      // The declarations themselves are checked too (their imports of better-sqlite3 and pg resolve
      // to @types/better-sqlite3 and @types/pg, which the package depends on for that reason).
      skipLibCheck: false,
      // The user's own @types/node (this repository's, as the project has none of its own).
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      types: ['node'],
    };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['good.ts', 'bad.ts'] }, null, 2));
    const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, env: userEnv(), timeoutMs: 120_000 });
    const errors = tsc.output.split('\n').filter((line) => /error TS\d+/.test(line));
    assert.notEqual(tsc.code, 0, tsc.output);
    assert.deepEqual(
      errors.map((line) => /^([^(]+)\((\d+),\d+\): error (TS\d+)/.exec(line)?.slice(1, 4).join(':') ?? line),
      ['bad.ts:3:TS2322', 'bad.ts:4:TS2322', 'bad.ts:6:TS2322'],
      `only the wrong types are errors, none in the declarations or good.ts:\n${tsc.output}`,
    );
  });
});
