/**
 * The integration report page (`GET /dashboard/report`): the same report as `GET /sandbox/v1/report`
 * (report/report.ts), with its summary and each finding (severity, code, title, count, Klarna's
 * rule, where the docs explain it) and its examples, each linked to the timeline of the order or
 * session it names. Pure.
 */
import type { Example, Finding, Severity } from '../../report/findings.js';
import { SEVERITIES } from '../../report/findings.js';
import type { IntegrationReport } from '../../report/report.js';
import type { Flash, Viewer } from '../html.js';
import { e, facts, page, table } from '../html.js';
import { badge, link, timeCell } from './common.js';
import { orderHref } from './orders.js';
import { checkoutOrderHref, hppSessionHref, paymentsSessionHref } from './resources.js';

/** The filter form's fields as typed (shown again, also after a refusal). */
export interface ReportFormValues {
  since?: string | undefined;
  severity?: string | undefined;
}

const SEVERITY_LABELS: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Info' };

/**
 * Pure: where an example's order and session lead: the timeline page of the Checkout order for a
 * Checkout API call, of the Order Management order otherwise; of the HPP session for a Hosted
 * Payment Page call or callback, of the Payments session otherwise.
 */
export function exampleHrefs(example: Example): { order: string | null; session: string | null } {
  const path = example.path ?? '';
  const checkout = path.startsWith('/checkout/');
  const hpp = path.startsWith('/hpp/') || example.detail.startsWith('hpp.');
  return {
    order: example.order_id ? (checkout ? checkoutOrderHref(example.order_id) : orderHref(example.order_id)) : null,
    session: example.session_id ? (hpp ? hppSessionHref(example.session_id) : paymentsSessionHref(example.session_id)) : null,
  };
}

function filterForm(values: ReportFormValues): string {
  const severity = values.severity ?? '';
  const options = [['', 'All (info and above)'] as const, ...SEVERITIES.map((s) => [s, s === 'info' ? 'info and above' : s === 'warning' ? 'warning and above' : 'error'] as const)]
    .map(([value, text]) => `<option value="${e(value)}"${value === severity ? ' selected' : ''}>${e(text)}</option>`)
    .join('');
  return `<form method="get" action="/dashboard/report" class="filters" role="search" aria-label="Filter the report">
<div class="field"><label for="f-since">Since (ISO 8601 date or date-time)</label><input id="f-since" name="since" type="text" maxlength="64" placeholder="2026-12-01T10:00:00Z" value="${e(values.since ?? '')}"></div>
<div class="field"><label for="f-severity">Severity</label><select id="f-severity" name="severity">${options}</select></div>
<div class="field field-button"><button type="submit">Filter</button></div>
</form>`;
}

function exampleRow(example: Example): string {
  const hrefs = exampleHrefs(example);
  const call = example.method || example.path ? `<span class="mono">${e([example.method, example.path].filter(Boolean).join(' '))}</span>` : '';
  const order = example.order_id && hrefs.order ? link(hrefs.order, example.order_id) : '';
  const session = example.session_id && hrefs.session ? link(hrefs.session, example.session_id) : '';
  return `<tr><td>${timeCell(Date.parse(example.at))}</td><td>${call}</td><td>${order}</td><td>${session}</td><td class="mono">${e(example.correlation_id ?? '')}</td><td>${e(example.detail)}</td></tr>`;
}

function findingSection(finding: Finding): string {
  const id = `finding-${finding.code}`;
  const shown = finding.examples.length < finding.count ? ` (the first ${finding.examples.length} of ${finding.count})` : '';
  return `<section class="finding" id="${e(id)}" aria-labelledby="${e(id)}-title">
<h2 id="${e(id)}-title">${badge(finding.severity)} <code>${e(finding.code)}</code> ${e(finding.title)}</h2>
${facts([
  ['Severity', e(finding.severity)],
  ['Code', `<code>${e(finding.code)}</code>`],
  ['Count', `<span class="finding-count">${e(finding.count)}</span>`],
  ['Rule', e(finding.rule)],
  ['Docs', `<span class="mono finding-docs">${e(finding.docs)}</span>`],
])}
${table(`Examples of ${finding.code}, oldest first${shown}`, ['When (UTC)', 'Call', 'Order', 'Session', 'Correlation id', 'Detail'], finding.examples.map(exampleRow), { empty: 'No examples kept.' })}
</section>`;
}

function journalFacts(report: IntegrationReport): string {
  if (!report.journal.enabled) return '<span id="journal-state">off (--no-journal): only the stored state is checked, not the calls</span>';
  const oldest = report.journal.oldest ? `, the oldest ${timeCell(Date.parse(report.journal.oldest))}` : '';
  return `<span id="journal-state">on: ${e(report.journal.calls)} ${report.journal.calls === 1 ? 'call' : 'calls'} read${oldest}</span>`;
}

/** The page: the filter form, then the report (none after a refused filter, with `flash` saying why). */
export function renderReport(viewer: Viewer, report: IntegrationReport | null, values: ReportFormValues, flash: Flash | null = null): string {
  const intro = `<h1>Integration report</h1>
<p>What klarna-local saw this merchant's integration do that would hurt in production: Klarna's rules it broke, from the request journal (the API calls) and the stored orders, sessions and callbacks. The same report as <code>GET /sandbox/v1/report</code> and <code>klarna-local report</code>.</p>
${filterForm(values)}`;
  if (!report) return page({ title: 'Integration report', viewer, section: 'report', flash, body: intro });
  const about = facts([
    ['Merchant', e(report.merchant.username)],
    ['Generated (UTC)', timeCell(Date.parse(report.generated_at))],
    ['Since (UTC)', report.since === null ? 'everything kept' : timeCell(Date.parse(report.since))],
    ['Severity', `${e(report.severity)}${report.severity === 'error' ? '' : ' and above'}`],
    ['Journal', journalFacts(report)],
  ]);
  const summary = table(
    'Findings by severity',
    ['Severity', 'Findings'],
    SEVERITIES.map((s) => `<tr><th scope="row">${badge(s)} ${e(SEVERITY_LABELS[s])}</th><td class="num" id="summary-${s}">${e(report.summary[s])}</td></tr>`),
    { id: 'summary' },
  );
  const findings =
    report.findings.length === 0
      ? `<p class="empty" id="no-findings">No findings: nothing ${report.severity === 'info' ? '' : `at ${e(report.severity)} or above `}was seen that breaks Klarna's rules${report.since === null ? '' : ' since then'}.</p>`
      : report.findings.map(findingSection).join('\n');
  const body = `${intro}
${about}
<section aria-labelledby="summary-title"><h2 id="summary-title">Summary</h2>${summary}</section>
${findings}`;
  return page({ title: 'Integration report', viewer, section: 'report', flash, body });
}
