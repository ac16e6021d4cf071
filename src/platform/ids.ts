/** Id formats: UUID v4 for resources, short customer-facing references like Klarna's `K4MADNY`. */
import { randomInt, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

// No 0/O or 1/I, so a reference read over the phone is unambiguous.
const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const KLARNA_REFERENCE_LENGTH = 7;

export function newKlarnaReference(): string {
  let out = '';
  for (let i = 0; i < KLARNA_REFERENCE_LENGTH; i += 1) out += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return out;
}
