/**
 * Classifies ASCII letter-and-digit words: PAN, GSTIN, IFSC, passport, voter id (EPIC) and IBAN.
 * PAN and GSTIN are specific enough to stand alone; IFSC, passport and EPIC numbers need a context word
 * because the shape alone also fits product codes and part numbers.
 */
import { gstinChecksumValid, IBAN_LENGTHS, ibanValid } from '../checksums';
import { IFSC_CONTEXT, PASSPORT_CONTEXT, VOTER_CONTEXT, windowAround, windowBefore } from '../context';
import type { PiiType } from '../types';

const PAN_HOLDER_TYPES = 'ABCFGHLJPT';

function isUpperAt(w: string, i: number): boolean {
  const c = w.charCodeAt(i);
  return c >= 0x41 && c <= 0x5a;
}

function isDigitAt(w: string, i: number): boolean {
  const c = w.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function allMatch(w: string, from: number, to: number, test: (w: string, i: number) => boolean): boolean {
  for (let i = from; i < to; i++) if (!test(w, i)) return false;
  return true;
}

/** `[A-Z]{5}[0-9]{4}[A-Z]` whose 4th letter is a holder type. */
export function panValid(w: string): boolean {
  return (
    w.length === 10 &&
    allMatch(w, 0, 5, isUpperAt) &&
    allMatch(w, 5, 9, isDigitAt) &&
    isUpperAt(w, 9) &&
    PAN_HOLDER_TYPES.includes(w.charAt(3))
  );
}

/** State code 01–38 or 97/99, a PAN, entity char, `Z`, and the Luhn mod 36 check char. */
export function gstinValid(w: string): boolean {
  if (w.length !== 15 || !isDigitAt(w, 0) || !isDigitAt(w, 1)) return false;
  const state = Number(w.slice(0, 2));
  if (!((state >= 1 && state <= 38) || state === 97 || state === 99)) return false;
  const entity = w.charCodeAt(12);
  const entityOk = (entity >= 0x31 && entity <= 0x39) || (entity >= 0x41 && entity <= 0x5a);
  return panValid(w.slice(2, 12)) && entityOk && w.charAt(13) === 'Z' && gstinChecksumValid(w);
}

/** `[A-Z]{4}0[A-Z0-9]{6}`. */
export function ifscShape(w: string): boolean {
  if (w.length !== 11 || !allMatch(w, 0, 4, isUpperAt) || w.charAt(4) !== '0') return false;
  return allMatch(w, 5, 11, (s, i) => isUpperAt(s, i) || isDigitAt(s, i));
}

function hasContext(text: string, start: number, end: number, re: RegExp): boolean {
  return re.test(windowBefore(text, start, 50)) || re.test(windowAround(text, end, end, 0, 25));
}

/** A type, a weak type (`~TYPE`: right shape, no context) or nothing. */
export type WordVerdict = PiiType | `~${PiiType}` | null;

/** Classifies one whole word; `start`/`end` locate it in `text` for the context test. */
export function classifyWord(text: string, start: number, end: number): WordVerdict {
  const w = text.slice(start, end);
  switch (w.length) {
    case 8:
      if (isUpperAt(w, 0) && allMatch(w, 1, 8, isDigitAt) && w.charAt(1) !== '0') {
        return hasContext(text, start, end, PASSPORT_CONTEXT) ? 'IN_PASSPORT' : '~IN_PASSPORT';
      }
      return null;
    case 10:
      if (panValid(w)) return 'IN_PAN';
      if (allMatch(w, 0, 3, isUpperAt) && allMatch(w, 3, 10, isDigitAt)) {
        return hasContext(text, start, end, VOTER_CONTEXT) ? 'IN_VOTER_ID' : '~IN_VOTER_ID';
      }
      return null;
    case 11:
      if (!ifscShape(w)) return null;
      return hasContext(text, start, end, IFSC_CONTEXT) ? 'IN_IFSC' : '~IN_IFSC';
    case 15:
      if (gstinValid(w)) return 'IN_GSTIN';
      break;
    default:
      break;
  }
  return ibanCompactValid(w) ? 'IBAN' : null;
}

function ibanCompactValid(w: string): boolean {
  return w.length >= 15 && isUpperAt(w, 0) && isUpperAt(w, 1) && isDigitAt(w, 2) && isDigitAt(w, 3) && ibanValid(w);
}

/**
 * For an IBAN printed in groups (`GB82 WEST 1234 5698 7654 32`): given the first word, returns the end offset of
 * the whole grouped IBAN, or -1. Only upper-case groups of 1–4 characters joined by one space are followed, and
 * never beyond the country's registered length, so the walk is bounded.
 */
export function groupedIbanEnd(text: string, start: number, firstEnd: number): number {
  if (firstEnd - start !== 4) return -1;
  const head = text.slice(start, firstEnd);
  if (!isUpperAt(head, 0) || !isUpperAt(head, 1) || !isDigitAt(head, 2) || !isDigitAt(head, 3)) return -1;
  const expected = IBAN_LENGTHS[head.slice(0, 2)];
  if (expected === undefined) return -1;
  let compact = head;
  let p = firstEnd;
  while (compact.length < expected && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0xa0)) {
    let q = p + 1;
    while (q < text.length && q - p - 1 < 4) {
      const c = text.charCodeAt(q);
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a))) break;
      q++;
    }
    if (q === p + 1) break;
    const after = text.charCodeAt(q);
    // The group must end on a non-word character, or it is the start of an unrelated word.
    if ((after >= 0x30 && after <= 0x39) || (after >= 0x41 && after <= 0x5a) || (after >= 0x61 && after <= 0x7a)) break;
    compact += text.slice(p + 1, q);
    p = q;
  }
  return compact.length === expected && ibanValid(compact) ? p : -1;
}
