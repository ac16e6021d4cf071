/**
 * The Merchant Card Service's card data, without a database or a server: the encryption a merchant
 * undoes to read a card (decrypted here as a merchant would, with node-forge and its private key),
 * which enrolled public keys are accepted and why the others are refused, the RFC 7638 thumbprint
 * that spots a key enrolled twice, and the numbers printed on a card: PAN, expiry, CVV and holder.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import forge from 'node-forge';
import { encryptCardData, jwkThumbprint, parsePublicJwk } from '../../src/modules/merchant-card/card-data.js';
import type { CardData, EncryptedCard, PublicRsaJwk } from '../../src/modules/merchant-card/card-data.js';
import {
  FALLBACK_HOLDER,
  TEST_BIN,
  cardExpiry,
  cardHolder,
  isLuhnValid,
  issueCardNumber,
  issueCvv,
  luhnCheckDigit,
} from '../../src/modules/merchant-card/card-numbers.js';
import type { CardBrand, RandomBytes } from '../../src/modules/merchant-card/card-numbers.js';

// ---------------------------------------------------------------------------------------------
// Factories

interface MerchantKeys {
  /** The public key as the merchant enrolls it. */
  jwk: JsonWebKey;
  /** The private key as the merchant keeps it, loaded in node-forge. */
  forgeKey: forge.pki.rsa.PrivateKey;
}

function merchantKeys(modulusLength: number): MerchantKeys {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { jwk: publicKey.export({ format: 'jwk' }), forgeKey: forge.pki.privateKeyFromPem(pem) };
}

const KEYS_2048 = merchantKeys(2048);
const OTHER_2048 = merchantKeys(2048);
const KEYS_4096 = merchantKeys(4096);
const JWK_1024 = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });

const CARD: CardData = { pan: '4111111234567897', expiry_date: '12/27', cvv: '042' };
const CARD_JSON = '{"pan":"4111111234567897","expiry_date":"12/27","cvv":"042"}';

/** The RFC 7638 section 3.1 example key and its SHA-256 thumbprint. */
const RFC7638_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3o' +
    'knjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZH' +
    'zu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEg' +
    'U8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

/** The merchant's key as the server loads it from the enrolled JWK. */
function enrolled(jwk: unknown): { key: KeyObject; jwk: PublicRsaJwk; bits: number } {
  const check = parsePublicJwk(jwk);
  if (!check.ok) assert.fail(`the key was refused: ${check.reason}`);
  return check;
}

function reasonFor(jwk: unknown): string {
  const check = parsePublicJwk(jwk);
  assert.equal(check.ok, false, 'the key should have been refused');
  return check.ok ? '' : check.reason;
}

