/**
 * `klarna-local report`: the integration report of a merchant, made from a database and asked of a
 * running server, on every database. Three merchants of one server: `shop` sends a Payments session
 * whose line tax does not add up (TAX_ROUNDING, an error) and captures twice without an idempotency
 * key (NO_IDEMPOTENCY_KEY, a warning); `lax` only captures without a key; `tidy` does everything
 * right. The exit code follows --fail-on (1 at or above it, 0 otherwise), 2 when no report can be
 * made; the text, JSON and JUnit forms say the same. The CLI runs are independent and run side by
 * side.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKlarnaLocal } from '../../src/index.js';
import type { KlarnaLocal } from '../../src/index.js';
import { FINDINGS, FINDING_CODES } from '../../src/modules/report/findings.js';
import type { Severity } from '../../src/modules/report/findings.js';
import { renderJUnit, renderText } from '../../src/modules/report/render.js';
import type { IntegrationReport } from '../../src/modules/report/report.js';
import { availableDialects, createTestDatabase } from '../helpers/databases.js';
import type { TestDatabase } from '../helpers/databases.js';
import { basicAuth, orderBody } from '../helpers/harness.js';
import { CLI_COMMAND, PROJECT_ROOT, runCli } from '../helpers/process.js';
import type { RunResult } from '../helpers/process.js';

const SHOP = { username: 'shop', password: 'shop-secret' };
const LAX = { username: 'lax', password: 'lax-secret' };
const TIDY = { username: 'tidy', password: 'tidy-secret' };
type Credential = typeof SHOP;

// ---------------------------------------------------------------------------------------------
// A small XML reader: enough to tell well-formed XML from not, and to walk JUnit's elements.

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Characters XML 1.0 allows in a document. */
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function unescapeXml(raw: string, where: string): string {
  assert.ok(!/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw), `a bare & in ${where}: ${raw}`);
  return raw.replace(ENTITY, (_, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name !== undefined ? (NAMED[name] ?? '') : String.fromCodePoint(Number.parseInt(dec ?? hex ?? '', dec !== undefined ? 10 : 16)),
  );
}

/** Parses a document of elements, attributes and text (no comments, CDATA or DTD); throws when it is not well-formed. */
function parseXml(xml: string): XmlElement {
  assert.match(xml, XML_CHAR, 'only characters XML 1.0 allows');
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  assert.notEqual(rest, xml, 'the XML declaration comes first');
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const NAME = '[A-Za-z_][\\w.-]*';
  const open = new RegExp(`^<(${NAME})((?:\\s+${NAME}="[^"<]*")*)\\s*(/?)>`);
  const close = new RegExp(`^</(${NAME})\\s*>`);
  while (rest.length > 0) {
    const top = stack[stack.length - 1] as XmlElement;
    const closing = close.exec(rest);
    if (closing) {
      assert.equal(closing[1], top.name, `</${closing[1]}> closes <${top.name}>`);
      stack.pop();
      rest = rest.slice(closing[0].length);
      continue;
    }
    const opening = open.exec(rest);
    if (opening) {
      const element: XmlElement = { name: opening[1] as string, attrs: {}, children: [], text: '' };
      for (const [, name, value] of (opening[2] as string).matchAll(new RegExp(`(${NAME})="([^"]*)"`, 'g'))) {
        assert.ok(!(name as string in element.attrs), `attribute ${name} twice on <${element.name}>`);
        element.attrs[name as string] = unescapeXml(value as string, `${element.name}@${name}`);
      }
      assert.ok(top !== root || root.children.length === 0, 'one root element');
      top.children.push(element);
      if (opening[3] !== '/') stack.push(element);
      rest = rest.slice(opening[0].length);
      continue;
    }
    assert.ok(!rest.startsWith('<'), `not a tag: ${rest.slice(0, 60)}`);
    const end = rest.indexOf('<');
    const text = end === -1 ? rest : rest.slice(0, end);
    if (top === root) assert.match(text, /^\s*$/, 'nothing but white space outside the root element');
    else top.text += unescapeXml(text, `<${top.name}>`);
    rest = end === -1 ? '' : rest.slice(end);
  }
  assert.equal(stack.length, 1, `<${stack[stack.length - 1]?.name}> is never closed`);
  assert.equal(root.children.length, 1, 'a root element');
  return root.children[0] as XmlElement;
}

