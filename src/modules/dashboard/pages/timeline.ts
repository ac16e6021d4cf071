/**
 * A timeline (sandbox/timeline.ts) as the order, session and Checkout pages show it: one entry per
 * line, oldest first, each opening to its detail. API calls show method, path, status, correlation id
 * and duration; a callback shows where it goes, the body it sends and every attempt (when, how long,
 * the merchant's status and answer, or the error), with a form to send it again now.
 */
import type { CallbackAttemptView } from '../../sandbox/callbacks.js';
import type { Viewer } from '../html.js';
import { csrfField, e, facts, json, money, table, time } from '../html.js';
import type { TimelineEntry } from '../timeline-source.js';

const LABELS: Record<TimelineEntry['kind'], string> = {
  api_call: 'API call',
  state_change: 'State',
  callback: 'Callback',
  callback_attempt: 'Attempt',
  message: 'Message',
  settlement_transaction: 'Settlement',
  card_promise: 'Card',
  card_settlement: 'Card',
};

const CLASSES: Record<TimelineEntry['kind'], string> = {
  api_call: 'api',
  state_change: 'state',
  callback: 'callback',
  callback_attempt: 'callback',
  message: 'message',
  settlement_transaction: 'settlement',
  card_promise: 'settlement',
  card_settlement: 'settlement',
};

export const redeliverHref = (callbackId: string): string => `/dashboard/callbacks/${encodeURIComponent(callbackId)}/redeliver`;

const ms = (iso: string): number => Date.parse(iso);
const answer = (a: CallbackAttemptView): string => (a.response_status !== null ? String(a.response_status) : a.error ? `no answer (${a.error})` : 'no answer');

function attemptsTable(attempts: readonly CallbackAttemptView[]): string {
  return table(
    'Attempts',
    ['Attempt', 'Started (UTC)', 'Duration', 'Response status', 'Response body', 'Error'],
    attempts.map(
      (a) =>
        `<tr><th scope="row">${e(a.attempt)}</th><td>${e(time(ms(a.started_at)))}</td><td class="num">${e(a.duration_ms)} ms</td><td>${e(a.response_status ?? '')}</td><td>${a.response_body ? `<pre class="excerpt">${e(a.response_body)}</pre>` : ''}</td><td>${e(a.error ?? '')}</td></tr>`,
    ),
    { empty: 'Not attempted yet.' },
  );
}

/** Pure: what one entry says on its line (escaped later) and in its detail (HTML). */
function describe(entry: TimelineEntry, viewer: Viewer, back: string, attempts: ReadonlyMap<string, CallbackAttemptView[]>): { title: string; detail: string } {
  switch (entry.kind) {
    case 'api_call':
      return {
        title: `${entry.method} ${entry.path} → ${entry.status}`,
        detail: facts([
          ['Method', e(entry.method)],
          ['Path', `<span class="mono">${e(entry.path)}</span>`],
          ['Status', `<span class="api-status">${e(entry.status)}</span>`],
          ['Correlation id', `<span class="mono correlation-id">${e(entry.correlation_id)}</span>`],
          ['Duration', `${e(entry.duration_ms)} ms`],
          ['Route', `<span class="mono">${e(entry.route)}</span>`],
        ]),
      };
    case 'state_change':
      return { title: entry.type, detail: json(entry.payload) };
    case 'callback': {
      const redeliver = viewer.actions
        ? `<form method="post" action="${e(redeliverHref(entry.callback_id))}" class="inline-action">${csrfField(viewer)}<input type="hidden" name="back" value="${e(back)}"><button type="submit">Redeliver callback ${e(entry.callback_id)} now</button></form>`
        : '';
      const body = entry.request_body_excerpt !== null ? `<pre class="json">${e(entry.request_body_excerpt)}</pre>` : json(entry.request_body);
      return {
        title: `${entry.callback_kind} · ${entry.status} · ${entry.attempt_count} ${entry.attempt_count === 1 ? 'attempt' : 'attempts'}`,
        detail: `${facts([
          ['Callback id', e(entry.callback_id)],
          ['URL', `<span class="mono">${e(entry.url)}</span>`],
          ['Status', `<span class="callback-status">${e(entry.status)}</span>`],
          ['Attempts', e(entry.attempt_count)],
        ])}<h3>Request body</h3>${body}${attemptsTable(attempts.get(entry.callback_id) ?? [])}${redeliver}`,
      };
    }
    case 'callback_attempt':
      return {
        title: `${entry.callback_kind} attempt ${entry.attempt.attempt}: ${answer(entry.attempt)} in ${entry.attempt.duration_ms} ms`,
        detail: `${facts([
          ['Callback id', e(entry.callback_id)],
          ['URL', `<span class="mono">${e(entry.url)}</span>`],
          ['Response status', e(entry.attempt.response_status ?? 'none')],
          ['Duration', `${e(entry.attempt.duration_ms)} ms`],
          ['Error', e(entry.attempt.error ?? 'none')],
        ])}${entry.attempt.response_body ? `<h3>Response body</h3><pre class="json">${e(entry.attempt.response_body)}</pre>` : ''}`,
      };
    case 'message':
      return {
        title: `message.${entry.message_kind} (${entry.channel} to ${entry.recipient})`,
        detail: json({ subject: entry.subject, body: entry.body, links: entry.links }),
      };
    case 'settlement_transaction':
      return {
        title: `settlement.${entry.type.toLowerCase()} ${money(entry.amount, entry.currency_code)}`,
        detail: json({ detailed_type: entry.detailed_type, capture_id: entry.capture_id, refund_id: entry.refund_id, payment_reference: entry.payment_reference, payout_date: entry.payout_date }),
      };
    case 'card_promise':
    case 'card_settlement':
      return { title: `${entry.kind === 'card_promise' ? 'card.promise' : 'card.settlement'} ${entry.id}`, detail: json({ promise_id: entry.promise_id, capture_id: entry.capture_id }) };
  }
}

/** The timeline as an ordered list; `back` is the page the redeliver forms come back to. */
export function renderTimeline(entries: readonly TimelineEntry[], viewer: Viewer, back: string): string {
  if (entries.length === 0) return '<p class="empty">Nothing yet.</p>';
  const attempts = new Map<string, CallbackAttemptView[]>();
  for (const entry of entries) {
    if (entry.kind !== 'callback_attempt') continue;
    const list = attempts.get(entry.callback_id) ?? [];
    list.push(entry.attempt);
    attempts.set(entry.callback_id, list);
  }
  return `<ol class="timeline" id="timeline">${entries
    .map((entry) => {
      const { title, detail } = describe(entry, viewer, back, attempts);
      return `<li class="tl tl-${CLASSES[entry.kind]}"><details><summary><time datetime="${e(entry.at)}">${e(time(ms(entry.at)))}</time> <span class="tl-kind">${e(LABELS[entry.kind])}</span> <span class="tl-title">${e(title)}</span></summary>${detail}</details></li>`;
    })
    .join('')}</ol>`;
}
