/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses its threshold, on the committing connection: it copies the WAL's pages into the database
 * file and syncs both, and on the single write connection of a process that stalls every request
 * waiting on the event loop (a profile of create capture put 14% of the server's CPU there). The
 * writer's automatic checkpoint is turned off and a worker thread with a connection of its own runs
 * PASSIVE checkpoints instead: they never take the write lock, so commits go on meanwhile, and the
 * writer starts the WAL over from its beginning once everything in it has been copied back.
 *
 * Durability is unchanged: a commit is durable when its frames are in the WAL (synchronous = NORMAL
 * survives a process crash either way), and a checkpoint copies only committed frames.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints while the WAL grows, and while it does not. */
export const CHECKPOINT_BUSY_INTERVAL_MS = 50;
export const CHECKPOINT_IDLE_INTERVAL_MS = 500;
/**
 * Under steady writes the WAL rarely becomes empty between two commits, which is when the writer may
 * start it over; past this many pages (16 MiB) the worker forces a restart (see the worker).
 */
export const RESTART_AFTER_PAGES = 4096;
/** The writer's own automatic checkpoint when no worker runs (SQLite's default threshold, in pages). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 1000;

interface WorkerInput {
  driver: string;
  file: string;
  busyMs: number;
  idleMs: number;
  restartPages: number;
}

// Plain CommonJS run with `eval`, so the same code serves the build and the sources run through tsx.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
const restart = db.prepare('pragma wal_checkpoint(RESTART)');
let timer = null;
let lastLog = -1;
function tick() {
  let delay = workerData.idleMs;
  try {
    const row = checkpoint.get();
    // A WAL that has grown (or been started over) since the last look: keep up with it.
    if (row.log !== lastLog || row.checkpointed < row.log) delay = workerData.busyMs;
    lastLog = row.log;
    if (row.log >= workerData.restartPages) {
      // What the passive checkpoint just copied leaves little for this one: it waits for the writer's
      // transaction in progress, holds the next one back while it copies the last frames and syncs
      // (a few milliseconds), and the next commit starts the WAL over from its beginning.
      db.pragma('busy_timeout = 1000');
      try {
        restart.get();
      } finally {
        db.pragma('busy_timeout = 0');
      }
    }
  } catch (error) {
    // SQLITE_BUSY: another process's checkpoint holds the lock; try again soon.
    delay = workerData.busyMs;
  }
  timer = setTimeout(tick, delay);
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});
tick();
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection; the writer's own checkpoint is back on. */
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint worker for the database file and turns off the writer's automatic
 * checkpoint. Should the worker fail, the writer checkpoints by itself again.
 */
export function startCheckpointer(file: string, writer: { pragma(source: string): unknown }): Checkpointer {
  const input: WorkerInput = {
    driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    file,
    busyMs: CHECKPOINT_BUSY_INTERVAL_MS,
    idleMs: CHECKPOINT_IDLE_INTERVAL_MS,
    restartPages: RESTART_AFTER_PAGES,
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: input });
  // Never what keeps a process alive: a process that exits without closing the database loses no
  // committed write (the WAL holds it; the next open or checkpoint copies it back).
  worker.unref();
  let running = true;
  const fallBack = () => {
    if (!running) return;
    running = false;
    try {
      writer.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The writer is closed already: closing checkpointed the WAL.
    }
  };
  worker.once('error', fallBack);
  worker.once('exit', fallBack);
  writer.pragma('wal_autocheckpoint = 0');
  return {
    async stop() {
      if (!running) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Held open while it closes its connection, so whoever awaits this is not left behind.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
