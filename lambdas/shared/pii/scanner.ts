/**
 * Single-pass candidate scanner for digit and letter runs. It walks the text once with `charCodeAt`, skipping
 * whole words at a time, and hands each candidate run to a validator. Every character is consumed by at most one
 * run, and validators look at bounded windows, so the cost is linear in the text length whatever the input.
 */
import { isWordChar } from './chars';
import { classifyWord, groupedIbanEnd } from './detectors/alnum';
import { type EmitCandidate, emitNumberChunk, type NumberChunk, type NumberGroup } from './detectors/numeric';
import type { PiiType } from './types';

const PLUS = 0x2b;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DOT = 0x2e;
const SLASH = 0x2f;
const COLON = 0x3a;
/** A run longer than this many digit groups is not one value; reading stops there and resumes as a new run. */
const MAX_GROUPS_PER_CHUNK = 24;

// Character classes of ASCII code units, looked up in the hot loop. The helpers below are deliberately local to
// this module: calls across module boundaries are not always inlined (e.g. through esbuild's export getters).
const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
const OPENER = 4;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) ASCII_CLASS[c] = LOWER;
for (let c = 0x41; c <= 0x5a; c++) ASCII_CLASS[c] = UPPER;
for (let c = 0x30; c <= 0x39; c++) ASCII_CLASS[c] = DIGIT;
ASCII_CLASS[PLUS] = OPENER;
ASCII_CLASS[LPAREN] = OPENER;

function isNativeDigit(c: number): boolean {
  return (c >= 0x660 && c <= 0x669) || (c >= 0x6f0 && c <= 0x6f9) || (c >= 0x966 && c <= 0x96f);
}

function classOf(c: number): number {
  if (c < 128) return ASCII_CLASS[c] ?? OTHER;
  return isNativeDigit(c) ? DIGIT : OTHER;
}

function isDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x660 && isNativeDigit(c));
}

function digitValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c <= 0x669) return c - 0x660;
  if (c <= 0x6f9) return c - 0x6f0;
  return c - 0x966;
}

function isGroupSeparator(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0x2d ||
    c === 0xa0 ||
    c === 0x202f ||
    c === 0x2007 ||
    c === 0x2009 ||
    (c >= 0x2010 && c <= 0x2013)
  );
}

/** Characters that glue two words into one token (`a-1`, `v1.2`, `x/1`, `a_1`, `id@1`). */
function isJoiner(c: number): boolean {
  return c === 0x2d || c === DOT || c === SLASH || c === 0x5f || c === 0x2011 || c === 0x40;
}

/** True when a value may start at `i`: not glued to a preceding word. */
export function leftBoundary(text: string, i: number): boolean {
  if (i === 0) return true;
  const prev = text.charCodeAt(i - 1);
  if (isWordChar(prev)) return false;
  return !(isJoiner(prev) && i >= 2 && isWordChar(text.charCodeAt(i - 2)));
}

/** True when a value may end at `end`: not glued to a following word. A `:port` or `/path` may follow an IPv4. */
export function rightBoundary(text: string, end: number, dotted: boolean): boolean {
  if (end >= text.length) return true;
  const next = text.charCodeAt(end);
  if (isWordChar(next)) return false;
  if (end + 1 >= text.length || !isWordChar(text.charCodeAt(end + 1))) return true;
  if (next === COLON) return dotted && isDigit(text.charCodeAt(end + 1));
  if (next === SLASH) return dotted;
  return !isJoiner(next);
}

/** End of the run of digits (ASCII or native) starting at `i`. */
function digitsEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x660 && isNativeDigit(c)))) break;
    j++;
  }
  return j;
}

/** The digits `text[from, to)` (ASCII or native) as ASCII; a plain slice when they are ASCII already. */
function asciiDigitsOf(text: string, from: number, to: number): string {
  let ascii = true;
  for (let k = from; k < to && ascii; k++) ascii = text.charCodeAt(k) <= 0x39;
  if (ascii) return text.slice(from, to);
  let digits = '';
  for (let k = from; k < to; k++) digits += String.fromCharCode(0x30 + digitValue(text.charCodeAt(k)));
  return digits;
}

/** A digit group at `i`, optionally wrapped in parentheses. Its digits are sliced only once it is known valid. */
function readGroup(text: string, i: number, groupStart: number): NumberGroup | null {
  const paren = text.charCodeAt(i) === LPAREN;
  const from = paren ? i + 1 : i;
  const end = digitsEnd(text, from);
  if (end === from) return null;
  if (!paren) return { start: groupStart, end, digits: asciiDigitsOf(text, from, end) };
  return text.charCodeAt(end) === RPAREN
    ? { start: groupStart, end: end + 1, digits: asciiDigitsOf(text, from, end) }
    : null;
}

