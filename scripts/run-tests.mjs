#!/usr/bin/env node
// Runs the test files with Node's test runner (Node 20 has no glob support for --test).
//
//   node scripts/run-tests.mjs            every test/**/*.test.ts (npm test)
//   node scripts/run-tests.mjs --fast     the inner loop (npm run test:fast): the unit and API tests on
//                                         SQLite only, three files at a time; no wire, browser, crash,
//                                         fuzz, CLI, concurrency, operations or security suites, no PostgreSQL
//   TEST_DATABASES=postgres npm test      the suite on one database (sqlite, postgres, or both: the default)
//   npm test -- test/api/checkout         only the files under the given folders or files
//
// Other arguments go to the runner, e.g. `npm test -- --test-name-pattern=capture`.
// First the browser code (dist/web/, which the server serves), then one tsc run compiles the package
// (dist/src/) and the tests (dist/test/), and the runner starts the compiled test files (below).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const FAST_FOLDERS = ['test/unit', 'test/api'];

function find(dir) {
  if (!statSync(dir).isDirectory()) return dir.endsWith('.test.ts') ? [dir] : [];
  return readdirSync(dir).flatMap((name) => find(path.join(dir, name)));
}

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const selected = args.filter((a) => a !== '--fast' && !a.startsWith('-') && existsSync(a));
const runnerArgs = args.filter((a) => a !== '--fast' && !selected.includes(a));

const env = { ...process.env };
if (fast) {
  env.TEST_DATABASES = 'sqlite';
  env.TEST_DATABASES_ANNOUNCED = '1';
  process.stdout.write('# test:fast: unit and API tests on SQLite only (PostgreSQL, wire, browser, crash, fuzz and the other suites run in npm test)\n');
}

const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

// The longest files start first (two run at a time): a long file started last would run on alone
// at the end while the other core waits. Measured durations, longest first; the rest alphabetically.
const LONGEST_FIRST = [
  'test/package/',
  'test/browser/dashboard.test.ts',
  'test/fuzz/hostile-input.test.ts',
  'test/cli/snapshot.test.ts',
  'test/concurrency/background.test.ts',
  'test/crash/',
  'test/cli/exec.test.ts',
  'test/api/settlements/property.test.ts',
  'test/concurrency/',
  'test/browser/',
  'test/cli/',
  'test/fuzz/',
];
const rank = (file) => {
  const index = LONGEST_FIRST.findIndex((prefix) => file.split(path.sep).join('/').startsWith(prefix));
  return index === -1 ? LONGEST_FIRST.length : index;
};
const roots = selected.length > 0 ? selected : fast ? FAST_FOLDERS : ['test'];
const files = roots
  .flatMap(find)
  .sort()
  .sort((a, b) => rank(a) - rank(b));

// The package (dist/src/, with its declarations) and the tests themselves (dist/test/) are compiled
// by one tsc run (tsconfig.test.json), and the runner starts the compiled files: a test file then
// loads its modules as plain JavaScript, about 0.7 s sooner than through tsx's loader, in each of the
// hundred-odd processes of a run. The tests that start the CLI in child processes start it from this
// build too (KLARNA_LOCAL_TEST_CLI), and test/embed's README suite imports `klarna-local` as users do.
// Stack traces point into the TypeScript sources (source maps). Run through tsx, as a developer does
// with `node --import tsx --test <file>`, the same files use the sources.
rmSync(path.join('dist', 'test'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
env.KLARNA_LOCAL_TEST_CLI = 'dist';
const compiledFiles = files.map((file) => path.join('dist', file.replace(/\.ts$/, '.js')));
// Most of a test file's time is waiting (child processes, sockets, the database): two files at a time
// keep both cores of a CI machine busy.
if (!runnerArgs.some((a) => a.startsWith('--test-concurrency'))) runnerArgs.push(`--test-concurrency=${fast ? 3 : 2}`);
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...runnerArgs, ...compiledFiles], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
