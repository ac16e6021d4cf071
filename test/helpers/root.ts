/**
 * The repository's root: the nearest folder above this file with klarna-local's package.json. The
 * tests run from their TypeScript sources (tsx) and, under scripts/run-tests.mjs, compiled into
 * dist/test/: paths to the repository's files (sources, fixtures, the build, ../shared) start here,
 * never at a test file's own folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'klarna-local') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no klarna-local package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A file of the repository, by its path from the root (`test/embed/fixtures/two-instances.ts`). */
export const fromRoot = (...parts: string[]): string => path.join(PROJECT_ROOT, ...parts);
