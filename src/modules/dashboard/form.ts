/**
 * The dashboard's forms are plain HTML forms (`application/x-www-form-urlencoded`), read here for the
 * dashboard's routes only (the app's own parser takes JSON). Pure.
 */
import { MAX_AMOUNT } from '../../kernel/schemas.js';
import { ApiError } from '../../platform/http/errors.js';
import { readFormFields } from '../../platform/http/forms.js';

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
  const fields = readFormFields(body);
  if (!fields) return notAForm();
  // PostgreSQL text cannot hold NUL.
  for (const [name, value] of fields) if (name.includes('\u0000') || value.includes('\u0000')) return notAForm();
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
