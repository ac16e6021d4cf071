/** What the list and detail pages share: the search form, the pager, badges, lines, addresses. Pure. */
import type { ListQuery } from '../resources.js';
import { e, facts, money, table, time } from '../html.js';

/** A stored value as a string ('' for anything else): data read back from JSON is never trusted to be one. */
export const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
/** A stored value as a finite number (0 for anything else). */
export const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export const badge = (status: string, id?: string): string => `<span class="badge badge-${e(status.toLowerCase().replace(/[^a-z0-9_-]/g, ''))}"${id ? ` id="${e(id)}"` : ''}>${e(status)}</span>`;

export const timeCell = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) || !time(ms) ? '' : `<time datetime="${e(new Date(ms).toISOString())}">${e(time(ms))}</time>`;

export const link = (href: string, text: string, id?: string): string => `<a href="${e(href)}"${id ? ` id="${e(id)}"` : ''}>${e(text)}</a>`;

/** The search by id above a list. */
export function searchForm(action: string, label: string, query: ListQuery): string {
  return `<form method="get" action="${e(action)}" class="filters" role="search" aria-label="${e(`Find by ${label.toLowerCase()}`)}">
<div class="field"><label for="f-q">${e(label)}</label><input id="f-q" name="q" type="search" maxlength="255" value="${e(query.q ?? '')}"></div>
<div class="field field-button"><button type="submit">Find</button></div>
</form>`;
}

/** Newest and older pages of a list (no page numbers: nothing counts the table). */
export function pager(action: string, query: ListQuery, next: string | null, olderLabel: string): string {
  if (!next && !query.after) return '';
  const base = new URLSearchParams();
  if (query.q) base.set('q', query.q);
  const first = `<a href="${e(action)}${base.size > 0 ? `?${e(base.toString())}` : ''}">Newest</a>`;
  if (next) base.set('after', next);
  return `<nav class="pager" aria-label="Pages">${query.after ? first : ''}${next ? ` <a id="next-page" rel="next" href="${e(action)}?${e(base.toString())}">${e(olderLabel)}</a>` : ''}</nav>`;
}

/** Order lines as stored in a Payments session or a Checkout order. */
export function linesTable(lines: unknown, currency: string): string {
  const rows = (Array.isArray(lines) ? lines : []).map((line: unknown) => {
    const l = (line ?? {}) as Record<string, unknown>;
    return `<tr><th scope="row">${e(str(l.name))}</th><td>${e(str(l.type))}</td><td>${e(str(l.reference))}</td><td class="num">${e(num(l.quantity))}</td><td class="num">${e(money(num(l.unit_price), currency))}</td><td class="num">${e(money(num(l.total_amount), currency))}</td></tr>`;
  });
  return table('Order lines', ['Name', 'Type', 'Reference', 'Quantity', 'Unit price', 'Total'], rows, { id: 'lines' });
}

/** An address or another flat object as a list of its fields, or "None". */
export function objectFacts(title: string, value: unknown): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `<section><h3>${e(title)}</h3><p class="empty">None</p></section>`;
  const pairs = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.replace(/_/g, ' '), e(typeof v === 'object' && v !== null ? JSON.stringify(v) : str(v) || String(v ?? ''))] as const);
  return `<section><h3>${e(title)}</h3>${pairs.length > 0 ? facts(pairs) : '<p class="empty">None</p>'}</section>`;
}
