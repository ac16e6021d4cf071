/**
 * Calls klarna-local makes to merchants: POST with explicit connect and response timeouts, a cap on
 * the answer's size, no redirects followed (a 3xx is an answer the caller interprets), and never a
 * throw: every outcome, a refused connection included, comes back as a value.
 */
import { Agent, request } from 'undici';

export interface CallTimeouts {
  connect_timeout_ms: number;
  response_timeout_ms: number;
  /** Bound on the whole call (default: connect + response). */
  total_timeout_ms?: number;
}

export interface CallOutcome {
  /** HTTP status, or null when no answer came (refused, timed out, reset, invalid URL). */
  status: number | null;
  /** The `Location` header of a 3xx answer. */
  location: string | null;
  /** The answer's body as text, up to the cap. */
  body: string | null;
  /** True when the body was longer than the cap (the rest was not read). */
  truncated: boolean;
  error: string | null;
  /** `timeout` when the merchant did not answer in time, `unreachable` when no connection was made. */
  failure: 'timeout' | 'unreachable' | 'invalid_url' | 'error' | null;
  durationMs: number;
}

const USER_AGENT = 'klarna-local';
const agents = new Map<string, Agent>();

function agentFor(timeouts: CallTimeouts): Agent {
  const key = `${timeouts.connect_timeout_ms}/${timeouts.response_timeout_ms}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { timeout: timeouts.connect_timeout_ms }, headersTimeout: timeouts.response_timeout_ms, bodyTimeout: timeouts.response_timeout_ms });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * The pools are shared by every server in the process (several embedded instances may run side by
 * side): each running dispatcher holds them, and they close when the last holder lets go, so one
 * instance stopping never closes a connection another is using.
 */
let holders = 0;

export function holdMerchantConnections(): void {
  holders += 1;
}

/** Lets go of the pools (a dispatcher that held them, or none); closes them once nobody holds them. */
export async function releaseMerchantConnections(held: boolean): Promise<void> {
  if (held) holders -= 1;
  if (holders > 0) return;
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close()));
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR']);

export async function postToMerchant(url: string, body: string | null, timeouts: CallTimeouts, maxBodyChars: number): Promise<CallOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const none = { status: null, location: null, body: null, truncated: false };
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`unsupported protocol ${target.protocol}`);
  } catch (error) {
    return { ...none, error: `invalid URL: ${(error as Error).message}`, failure: 'invalid_url', durationMs: 0 };
  }
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  if (body !== null) headers['content-type'] = 'application/json';
  try {
    const response = await request(target, {
      method: 'POST',
      headers,
      body: body ?? '',
      dispatcher: agentFor(timeouts),
      signal: AbortSignal.timeout(timeouts.total_timeout_ms ?? timeouts.connect_timeout_ms + timeouts.response_timeout_ms),
    });
    let text = '';
    let truncated = false;
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length > maxBodyChars) {
        truncated = true;
        response.body.destroy();
        break;
      }
    }
    const location = response.headers.location;
    return {
      status: response.statusCode,
      location: typeof location === 'string' ? location : null,
      body: text.slice(0, maxBodyChars),
      truncated,
      error: null,
      failure: null,
      durationMs: elapsed(),
    };
  } catch (error) {
    const err = error as Error & { code?: string; name?: string };
    const code = err.code ?? err.name ?? '';
    const failure = TIMEOUT_CODES.has(code) || err.name === 'TimeoutError' ? 'timeout' : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' ? 'unreachable' : 'error';
    return { ...none, error: code ? `${code}: ${err.message}` : err.message, failure, durationMs: elapsed() };
  }
}
