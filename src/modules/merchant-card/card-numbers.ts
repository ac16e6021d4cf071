/**
 * The numbers on a virtual card: PAN, expiry, CVV and the embossed holder name. Pure code; the
 * random source is a parameter so that tests can fix it.
 *
 * PANs come only from well-known issuer test ranges, which payment networks never give to real
 * cards, so a number issued here can never charge anybody.
 */
import crypto from 'node:crypto';
import type { CardBrand } from '../merchants/merchant.js';

export type { CardBrand };

/** A source of random bytes: `n` bytes per call (the default is `crypto.randomBytes`). */
export type RandomBytes = (n: number) => Buffer;

/** The test BIN each brand's PANs start with: Visa's 411111 family and Mastercard's 555555. */
export const TEST_BIN: Record<CardBrand, string> = { VISA: '411111', MASTERCARD: '555555' };

/** The length of every PAN issued here. */
export const PAN_LENGTH = 16;
/** The embossed name's longest length, and what is embossed when the shopper's name leaves nothing. */
export const MAX_HOLDER_LENGTH = 26;
export const FALLBACK_HOLDER = 'KLARNA VIRTUAL CARD';

const DIGITS = /^[0-9]+$/;

/**
 * The Luhn (mod 10) check digit to append to `digits` (a non-empty string of decimal digits) so
 * that the whole passes `isLuhnValid`. Throws a RangeError on anything else.
 */
export function luhnCheckDigit(digits: string): string {
  if (!DIGITS.test(digits)) throw new RangeError('luhnCheckDigit needs a non-empty string of digits');
  return String((10 - (luhnSum(digits, true) % 10)) % 10);
}

/** Whether `pan` is two or more decimal digits (nothing else) whose Luhn checksum is right. */
export function isLuhnValid(pan: string): boolean {
  return pan.length >= 2 && DIGITS.test(pan) && luhnSum(pan, false) % 10 === 0;
}

/**
 * A new 16-digit PAN of `brand`: its test BIN, 9 uniformly random digits and the Luhn check digit.
 * Always Luhn valid; never a real card.
 */
export function issueCardNumber(brand: CardBrand, random: RandomBytes = crypto.randomBytes): string {
  const bin = TEST_BIN[brand];
  const body = bin + randomDigits(PAN_LENGTH - 1 - bin.length, random);
  return body + luhnCheckDigit(body);
}

/**
 * The expiry printed on a card issued at `issuedAt` (epoch ms) and valid `months` whole months:
 * "MM/YY" of the UTC calendar month `months` after the issuing month (issued in December 2026 for 12
 * months: "12/27"). Throws a RangeError on a time that is not finite or a month count that is not an
 * integer.
 */
export function cardExpiry(issuedAt: number, months: number): string {
  if (!Number.isFinite(issuedAt) || !Number.isInteger(months)) {
    throw new RangeError('cardExpiry needs a finite time and a whole number of months');
  }
  const issued = new Date(issuedAt);
  const monthIndex = issued.getUTCFullYear() * 12 + issued.getUTCMonth() + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  return `${String(month).padStart(2, '0')}/${String(((year % 100) + 100) % 100).padStart(2, '0')}`;
}

/** A new CVV: 3 uniformly random decimal digits (leading zeros kept). */
export function issueCvv(random: RandomBytes = crypto.randomBytes): string {
  return randomDigits(3, random);
}

/**
 * The holder name as embossed on the card: "GIVEN FAMILY" in upper case, printable ASCII only
 * (accents removed, a few letters spelled out: Ø→O, Æ→AE, ß→SS, …; anything else outside printable
 * ASCII dropped), whitespace collapsed to single spaces, at most 26 characters (cut after the last
 * whole word that fits, or inside the first word when even that is too long). When nothing is left,
 * "KLARNA VIRTUAL CARD".
 */
export function cardHolder(givenName: string | undefined, familyName: string | undefined): string {
  const raw = [givenName ?? '', familyName ?? ''].join(' ');
  const ascii = raw
    .replace(/\s+/gu, ' ')
    .replace(/[^\s]/gu, (ch) => SPELLED_OUT[ch] ?? ch)
    .toUpperCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ +/g, ' ')
    .trim();
  const name = fitWords(ascii, MAX_HOLDER_LENGTH);
  return name === '' ? FALLBACK_HOLDER : name;
}

/** Letters that decomposition does not reduce to ASCII, with their usual spelling on cards. */
const SPELLED_OUT: Record<string, string> = {
  Ø: 'O', ø: 'o', Æ: 'AE', æ: 'ae', Œ: 'OE', œ: 'oe', ß: 'ss', ẞ: 'SS',
  Đ: 'D', đ: 'd', Ð: 'D', ð: 'd', Ł: 'L', ł: 'l', Þ: 'TH', þ: 'th', ı: 'i', Ħ: 'H', ħ: 'h',
};

/** `text` cut to at most `max` characters: whole words when the first one fits, else a hard cut. */
function fitWords(text: string, max: number): string {
  if (text.length <= max) return text;
  let fitted = '';
  for (const word of text.split(' ')) {
    const next = fitted === '' ? word : `${fitted} ${word}`;
    if (next.length > max) break;
    fitted = next;
  }
  return fitted === '' ? text.slice(0, max).trimEnd() : fitted;
}

/**
 * `count` uniformly random decimal digits: bytes of 250 and above are dropped (250 is the largest
 * multiple of 10 in a byte), so each digit is equally likely.
 */
function randomDigits(count: number, random: RandomBytes): string {
  let out = '';
  for (let round = 0; out.length < count; round++) {
    if (round >= 100) throw new Error('the random source keeps giving unusable bytes');
    for (const byte of random(count - out.length + 2)) {
      if (byte < 250) out += String(byte % 10);
      if (out.length === count) break;
    }
  }
  return out;
}

/**
 * The Luhn sum of `digits`: from the right, every second digit doubled (minus 9 above 9). With
 * `doubleFirst`, the rightmost digit is doubled (the check digit is still to come).
 */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}
