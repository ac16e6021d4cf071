#!/usr/bin/env node
// Builds the browser code (web/) into dist/web/ with esbuild: each entry bundled into one file, the
// scripts as an IIFE for ES2017 browsers, not minified (they are read in DevTools), no source maps.
// The server serves these files (src/modules/shopper/web-assets.ts); `npm run build`, `npm run dev`
// and `npm test` run this first. esbuild only strips the types: checking them is
// `tsc -p tsconfig.web.json` (npm run typecheck). Silent on success, like tsc.
import { rmSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'web');

/** Source → output (without extension), relative to web/ and dist/web/. */
const ENTRIES = [
  ['kp/api.ts', 'kp/api'],
  ['kp/widget.ts', 'kp/widget'],
  ['kp/widget.css', 'kp/widget'],
  ['checkout/checkout.ts', 'checkout/checkout'],
  ['checkout/checkout.css', 'checkout/checkout'],
  ['checkout/snippet.ts', 'checkout/snippet'],
  ['hpp/hpp.css', 'hpp/hpp'],
  ['dashboard/dashboard.ts', 'dashboard/dashboard'],
  ['dashboard/dashboard.css', 'dashboard/dashboard'],
];

/** The library's fallback base: a free identifier the server replaces with its public URL (exactly once). */
const PLACEHOLDER = '__KLARNA_LOCAL_FALLBACK_BASE__';

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ENTRIES.map(([from, to]) => ({ in: path.join('web', from), out: to })),
  outdir,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2017',
  charset: 'ascii',
  legalComments: 'none',
  banner: {
    js: '/* klarna-local: built from web/ by scripts/build-web.mjs */',
    css: '/* klarna-local: built from web/ by scripts/build-web.mjs */',
  },
  logLevel: 'warning',
});

const library = readFileSync(path.join(outdir, 'kp', 'api.js'), 'utf8');
const placeholders = library.split(PLACEHOLDER).length - 1;
if (placeholders !== 1) {
  console.error(`build-web: dist/web/kp/api.js must name ${PLACEHOLDER} exactly once (found ${placeholders})`);
  process.exit(1);
}
