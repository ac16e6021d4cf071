/**
 * Live updates: `GET /dashboard/events` is a server-sent event stream per signed-in merchant. Every
 * second it reads a cheap change marker from the database (the newest event id, the latest change of
 * an order or a callback, the merchant's sandbox clock; each an index lookup), so a change made by any process
 * sharing the database is seen; when the marker moves the page hears `change` and reloads its main
 * section (web/dashboard/dashboard.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Db } from '../../platform/db/database.js';

export const LIVE_POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;

/** Pure function of the database's state for one merchant: changes whenever something the pages show does. */
export async function changeMarker(db: Db, merchantId: string): Promise<string> {
  const row = await db.read.get<{ e: number | null; o: number | null; c: number | null; k: number | null }>(
    `select (select max(event_id) from events where merchant_id = ?) as e,
            (select max(updated_at) from orders where merchant_id = ?) as o,
            (select max(updated_at) from callbacks where merchant_id = ?) as c,
            (select c.offset_ms + m.clock_offset_ms from sandbox_clock c, merchants m where c.id = 1 and m.merchant_id = ?) as k`,
    [merchantId, merchantId, merchantId, merchantId],
  );
  return [row?.e ?? 0, row?.o ?? 0, row?.c ?? 0, row?.k ?? 0].join('.');
}

/** The open streams of this process, ended when the server closes. */
export class LiveStreams {
  private readonly open = new Set<() => void>();

  /** Starts a stream on a hijacked response; it ends when the client goes or the server closes. */
  start(db: Db, merchantId: string, response: ServerResponse, onError: (error: unknown) => void): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    response.write('retry: 3000\n\n');
    let last: string | null = null;
    let stopped = false;
    let polling = false;
    const poll = async () => {
      if (polling || stopped) return;
      polling = true;
      try {
        const marker = await changeMarker(db, merchantId);
        if (last !== null && marker !== last && !stopped) response.write(`event: change\ndata: ${marker}\n\n`);
        last = marker;
      } catch (error) {
        onError(error);
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void poll(), LIVE_POLL_MS);
    const heartbeat = setInterval(() => response.write(': ping\n\n'), HEARTBEAT_MS);
    void poll();
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clearInterval(heartbeat);
      this.open.delete(stop);
      response.end();
    };
    this.open.add(stop);
    response.on('close', stop);
  }

  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}
