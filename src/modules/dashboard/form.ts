/**
 * The dashboard's forms are plain HTML forms (`application/x-www-form-urlencoded`), read here for the
 * dashboard's routes only (the app's own parser takes JSON). Pure.
 */
import { MAX_AMOUNT } from '../../kernel/schemas.js';
import { ApiError } from '../../platform/http/errors.js';

export class DashboardForm {
  constructor(private readonly fields: ReadonlyMap<string, string>) {}

  /** The field's value, trimmed; undefined when absent. */
  get(name: string): string | undefined {
    return this.fields.get(name)?.trim();
  }
}

export const notAForm = () => new ApiError(400, 'BAD_REQUEST', ['This form could not be read']);

/** The fields of a form body (the first value of a repeated field counts), or a 400 refusal. */
export function parseForm(body: Buffer): DashboardForm | ApiError {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return notAForm();
  }
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((at === -1 ? pair : pair.slice(0, at)).replace(/\+/g, ' '));
      value = at === -1 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
    } catch {
      return notAForm();
    }
    // PostgreSQL text cannot hold NUL.
    if (name.includes('\u0000') || value.includes('\u0000')) return notAForm();
    if (!fields.has(name)) fields.set(name, value);
  }
  return new DashboardForm(fields);
}

/**
 * Pure: an amount typed in major units ("12.50", "12,50", "1250") as minor units, or null when it is
 * not one (two decimals at most, positive, within Klarna's limits).
 */
export function parseAmount(text: string | undefined): number | null {
  if (text === undefined) return null;
  const match = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text.replace(/\s/g, ''));
  if (!match) return null;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return minor > 0 && minor <= MAX_AMOUNT ? minor : null;
}
