/**
 * The browser code klarna-local serves: the sources in web/ (TypeScript type-checked against the
 * DOM, CSS) are bundled by scripts/build-web.mjs into dist/web/, which `npm run build` (so `npm
 * start`), `npm run dev` and `npm test` do first. The files are read once, when the routes are
 * registered at start, and answered from memory with a strong ETag (304 for a matching
 * If-None-Match). A missing file stops the start with one line that says what to run.
 *
 * dist/web/ is found from this module's own location, the same whether it runs as
 * dist/src/modules/shopper/web-assets.js (npm start) or src/modules/shopper/web-assets.ts under tsx
 * (npm run dev, the tests): the project root is the nearest folder above it with a package.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Every file scripts/build-web.mjs writes, relative to dist/web/. */
export const WEB_FILES = ['kp/api.js', 'kp/widget.js', 'kp/widget.css', 'checkout/checkout.js', 'checkout/checkout.css', 'checkout/snippet.js', 'hpp/hpp.css'] as const;
export type WebFile = (typeof WEB_FILES)[number];

/** The library's fallback base in dist/web/kp/api.js: a free identifier, there exactly once (library-script.ts). */
export const LIBRARY_PLACEHOLDER = '__KLARNA_LOCAL_FALLBACK_BASE__';

export const JAVASCRIPT = 'application/javascript; charset=utf-8';
export const CSS = 'text/css; charset=utf-8';

/** For what merchant pages load from klarna-local's origin (the /kp assets, the snippet's script). */
export const CROSS_ORIGIN_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-resource-policy': 'cross-origin',
  'access-control-allow-origin': '*',
};

/** Scripts and styles change only with a release (or a rebuild). */
const CACHE_CONTROL = 'public, max-age=300';

/** The nearest folder at or above `from` that holds a package.json: klarna-local's root. */
export function projectRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** Reads every built file under `root`/dist/web. Throws one line naming `npm run build` when one is missing or stale. */
export function readWebBuild(root: string): ReadonlyMap<WebFile, string> {
  const files = new Map<WebFile, string>();
  for (const name of WEB_FILES) {
    const file = path.join(root, 'dist', 'web', name);
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`the browser code is not built (${shown} is missing): run \`npm run build\` first`);
    }
    if (name === 'kp/api.js' && text.split(LIBRARY_PLACEHOLDER).length !== 2) {
      throw new Error(`${shown} is not a build of web/kp/api.ts: run \`npm run build\` again`);
    }
    files.set(name, text);
  }
  return files;
}

let loaded: ReadonlyMap<WebFile, string> | null = null;

/** klarna-local's own build, read once. */
function webFiles(): ReadonlyMap<WebFile, string> {
  loaded ??= readWebBuild(projectRoot() ?? process.cwd());
  return loaded;
}

/** Stops a start (`serve`, also before `--processes N` forks) when the build is missing: one line to print. */
export function requireWebBuild(): void {
  webFiles();
}

/** The text of one built file (all of them are read, and checked, on the first call). */
export function webFile(name: WebFile): string {
  const text = webFiles().get(name);
  if (text === undefined) throw new Error(`unknown web file ${name}`);
  return text;
}

export interface StaticAsset {
  readonly body: Buffer;
  /** Strong: a digest of exactly these bytes. */
  readonly etag: string;
  readonly type: string;
}

export function staticAsset(text: string, type: string): StaticAsset {
  const body = Buffer.from(text, 'utf8');
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"` };
}

/** Does If-None-Match name this entity tag? (weak comparison, as RFC 9110 §13.1.2 asks; `*` matches) */
function notModified(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const list = Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch;
  return list.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** Answers a static asset: cacheable for five minutes, revalidated by its ETag. */
export function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset, headers: Readonly<Record<string, string>> = {}): FastifyReply {
  reply.headers({ ...headers, 'cache-control': CACHE_CONTROL, etag: asset.etag });
  if (notModified(request.headers['if-none-match'], asset.etag)) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}
