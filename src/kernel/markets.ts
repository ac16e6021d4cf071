/** Klarna's markets: which currency each purchase country settles in (§0.5: the combination must match). */
export const MARKET_CURRENCIES: Readonly<Record<string, readonly string[]>> = {
  AT: ['EUR'],
  AU: ['AUD'],
  BE: ['EUR'],
  CA: ['CAD'],
  CH: ['CHF'],
  CZ: ['CZK'],
  DE: ['EUR'],
  DK: ['DKK'],
  ES: ['EUR'],
  FI: ['EUR'],
  FR: ['EUR'],
  GB: ['GBP'],
  GR: ['EUR'],
  HU: ['HUF'],
  IE: ['EUR'],
  IT: ['EUR'],
  MX: ['MXN'],
  NL: ['EUR'],
  NO: ['NOK'],
  NZ: ['NZD'],
  PL: ['PLN'],
  PT: ['EUR'],
  RO: ['RON'],
  SE: ['SEK'],
  SK: ['EUR'],
  US: ['USD'],
};

/**
 * A locale as Klarna describes it (RFC 1766, "its value consists of language-country", e.g. sv-SE,
 * en-GB): a language alone ("sv") or a word ("foo") is `Bad value: locale` (§0.5).
 */
export const LOCALE_PATTERN = /^[a-z]{2,3}-[a-z]{2}$/i;

/** Field names that are wrong in a country/currency/locale triple, in Klarna's message order. */
export function marketErrors(purchaseCountry: string, purchaseCurrency: string, locale: string | undefined): string[] {
  const currencies = MARKET_CURRENCIES[purchaseCountry.toUpperCase()];
  const errors: string[] = [];
  if (!currencies) errors.push('purchase_country');
  else if (!currencies.includes(purchaseCurrency.toUpperCase())) errors.push('purchase_currency, purchase_country');
  if (locale !== undefined && !LOCALE_PATTERN.test(locale)) errors.push('locale');
  return errors;
}
