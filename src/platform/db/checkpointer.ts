/**
 * SQLite checkpoints off the request path. A checkpoint copies the write-ahead log into the database
 * file and syncs it to disk; run by SQLite itself it happens inside some unlucky commit, on the one
 * thread that serves requests. Here a worker thread with its own connection checkpoints every
 * CHECKPOINT_INTERVAL_MS (PASSIVE: it never blocks writers or readers), and the writer's automatic
 * checkpoint is only a backstop should the worker fall behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_INTERVAL_MS = 250;
/** The writer checkpoints by itself only past this many WAL pages (about 40 MiB). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

// Plain CommonJS, run with `eval`, so it needs no build step and no loader.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next tick */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.postMessage('stopped');
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: CHECKPOINT_INTERVAL_MS } });
  worker.unref();
  // A failing checkpointer must not take the server down: the writer's backstop takes over.
  worker.on('error', () => undefined);
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().finally(resolve);
        };
        worker.once('message', done);
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(done, 2000).unref();
      });
      return stopping;
    },
  };
}
