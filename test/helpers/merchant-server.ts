/**
 * A fake merchant for callback tests: a real HTTP server on a free port that records every request
 * and answers as the test scripts it (status, body, delay, or dropping the connection).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  method: string;
  /** Path and query string. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
  at: number;
}

export interface ScriptedAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
  /** Close the socket without answering. */
  drop?: boolean;
}

export interface FakeMerchant {
  url: string;
  received: ReceivedCallback[];
  /** How the next requests are answered: a fixed answer, or one computed per request. */
  answer(script: ScriptedAnswer | ((request: ReceivedCallback, index: number) => ScriptedAnswer)): void;
  /** Resolves once `count` requests matching `filter` have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, filter?: (r: ReceivedCallback) => boolean, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startFakeMerchant(): Promise<FakeMerchant> {
  const received: ReceivedCallback[] = [];
  let script: ScriptedAnswer | ((request: ReceivedCallback, index: number) => ScriptedAnswer) = { status: 200 };
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: ReceivedCallback = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json: () => JSON.parse(body), at: Date.now() };
      received.push(record);
      for (const wake of waiters) wake();
      const answer = typeof script === 'function' ? script(record, received.length - 1) : script;
      const respond = () => {
        if (answer.drop) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(next) {
      script = next;
    },
    waitFor(count, filter = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(filter);
          if (matching.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(matching);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} callbacks, got ${received.filter(filter).length}: ${JSON.stringify(received.map((r) => r.url))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
