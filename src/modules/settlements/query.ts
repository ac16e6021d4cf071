/**
 * Klarna's rules for the Settlements query parameters: dates are ISO 8601 date-times, and a bare date
 * means its midnight (UTC), so a start equal to the end selects nothing (periods are [start, end));
 * `size` is 1–500 (default 20), `offset` ≥ 0 (default 0); currency codes are ISO 4217.
 */
import { badParameter } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 500;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function validDay(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function parseDate(name: string, value: string): number {
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (validDay(year, month, day)) return Date.UTC(year, month - 1, day);
  } else if (DATE_TIME.test(value)) {
    const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
    const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (validDay(year, month, day) && Number.isFinite(ms)) return ms;
  }
  throw badParameter(name, 'an ISO 8601 date-time such as 2024-01-31T23:59:59Z, or a date');
}

export function parseOptionalDate(name: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseDate(name, value);
}

export function parseCurrency(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z]{3}$/.test(value)) throw badParameter('currency_code', 'an ISO 4217 currency code such as EUR');
  return value.toUpperCase();
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < min || Number(value) > max) throw badParameter(name, `an integer from ${min} to ${max}`);
  return Number(value);
}

export function parsePage(size: string | undefined, offset: string | undefined): { size: number; offset: number } {
  return {
    size: size === undefined ? DEFAULT_PAGE_SIZE : parseInteger('size', size, 1, MAX_PAGE_SIZE),
    offset: offset === undefined ? 0 : parseInteger('offset', offset, 0, 2_000_000_000),
  };
}

/**
 * Klarna's pagination object: `next` and `prev` as absolute URIs of the same request with the offset
 * moved (present only where there is such a page).
 */
export function pagination(requestUrl: URL, page: { size: number; offset: number }, count: number, total: number) {
  const at = (offset: number) => {
    const url = new URL(requestUrl);
    url.searchParams.set('offset', String(offset));
    url.searchParams.set('size', String(page.size));
    return url.toString();
  };
  return {
    count,
    total,
    offset: page.offset,
    ...(page.offset + count < total && { next: at(page.offset + count) }),
    ...(page.offset > 0 && { prev: at(Math.max(0, page.offset - page.size)) }),
  };
}