/** Reads digit groups joined by single separators, starting at a digit, `+`, `(` or `(+`. */
function readNumberChunk(text: string, i: number): NumberChunk | null {
  let plus = false;
  let first: NumberGroup | null;
  const c = text.charCodeAt(i);
  if (c === PLUS) {
    plus = true;
    first = readGroup(text, i + 1, i);
  } else if (c === LPAREN && text.charCodeAt(i + 1) === PLUS) {
    plus = true;
    const innerEnd = digitsEnd(text, i + 2);
    first =
      innerEnd > i + 2 && text.charCodeAt(innerEnd) === RPAREN
        ? { start: i, end: innerEnd + 1, digits: asciiDigitsOf(text, i + 2, innerEnd) }
        : null;
  } else {
    first = readGroup(text, i, i);
  }
  if (first === null) return null;
  const groups: NumberGroup[] = [first];
  const seps: number[] = [];
  let p = first.end;
  const n = text.length;
  while (p < n && groups.length < MAX_GROUPS_PER_CHUNK) {
    const sep = text.charCodeAt(p);
    const last = groups[groups.length - 1];
    if (last !== undefined && text.charCodeAt(last.end - 1) === RPAREN && isDigit(sep)) {
      // `(415)555-2671`: the closing parenthesis is the separator.
      const g = readGroup(text, p, p);
      if (g === null) break;
      groups.push(g);
      seps.push(0x20);
      p = g.end;
      continue;
    }
    const loose = isGroupSeparator(sep);
    if (!loose && sep !== DOT && sep !== SLASH) break;
    const q = p + 1;
    const after = text.charCodeAt(q);
    if (!(isDigit(after) || (loose && after === LPAREN && isDigit(text.charCodeAt(q + 1))))) break;
    const g = readGroup(text, q, q);
    // A group glued to letters starts another token (`… 3633 30IYTGY5238R1ZM`): leave it to the word scanner.
    if (g === null || (g.end < n && isWordChar(text.charCodeAt(g.end)))) break;
    groups.push(g);
    seps.push(sep);
    p = g.end;
  }
  const lastGroup = groups[groups.length - 1] ?? first;
  return { start: i, end: lastGroup.end, plus, groups, seps };
}

/**
 * Per code unit flags for the hot loop, over all 65,536 code units so that the loop needs no `c < 128` branch:
 * {@link F_RUN} for the characters a word run is made of (ASCII letters and digits, native digits),
 * {@link F_START} for those that start a candidate when not inside a run (upper-case letters, digits), and
 * {@link F_OPENER} for `+` and `(`, which may open a number anywhere.
 */
const F_RUN = 1;
const F_START = 2;
const F_OPENER = 4;
/** An ASCII letter; an ASCII digit (native digits have neither bit). */
const F_ASCII_LETTER = 8;
const F_ASCII_DIGIT = 16;
const FLAGS = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  const k = classOf(c);
  if (k === LOWER) FLAGS[c] = F_RUN | F_ASCII_LETTER;
  else if (k === UPPER) FLAGS[c] = F_RUN | F_START | F_ASCII_LETTER;
  else if (k === DIGIT) FLAGS[c] = F_RUN | F_START | (c < 128 ? F_ASCII_DIGIT : 0);
  else if (k === OPENER) FLAGS[c] = F_OPENER;
}

/**
 * Emits candidates for numbers and ASCII letter-digit words.
 * Lower-case words cannot start any built-in identifier, so the whole run after a lower-case letter is skipped;
 * an upper-case letter or digit is a candidate only at the start of a run (or where a handler resumed), and `+`
 * or `(` wherever the loop meets it. The loop tests that with one table load and one rarely taken branch per
 * character: `mask` lets through openers always and run starts only when the previous character ended a run.
 */
export function scanRuns(text: string, emit: EmitCandidate): void {
  const n = text.length;
  const flags = FLAGS;
  let i = 0;
  while (i < n) {
    // Where scanning (re)starts, the character is judged on its own, as at the start of a run.
    let mask = F_START | F_OPENER;
    let f = 0;
    for (; i < n; i++) {
      f = flags[text.charCodeAt(i)] as number;
      if ((f & mask) !== 0) break;
      // Branch-free: after a run character (F_RUN << 1 === F_START) only an opener stops the loop.
      mask = (F_START | F_OPENER) ^ ((f & F_RUN) << 1);
    }
    if (i >= n) break;
    if (f & F_OPENER) {
      const c = text.charCodeAt(i);
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      const opens = isDigit(next) || (c === LPAREN && next === PLUS);
      i = opens ? scanNumber(text, i, emit, i + 1) : i + 1;
    } else {
      i = scanWord(text, i, emit);
    }
  }
}