/** Standard Base64 with padding, decoded strictly. */
function fromBase64(text: string): Buffer {
  assert.match(text, /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  return Buffer.from(text, 'base64');
}

/** What a merchant does with an encrypted card: unwrap the AES key (forge, PKCS#1 v1.5), then AES-128-CTR. */
function merchantDecrypts(encrypted: EncryptedCard, keys: MerchantKeys): { json: string; aesKey: Buffer } {
  const wrapped = fromBase64(encrypted.aes_key).toString('binary');
  const aesKey = Buffer.from(keys.forgeKey.decrypt(wrapped, 'RSAES-PKCS1-V1_5'), 'binary');
  assert.equal(aesKey.length, 16, 'the unwrapped key is a 128-bit AES key');
  const iv = fromBase64(encrypted.iv);
  assert.equal(iv.length, 16, 'the iv is one AES block');
  const decipher = crypto.createDecipheriv('aes-128-ctr', aesKey, iv);
  const plain = Buffer.concat([decipher.update(fromBase64(encrypted.pci_data)), decipher.final()]);
  return { json: plain.toString('utf8'), aesKey };
}

/** The bytes of a big-endian number of `bits` bits, odd and with its top bit set, as base64url. */
function oddNumberOfBits(bits: number): string {
  const bytes = crypto.randomBytes(Math.ceil(bits / 8));
  const topBit = (bits - 1) % 8;
  bytes[0] = ((bytes[0] ?? 0) & ((1 << (topBit + 1)) - 1)) | (1 << topBit);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 1;
  return bytes.toString('base64url');
}

/** A random source that hands out `bytes` in order (then zeros), however many each call asks for. */
function scripted(bytes: number[]): RandomBytes {
  let next = 0;
  return (n) => Buffer.from(Array.from({ length: n }, () => bytes[next++] ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Encryption

describe('encryptCardData: what the merchant decrypts', () => {
  it('decrypts with the merchant private key (PKCS#1 v1.5 unwrap, AES-128-CTR) to the card JSON, three members in order', () => {
    const { key } = enrolled(KEYS_2048.jwk);
    const { json } = merchantDecrypts(encryptCardData(key, CARD), KEYS_2048);
    assert.equal(json, CARD_JSON);
    assert.deepEqual(JSON.parse(json), CARD);
  });

  it('carries only pan, expiry_date and cvv, whatever else the object holds', () => {
    const { key } = enrolled(KEYS_2048.jwk);
    const card = { ...CARD, holder: 'ASA OBERG', token: 'secret' } as CardData;
    assert.equal(merchantDecrypts(encryptCardData(key, card), KEYS_2048).json, CARD_JSON);
  });

  it('uses a fresh AES key and iv every time: two encryptions of one card share no field', () => {
    const { key } = enrolled(KEYS_2048.jwk);
    const first = encryptCardData(key, CARD);
    const second = encryptCardData(key, CARD);
    assert.notEqual(first.aes_key, second.aes_key);
    assert.notEqual(first.iv, second.iv);
    assert.notEqual(first.pci_data, second.pci_data);
    const a = merchantDecrypts(first, KEYS_2048);
    const b = merchantDecrypts(second, KEYS_2048);
    assert.ok(!a.aesKey.equals(b.aesKey), 'the unwrapped AES keys differ');
    assert.equal(a.json, b.json);
  });

  it('has no padding: pci_data is exactly as long as the JSON, aes_key as long as the modulus', () => {
    const { key } = enrolled(KEYS_2048.jwk);
    const encrypted = encryptCardData(key, CARD);
    assert.equal(fromBase64(encrypted.pci_data).length, Buffer.byteLength(CARD_JSON));
    assert.equal(fromBase64(encrypted.aes_key).length, 256);
    assert.equal(fromBase64(encrypted.iv).length, 16);
  });

  it('works with a 4096-bit key (a 512-byte aes_key)', () => {
    const { key, bits } = enrolled(KEYS_4096.jwk);
    assert.equal(bits, 4096);
    const encrypted = encryptCardData(key, CARD);
    assert.equal(fromBase64(encrypted.aes_key).length, 512);
    assert.equal(merchantDecrypts(encrypted, KEYS_4096).json, CARD_JSON);
  });

  it('cannot be read with another merchant key', () => {
    const { key } = enrolled(KEYS_2048.jwk);
    const encrypted = encryptCardData(key, CARD);
    assert.throws(() => merchantDecrypts(encrypted, OTHER_2048));
  });

  it('refuses a key that is not RSA', () => {
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => encryptCardData(publicKey, CARD), TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Enrolled keys

describe('parsePublicJwk: the keys a merchant may enroll', () => {
  it('accepts a 2048-bit RSA public JWK as Node or a browser exports it, and reports its size', () => {
    const check = enrolled(KEYS_2048.jwk);
    assert.equal(check.bits, 2048);
    assert.deepEqual(check.jwk, { kty: 'RSA', n: KEYS_2048.jwk.n, e: KEYS_2048.jwk.e });
    assert.equal(check.key.type, 'public');
    assert.equal(check.key.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('accepts use "enc", alg "RSA1_5", kid, key_ops and ext, and keeps only kty, n, e, kid, alg and use', () => {
    const check = enrolled({
      ...KEYS_2048.jwk,
      kid: 'merchant-key-1',
      alg: 'RSA1_5',
      use: 'enc',
      key_ops: ['wrapKey', 'encrypt'],
      ext: true,
      x5t: 'ignored',
    });
    assert.deepEqual(check.jwk, {
      kty: 'RSA',
      n: KEYS_2048.jwk.n,
      e: KEYS_2048.jwk.e,
      kid: 'merchant-key-1',
      alg: 'RSA1_5',
      use: 'enc',
    });
  });

  it('accepts a modulus sent with a leading zero octet, counting 2048 bits and storing the minimal n', () => {
    const n = Buffer.concat([Buffer.from([0]), Buffer.from(KEYS_2048.jwk.n ?? '', 'base64url')]).toString('base64url');
    const check = enrolled({ ...KEYS_2048.jwk, n });
    assert.equal(check.bits, 2048);
    assert.equal(check.jwk.n, KEYS_2048.jwk.n);
    assert.equal(jwkThumbprint(check.jwk), jwkThumbprint(enrolled(KEYS_2048.jwk).jwk));
  });

  it('refuses what is not a JSON object', () => {
    for (const input of [null, undefined, 'RSA', 42, [], [KEYS_2048.jwk]]) {
      assert.equal(reasonFor(input), 'jwk must be a JSON object');
    }
  });

  it('refuses a kty other than RSA', () => {
    assert.equal(reasonFor({ ...KEYS_2048.jwk, kty: 'EC' }), 'jwk.kty must be RSA');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, kty: 'rsa' }), 'jwk.kty must be RSA');
    assert.equal(reasonFor({ n: KEYS_2048.jwk.n, e: KEYS_2048.jwk.e }), 'jwk.kty must be RSA');
  });

  it('refuses a private key, naming the members to remove', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(
      reasonFor(privateKey.export({ format: 'jwk' })),
      'jwk must be a public key: remove the private members (d, p, q, dp, dq, qi)',
    );
    assert.equal(reasonFor({ ...KEYS_2048.jwk, d: 'AQAB' }), 'jwk must be a public key: remove the private members (d)');
  });

  it('refuses a missing, non-string or non-base64url n or e', () => {
    const { n: _n, ...withoutN } = KEYS_2048.jwk;
    const { e: _e, ...withoutE } = KEYS_2048.jwk;
    const n = KEYS_2048.jwk.n ?? '';
    assert.equal(reasonFor(withoutN), 'jwk.n is required');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: 12345 }), 'jwk.n must be a string');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: '' }), 'jwk.n is not base64url');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: Buffer.from(n, 'base64url').toString('base64') }), 'jwk.n is not base64url');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: `${n}=` }), 'jwk.n is not base64url');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: `${n.slice(0, 100)} ${n.slice(100)}` }), 'jwk.n is not base64url');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: 'AAAA' }), 'jwk.n must not be zero');
    assert.equal(reasonFor(withoutE), 'jwk.e is required');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, e: 65537 }), 'jwk.e must be a string');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, e: 'AQAB=' }), 'jwk.e is not base64url');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, e: 'AQABA' }), 'jwk.e is not base64url');
  });

  it('refuses a modulus under 2048 bits, saying how many it has', () => {
    assert.equal(reasonFor(JWK_1024), 'the key must be at least 2048 bits (got 1024)');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: oddNumberOfBits(2047) }), 'the key must be at least 2048 bits (got 2047)');
  });

  it('refuses a modulus over 8192 bits', () => {
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: oddNumberOfBits(8200) }), 'the key must be at most 8192 bits (got 8200)');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: oddNumberOfBits(16384) }), 'the key must be at most 8192 bits (got 16384)');
  });

  it('refuses an even modulus', () => {
    const n = Buffer.from(KEYS_2048.jwk.n ?? '', 'base64url');
    n[n.length - 1] = (n[n.length - 1] ?? 0) & 0xfe;
    assert.equal(reasonFor({ ...KEYS_2048.jwk, n: n.toString('base64url') }), 'jwk.n is not an RSA modulus (it is even)');
  });

  it('refuses an exponent that is even, under 3 or over 64 bits', () => {
    const exponent = (value: bigint) => Buffer.from(value.toString(16).padStart(2, '0').replace(/^(.(..)*)$/, '0$1'), 'hex').toString('base64url');
    assert.equal(exponent(65537n), 'AQAB');
    for (const e of [1n, 2n, 65536n, 0x8000000000000000n]) {
      assert.equal(reasonFor({ ...KEYS_2048.jwk, e: exponent(e) }), 'jwk.e must be an odd exponent of at least 3', `e = ${e}`);
    }
    assert.equal(reasonFor({ ...KEYS_2048.jwk, e: exponent(0x10000000000000001n) }), 'jwk.e must be at most 64 bits');
    assert.equal(enrolled({ ...KEYS_2048.jwk, e: exponent(3n) }).bits, 2048);
  });

  it('refuses use other than enc, and alg other than RSA1_5', () => {
    assert.equal(reasonFor({ ...KEYS_2048.jwk, use: 'sig' }), 'jwk.use must be enc');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, use: null }), 'jwk.use must be enc');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, alg: 'RSA-OAEP-256' }), 'jwk.alg must be RSA1_5 when given');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, alg: 'RS256' }), 'jwk.alg must be RSA1_5 when given');
  });

  it('refuses a malformed kid, key_ops or ext', () => {
    assert.equal(reasonFor({ ...KEYS_2048.jwk, kid: 7 }), 'jwk.kid must be a string of 1 to 256 characters');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, kid: '' }), 'jwk.kid must be a string of 1 to 256 characters');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, kid: 'k'.repeat(257) }), 'jwk.kid must be a string of 1 to 256 characters');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, key_ops: 'encrypt' }), 'jwk.key_ops must be an array of strings');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, key_ops: ['verify'] }), 'jwk.key_ops must include wrapKey or encrypt');
    assert.equal(reasonFor({ ...KEYS_2048.jwk, ext: 'true' }), 'jwk.ext must be a boolean');
  });
});

