#!/usr/bin/env node
// `npm pack` and `npm publish` run this first (package.json's prepack): a clean build, so the package
// holds exactly what the sources make today (package.json's `files`: dist/src, dist/migrations,
// dist/web) and no output of a source deleted since, and its bin (dist/src/cli.js) is executable.
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
chmodSync(path.join(root, 'dist', 'src', 'cli.js'), 0o755);
