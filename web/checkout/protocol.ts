/**
 * How the checkout snippet's iframe grows with its content, as Klarna's does: the checkout and
 * confirmation pages (checkout.ts) post their document height to the parent window whenever it
 * changes; the snippet's script (snippet.ts, in the merchant's page) sets the iframe's height.
 *
 * page → merchant page: `{type: 'klarna-local:checkout:height', height}` (CSS pixels, whole)
 * merchant page → page: `{type: 'klarna-local:checkout:measure'}`: "report again", sent by the
 *   snippet's script once it listens (its async load may come after the page's first report).
 *
 * The page cannot know the merchant's origin (any page may frame the snippet), so it posts the
 * height, which is no secret, to any origin; the snippet's script accepts it only from
 * klarna-local's origin and only from the window of the snippet's iframe.
 */

export const HEIGHT_MESSAGE = 'klarna-local:checkout:height';
export const MEASURE_MESSAGE = 'klarna-local:checkout:measure';

/** No page of ours is taller; anything above is not a height to apply. */
export const MAX_HEIGHT = 100_000;

export interface HeightMessage {
  type: typeof HEIGHT_MESSAGE;
  height: number;
}

export interface MeasureMessage {
  type: typeof MEASURE_MESSAGE;
}

export function isHeightMessage(value: unknown): value is HeightMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return message.type === HEIGHT_MESSAGE && typeof message.height === 'number' && Number.isFinite(message.height) && message.height > 0 && message.height <= MAX_HEIGHT;
}

export function isMeasureMessage(value: unknown): value is MeasureMessage {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>).type === MEASURE_MESSAGE;
}