const only = (parent: XmlElement, name: string): XmlElement[] => parent.children.filter((c) => c.name === name);

/** The JUnit document's suite and its test cases by name, with its structure checked on the way. */
function junitOf(xml: string): { suites: XmlElement; suite: XmlElement; cases: Map<string, XmlElement> } {
  const suites = parseXml(xml);
  assert.equal(suites.name, 'testsuites');
  const [suite, ...more] = only(suites, 'testsuite');
  assert.ok(suite && more.length === 0, 'one testsuite');
  assert.equal(suite.attrs.name, 'klarna-local integration report');
  const cases = new Map<string, XmlElement>();
  for (const testcase of only(suite, 'testcase')) {
    assert.equal(testcase.attrs.classname, 'klarna-local.report');
    assert.ok(testcase.attrs.name !== undefined && !cases.has(testcase.attrs.name), `test case ${testcase.attrs.name} once`);
    cases.set(testcase.attrs.name, testcase);
  }
  assert.equal(suite.attrs.tests, String(cases.size), 'tests counts the test cases');
  const failed = [...cases.values()].filter((c) => only(c, 'failure').length > 0).length;
  assert.equal(suite.attrs.failures, String(failed), 'failures counts the failed test cases');
  assert.equal(suites.attrs.tests, suite.attrs.tests);
  assert.equal(suites.attrs.failures, suite.attrs.failures);
  return { suites, suite, cases };
}

/** The codes checked at a severity: every code of that severity or worse. */
const codesAt = (severity: Severity): string[] => {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return FINDING_CODES.filter((code) => rank[FINDINGS[code].severity] <= rank[severity]);
};

// ---------------------------------------------------------------------------------------------

