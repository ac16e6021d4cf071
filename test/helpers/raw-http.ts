/**
 * HTTP/1.1 on a bare TCP socket, for tests that stand for a real client's exact bytes: what is
 * written (framing, header case, stray bytes, the split between writes) and what comes back (the
 * header lines as sent, every response on the connection, whether the server ended it). A client
 * library would normalise exactly what these tests check.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  reason: string;
  /** The header lines as the server wrote them: [name, value] in order, case kept. */
  headerLines: [string, string][];
  /** Lower-case name → value (several lines with one name are joined with ", "). */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Exchange {
  responses: RawResponse[];
  /** The server ended the connection (FIN, or a reset after its last answer). */
  ended: boolean;
  /** Every byte received. */
  raw: Buffer;
  /** Bytes left over that do not form a whole response. */
  rest: Buffer;
}

/** A write, or a pause before the next write. */
export type Step = string | Buffer | { waitMs: number };

export interface ExchangeOptions {
  /**
   * Stop reading once this many responses arrived and the server then kept the connection open
   * for `graceMs` (default: read until the server ends the connection).
   */
  responses?: number;
  graceMs?: number;
  /** Give up after this long (default 5 s): the exchange answers what it has. */
  timeoutMs?: number;
}

/** Parses whole responses from the front of `data`; returns them and what is left. */
export function parseResponses(data: Buffer, atEnd: boolean): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
    if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headerLines = lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of headerLines) {
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    let cursor = headEnd + 4;
    let body: Buffer;
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < cursor + length) break;
      body = rest.subarray(cursor, cursor + length);
      cursor += length;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', cursor);
        if (lineEnd < 0) break;
        const size = parseInt(rest.subarray(cursor, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) break;
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        cursor = lineEnd + 2 + size + 2;
        if (size === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) break;
      body = Buffer.concat(chunks);
    } else {
      // Neither length nor chunks: the body runs to the end of the connection.
      if (!atEnd) break;
      body = rest.subarray(cursor);
      cursor = rest.length;
    }
    const text = body.toString('utf8');
    responses.push({ status, reason: match[2] ?? '', headerLines, headers, body, text, json: () => JSON.parse(text) });
    rest = rest.subarray(cursor);
  }
  return { responses, rest };
}

/** Connects to 127.0.0.1:port, performs the steps, and reads what the server answers. */
export function exchange(port: number, steps: Step[], options: ExchangeOptions = {}): Promise<Exchange> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const graceMs = options.graceMs ?? 150;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let ended = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(graceTimer);
      socket.destroy();
      const raw = Buffer.concat(received);
      try {
        const { responses, rest } = parseResponses(raw, ended);
        resolve({ responses, ended, raw, rest });
      } catch (error) {
        reject(error as Error);
      }
    };
    const timeout = setTimeout(finish, timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (options.responses === undefined) return;
      const { responses } = parseResponses(Buffer.concat(received), false);
      if (responses.length >= options.responses) {
        clearTimeout(graceTimer);
        graceTimer = setTimeout(finish, graceMs);
      }
    });
    const onEnd = () => {
      ended = true;
      finish();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    // A reset after the server's answer (stray bytes written to a closed connection) ends it too.
    socket.on('error', onEnd);

    socket.once('connect', () => {
      void (async () => {
        for (const step of steps) {
          if (settled || socket.destroyed) return;
          if (typeof step === 'object' && !Buffer.isBuffer(step)) {
            await new Promise((r) => setTimeout(r, step.waitMs));
          } else if (socket.writable) {
            socket.write(step);
          }
        }
      })();
    });
  });
}

/** A request's bytes: request line, the header lines exactly as given, a blank line, then the body (unframed unless a header frames it). */
export function requestBytes(method: string, path: string, headerLines: string[], body = ''): string {
  return `${method} ${path} HTTP/1.1\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n${body}`;
}

/** The header names of a response that are not in canonical case (`Content-Type`, `WWW-Authenticate`, `X-Ratelimit-Limit`). */
export function nonCanonicalNames(response: RawResponse): string[] {
  const special: Record<string, string> = { 'www-authenticate': 'WWW-Authenticate', etag: 'ETag' };
  return response.headerLines
    .map(([name]) => name)
    .filter((name) => name !== (special[name.toLowerCase()] ?? name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())));
}
