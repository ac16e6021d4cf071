/**
 * `/kp/lib/v1/api.js`: klarna-local's stand-in for Klarna's Payments browser library, built from
 * web/kp/api.ts into dist/web/kp/api.js (web-assets.ts). A merchant page swaps the script URL and
 * changes nothing else.
 *
 * The only server-side value is the fallback base URL, used when the script cannot see its own URL
 * (document.currentScript): the built file names the free identifier `__KLARNA_LOCAL_FALLBACK_BASE__`
 * exactly once, and it is replaced here by the public URL as a JSON string literal. `<` is escaped,
 * so the text cannot end a <script> element it is pasted into, and so are U+2028/U+2029.
 */
import { JAVASCRIPT, LIBRARY_PLACEHOLDER, staticAsset, webFile } from './web-assets.js';
import type { StaticAsset } from './web-assets.js';

/** The public URL is fixed once the server listens: one build of the text, kept. */
let cached: { base: string; asset: StaticAsset } | null = null;

export function scriptStringLiteral(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function libraryScript(fallbackBase: string): StaticAsset {
  if (cached?.base === fallbackBase) return cached.asset;
  const source = webFile('kp/api.js');
  const at = source.indexOf(LIBRARY_PLACEHOLDER);
  // Sliced, not String.replace: `$&` and friends in a URL must stay as they are.
  const text = source.slice(0, at) + scriptStringLiteral(fallbackBase) + source.slice(at + LIBRARY_PLACEHOLDER.length);
  const asset = staticAsset(text, JAVASCRIPT);
  cached = { base: fallbackBase, asset };
  return asset;
}
