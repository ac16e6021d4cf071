/** The administrator's merchant picker: every merchant, and which one the pages show. */
import type { Viewer } from '../html.js';
import { csrfField, e, page, table } from '../html.js';
import { timeCell } from './common.js';

export interface MerchantRow {
  merchant_id: string;
  username: string;
  created_at: number;
}

export function renderMerchants(viewer: Viewer, merchants: readonly MerchantRow[], current: string | null, next: string): string {
  const rows = merchants.map((m) => {
    const chosen = m.merchant_id === current;
    const button = chosen
      ? '<span class="badge badge-captured">Shown now</span>'
      : `<form method="post" action="/dashboard/merchants/choose" class="inline-action">${csrfField(viewer)}<input type="hidden" name="merchant_id" value="${e(m.merchant_id)}"><input type="hidden" name="next" value="${e(next)}"><button type="submit">See ${e(m.username)}</button></form>`;
    return `<tr><th scope="row">${e(m.username)}</th><td class="mono">${e(m.merchant_id)}</td><td>${timeCell(m.created_at)}</td><td>${button}</td></tr>`;
  });
  const body = `<h1>Merchants</h1>
<p>As the administrator you see every merchant: choose whose orders, sessions and payouts the pages show. Actions act as that merchant.</p>
${table('Merchants', ['Username', 'Merchant id', 'Created (UTC)', 'Choose'], rows, { id: 'merchants', empty: 'No merchants yet.' })}`;
  return page({ title: 'Merchants', viewer, section: 'merchants', body });
}
