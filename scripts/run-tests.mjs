#!/usr/bin/env node
// Runs every test/**/*.test.ts file with Node's test runner (Node 20 has no glob support for --test).
// Extra arguments are passed to the runner, e.g. `npm test -- --test-name-pattern=capture`.
// The tests run the TypeScript sources (tsx), but the server serves the browser code from its build
// (dist/web/), so that is built first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return find(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const files = find('test').sort();
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...process.argv.slice(2), ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
