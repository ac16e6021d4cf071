/**
 * The payment-method badges behind `asset_urls` (session.ts): small SVGs drawn here, so a checkout
 * page shows an icon without reaching any CDN. Only the categories klarna-local knows have badges.
 */
import { PAYMENT_METHOD_CATEGORIES } from '../payments/session.js';
import { escapeXml } from './html.js';

export const ASSET_VARIANTS = ['descriptive', 'standard'] as const;
export type AssetVariant = (typeof ASSET_VARIANTS)[number];

const PINK = '#ffb3c7';
const INK = '#17120f';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"';

/** The badge for a category and variant, or null when either is unknown. */
export function categoryBadge(identifier: string, variant: string): string | null {
  if (!Object.hasOwn(PAYMENT_METHOD_CATEGORIES, identifier)) return null;
  const category = PAYMENT_METHOD_CATEGORIES[identifier];
  if (!category) return null;
  const name = escapeXml(category.name);
  if (variant === 'standard') {
    // Compact: sits next to a radio button in a list of payment methods.
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="72" height="32" viewBox="0 0 72 32" role="img" aria-label="${name}">`,
      `<rect width="72" height="32" rx="8" fill="${PINK}"/>`,
      `<text x="36" y="21" text-anchor="middle" font-size="13" font-weight="700" fill="${INK}" ${FONT}>KL.</text>`,
      '</svg>',
    ].join('');
  }
  if (variant === 'descriptive') {
    // Wide: the badge with the category's name and what it means for the shopper.
    const description = escapeXml(category.initial.description ?? category.name);
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="56" viewBox="0 0 240 56" role="img" aria-label="${name}">`,
      `<rect width="240" height="56" rx="12" fill="${PINK}"/>`,
      `<text x="16" y="24" font-size="15" font-weight="700" fill="${INK}" ${FONT}>${name}</text>`,
      `<text x="16" y="43" font-size="12" fill="${INK}" ${FONT}>${description}</text>`,
      '</svg>',
    ].join('');
  }
  return null;
}
