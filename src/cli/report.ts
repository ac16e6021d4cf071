/**
 * `klarna-local report`: a merchant's integration report (src/modules/report/) from a database or a
 * running server, as text, JSON or JUnit XML, with an exit code a CI job can gate on. The report's
 * code loads only when the command runs.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConfig } from '../config.js';
import type { Severity } from '../modules/report/findings.js';
import type { FailThreshold } from '../modules/report/render.js';
import type { IntegrationReport } from '../modules/report/report.js';

const REPORT_SEVERITIES = ['error', 'warning', 'info'] as const satisfies readonly Severity[];
const REPORT_FORMATS = ['text', 'json', 'junit'] as const;

interface ReportFlags {
  merchant?: string;
  since?: string;
  severity: Severity;
  failOn: FailThreshold;
  format: (typeof REPORT_FORMATS)[number];
  output?: string;
  databaseUrl?: string;
  url?: string;
  passwordStdin?: boolean;
}

/** Why the report could not be made: one line on stderr, exit code 2. */
class ReportError extends Error {}

const shownDatabase = (url: string): string => (url.startsWith('sqlite:') ? url : url.replace(/\/\/[^@/]*@/, '//***@'));

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // As `docker login --password-stdin`: the line's end is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `GET /sandbox/v1/report` of a running server, as the merchant. */
async function remoteReport(url: string, flags: ReportFlags): Promise<IntegrationReport> {
  const username = flags.merchant ?? process.env.KLARNA_LOCAL_USERNAME;
  if (!username) throw new ReportError('name the merchant with --merchant USERNAME');
  const password = flags.passwordStdin ? await readPasswordFromStdin() : process.env.KLARNA_LOCAL_PASSWORD;
  if (password === undefined) throw new ReportError(`${url}: give the merchant's password in KLARNA_LOCAL_PASSWORD or on stdin with --password-stdin`);
  const query = new URLSearchParams({ ...(flags.since !== undefined && { since: flags.since }), severity: flags.severity });
  const target = `${url.replace(/\/+$/, '')}/sandbox/v1/report?${query.toString()}`;
  let res: Response;
  try {
    res = await fetch(target, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, accept: 'application/json' } });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new ReportError(`cannot reach ${url}: ${cause ?? (error as Error).message}`);
  }
  const text = await res.text();
  if (res.status !== 200) {
    let detail = text.slice(0, 500);
    try {
      const envelope = JSON.parse(text) as { error_code?: string; error_messages?: string[] };
      if (envelope.error_code) detail = `${envelope.error_code}: ${(envelope.error_messages ?? []).join('; ')}`;
    } catch {
      // Not the envelope: shown as it came.
    }
    throw new ReportError(`GET ${target}: ${res.status} ${detail}`);
  }
  try {
    return JSON.parse(text) as IntegrationReport;
  } catch {
    throw new ReportError(`GET ${target}: the answer is not JSON (is ${url} a klarna-local?)`);
  }
}

/** The report built from a database (migrated first), as the server would build it. */
async function databaseReport(flags: ReportFlags, since: number | undefined): Promise<IntegrationReport> {
  if (!flags.merchant) throw new ReportError('name the merchant with --merchant USERNAME');
  const config = loadConfig({ databaseUrl: flags.databaseUrl });
  const [{ Clock }, { migrateToLatest, openDatabase }, { buildReport }] = await Promise.all([
    import('../platform/clock.js'),
    import('../platform/db/database.js'),
    import('../modules/report/report.js'),
  ]);
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    const merchant = await db.read.get<{ merchant_id: string; username: string }>('select merchant_id, username from merchants where username = ?', [flags.merchant]);
    if (!merchant) throw new ReportError(`no merchant named "${flags.merchant}" in ${shownDatabase(config.databaseUrl)}`);
    return await buildReport(db, new Clock(db), { merchant_id: merchant.merchant_id, username: merchant.username }, { since, severity: flags.severity, journal: true });
  } finally {
    await db.close();
  }
}

