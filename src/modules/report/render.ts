/**
 * The integration report as `klarna-local report` prints it: a summary for people (`renderText`)
 * and JUnit XML for CI (`renderJUnit`), where each finding code checked is a test case that fails
 * when its finding is at or above the `--fail-on` severity. The JSON form is the report itself.
 */
import type { IntegrationReport } from './report.js';
import type { Example, Finding, Severity } from './findings.js';
import { FINDING_CODES, FINDINGS, SEVERITIES, atOrAbove } from './findings.js';

/** `--fail-on`: a severity, or `never` (the report never fails the run). */
export type FailThreshold = Severity | 'never';

const failsAtThreshold = (severity: Severity, threshold: FailThreshold): boolean => threshold !== 'never' && atOrAbove(severity, threshold);

// ---------------------------------------------------------------------------------------------
// Text

/**
 * What the server echoes in a detail (a merchant's URL, a refusal's message) can hold control
 * characters: shown as `\xNN` / `\uNNNN` so nothing reaches the terminal as an escape sequence.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const printable = (text: string): string =>
  text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** `2 errors, 1 warning, 0 info`: the findings (codes) by severity. */
export function summaryLine(report: IntegrationReport): string {
  return `${plural(report.summary.error, 'error', 'errors')}, ${plural(report.summary.warning, 'warning', 'warnings')}, ${report.summary.info} info`;
}

/** Where an example happened: the call (method and path), and the order or session when the path does not name it. */
function whereOf(example: Example): string {
  const parts: string[] = [];
  if (example.path !== null) parts.push(example.method !== null ? `${example.method} ${example.path}` : example.path);
  const named = (id: string) => example.path !== null && example.path.includes(id);
  if (example.order_id !== null && !named(example.order_id)) parts.push(`order ${example.order_id}`);
  else if (example.session_id !== null && !named(example.session_id)) parts.push(`session ${example.session_id}`);
  return parts.length > 0 ? parts.join('  ') : '-';
}

/** One example on one line: time, where, correlation id (when there is one), what. */
function exampleLine(example: Example): string {
  const parts = [example.at, whereOf(example)];
  if (example.correlation_id !== null) parts.push(`correlation ${example.correlation_id}`);
  parts.push(example.detail);
  return printable(parts.join('  '));
}

/** A finding's rule, docs and examples, indented by `indent` (the text form and the JUnit body share it). */
function findingDetails(finding: Finding, indent: string): string[] {
  const lines = [`${indent}Rule: ${finding.rule}`, `${indent}Docs: ${finding.docs}`];
  if (finding.examples.length > 0) {
    lines.push(`${indent}Examples${finding.count > finding.examples.length ? ` (first ${finding.examples.length} of ${finding.count})` : ''}:`);
    for (const example of finding.examples) lines.push(`${indent}  ${exampleLine(example)}`);
  }
  return lines;
}

function journalLine(report: IntegrationReport): string {
  if (!report.journal.enabled) return 'Journal: off (the server runs with --no-journal): only stored state was checked, not the calls';
  const oldest = report.journal.oldest === null ? '' : `, the oldest at ${report.journal.oldest}`;
  return `Journal: on, ${plural(report.journal.calls, 'call', 'calls')} read${oldest}`;
}

export function renderText(report: IntegrationReport): string {
  const lines = [
    `klarna-local integration report for merchant ${printable(report.merchant.username)} (${report.merchant.merchant_id})`,
    `Generated: ${report.generated_at} (the merchant's clock)`,
    `Since: ${report.since ?? 'everything kept'}`,
    `Severity: ${report.severity}${report.severity === 'error' ? '' : ' and above'}`,
    journalLine(report),
    '',
  ];
  if (report.findings.length === 0) {
    lines.push(`No findings at severity ${report.severity}${report.severity === 'error' ? '' : ' or above'}.`, '');
  }
  for (const finding of report.findings) {
    lines.push(`[${finding.severity.toUpperCase()}] ${finding.code} ×${finding.count}  ${finding.title}`, ...findingDetails(finding, '  '), '');
  }
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

/** Characters XML 1.0 cannot hold at all (not even as references): removed. Lone surrogates included. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text content: the five special characters as entities, characters XML forbids removed. */
export const xmlText = (value: string): string => value.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** An attribute value: as text, and tabs and line breaks as references (a parser would make them spaces). */
const xmlAttr = (value: string): string =>
  xmlText(value).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);

const attrs = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttr(String(value))}"`)
    .join('');

function findingBody(finding: Finding): string {
  return [`${finding.code} (${finding.severity}) seen ${plural(finding.count, 'time', 'times')}: ${finding.title}`, ...findingDetails(finding, '')].join('\n');
}

/**
 * JUnit XML: one test case per finding code checked (every code at or above the report's
 * severity); a finding at or above `threshold` is a failure, one below it passes and shows its
 * details in `<system-out>`, a code not seen passes.
 */
export function renderJUnit(report: IntegrationReport, threshold: FailThreshold): string {
  const checked = FINDING_CODES.filter((code) => atOrAbove(FINDINGS[code].severity, report.severity));
  const byCode = new Map(report.findings.map((f) => [f.code, f]));
  const failures = checked.filter((code) => {
    const finding = byCode.get(code);
    return finding !== undefined && failsAtThreshold(finding.severity, threshold);
  }).length;
  const totals = { tests: checked.length, failures, errors: 0, skipped: 0 };
  const properties: Record<string, string> = {
    merchant: report.merchant.username,
    merchant_id: report.merchant.merchant_id,
    generated_at: report.generated_at,
    since: report.since ?? '',
    severity: report.severity,
    fail_on: threshold,
    journal: report.journal.enabled ? 'on' : 'off',
    journal_calls: String(report.journal.calls),
    summary: SEVERITIES.map((s) => `${s} ${report.summary[s]}`).join(', '),
  };
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'klarna-local', ...totals })}>`,
    // JUnit's timestamp has no zone: the report's time in UTC.
    `  <testsuite${attrs({ name: 'klarna-local integration report', ...totals, timestamp: report.generated_at.slice(0, 19) })}>`,
    '    <properties>',
    ...Object.entries(properties).map(([name, value]) => `      <property${attrs({ name, value })}/>`),
    '    </properties>',
  ];
  for (const code of checked) {
    const testcase = attrs({ classname: 'klarna-local.report', name: code });
    const finding = byCode.get(code);
    if (finding === undefined) {
      out.push(`    <testcase${testcase}/>`);
    } else if (failsAtThreshold(finding.severity, threshold)) {
      out.push(
        `    <testcase${testcase}>`,
        `      <failure${attrs({ message: `${finding.title} (${finding.count})`, type: code })}>${xmlText(findingBody(finding))}</failure>`,
        '    </testcase>',
      );
    } else {
      out.push(`    <testcase${testcase}>`, `      <system-out>${xmlText(findingBody(finding))}</system-out>`, '    </testcase>');
    }
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
