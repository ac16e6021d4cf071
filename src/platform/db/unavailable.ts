/**
 * Whether an error means the database could not be reached or used for now (as opposed to a bug):
 * such a request is answered 503 TEMPORARILY_UNAVAILABLE, which clients retry, not 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
/** PostgreSQL SQLSTATEs: connection exceptions (08…), operator intervention (57P…), too many connections. */
const POSTGRES_STATES = /^(08\d{3}|57P0[1-3]|53300)$/;
/** SQLite: the lock was held past busy_timeout, or the file is gone, unreadable or full. */
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_STATES.test(code) || SQLITE_CODES.test(code))) return true;
  // node-postgres reports a dropped connection or an exhausted pool by message only.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}