async function runReport(flags: ReportFlags): Promise<void> {
  const [{ parseSince }, { renderJUnit, renderText }, { failsAt }, { ApiError }] = await Promise.all([
    import('../modules/report/routes.js'),
    import('../modules/report/render.js'),
    import('../modules/report/report.js'),
    import('../platform/http/errors.js'),
  ]);
  let report: IntegrationReport;
  try {
    let since: number | undefined;
    try {
      since = parseSince(flags.since);
    } catch (error) {
      throw error instanceof ApiError ? new ReportError(`--since: ${error.errorMessages.join('; ')}`) : error;
    }
    if (flags.url !== undefined && flags.databaseUrl !== undefined) throw new ReportError('give --url (a running server) or --database-url (a database), not both');
    const url = flags.url ?? (flags.databaseUrl === undefined ? process.env.KLARNA_LOCAL_URL : undefined);
    report = url !== undefined && url !== '' ? await remoteReport(url, flags) : await databaseReport(flags, since);
  } catch (error) {
    console.error(`klarna-local: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const rendered = flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : flags.format === 'junit' ? renderJUnit(report, flags.failOn) : renderText(report);
  if (flags.output !== undefined) {
    try {
      await fs.promises.writeFile(flags.output, rendered);
    } catch (error) {
      console.error(`klarna-local: cannot write ${flags.output}: ${(error as Error).message}`);
      process.exit(2);
    }
  } else {
    process.stdout.write(rendered);
  }
  // No process.exit here: stdout to a pipe is written asynchronously.
  process.exitCode = flags.failOn !== 'never' && failsAt(report, flags.failOn) ? 1 : 0;
}

export function registerReportCommand(program: Command): void {
  program
  .command('report')
  .description("the integration report: what a merchant's integration did that would hurt in production (keys, retries, totals, callbacks, …), from the request journal and the stored state")
  .option('--merchant <username>', 'the merchant (its username; with --url, default KLARNA_LOCAL_USERNAME)')
  .option('--since <date>', 'only what happened since this ISO 8601 date or date-time, e.g. 2026-12-01 or 2026-12-01T10:00:00Z (default: everything kept)')
  .addOption(new Option('--severity <level>', 'list the findings at or above this severity').choices(REPORT_SEVERITIES).default('info'))
  .addOption(new Option('--fail-on <level>', 'exit code 1 when a finding is at or above this severity; never: always 0').choices([...REPORT_SEVERITIES, 'never']).default('error'))
  .addOption(new Option('--format <format>', 'text for people, json (the report as GET /sandbox/v1/report answers it), junit (JUnit XML for CI)').choices(REPORT_FORMATS).default('text'))
  .option('--output <file>', 'write the report to this file (default stdout)')
  .option('--database-url <url>', 'sqlite:<file> or postgres://… (env DATABASE_URL, default sqlite:data/klarna-local.sqlite; migrated first)')
  .option('--url <url>', 'a running klarna-local instead of a database (env KLARNA_LOCAL_URL when no --database-url is given)')
  .option('--password-stdin', "with --url: read the merchant's password from stdin (default: env KLARNA_LOCAL_PASSWORD)")
  .addHelpText(
    'after',
    `
The report is made from a database (--database-url, as serve reads it) or asked of a running server
(--url: GET /sandbox/v1/report as the merchant, the way to reach a server on sqlite::memory:, such as
the one of \`klarna-local exec\`, which sets KLARNA_LOCAL_URL, KLARNA_LOCAL_USERNAME and
KLARNA_LOCAL_PASSWORD). There is no --password flag: a password on the command line shows in \`ps\`.

Exit codes: 0 no finding at or above --fail-on (or --fail-on never), 1 at least one, 2 no report (a
bad option or --since, an unknown merchant, a database or server that cannot be reached or refuses).
With --format junit each finding code checked is a test case (classname klarna-local.report), failed
when its finding is at or above --fail-on.

Examples:
  klarna-local report --merchant shop --database-url sqlite:data/shop.sqlite
  KLARNA_LOCAL_PASSWORD=secret klarna-local report --merchant shop --url http://127.0.0.1:3000 --format junit --output report.xml
  klarna-local exec -- sh -c 'npm test && klarna-local report --fail-on warning'`,
  )
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .action((flags: ReportFlags) => runReport(flags));
}

