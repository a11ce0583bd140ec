/**
 * Check-digit algorithms. All take ASCII strings already stripped of separators and return false
 * (never throw) on characters outside their alphabet.
 */

const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

function digitAt(digits: string, i: number): number {
  const d = digits.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Verhoeff check (Aadhaar): true when the last digit is the correct check digit. */
export function verhoeffValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digitAt(digits, digits.length - 1 - i);
    if (d < 0) return false;
    c = VERHOEFF_D[c]?.[VERHOEFF_P[i % 8]?.[d] ?? 0] ?? 0;
  }
  return c === 0;
}

/** Computes the Verhoeff check digit for a payload (used by test generators). */
export function verhoeffCheckDigit(payload: string): number {
  for (let d = 0; d <= 9; d++) if (verhoeffValid(payload + String(d))) return d;
  return -1;
}

/** Luhn mod 10 (cards, Emirates ID, Saudi national id). */
export function luhnValid(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digitAt(digits, i);
    if (d < 0) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Computes the GSTIN check character (Luhn mod 36 over `0-9A-Z`) for the first 14 characters. */
export function gstinCheckChar(first14: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < first14.length; i++) {
    const v = BASE36.indexOf(first14.charAt(i));
    if (v < 0) return undefined;
    const product = v * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return BASE36.charAt((36 - (sum % 36)) % 36);
}

/** Luhn mod 36 check of a 15-character GSTIN. */
export function gstinChecksumValid(gstin: string): boolean {
  return gstin.length === 15 && gstinCheckChar(gstin.slice(0, 14)) === gstin.charAt(14);
}

/** IBAN total length per country (ISO 13616 registry, SWIFT release). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** ISO 7064 mod 97-10 over a compact upper-case IBAN, with the country's registered length. */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      remainder = (remainder * 10 + (code - 0x30)) % 97;
    } else if (code >= 0x41 && code <= 0x5a) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

/** True when a card number's prefix and length belong to a known scheme (Visa, Mastercard, Amex, Discover, Diners, JCB, RuPay). */
export function cardIinValid(digits: string): boolean {
  const len = digits.length;
  const p1 = Number(digits.slice(0, 1));
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (p1 === 4) return len === 13 || len === 16 || len === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return len === 16;
  if (p2 === 34 || p2 === 37) return len === 15;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return len >= 16 && len <= 19;
  if (p2 === 36) return len >= 14 && len <= 19;
  if (p3 >= 300 && p3 <= 305) return len >= 14 && len <= 19;
  if (p4 >= 3528 && p4 <= 3589) return len >= 16 && len <= 19;
  // RuPay: weakly sourced ranges, so only the 16-digit form is accepted.
  if (p2 === 60 || p2 === 81 || p2 === 82 || p3 === 508) return len === 16;
  return false;
}

/** Luhn plus scheme prefix and length. */
export function creditCardValid(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && cardIinValid(digits) && luhnValid(digits);
}
