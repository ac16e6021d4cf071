/**
 * HTML form bodies (`application/x-www-form-urlencoded`), for the routes that take a browser's
 * forms (the hosted payment page, the dashboard); the app's own parser takes JSON. Strict where
 * URLSearchParams is lenient: a body that is not UTF-8 or has a broken %-escape is no form at all.
 */

/** The fields of a form body (the first value of a repeated field counts), or null when it is not a well-formed form. */
export function readFormFields(body: Buffer): Map<string, string> | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return null;
  }
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    try {
      const name = decodeURIComponent((at === -1 ? pair : pair.slice(0, at)).replace(/\+/g, ' '));
      const value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
      if (!fields.has(name)) fields.set(name, value);
    } catch {
      return null;
    }
  }
  return fields;
}
