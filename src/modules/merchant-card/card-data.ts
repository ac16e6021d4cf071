/**
 * Card data protection for the Merchant Card Service: how a virtual card's details travel to the
 * merchant, and which merchant public keys are fit to receive them. Pure code over `node:crypto`.
 *
 * A card leaves the server only encrypted, the way Klarna does it: the card as JSON under a fresh
 * AES-128 key in CTR mode, and that key wrapped with RSA PKCS#1 v1.5 under the public key the
 * merchant enrolled (a JWK). The merchant unwraps the key with its private key and decrypts.
 */
import crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A card's details as the merchant receives them once decrypted; `expiry_date` is "MM/YY". */
export interface CardData {
  pan: string;
  expiry_date: string;
  cvv: string;
}

/** An encrypted card: every member is standard Base64 with padding. */
export interface EncryptedCard {
  /** The card JSON encrypted with AES-128-CTR (as long as the JSON: CTR has no padding). */
  pci_data: string;
  /** The 16-byte initial counter block of the AES-CTR encryption. */
  iv: string;
  /** The 16-byte AES key, wrapped with RSA PKCS#1 v1.5 (as long as the modulus). */
  aes_key: string;
}

/** An enrolled RSA public key, keeping only the members this server uses and echoes. */
export interface PublicRsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid?: string;
  alg?: string;
  use?: string;
}

/** The outcome of checking a merchant's JWK: the usable key, or one short reason for refusing it. */
export type JwkCheck =
  | { ok: true; key: KeyObject; jwk: PublicRsaJwk; bits: number }
  | { ok: false; reason: string };

/** The smallest and largest RSA modulus accepted (the largest keeps each wrap cheap for the server). */
export const MIN_MODULUS_BITS = 2048;
export const MAX_MODULUS_BITS = 8192;
/** The largest public exponent accepted: OpenSSL refuses larger ones above 3072-bit moduli. */
export const MAX_EXPONENT_BITS = 64;
/** The longest `kid` kept. */
export const MAX_KID_LENGTH = 256;

const AES_KEY_BYTES = 16;
const IV_BYTES = 16;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Encrypts a card for the holder of `publicKey` (an RSA key). Guarantees: `pci_data` decrypts with
 * AES-128-CTR under the unwrapped key and `iv` to exactly `{"pan":…,"expiry_date":…,"cvv":…}` (those
 * three members, in that order, nothing else); the AES key and the iv are fresh random values on
 * every call; `aes_key` is the AES key wrapped with RSA PKCS#1 v1.5. Throws a TypeError when the key
 * is not RSA.
 */
export function encryptCardData(publicKey: KeyObject, card: CardData): EncryptedCard {
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`encryptCardData needs an RSA key (got ${publicKey.asymmetricKeyType ?? publicKey.type})`);
  }
  const json = JSON.stringify({ pan: card.pan, expiry_date: card.expiry_date, cvv: card.cvv });
  const aesKey = crypto.randomBytes(AES_KEY_BYTES);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-128-ctr', aesKey, iv);
  const pciData = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  const wrapped = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, aesKey);
  aesKey.fill(0);
  return { pci_data: pciData.toString('base64'), iv: iv.toString('base64'), aes_key: wrapped.toString('base64') };
}

/**
 * Checks that `input` is an RSA public key in JWK form fit to receive cards, and returns it as a
 * KeyObject with its normalized JWK and modulus size. Refuses, with a one-line reason: anything but
 * an object; `kty` other than RSA; private members; `n` or `e` missing or not base64url; a modulus
 * under 2048 or over 8192 bits, or even; an exponent that is even, under 3 or over 64 bits; `use`
 * other than "enc"; `alg` other than "RSA1_5"; malformed `kid` or `key_ops`; and whatever Node
 * refuses to load. The normalized JWK keeps `kty`, `n`, `e` (both in their minimal encoding: leading
 * zero octets removed) and `kid`, `alg`, `use` when given; other members are dropped.
 */
