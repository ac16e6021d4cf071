/**
 * The README's `node:test` suite ("In your test suite"), run exactly as it is written: copied out of
 * README.md into a project of its own whose node_modules/klarna-local is this package, and run with
 * `node --test`, so `import { startKlarnaLocal } from 'klarna-local'` resolves through package.json's
 * `exports` to the build (dist/src, which scripts/run-tests.mjs compiles before these tests).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../helpers/root.js';

const ROOT = PROJECT_ROOT;
const BUILT_ENTRY = path.join(ROOT, 'dist', 'src', 'index.js');

/** The README's section, and the first `js` block in it that imports node:test. */
function readmeSuite(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## In your test suite\n');
  assert.ok(start >= 0, 'README.md has a section "## In your test suite"');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const block = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((code) => code.includes("from 'node:test'"));
  assert.ok(block, 'the section has a js block using node:test');
  return block;
}

/** The newest modification time of the sources the build is made from. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

test("the README's node:test suite passes against this package, as the README shows it", async () => {
  assert.ok(fs.existsSync(BUILT_ENTRY), `${BUILT_ENTRY} is missing: run \`npm run build\` (node scripts/run-tests.mjs builds it for test/embed)`);
  assert.ok(fs.statSync(BUILT_ENTRY).mtimeMs >= newestSource(path.join(ROOT, 'src')) - 1000, 'the build is older than src/: run `npm run build`');

  const code = readmeSuite();
  const expected = [...code.matchAll(/^test\('([^']+)'/gm)].map((m) => m[1] ?? '');
  assert.ok(expected.length >= 3, `the README's suite has its tests: ${expected.join(', ')}`);

  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-readme-'));
  try {
    fs.mkdirSync(path.join(project, 'node_modules'));
    // As an installed dependency: node_modules/klarna-local is the package.
    fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'klarna-local'), 'dir');
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'a-shop', private: true, type: 'module' }));
    fs.writeFileSync(path.join(project, 'shop.test.mjs'), code);

    // A plain node: no TypeScript loader, none of this process's options, none of the test's environment.
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', 'shop.test.mjs'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);

    assert.equal(exitCode, 0, output);
    assert.match(output, new RegExp(`^# pass ${expected.length}$`, 'm'), output);
    assert.match(output, /^# fail 0$/m, output);
    for (const name of expected) assert.match(output, new RegExp(`^ok \\d+ - ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `"${name}" ran and passed`);
    assert.doesNotMatch(output, /^not ok/m, output);
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});