/** The CLI with `input` on its stdin. */
function runWithStdin(args: string[], input: string, env: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, [...CLI_COMMAND, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const counts = (report: IntegrationReport): Record<string, number> => Object.fromEntries(report.findings.map((f) => [f.code, f.count]));
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

const dialects = await availableDialects();

for (const dialect of dialects) {
  describe(`klarna-local report (${dialect})`, () => {
    let database: TestDatabase;
    let server: KlarnaLocal;
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-report-'));

    async function call(who: Credential, method: 'GET' | 'POST', url: string, body?: unknown, key?: string): Promise<{ status: number; json: unknown }> {
      const res = await fetch(`${server.url}${url}`, {
        method,
        headers: { authorization: basicAuth(who), ...(body !== undefined && { 'content-type': 'application/json' }), ...(key !== undefined && { 'klarna-idempotency-key': key }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
    }
    async function capturedOrder(who: Credential, keys: (string | undefined)[]): Promise<void> {
      const created = await call(who, 'POST', '/sandbox/v1/orders', orderBody());
      assert.equal(created.status, 201);
      const orderId = (created.json as { order_id: string }).order_id;
      for (const key of keys) assert.equal((await call(who, 'POST', `/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 1000 }, key)).status, 201);
    }
    const serverReport = async (who: Credential): Promise<IntegrationReport> => {
      const res = await call(who, 'GET', '/sandbox/v1/report');
      assert.equal(res.status, 200);
      return res.json as IntegrationReport;
    };

    /** The CLI against the database; against the server with `remote`. */
    const report = (who: Credential, args: string[] = [], remote = false): Promise<RunResult> =>
      remote
        ? runCli(['report', '--merchant', who.username, '--url', server.url, ...args], { env: { KLARNA_LOCAL_PASSWORD: who.password } })
        : runCli(['report', '--merchant', who.username, '--database-url', database.url, ...args], { env: {} });

    before(async () => {
      database = await createTestDatabase(dialect);
      server = await startKlarnaLocal({ database: database.url, merchants: [SHOP, LAX, TIDY] });
      const body = orderBody();
      const lines = body.order_lines as Record<string, unknown>[];
      // The first line's tax is 100 more than 25% of its total allows.
      const badTax = { ...body, order_lines: [{ ...lines[0], total_tax_amount: 2100 }, lines[1]], order_tax_amount: 2600 };
      assert.equal((await call(SHOP, 'POST', '/payments/v1/sessions', badTax)).status, 400);
      await capturedOrder(SHOP, [undefined, undefined]);
      await capturedOrder(LAX, [undefined]);
      await capturedOrder(TIDY, ['tidy-capture-1', 'tidy-capture-2']);
      assert.equal((await call(TIDY, 'POST', '/payments/v1/sessions', orderBody())).status, 200);
      // The server's own report (which also writes its journal, so the database holds every call).
      assert.deepEqual(counts(await serverReport(SHOP)), { TAX_ROUNDING: 1, NO_IDEMPOTENCY_KEY: 2 });
      assert.deepEqual(counts(await serverReport(LAX)), { NO_IDEMPOTENCY_KEY: 1 });
      assert.deepEqual(counts(await serverReport(TIDY)), {});
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
      fs.rmSync(workDir, { recursive: true, force: true });
    });

    it('text: exit 1 on an error finding with the default --fail-on error, 0 with --fail-on never; each finding with its rule, docs and examples', async () => {
      const [text, never] = await Promise.all([report(SHOP), report(SHOP, ['--fail-on', 'never'])]);
      assert.equal(text.code, 1, text.stderr);
      assert.equal(text.stderr, '');
      assert.match(text.stdout, /^klarna-local integration report for merchant shop \(/);
      assert.match(text.stdout, /^Journal: on, \d+ calls read, the oldest at \d{4}-/m);
      const error = text.stdout.indexOf('[ERROR] TAX_ROUNDING ×1  Totals or taxes that do not add up\n');
      const warning = text.stdout.indexOf('[WARNING] NO_IDEMPOTENCY_KEY ×2  Order Management writes without an idempotency key\n');
      assert.ok(error > 0 && warning > error, 'the error first, then the warning');
      assert.ok(text.stdout.includes(`  Rule: ${FINDINGS.TAX_ROUNDING.rule}\n  Docs: ${FINDINGS.TAX_ROUNDING.docs}\n`));
      // One example a line: time, method and path, correlation id, what was refused.
      assert.match(text.stdout, /^ {4}\d{4}-\d\d-\d\dT[\d:.]+Z {2}POST \/payments\/v1\/sessions {2}correlation \S+ {2}.*order_lines\[0\]\.total_tax_amount/m);
      assert.equal(text.stdout.match(/^ {4}\S+Z {2}POST \/ordermanagement\/v1\/orders\/\S+\/captures {2}correlation \S+ {2}POST .* without Klarna-Idempotency-Key$/gm)?.length, 2);
      assert.equal(lastLine(text.stdout), '1 error, 1 warning, 0 info');
      assert.equal(never.code, 0, never.stderr);
      assert.equal(never.stdout.replace(/^Generated: .*$/m, ''), text.stdout.replace(/^Generated: .*$/m, ''), 'the same report');
    });

    it('json: the report with each code and its count, from the database as from the server; --severity filters', async () => {
      const [fromDb, fromServer, errorsOnly] = await Promise.all([report(SHOP, ['--format', 'json']), report(SHOP, ['--format', 'json'], true), report(SHOP, ['--format', 'json', '--severity', 'error'])]);
      for (const run of [fromDb, fromServer, errorsOnly]) assert.equal(run.code, 1, run.stderr);
      const local = JSON.parse(fromDb.stdout) as IntegrationReport;
      const remote = JSON.parse(fromServer.stdout) as IntegrationReport;
      assert.deepEqual(counts(local), { TAX_ROUNDING: 1, NO_IDEMPOTENCY_KEY: 2 });
      assert.deepEqual(local.findings.map((f) => f.severity), ['error', 'warning']);
      assert.deepEqual(local.summary, { error: 1, warning: 1, info: 0 });
      assert.equal(local.merchant.username, 'shop');
      assert.equal(local.severity, 'info');
      assert.equal(local.since, null);
      assert.ok(local.journal.enabled && local.journal.calls >= 3, JSON.stringify(local.journal));
      assert.match(local.findings[0]?.examples[0]?.detail ?? '', /order_lines\[0\]\.total_tax_amount/);
      // The journal's call count differs by the report requests themselves (the server journals them, and they run side by side).
      const { generated_at: _a, journal: _c, ...localRest } = local;
      const { generated_at: _b, journal: _d, ...remoteRest } = remote;
      assert.deepEqual(remoteRest, localRest, 'the database and the server give the same report');
      assert.ok(remote.journal.enabled && Math.abs(remote.journal.calls - local.journal.calls) <= 3, JSON.stringify([remote.journal, local.journal]));
      const errors = JSON.parse(errorsOnly.stdout) as IntegrationReport;
      assert.equal(errors.severity, 'error');
      assert.deepEqual(counts(errors), { TAX_ROUNDING: 1 });
    });

    it('junit: well-formed XML, a test case per code checked, a failure for TAX_ROUNDING and the warning shown but passing', async () => {
      const [atError, atWarning, warningsUp] = await Promise.all([
        report(SHOP, ['--format', 'junit']),
        report(SHOP, ['--format', 'junit', '--fail-on', 'warning'], true),
        report(SHOP, ['--format', 'junit', '--severity', 'warning']),
      ]);
      assert.equal(atError.code, 1, atError.stderr);
      const { suite, cases } = junitOf(atError.stdout);
      assert.deepEqual([...cases.keys()], codesAt('info'));
      assert.equal(cases.size, 15);
      assert.equal(suite.attrs.failures, '1');
      const [failure] = only(cases.get('TAX_ROUNDING') as XmlElement, 'failure');
      assert.equal(failure?.attrs.type, 'TAX_ROUNDING');
      assert.equal(failure?.attrs.message, `${FINDINGS.TAX_ROUNDING.title} (1)`);
      assert.ok(failure?.text.includes(FINDINGS.TAX_ROUNDING.rule));
      assert.ok(failure?.text.includes(FINDINGS.TAX_ROUNDING.docs));
      assert.match(failure?.text ?? '', /POST \/payments\/v1\/sessions {2}correlation \S+ {2}.*order_lines\[0\]\.total_tax_amount/);
      const warning = cases.get('NO_IDEMPOTENCY_KEY') as XmlElement;
      assert.equal(only(warning, 'failure').length, 0, 'a warning below --fail-on error passes');
      assert.match(only(warning, 'system-out')[0]?.text ?? '', /NO_IDEMPOTENCY_KEY \(warning\) seen 2 times/);
      assert.deepEqual(cases.get('NEW_KEY_ON_RETRY')?.children, [], 'a code not seen passes');

      assert.equal(atWarning.code, 1, atWarning.stderr);
      const warned = junitOf(atWarning.stdout);
      assert.equal(warned.suite.attrs.failures, '2');
      assert.equal(only(warned.cases.get('NO_IDEMPOTENCY_KEY') as XmlElement, 'failure')[0]?.attrs.type, 'NO_IDEMPOTENCY_KEY');

      assert.equal(warningsUp.code, 1, warningsUp.stderr);
      const filtered = junitOf(warningsUp.stdout);
      assert.deepEqual([...filtered.cases.keys()], codesAt('warning'));
      assert.equal(filtered.suite.attrs.tests, '13', 'the two info codes are not checked');
    });

    it('--fail-on: a merchant with only a warning exits 0 by default and 1 with --fail-on warning or info; a clean merchant exits 0 at any level', async () => {
      const runs = await Promise.all([
        report(LAX),
        report(LAX, ['--fail-on', 'warning']),
        report(LAX, ['--fail-on', 'info'], true),
        report(TIDY, ['--fail-on', 'info']),
        report(TIDY, ['--format', 'junit', '--fail-on', 'info'], true),
        report(TIDY),
      ]);
      const [laxDefault, laxWarning, laxInfo, tidyInfo, tidyJunit, tidyText] = runs;
      for (const run of runs) assert.equal(run.stderr, '');
      assert.equal(laxDefault.code, 0);
      assert.match(laxDefault.stdout, /^\[WARNING\] NO_IDEMPOTENCY_KEY ×1 /m);
      assert.equal(lastLine(laxDefault.stdout), '0 errors, 1 warning, 0 info');
      assert.equal(laxWarning.code, 1);
      assert.equal(laxInfo.code, 1);
      assert.equal(tidyInfo.code, 0);
      assert.equal(tidyText.code, 0);
      assert.match(tidyText.stdout, /^No findings at severity info or above\.$/m);
      assert.equal(lastLine(tidyText.stdout), '0 errors, 0 warnings, 0 info');
      assert.equal(tidyJunit.code, 0);
      const { suite } = junitOf(tidyJunit.stdout);
      assert.equal(suite.attrs.tests, '15');
      assert.equal(suite.attrs.failures, '0');
    });

    it('--since: a time after every call leaves no finding (exit 0); one before them keeps them', async () => {
      const [future, past, remoteFuture] = await Promise.all([
        report(SHOP, ['--since', '2999-01-01', '--format', 'json']),
        report(SHOP, ['--since', '2000-01-01T00:00:00Z', '--format', 'json']),
        report(SHOP, ['--since', '2999-01-01T10:00:00+02:00', '--format', 'json'], true),
      ]);
      assert.equal(future.code, 0, future.stderr);
      assert.deepEqual((JSON.parse(future.stdout) as IntegrationReport).findings, []);
      assert.equal((JSON.parse(future.stdout) as IntegrationReport).since, '2999-01-01T00:00:00.000Z');
      assert.equal(past.code, 1, past.stderr);
      assert.deepEqual(counts(JSON.parse(past.stdout) as IntegrationReport), { TAX_ROUNDING: 1, NO_IDEMPOTENCY_KEY: 2 });
      assert.equal(remoteFuture.code, 0, remoteFuture.stderr);
      assert.equal((JSON.parse(remoteFuture.stdout) as IntegrationReport).since, '2999-01-01T08:00:00.000Z');
    });

    it('--output writes the file and nothing to stdout; the password can come on stdin, and the variables exec sets are enough', async () => {
      const file = path.join(workDir, 'report.xml');
      const [written, stdin, execEnv] = await Promise.all([
        report(SHOP, ['--format', 'junit', '--output', file]),
        runWithStdin(['report', '--merchant', SHOP.username, '--url', server.url, '--password-stdin', '--format', 'json'], `${SHOP.password}\n`, { KLARNA_LOCAL_PASSWORD: 'not-this-one' }),
        runCli(['report', '--format', 'json', '--fail-on', 'never'], { env: { KLARNA_LOCAL_URL: server.url, KLARNA_LOCAL_USERNAME: LAX.username, KLARNA_LOCAL_PASSWORD: LAX.password } }),
      ]);
      assert.equal(written.code, 1, written.stderr);
      assert.equal(written.stdout, '');
      assert.equal(junitOf(fs.readFileSync(file, 'utf8')).suite.attrs.failures, '1');
      assert.equal(stdin.code, 1, stdin.stderr);
      assert.deepEqual(counts(JSON.parse(stdin.stdout) as IntegrationReport), { TAX_ROUNDING: 1, NO_IDEMPOTENCY_KEY: 2 });
      assert.equal(execEnv.code, 0, execEnv.stderr);
      assert.equal((JSON.parse(execEnv.stdout) as IntegrationReport).merchant.username, 'lax');
    });

    it('exit 2 with a message and no report: unknown merchant, bad --since, bad option, wrong password, no server, no password, no --merchant, two sources', async () => {
      const runs = await Promise.all([
        report({ username: 'nobody', password: 'x' }),
        report(SHOP, ['--since', 'yesterday']),
        report(SHOP, ['--since', '2026-13-45'], true),
        report(SHOP, ['--format', 'yaml']),
        report(SHOP, ['--fail-on', 'sometimes']),
        runCli(['report', '--merchant', SHOP.username, '--url', server.url], { env: { KLARNA_LOCAL_PASSWORD: 'wrong' } }),
        runCli(['report', '--merchant', SHOP.username, '--url', 'http://127.0.0.1:9'], { env: { KLARNA_LOCAL_PASSWORD: 'x' } }),
        runCli(['report', '--merchant', SHOP.username, '--url', server.url], { env: { KLARNA_LOCAL_PASSWORD: undefined } }),
        runCli(['report', '--database-url', database.url], { env: {} }),
        report(SHOP, ['--url', server.url]),
      ]);
      const expected = [
        /^klarna-local: no merchant named "nobody" in /,
        /^klarna-local: --since: Bad value: since \(an ISO 8601 date/,
        /^klarna-local: --since: Bad value: since/,
        /argument 'yaml' is invalid\. Allowed choices are text, json, junit/,
        /argument 'sometimes' is invalid\. Allowed choices are error, warning, info, never/,
        /^klarna-local: GET http:\/\/127\.0\.0\.1:\d+\/sandbox\/v1\/report\?severity=info: 401 UNAUTHORIZED/,
        /^klarna-local: cannot reach http:\/\/127\.0\.0\.1:9: /,
        /^klarna-local: http:\/\/127\.0\.0\.1:\d+: give the merchant's password in KLARNA_LOCAL_PASSWORD/,
        /^klarna-local: name the merchant with --merchant USERNAME/,
        /^klarna-local: give --url \(a running server\) or --database-url \(a database\), not both/,
      ];
      runs.forEach((run, i) => {
        assert.equal(run.code, 2, `run ${i}: ${run.stderr}`);
        assert.match(run.stderr, expected[i] as RegExp);
        assert.equal(run.stdout, '', `run ${i}: no report`);
      });
    });
  });
}

describe('report rendering', () => {
  const example = { at: '2026-01-02T03:04:05.678Z', method: 'POST', path: '/p?a=1&b=<2>', correlation_id: 'c"1\'', order_id: null, session_id: null, detail: 'tag <x> & "q" \'a\' \u0000nul \u001b[31mred \uD800lone 😀 end' };
  const report: IntegrationReport = {
    merchant: { merchant_id: 'm-1', username: 'a&b<c>' },
    generated_at: '2026-01-02T03:04:05.678Z',
    since: null,
    severity: 'info',
    journal: { enabled: true, calls: 3, oldest: '2026-01-01T00:00:00.000Z' },
    summary: { error: 1, warning: 0, info: 1 },
    findings: [
      { code: 'TAX_ROUNDING', ...FINDINGS.TAX_ROUNDING, title: 'Totals <&> "quoted"\nsecond line', count: 7, examples: [example] },
      { code: 'SESSION_ABANDONED', ...FINDINGS.SESSION_ABANDONED, count: 1, examples: [{ ...example, method: null, path: null, correlation_id: null, session_id: 'sess-1', detail: 'never used' }] },
    ],
  };

  it('JUnit XML escapes & < > " \' (line breaks in attributes too) and drops what XML 1.0 cannot hold', () => {
    const xml = renderJUnit(report, 'error');
    const { suites, suite, cases } = junitOf(xml);
    assert.equal(suites.attrs.failures, '1');
    assert.equal(suite.attrs.tests, '15');
    const property = Object.fromEntries(only(only(suite, 'properties')[0] as XmlElement, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    assert.equal(property.merchant, 'a&b<c>');
    assert.equal(property.fail_on, 'error');
    const failure = only(cases.get('TAX_ROUNDING') as XmlElement, 'failure')[0];
    assert.equal(failure?.attrs.message, 'Totals <&> "quoted"\nsecond line (7)', 'the attribute keeps its line break');
    assert.equal(failure?.attrs.type, 'TAX_ROUNDING');
    // The body holds the example whole: the specials back as they were, controls shown as escapes, the lone surrogate gone.
    assert.ok(failure?.text.includes('POST /p?a=1&b=<2>  correlation c"1\'  tag <x> & "q" \'a\' \\x00nul \\x1b[31mred lone 😀 end'), failure?.text);
    assert.ok(failure?.text.includes('Examples (first 1 of 7):'));
    // The info finding is below --fail-on error: it passes and shows in system-out.
    const info = cases.get('SESSION_ABANDONED') as XmlElement;
    assert.equal(only(info, 'failure').length, 0);
    assert.match(only(info, 'system-out')[0]?.text ?? '', /session sess-1 {2}never used/);
    assert.ok(!xml.includes('\u0000') && !xml.includes('\u001b'));
    // --fail-on never: nothing fails, both findings show in system-out.
    const never = junitOf(renderJUnit(report, 'never'));
    assert.equal(never.suite.attrs.failures, '0');
    assert.equal(only(never.cases.get('TAX_ROUNDING') as XmlElement, 'system-out').length, 1);
  });

  it('text shows control characters as escapes and sums up by severity', () => {
    const text = renderText(report);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(text), 'no control character reaches the terminal');
    assert.match(text, /^\[ERROR\] TAX_ROUNDING ×7 {2}Totals/m);
    assert.match(text, /^\[INFO\] SESSION_ABANDONED ×1 {2}/m);
    assert.match(text, /^ {4}2026-01-02T03:04:05\.678Z {2}session sess-1 {2}never used$/m);
    assert.equal(lastLine(text), '1 error, 0 warnings, 1 info');
  });
});