describe('jwkThumbprint', () => {
  it("gives RFC 7638's example thumbprint for its example key", () => {
    assert.equal(jwkThumbprint({ kty: 'RSA', n: RFC7638_JWK.n, e: RFC7638_JWK.e }), RFC7638_THUMBPRINT);
    // The example's alg (RS256) is a signing one, so enroll it without.
    const { alg: _alg, ...withoutAlg } = RFC7638_JWK;
    assert.equal(jwkThumbprint(enrolled(withoutAlg).jwk), RFC7638_THUMBPRINT);
  });

  it('is the same for one key whatever its kid, alg or use, and differs between keys', () => {
    const plain = jwkThumbprint(enrolled(KEYS_2048.jwk).jwk);
    const dressed = jwkThumbprint(enrolled({ ...KEYS_2048.jwk, kid: 'k1', alg: 'RSA1_5', use: 'enc' }).jwk);
    assert.equal(dressed, plain);
    assert.notEqual(jwkThumbprint(enrolled(OTHER_2048.jwk).jwk), plain);
    assert.match(plain, /^[A-Za-z0-9_-]{43}$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Card numbers

describe('Luhn', () => {
  it('accepts well-known valid numbers and refuses altered ones', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '79927398713', '0000000000000000']) {
      assert.equal(isLuhnValid(pan), true, pan);
    }
    for (const pan of ['4111111111111112', '5555555555554445', '79927398710', '4111111111111121']) {
      assert.equal(isLuhnValid(pan), false, pan);
    }
  });

  it('refuses anything but two or more digits', () => {
    for (const pan of ['', '0', '4111 1111 1111 1111', '4111-1111-1111-1111', '411111111111111a', ' 4111111111111111']) {
      assert.equal(isLuhnValid(pan), false, JSON.stringify(pan));
    }
  });

  it('detects every single-digit error', () => {
    const pan = '4111111111111111';
    for (let i = 0; i < pan.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const altered = pan.slice(0, i) + String(d) + pan.slice(i + 1);
        assert.equal(isLuhnValid(altered), altered === pan, altered);
      }
    }
  });

  it('computes the check digit that makes the number valid', () => {
    assert.equal(luhnCheckDigit('411111111111111'), '1');
    assert.equal(luhnCheckDigit('555555555555444'), '4');
    assert.equal(luhnCheckDigit('7992739871'), '3');
    assert.throws(() => luhnCheckDigit(''), RangeError);
    assert.throws(() => luhnCheckDigit('4111x'), RangeError);
  });
});

describe('issueCardNumber', () => {
  const BRANDS: CardBrand[] = ['VISA', 'MASTERCARD'];

  it('issues 16-digit, Luhn-valid PANs in the brand test range', () => {
    assert.deepEqual(TEST_BIN, { VISA: '411111', MASTERCARD: '555555' });
    for (const brand of BRANDS) {
      for (let i = 0; i < 200; i++) {
        const pan = issueCardNumber(brand);
        assert.match(pan, /^[0-9]{16}$/);
        assert.ok(pan.startsWith(TEST_BIN[brand]), pan);
        assert.ok(isLuhnValid(pan), pan);
      }
    }
  });

  it('rarely repeats itself: 1000 draws are (nearly) all distinct', () => {
    for (const brand of BRANDS) {
      const pans = new Set(Array.from({ length: 1000 }, () => issueCardNumber(brand)));
      assert.ok(pans.size >= 995, `${brand}: ${pans.size} distinct`);
    }
  });

  it('skips random bytes of 250 and above, so that every digit is equally likely', () => {
    const pan = issueCardNumber('VISA', scripted([255, 9, 250, 18, 27, 251, 36, 45, 54, 63, 72, 81]));
    assert.equal(pan.slice(0, 15), '411111987654321');
    assert.ok(isLuhnValid(pan));
    assert.equal(pan, `411111987654321${luhnCheckDigit('411111987654321')}`);
  });

  it('gives up on a random source that only yields unusable bytes', () => {
    assert.throws(() => issueCardNumber('VISA', (n) => Buffer.alloc(n, 255)), /random source/);
  });
});

describe('cardExpiry', () => {
  it('is MM/YY of the UTC month the given number of months later', () => {
    assert.equal(cardExpiry(Date.UTC(2026, 11, 6), 12), '12/27');
    assert.equal(cardExpiry(Date.UTC(2026, 2, 15), 0), '03/26');
    assert.equal(cardExpiry(Date.UTC(2026, 0, 31), 1), '02/26', 'no overflow into March from January 31');
  });

  it('crosses year boundaries and pads the month', () => {
    assert.equal(cardExpiry(Date.UTC(2026, 10, 30), 2), '01/27');
    assert.equal(cardExpiry(Date.UTC(2026, 7, 1), 36), '08/29');
    assert.equal(cardExpiry(Date.UTC(2099, 5, 1), 12), '06/00');
  });

  it('counts from the UTC month, not the server time zone', () => {
    assert.equal(cardExpiry(Date.UTC(2026, 11, 31, 23, 59), 1), '01/27');
    assert.equal(cardExpiry(Date.UTC(2027, 0, 1, 0, 1), 1), '02/27');
  });

  it('refuses a time or month count that is not a whole number', () => {
    assert.throws(() => cardExpiry(Number.NaN, 12), RangeError);
    assert.throws(() => cardExpiry(Date.UTC(2026, 0, 1), 1.5), RangeError);
  });
});

describe('issueCvv', () => {
  it('is 3 digits, leading zeros kept', () => {
    for (let i = 0; i < 200; i++) assert.match(issueCvv(), /^[0-9]{3}$/);
    assert.equal(issueCvv(scripted([0, 250, 10, 7])), '007');
  });

  it('spreads evenly over the digits', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 10000; i++) {
      for (const ch of issueCvv()) counts[Number(ch)] = (counts[Number(ch)] ?? 0) + 1;
    }
    // 30000 digits: 3000 of each expected, a standard deviation of about 52.
    for (const [digit, count] of counts.entries()) assert.ok(Math.abs(count - 3000) < 300, `digit ${digit}: ${count}`);
  });
});