/** Handles a run that starts with an upper-case letter or a digit; returns where scanning resumes. */
function scanWord(text: string, i: number, emit: EmitCandidate): number {
  // One pass finds the end of the run and whether it holds ASCII letters and digits.
  const n = text.length;
  const flags = FLAGS;
  let end = i;
  let seen = 0;
  while (end < n) {
    const f = flags[text.charCodeAt(end)] as number;
    if ((f & F_RUN) === 0) break;
    seen |= f;
    end++;
  }
  if (((flags[text.charCodeAt(i)] as number) & F_ASCII_LETTER) === 0) {
    // Starts with a digit.
    if ((seen & F_ASCII_LETTER) === 0) return scanNumber(text, i, emit, end);
    // Of the letter-and-digit identifiers only a GSTIN (15 characters) starts with a digit.
    if (end - i !== 15) return end;
  } else if (end - i < 4 || (seen & F_ASCII_DIGIT) === 0) {
    // Every letter-and-digit identifier has digits; plain capitalised words are the common case here.
    return end;
  }
  if (!leftBoundary(text, i)) return end;
  const ibanEnd = groupedIbanEnd(text, i, end);
  if (ibanEnd > 0 && rightBoundary(text, ibanEnd, false)) {
    emit('IBAN', i, ibanEnd);
    return ibanEnd;
  }
  if (rightBoundary(text, end, false)) {
    const verdict = classifyWord(text, i, end);
    if (verdict !== null) {
      const weak = verdict.charCodeAt(0) === 0x7e;
      emit((weak ? verdict.slice(1) : verdict) as PiiType, i, end, weak);
    }
  }
  return end;
}

/** Reads and classifies a number chunk at `i`; returns where scanning resumes (never before `minNext`). */
function scanNumber(text: string, i: number, emit: EmitCandidate, minNext: number): number {
  // Fast path: a lone run of fewer than 9 digits (years, counts, latencies) is never an entity on its own.
  // The run is one group unless a separator and another digit group follow it (see readNumberChunk).
  if (minNext - i < 9 && classOf(text.charCodeAt(i)) === DIGIT) {
    const next = minNext < text.length ? text.charCodeAt(minNext) : 0;
    const loose = isGroupSeparator(next);
    if (!(loose || next === DOT || next === SLASH)) return minNext;
    const after = text.charCodeAt(minNext + 1);
    if (!(isDigit(after) || (loose && after === LPAREN && isDigit(text.charCodeAt(minNext + 2))))) return minNext;
    // A next group glued to a word (`20.000Z`) ends the chunk before it, as readNumberChunk would.
    if (isDigit(after)) {
      const groupEnd = digitsEnd(text, minNext + 1);
      if (groupEnd < text.length && isWordChar(text.charCodeAt(groupEnd))) return minNext;
    }
  }
  const chunk = readNumberChunk(text, i);
  if (chunk === null) return minNext;
  if (chunk.groups.length === 1 && (chunk.groups[0]?.digits.length ?? 0) < 9)
    return chunk.end > minNext ? chunk.end : minNext;
  // Fewer than 9 digits in all (`2024-05-17`, `4.17.21`): no loosely grouped value and no dotted phone number is
  // that short; only an IPv4 address (4 dotted groups, perhaps a CIDR suffix) is, so nothing else can be emitted.
  let digitCount = 0;
  for (const g of chunk.groups) digitCount += g.digits.length;
  if (digitCount < 9) {
    let dotted = false;
    for (const sep of chunk.seps) dotted ||= sep === DOT || sep === SLASH;
    if (!dotted || chunk.groups.length < 4) return chunk.end > minNext ? chunk.end : minNext;
  }
  let from = 0;
  let to = chunk.groups.length - 1;
  // A run glued to a word on either side (`v4.17.21 2345 …`, `… 0124-abc`) taints only its first or last
  // space-delimited part, not values listed after or before it.
  if (!leftBoundary(text, i)) {
    while (from < to && !isSpaceSep(chunk.seps[from])) from++;
    from++;
  }
  // (Guarded: reading index -1 of an array is a slow property lookup, not an out-of-range element read.)
  const lastSep = chunk.seps.length > 0 ? chunk.seps[chunk.seps.length - 1] : undefined;
  if (!rightBoundary(text, chunk.end, lastSep === DOT)) {
    while (to > from && !isSpaceSep(chunk.seps[to - 1])) to--;
    to--;
  }
  if (from > to) return chunk.end > minNext ? chunk.end : minNext;
  if (from === 0 && to === chunk.groups.length - 1) {
    emitNumberChunk(text, chunk, emit);
  } else {
    const first = chunk.groups[from];
    const last = chunk.groups[to];
    if (first !== undefined && last !== undefined) {
      emitNumberChunk(
        text,
        {
          start: first.start,
          end: last.end,
          plus: false,
          groups: chunk.groups.slice(from, to + 1),
          seps: chunk.seps.slice(from, to),
        },
        emit,
      );
    }
  }
  return chunk.end > minNext ? chunk.end : minNext;
}

function isSpaceSep(sep: number | undefined): boolean {
  return sep === 0x20 || sep === 0xa0 || sep === 0x202f || sep === 0x2007 || sep === 0x2009;
}