export function parsePublicJwk(input: unknown): JwkCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('jwk must be a JSON object');
  }
  const jwk = input as Record<string, unknown>;
  if (jwk.kty !== 'RSA') return refuse('jwk.kty must be RSA');

  const privateMembers = PRIVATE_MEMBERS.filter((name) => jwk[name] !== undefined);
  if (privateMembers.length > 0) {
    return refuse(`jwk must be a public key: remove the private members (${privateMembers.join(', ')})`);
  }

  const n = unsignedInteger(jwk, 'n');
  if (typeof n === 'string') return refuse(n);
  const e = unsignedInteger(jwk, 'e');
  if (typeof e === 'string') return refuse(e);

  const bits = bitLength(n);
  if (bits < MIN_MODULUS_BITS) return refuse(`the key must be at least ${MIN_MODULUS_BITS} bits (got ${bits})`);
  if (bits > MAX_MODULUS_BITS) return refuse(`the key must be at most ${MAX_MODULUS_BITS} bits (got ${bits})`);
  if (!isOdd(n)) return refuse('jwk.n is not an RSA modulus (it is even)');
  if (bitLength(e) > MAX_EXPONENT_BITS) return refuse(`jwk.e must be at most ${MAX_EXPONENT_BITS} bits`);
  if (!isOdd(e) || (e.length === 1 && (e[0] ?? 0) < 3)) return refuse('jwk.e must be an odd exponent of at least 3');

  if (jwk.use !== undefined && jwk.use !== 'enc') return refuse('jwk.use must be enc');
  if (jwk.alg !== undefined && jwk.alg !== 'RSA1_5') return refuse('jwk.alg must be RSA1_5 when given');
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > MAX_KID_LENGTH)) {
    return refuse(`jwk.kid must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  }
  if (jwk.key_ops !== undefined) {
    const ops = jwk.key_ops;
    if (!Array.isArray(ops) || !ops.every((op) => typeof op === 'string')) return refuse('jwk.key_ops must be an array of strings');
    if (!ops.includes('wrapKey') && !ops.includes('encrypt')) return refuse('jwk.key_ops must include wrapKey or encrypt');
  }
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') return refuse('jwk.ext must be a boolean');

  const normalized: PublicRsaJwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
  if (typeof jwk.kid === 'string') normalized.kid = jwk.kid;
  if (typeof jwk.alg === 'string') normalized.alg = jwk.alg;
  if (typeof jwk.use === 'string') normalized.use = jwk.use;

  let key: KeyObject;
  try {
    key = crypto.createPublicKey({ key: { kty: 'RSA', n: normalized.n, e: normalized.e }, format: 'jwk' });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return refuse(`jwk is not a usable RSA public key: ${message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') return refuse('jwk is not a usable RSA public key');
  return { ok: true, key, jwk: normalized, bits: key.asymmetricKeyDetails?.modulusLength ?? bits };
}

/**
 * The RFC 7638 thumbprint of an RSA public key: SHA-256 over `{"e":…,"kty":"RSA","n":…}`, base64url
 * without padding. Two JWKs of the same key give the same thumbprint whatever their other members
 * (given `n` and `e` in minimal encoding, as `parsePublicJwk` returns them).
 */
export function jwkThumbprint(jwk: PublicRsaJwk): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return crypto.createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

function refuse(reason: string): JwkCheck {
  return { ok: false, reason };
}

/** Decodes a base64url unsigned integer member without its leading zero octets, or says what is wrong. */
function unsignedInteger(jwk: Record<string, unknown>, name: 'n' | 'e'): Buffer | string {
  const value = jwk[name];
  if (value === undefined) return `jwk.${name} is required`;
  if (typeof value !== 'string') return `jwk.${name} must be a string`;
  // A base64url text never leaves a single character in its last group of four.
  if (!BASE64URL.test(value) || value.length % 4 === 1) return `jwk.${name} is not base64url`;
  const bytes = Buffer.from(value, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return `jwk.${name} must not be zero`;
  return bytes.subarray(start);
}

/** The bit length of a big-endian integer whose first octet is not zero. */
function bitLength(bytes: Buffer): number {
  const first = bytes[0] ?? 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(first));
}

function isOdd(bytes: Buffer): boolean {
  return ((bytes[bytes.length - 1] ?? 0) & 1) === 1;
}
