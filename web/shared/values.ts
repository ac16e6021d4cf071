/** Narrowing helpers for values that arrive from elsewhere (postMessage, fetch, the merchant's arguments). */

/** Any non-null object (arrays included): its properties may be read. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The value when it is an object, else an empty one: `options || {}` that also survives a string or number. */
export function objectOr(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}
