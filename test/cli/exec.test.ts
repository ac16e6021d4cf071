/**
 * `klarna-local exec -- <command>`: a server for the command's lifetime. The command gets
 * KLARNA_LOCAL_URL, KLARNA_LOCAL_USERNAME and KLARNA_LOCAL_PASSWORD and works with them; exec
 * writes nothing of its own to stdout, passes SIGINT and SIGTERM on, exits with the command's code
 * (128 + the signal's number when a signal ended it), and the server is gone afterwards.
 * `--import` starts from a snapshot.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MERCHANT, buildTestApp, orderBody } from '../helpers/harness.js';
import { CLI_COMMAND, PROJECT_ROOT } from '../helpers/process.js';

const RUN_TIMEOUT_MS = 60_000;

interface Run {
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `klarna-local exec …` in a process of its own; the environment a CI job might have, plus `env`. */
function exec(args: string[], env: Record<string, string> = {}): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KLARNA_LOCAL_') && name !== 'LOG_LEVEL'));
  const child = spawn(process.execPath, [...CLI_COMMAND, 'exec', ...args], { cwd: PROJECT_ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A Node script as the command (ESM, so it may await at the top). */
const node = (script: string, ...args: string[]) => [process.execPath, '--input-type=module', '-e', script, ...args];

/** What the command script needs: the server's address and the merchant's Basic credentials. */
const PRELUDE = `
const { KLARNA_LOCAL_URL: url, KLARNA_LOCAL_USERNAME: user, KLARNA_LOCAL_PASSWORD: pass } = process.env;
const headers = { authorization: 'Basic ' + Buffer.from(user + ':' + pass).toString('base64'), 'content-type': 'application/json' };
`;

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return false;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}

async function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 600; i++) {
    const match = pattern.exec(run.stdout());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${pattern} in ${run.stdout()} / ${run.stderr()}`);
}

describe('klarna-local exec', () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klarna-local-exec-'));
  after(() => fs.rmSync(workDir, { recursive: true, force: true }));

  it("runs the command with the server's URL and a merchant's credentials, its stdout untouched, and exits 0 with it; the server is gone afterwards", async () => {
    const script = `${PRELUDE}
const created = await fetch(url + '/sandbox/v1/orders', { method: 'POST', headers, body: process.argv[1] });
const order = await created.json();
const read = await fetch(url + '/ordermanagement/v1/orders/' + order.order_id, { headers });
console.log(JSON.stringify({ url, user, pass, created: created.status, read: read.status, status: (await read.json()).status, port: process.env.PORT ?? null, database: process.env.DATABASE_URL ?? null }));`;
    // The job's own PORT and DATABASE_URL are the command's: exec's server neither uses nor changes them.
    const run = exec(['--', ...node(script, JSON.stringify(orderBody()))], { PORT: '1', DATABASE_URL: 'postgres://nowhere.invalid/db' });
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr());
    const lines = run.stdout().trim().split('\n');
    assert.equal(lines.length, 1, `only the command's output on stdout: ${run.stdout()}`);
    const seen = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.match(String(seen.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(String(seen.user), /^PK\d{5}_[0-9a-f]{12}$/, 'a merchant generated for the run');
    assert.ok(String(seen.pass).length >= 12);
    assert.deepEqual({ created: seen.created, read: seen.read, status: seen.status }, { created: 201, read: 200, status: 'AUTHORIZED' });
    assert.deepEqual({ port: seen.port, database: seen.database }, { port: '1', database: 'postgres://nowhere.invalid/db' });
    assert.equal(run.stderr(), '', 'nothing logged at warn');
    assert.ok(await refused(String(seen.url)), 'the server stopped with the command');
  });

  it("exits with the command's exit code, and the command gets the --merchants credentials", async () => {
    const run = exec(['--merchants', 'ci:ci-secret,other:other-secret', '--', ...node(`${PRELUDE} const res = await fetch(url + '/sandbox/v1/clock', { headers }); console.log(user, pass, res.status); process.exit(3);`)]);
    const { code } = await run.exited;
    assert.equal(code, 3, run.stderr());
    assert.equal(run.stdout().trim(), 'ci ci-secret 200');
  });

  it('a command ended by a signal makes exec exit with 128 + its number', async () => {
    const run = exec(['--', ...node(`process.kill(process.pid, 'SIGKILL');`)]);
    assert.equal((await run.exited).code, 128 + os.constants.signals.SIGKILL);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to exec reaches the command, which ends by it; exec exits ${128 + os.constants.signals[signal]} and stops the server`, async () => {
      const run = exec(['--', ...node(`console.log(process.env.KLARNA_LOCAL_URL); setInterval(() => {}, 1000);`)]);
      const [, url] = await waitForOutput(run, /^(http:\S+)\n/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the server answers while the command runs');
      run.child.kill(signal);
      const { code } = await run.exited;
      assert.equal(code, 128 + os.constants.signals[signal], run.stderr());
      assert.ok(await refused(String(url)));
    });
  }

  it('a command that does not exist is reported on stderr with exit code 127; no command at all is a usage error', async () => {
    const missing = exec(['--', 'klarna-local-no-such-command-xyz']);
    assert.equal((await missing.exited).code, 127);
    assert.match(missing.stderr(), /cannot run klarna-local-no-such-command-xyz/);
    assert.equal(missing.stdout(), '');
    const none = exec([]);
    assert.equal((await none.exited).code, 1);
    assert.match(none.stderr(), /missing required argument/);
  });

  describe('--import', () => {
    let fixture: string;
    let orderId: string;
    let fixtureNow: number;

    before(async () => {
      // A fixture as `klarna-local export` writes it: an order captured in part, two days on the merchant's clock.
      const t = await buildTestApp({ dialect: 'sqlite' });
      try {
        orderId = (await t.createOrder()).order_id;
        assert.equal((await t.post(`/ordermanagement/v1/orders/${orderId}/captures`, { captured_amount: 5000 })).status, 201);
        await t.advanceClock(2 * 24 * 3600);
        const snapshot = await t.get('/sandbox/v1/snapshot');
        assert.equal(snapshot.status, 200);
        fixture = path.join(workDir, 'fixture.json');
        fs.writeFileSync(fixture, snapshot.body);
        fixtureNow = snapshot.json().clock.now_ms;
        assert.equal(snapshot.json().merchant.username, MERCHANT.username);
      } finally {
        await t.close();
      }
    });

    it("starts from a snapshot, imported into the command's merchant with its clock", async () => {
      const script = `${PRELUDE}
const order = await (await fetch(url + '/ordermanagement/v1/orders/' + process.argv[1], { headers })).json();
const clock = await (await fetch(url + '/sandbox/v1/clock', { headers })).json();
console.log(JSON.stringify({ status: order.status, captured: order.captured_amount, now: clock.now }));`;
      const started = Date.now();
      const run = exec(['--import', fixture, '--merchants', 'fixture:fixture-secret', '--', ...node(script, orderId)]);
      const { code } = await run.exited;
      assert.equal(code, 0, run.stderr());
      const seen = JSON.parse(run.stdout()) as { status: string; captured: number; now: string };
      assert.deepEqual({ status: seen.status, captured: seen.captured }, { status: 'PART_CAPTURED', captured: 5000 });
      // The merchant's clock went on from the fixture's time (the run took less than a minute).
      const now = Date.parse(seen.now);
      assert.ok(now >= fixtureNow - 1000 && now <= fixtureNow + (Date.now() - started) + 60_000, `${seen.now} vs ${new Date(fixtureNow).toISOString()}`);
    });

    it('a snapshot that cannot be imported stops exec with exit code 1 before the command runs', async () => {
      const bad = path.join(workDir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ ...JSON.parse(fs.readFileSync(fixture, 'utf8')), version: 9 }));
      const marker = path.join(workDir, 'ran');
      const run = exec(['--import', bad, '--', ...node(`(await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, 'ran');`)]);
      assert.equal((await run.exited).code, 1);
      assert.match(run.stderr(), /cannot import .*bad\.json: Bad value: version/);
      assert.equal(fs.existsSync(marker), false, 'the command did not run');
      const notJson = exec(['--import', path.join(workDir, 'missing.json'), '--', 'true']);
      assert.equal((await notJson.exited).code, 1);
      assert.match(notJson.stderr(), /cannot read .*missing\.json/);
    });
  });
});
