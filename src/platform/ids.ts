/**
 * Id formats: UUID v4 for the resources Klarna's APIs name, UUID v7 for rows only klarna-local
 * names (settlement transactions, sandbox messages), short customer-facing references like
 * Klarna's `K4MADNY`.
 */
import { randomFillSync, randomInt, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/**
 * A UUID v7 (RFC 9562): the millisecond time first, then random bits. Rows keyed by it are appended
 * to the end of their unique index instead of landing on a random page of it, so a transaction
 * that writes many of them dirties (and writes to the WAL) one index page instead of one each.
 */
/** Random bytes drawn in blocks (one call to the system's generator per 512 ids, as randomUUID does). */
const POOL = Buffer.alloc(16 * 512);
let poolOffset = POOL.length;

export function newSequentialId(now = Date.now()): string {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const bytes = Buffer.from(POOL.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// No 0/O or 1/I, so a reference read over the phone is unambiguous.
const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const KLARNA_REFERENCE_LENGTH = 7;

export function newKlarnaReference(): string {
  let out = '';
  for (let i = 0; i < KLARNA_REFERENCE_LENGTH; i += 1) out += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return out;
}
