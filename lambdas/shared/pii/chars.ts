/**
 * Character classes used by the scanner, written as code-unit comparisons because the scanner visits every
 * character of every prompt and a regex or `\p{..}` test per character would dominate the cost.
 */

/** ASCII value (0–9) of a digit, counting Arabic-Indic, Extended Arabic-Indic and Devanagari digits; -1 otherwise. */
export function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code < 0x660) return -1;
  if (code <= 0x669) return code - 0x660;
  if (code >= 0x6f0 && code <= 0x6f9) return code - 0x6f0;
  if (code >= 0x966 && code <= 0x96f) return code - 0x966;
  return -1;
}

/** True for a digit in any supported script. */
export function isDigit(code: number): boolean {
  return digitValue(code) >= 0;
}

/** True for A–Z. */
export function isUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

/** True for a–z. */
export function isLower(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** True for an ASCII letter. */
export function isAsciiLetter(code: number): boolean {
  return isUpper(code) || isLower(code);
}

const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;
/** {@link isWordChar} of code units >= 0x80, filled in on first use: 0 unknown, 1 word, 2 not a word character. */
const NON_ASCII_WORD_CACHE = new Uint8Array(0x10000);

/**
 * True for a character that continues a word: letters and digits of any script, combining marks and `_`.
 * A value glued to such a character is part of a longer token and is not reported.
 */
export function isWordChar(code: number): boolean {
  if (code < 0x80) {
    return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f;
  }
  const cached = NON_ASCII_WORD_CACHE[code];
  if (cached !== undefined && cached !== 0) return cached === 1;
  const word = isDigit(code) || NON_ASCII_WORD.test(String.fromCharCode(code));
  if (code < 0x10000) NON_ASCII_WORD_CACHE[code] = word ? 1 : 2;
  return word;
}

/**
 * Separators allowed inside a grouped number: space, hyphen-minus, NBSP, figure/thin/narrow no-break spaces,
 * hyphen U+2010, non-breaking hyphen U+2011, figure dash U+2012 and en dash U+2013 (word processors substitute them).
 */
export function isGroupSeparator(code: number): boolean {
  return (
    code === 0x20 ||
    code === 0x2d ||
    code === 0xa0 ||
    code === 0x202f ||
    code === 0x2007 ||
    code === 0x2009 ||
    (code >= 0x2010 && code <= 0x2013)
  );
}

/** Converts every supported digit to ASCII and drops everything else. */
export function asciiDigits(value: string): string {
  // Already plain ASCII digits (the common case): no new string at all.
  let plain = true;
  for (let i = 0; i < value.length && plain; i++) {
    const c = value.charCodeAt(i);
    plain = c >= 0x30 && c <= 0x39;
  }
  if (plain) return value;
  // One array and one string, rather than a new string per digit (this runs for every tokenized value).
  const codes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const d = digitValue(value.charCodeAt(i));
    if (d >= 0) codes.push(0x30 + d);
  }
  return fromCharCodes(codes);
}

/** Largest argument list passed at once: a spread of an unbounded array can overflow the stack (RangeError). */
const CHAR_CODE_CHUNK = 4_096;

/** `String.fromCharCode(...codes)` for arrays of any length. */
export function fromCharCodes(codes: readonly number[]): string {
  if (codes.length <= CHAR_CODE_CHUNK) return String.fromCharCode(...codes);
  let out = '';
  for (let i = 0; i < codes.length; i += CHAR_CODE_CHUNK) {
    out += String.fromCharCode(...codes.slice(i, i + CHAR_CODE_CHUNK));
  }
  return out;
}
