/** Amounts as people read them. Money is stored and computed in integer minor units everywhere else. */

/**
 * Number formats by locale and currency, made once: making one costs tens of microseconds, which a
 * page listing fifty amounts would pay a hundred times. Few pairs exist; the cache is bounded anyway.
 */
const MONEY_FORMATS = new Map<string, { format: Intl.NumberFormat; digits: number }>();
function moneyFormat(locale: string, currency: string): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale} ${currency}`;
  let entry = MONEY_FORMATS.get(key);
  if (!entry) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    if (MONEY_FORMATS.size >= 512) MONEY_FORMATS.clear();
    MONEY_FORMATS.set(key, entry);
  }
  return entry;
}

/**
 * An amount in minor units as the shopper reads it in the session's locale ("125,00 kr" for sv-SE).
 * Klarna's amounts carry the currency's minor unit (two decimals in every Klarna market).
 */
export function formatMoney(minorUnits: number, currency: string, locale: string): string {
  try {
    const { format, digits } = moneyFormat(locale, currency.toUpperCase());
    return format.format(minorUnits / 10 ** digits);
  } catch {
    // A locale or currency Intl does not know: still readable.
    return `${(minorUnits / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}