describe('cardHolder', () => {
  it('is GIVEN FAMILY in upper case, accents removed', () => {
    assert.equal(cardHolder('Åsa', 'Öberg'), 'ASA OBERG');
    assert.equal(cardHolder('José María', 'Núñez'), 'JOSE MARIA NUNEZ');
    assert.equal(cardHolder('Zoë', 'Brontë-Čapek'), 'ZOE BRONTE-CAPEK');
  });

  it('spells out letters that have no accent to strip', () => {
    assert.equal(cardHolder('Søren', 'Ødegård'), 'SOREN ODEGARD');
    assert.equal(cardHolder('Jürgen', 'Weiß'), 'JURGEN WEISS');
    assert.equal(cardHolder('Ægir', 'Łukasiewicz'), 'AEGIR LUKASIEWICZ');
  });

  it("keeps printable ASCII such as hyphens and apostrophes, drops everything else", () => {
    assert.equal(cardHolder('Anne-Marie', "O'Brien"), "ANNE-MARIE O'BRIEN");
    assert.equal(cardHolder('An\u0000na', 'Svens\u200bson 🙂'), 'ANNA SVENSSON');
    assert.equal(cardHolder('王', 'Smith'), 'SMITH');
  });

  it('collapses whitespace and copes with a missing part', () => {
    assert.equal(cardHolder('  Anna\t\n Lena ', ' Svensson\u00a0 '), 'ANNA LENA SVENSSON');
    assert.equal(cardHolder(undefined, 'Svensson'), 'SVENSSON');
    assert.equal(cardHolder('Anna', undefined), 'ANNA');
  });

  it('is at most 26 characters, cut after the last whole word that fits', () => {
    assert.equal(cardHolder('Maximilian Alexander', 'von Hohenzollern-Sigmaringen'), 'MAXIMILIAN ALEXANDER VON');
    assert.equal(cardHolder('Anna Lena Maria', 'Andersson'), 'ANNA LENA MARIA ANDERSSON');
    const exactly26 = cardHolder('Abcdefghijkl', 'Mnopqrstuvwxy');
    assert.equal(exactly26, 'ABCDEFGHIJKL MNOPQRSTUVWXY');
    assert.equal(exactly26.length, 26);
    assert.equal(cardHolder('Wolfeschlegelsteinhausenbergerdorff', 'Sr'), 'WOLFESCHLEGELSTEINHAUSENBE');
    for (const [given, family] of [['Maria del Carmen', 'Fernández de Córdoba'], ['A', 'B'.repeat(40)]] as const) {
      assert.ok(cardHolder(given, family).length <= 26);
    }
  });

  it('falls back to KLARNA VIRTUAL CARD when nothing printable is left', () => {
    assert.equal(FALLBACK_HOLDER, 'KLARNA VIRTUAL CARD');
    assert.equal(cardHolder(undefined, undefined), FALLBACK_HOLDER);
    assert.equal(cardHolder('', '   '), FALLBACK_HOLDER);
    assert.equal(cardHolder('Иван', 'Петров'), FALLBACK_HOLDER);
  });
});
