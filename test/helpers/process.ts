/** Starts the real CLI in a child process and waits until it says it is listening. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { PROJECT_ROOT } from './root.js';

export { PROJECT_ROOT };
export const CLI_PATH = path.join(PROJECT_ROOT, 'src', 'cli.ts');
const TSX_LOADER = import.meta.resolve('tsx');
/**
 * scripts/run-tests.mjs compiles the sources before the run and says so (KLARNA_LOCAL_TEST_CLI=dist):
 * the CLI then starts from that build, about a second sooner per process than through tsx. A test
 * file run on its own starts the sources through tsx, so it never meets a stale build.
 */
export const CLI_COMMAND = process.env.KLARNA_LOCAL_TEST_CLI === 'dist' ? [path.join(PROJECT_ROOT, 'dist', 'src', 'cli.js')] : ['--import', TSX_LOADER, CLI_PATH];

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process has written so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM (SIGKILL after STOP_TIMEOUT_MS) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const STOP_TIMEOUT_MS = 5_000;
const running = new Set<ChildProcess>();
// Should the test runner die before a test's after() runs, take its servers with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const START_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 30_000;

function spawnCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> }): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...options.env };
  for (const key of ['PORT', 'HOST', 'DATABASE_URL', 'PUBLIC_URL', 'KLARNA_LOCAL_MERCHANTS']) {
    if (options.env && !(key in options.env)) delete env[key];
  }
  return spawn(process.execPath, [...CLI_COMMAND, ...args], { cwd: options.cwd ?? PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startServerProcess(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ServerProcess> {
  const child = spawnCli(['serve', '--port', '0', ...args], options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), START_TIMEOUT_MS);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
    timer.unref?.();
  });
  return {
    child,
    url,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<RunResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A command that should exit but serves instead must not hang the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * GET over a connection of its own (no keep-alive pool), so that consecutive calls to `serve
 * --processes N` can reach different workers; rejects after `timeoutMs` without an answer.
 */
export function getOnNewConnection(url: string, options: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: options.headers, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`no answer within ${timeoutMs} ms`));
      })
      .on('error', reject);
  });
}
