/**
 * Classifies runs of grouped digits (Aadhaar, cards, SSN, Emirates ID, Saudi id, phone numbers, IPv4).
 * The scanner hands over a chunk: digit groups joined by single separators. Loose separators (space, hyphen,
 * NBSP, non-breaking hyphen) join the groups of one value; tight ones (`.` `/`) make dotted units
 * (IPv4, versions, OIDs, decimals, dates) that are never read as identifiers.
 */
import { creditCardValid, luhnValid, verhoeffValid } from '../checksums';
import {
  AADHAAR_CONTEXT,
  AWS_ACCOUNT_CONTEXT,
  CARD_CONTEXT,
  LOG_LINE_AFTER,
  NETWORK_CONTEXT,
  NON_PERSONAL_NUMBER_CONTEXT,
  PHONE_CONTEXT,
  SAUDI_ID_CONTEXT,
  SSN_CONTEXT,
  TIME_CONTEXT,
  VERSION_CONTEXT,
  windowAround,
  windowBefore,
} from '../context';
import type { PiiType } from '../types';

/** A run of digits; `start`/`end` include surrounding parentheses, as in `(415)`. */
export interface NumberGroup {
  readonly start: number;
  readonly end: number;
  /** The digits converted to ASCII. */
  readonly digits: string;
}

/** Digit groups joined by single separators, with an optional leading `+` (or `(+`). */
export interface NumberChunk {
  readonly start: number;
  readonly end: number;
  readonly plus: boolean;
  readonly groups: readonly NumberGroup[];
  /** `seps[i]` is the separator code unit between `groups[i]` and `groups[i + 1]`. */
  readonly seps: readonly number[];
}

/**
 * Receives a classified span. `weak` marks a value whose format and checksum fit but whose context argued against
 * it (an account id, a timestamp): it is reported only if the same string is found as a strong match elsewhere.
 */
export type EmitCandidate = (type: PiiType, start: number, end: number, weak?: boolean) => void;

/** A classification: a type, a weak type (`~TYPE`, see {@link EmitCandidate}) or nothing. */
type Verdict = PiiType | `~${PiiType}` | null;

const DOT = 0x2e;
const SLASH = 0x2f;
const HYPHEN = 0x2d;
const MAX_GROUPS_PER_VALUE = 6;
const MAX_UNIFORM_GROUPS_SPLIT = 8;

function isSpace(sep: number | undefined): boolean {
  return sep === 0x20 || sep === 0xa0 || sep === 0x202f || sep === 0x2007 || sep === 0x2009;
}

function isTight(sep: number | undefined): boolean {
  return sep === DOT || sep === SLASH;
}

/** Area, group and serial rules of the SSA (no 000, 666 or 9xx area, no 00 group, no 0000 serial). */
export function ssnValid(d: string): boolean {
  if (d.length !== 9) return false;
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || d.charAt(0) === '9') return false;
  return d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
}

function isPalindrome(d: string): boolean {
  for (let i = 0, j = d.length - 1; i < j; i++, j--) if (d.charCodeAt(i) !== d.charCodeAt(j)) return false;
  return true;
}

/** Plausible international number once the `+` or `00` is removed (country-specific where we know the plan). */
function internationalPhoneValid(d: string): boolean {
  const n = d.length;
  if (d.startsWith('91')) return n === 12;
  if (d.startsWith('971')) return n === 11 || n === 12;
  if (d.startsWith('966')) return n === 11 || n === 12;
  if (d.startsWith('1')) return n === 11 && d.charCodeAt(1) >= 0x32;
  if (d.startsWith('44')) return n === 11 || n === 12;
  return n >= 8 && n <= 15 && d.charCodeAt(0) !== 0x30;
}

function shapeIs(lengths: readonly number[], ...shape: number[]): boolean {
  return lengths.length === shape.length && lengths.every((l, i) => l === shape[i]);
}

interface Candidate {
  readonly text: string;
  readonly digits: string;
  readonly lengths: readonly number[];
  readonly seps: readonly number[];
  readonly plus: boolean;
  readonly paren: boolean;
  readonly start: number;
  readonly end: number;
}

/** Lazily computed context so that candidates rejected on shape never pay for a window. */
class Context {
  private beforeText: string | undefined;
  public constructor(
    private readonly text: string,
    private readonly start: number,
  ) {}
  public before(): string {
    if (this.beforeText === undefined) this.beforeText = windowBefore(this.text, this.start, 40);
    return this.beforeText;
  }
  public has(re: RegExp): boolean {
    return re.test(this.before());
  }
  /** A non-personal label (order, invoice, …) in the few words right before the value. */
  public nonPersonal(): boolean {
    return NON_PERSONAL_NUMBER_CONTEXT.test(this.before().slice(-24));
  }
}

function classifyTwelve(c: Candidate, ctx: Context): Verdict {
  const d = c.digits;
  const indianMobile = d.startsWith('91') && d.charCodeAt(2) >= 0x36;
  if (indianMobile && (c.lengths[0] === 2 || ctx.has(PHONE_CONTEXT))) return 'PHONE';
  const aadhaarShape = c.lengths.length === 1 || shapeIs(c.lengths, 4, 4, 4);
  if (aadhaarShape && d.charCodeAt(0) >= 0x32 && verhoeffValid(d) && !isPalindrome(d)) {
    // Printed 4-4-4 is how Aadhaar numbers are written; only a bare run needs its context weighed.
    if (c.lengths.length > 1 || ctx.has(AADHAAR_CONTEXT)) return 'IN_AADHAAR';
    if (ctx.has(AWS_ACCOUNT_CONTEXT) || ctx.nonPersonal()) return '~IN_AADHAAR';
    // An account id inside an ARN sits between colons.
    if (c.start > 0 && c.text.charCodeAt(c.start - 1) === 0x3a) return '~IN_AADHAAR';
    return 'IN_AADHAAR';
  }
  if (indianMobile && c.lengths.length === 1) return ctx.nonPersonal() ? '~PHONE' : 'PHONE';
  return null;
}

function classifyTen(c: Candidate, ctx: Context): Verdict {
  const d = c.digits;
  const first = d.charCodeAt(0) - 0x30;
  const bare = c.lengths.length === 1;
  if ((first === 1 || first === 2) && bare && luhnValid(d)) {
    if (ctx.has(SAUDI_ID_CONTEXT)) return 'SA_NATIONAL_ID';
    if (!ctx.has(PHONE_CONTEXT)) {
      const logLine = LOG_LINE_AFTER.test(c.text.slice(c.end, c.end + 16).toLowerCase());
      return logLine || ctx.has(TIME_CONTEXT) || ctx.nonPersonal() ? '~SA_NATIONAL_ID' : 'SA_NATIONAL_ID';
    }
  }
  if (first >= 6 && (bare || shapeIs(c.lengths, 5, 5) || shapeIs(c.lengths, 3, 3, 4) || shapeIs(c.lengths, 4, 3, 3))) {
    if (!bare || !ctx.nonPersonal() || ctx.has(PHONE_CONTEXT)) return 'PHONE';
    return '~PHONE';
  }
  if (first === 0 && d.charCodeAt(1) === 0x35 && (!bare || ctx.has(PHONE_CONTEXT))) return 'PHONE';
  // North American numbers: area and exchange codes start 2–9.
  const nanp = first >= 2 && d.charCodeAt(3) >= 0x32;
  if (nanp && (c.paren || shapeIs(c.lengths, 3, 3, 4))) return 'PHONE';
  if (nanp && bare && ctx.has(PHONE_CONTEXT)) return 'PHONE';
  return null;
}

function classifyEleven(c: Candidate, ctx: Context): Verdict {
  const d = c.digits;
  const bare = c.lengths.length === 1;
  if (d.charCodeAt(0) === 0x30) {
    if (d.charCodeAt(1) >= 0x36 && (!bare || !ctx.nonPersonal())) return 'PHONE';
    if (!bare || ctx.has(PHONE_CONTEXT)) return 'PHONE';
    return null;
  }
  if (d.charCodeAt(0) === 0x31 && d.charCodeAt(1) >= 0x32 && (!bare || ctx.has(PHONE_CONTEXT))) return 'PHONE';
  return null;
}

function classifyCard(c: Candidate, ctx: Context): Verdict {
  if (!creditCardValid(c.digits)) return null;
  const l = c.lengths;
  const fours = l.length > 1 && l.slice(0, -1).every((x) => x === 4) && (l.at(-1) ?? 0) <= 4;
  const amex = shapeIs(l, 4, 6, 5) || shapeIs(l, 4, 6, 4);
  if (l.length === 1) {
    if (ctx.nonPersonal() && !ctx.has(CARD_CONTEXT)) return '~CREDIT_CARD';
    return 'CREDIT_CARD';
  }
  return fours || amex ? 'CREDIT_CARD' : null;
}

function classify(c: Candidate): Verdict {
  const d = c.digits;
  const n = d.length;
  const ctx = new Context(c.text, c.start);
  if (c.plus) return internationalPhoneValid(d) ? 'PHONE' : null;
  if (d.startsWith('00') && n >= 10 && n <= 17) return internationalPhoneValid(d.slice(2)) ? 'PHONE' : null;
  if (c.paren) return n >= 10 && n <= 11 ? 'PHONE' : null;
  switch (n) {
    case 9: {
      const dashed = shapeIs(c.lengths, 3, 2, 4) && c.seps.every((s) => s === HYPHEN || isSpace(s) || s === 0x2011);
      if (ssnValid(d) && (dashed || (c.lengths.length === 1 && ctx.has(SSN_CONTEXT)))) return 'US_SSN';
      if (ssnValid(d) && c.lengths.length === 1) return '~US_SSN';
      if (d.charCodeAt(0) === 0x30 && shapeIs(c.lengths, 2, 3, 4)) return 'PHONE';
      return null;
    }
    case 10:
      return classifyTen(c, ctx);
    case 11:
      return classifyEleven(c, ctx);
    case 12:
      return classifyTwelve(c, ctx);
    case 15:
      if (d.startsWith('784') && luhnValid(d) && (c.lengths.length === 1 || shapeIs(c.lengths, 3, 4, 7, 1))) {
        return 'AE_EMIRATES_ID';
      }
      return classifyCard(c, ctx);
    default:
      return n >= 13 && n <= 19 ? classifyCard(c, ctx) : null;
  }
}

function candidateOf(text: string, chunk: NumberChunk, a: number, b: number): Candidate | null {
  let n = 0;
  for (let k = a; k <= b; k++) n += chunk.groups[k]?.digits.length ?? 0;
  if (n < 9 || n > 19) return null;
  const lengths: number[] = [];
  let digits = '';
  let paren = false;
  for (let k = a; k <= b; k++) {
    const g = chunk.groups[k];
    if (g === undefined) return null;
    lengths.push(g.digits.length);
    digits += g.digits;
    if (text.charCodeAt(g.start) === 0x28 && !(k === 0 && chunk.plus)) paren = true;
  }
  const first = chunk.groups[a];
  const last = chunk.groups[b];
  if (first === undefined || last === undefined) return null;
  const plus = a === 0 && chunk.plus;
  const start = a === 0 ? chunk.start : first.start;
  // One group wholly in parentheses, `(5083121065174446)`, is a bracketed value, not an area code as in
  // `(415)555-2671`: classify the bare digits and leave the brackets out of the span.
  if (paren && a === b && !plus && text.charCodeAt(start) === 0x28 && text.charCodeAt(last.end - 1) === 0x29) {
    return { text, digits, lengths, seps: [], plus, paren: false, start: start + 1, end: last.end - 1 };
  }
  return { text, digits, lengths, seps: chunk.seps.slice(a, b), plus, paren, start, end: last.end };
}

function emitVerdict(verdict: Exclude<Verdict, null>, start: number, end: number, emit: EmitCandidate): void {
  if (verdict.charCodeAt(0) === 0x7e) emit(verdict.slice(1) as PiiType, start, end, true);
  else emit(verdict as PiiType, start, end);
}

function emitLoose(text: string, chunk: NumberChunk, a: number, b: number, emit: EmitCandidate): void {
  const whole = candidateOf(text, chunk, a, b);
  const wholeType = whole === null ? null : classify(whole);
  if (whole !== null && wholeType !== null) {
    emitVerdict(wholeType, whole.start, whole.end, emit);
    return;
  }
  if (a === b) return;
  // Evenly printed 4-digit groups are one long number (a tracking or account number): its parts are reported only
  // weakly, i.e. when the same value is also found on its own elsewhere in the text.
  let uniform = b - a + 1 >= 4;
  for (let k = a; k <= b && uniform; k++) uniform = chunk.groups[k]?.digits.length === 4;
  // A long dump of 4-digit groups is data, not a list of identifiers.
  if (uniform && b - a + 1 > MAX_UNIFORM_GROUPS_SPLIT) return;
  // prefix[k] = digits in groups a..a+k-1, so a span's length is known without visiting its groups.
  const prefix = [0];
  for (let k = a; k <= b; k++) prefix.push((prefix[prefix.length - 1] ?? 0) + (chunk.groups[k]?.digits.length ?? 0));
  const digitsIn = (s: number, e: number): number => (prefix[e - a + 1] ?? 0) - (prefix[s - a] ?? 0);
  let s = a;
  while (s <= b) {
    let next = s + 1;
    for (let e = b < s + MAX_GROUPS_PER_VALUE - 1 ? b : s + MAX_GROUPS_PER_VALUE - 1; e >= s; e--) {
      if (s === a && e === b) continue;
      // Hyphens bind groups into one token; only a space may separate two values.
      if (e < b && !isSpace(chunk.seps[e])) continue;
      const n = digitsIn(s, e);
      if (n < 9 || n > 19) continue;
      const c = candidateOf(text, chunk, s, e);
      const type = c === null ? null : classify(c);
      if (c !== null && type !== null) {
        if (uniform) emit((type.charCodeAt(0) === 0x7e ? type.slice(1) : type) as PiiType, c.start, c.end, true);
        else emitVerdict(type, c.start, c.end, emit);
        next = e + 1;
        break;
      }
    }
    while (next <= b && next > a && !isSpace(chunk.seps[next - 1])) next++;
    s = next;
  }
}

function octetsOf(chunk: NumberChunk, a: number): number[] | null {
  const octets: number[] = [];
  for (let k = a; k < a + 4; k++) {
    const g = chunk.groups[k];
    if (g === undefined || g.digits.length > 3 || (g.digits.length > 1 && g.digits.charCodeAt(0) === 0x30)) return null;
    const v = Number(g.digits);
    if (v > 255) return null;
    octets.push(v);
  }
  return octets;
}

function ipv4InContext(text: string, start: number, end: number, octets: readonly number[]): boolean {
  const prev = text.slice(Math.max(0, start - 3), start);
  if (prev.endsWith('://') || prev.endsWith('@') || prev.endsWith('[')) return true;
  const before = windowBefore(text, start, 40);
  const around = windowAround(text, start, end, 40, 20);
  const versionNear = VERSION_CONTEXT.test(before.slice(-14));
  if (versionNear) return false;
  if (NETWORK_CONTEXT.test(around)) return true;
  if (VERSION_CONTEXT.test(before)) return false;
  const [a = 0, b = 0] = octets;
  if (a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31)) return true;
  return octets.filter((o) => o >= 10).length >= 2;
}

function emitTight(text: string, chunk: NumberChunk, a: number, b: number, emit: EmitCandidate): void {
  const count = b - a + 1;
  const dots = (from: number, to: number): boolean => chunk.seps.slice(from, to).every((s) => s === DOT);
  if (count === 3 && dots(a, b)) {
    // `415.555.2671`: North American numbers are often written with dots.
    const [g1, g2, g3] = [chunk.groups[a], chunk.groups[a + 1], chunk.groups[b]];
    if (g1 !== undefined && g2 !== undefined && g3 !== undefined) {
      const nanp = g1.digits.length === 3 && g2.digits.length === 3 && g3.digits.length === 4;
      if (nanp && g1.digits.charCodeAt(0) >= 0x32 && g2.digits.charCodeAt(0) >= 0x32) {
        emit('PHONE', a === 0 ? chunk.start : g1.start, g3.end);
      }
    }
    return;
  }
  const cidr =
    count === 5 && dots(a, a + 3) && chunk.seps[a + 3] === SLASH && (chunk.groups[b]?.digits.length ?? 9) <= 3;
  if (!((count === 4 && dots(a, b)) || cidr)) return;
  const octets = octetsOf(chunk, a);
  const first = chunk.groups[a];
  const fourth = chunk.groups[a + 3];
  if (octets === null || first === undefined || fourth === undefined) return;
  if (text.charCodeAt(first.start) === 0x28 || text.charCodeAt(fourth.end - 1) === 0x29) return;
  const start = a === 0 ? chunk.start : first.start;
  if (chunk.plus && a === 0) return;
  emit('IP_ADDRESS', start, fourth.end, !ipv4InContext(text, start, fourth.end, octets));
}

/** Splits a chunk into dotted units and loosely grouped segments and emits what each one is. */
export function emitNumberChunk(text: string, chunk: NumberChunk, emit: EmitCandidate): void {
  const count = chunk.groups.length;
  let k = 0;
  let looseStart = -1;
  while (k < count) {
    let j = k;
    while (j < count - 1 && isTight(chunk.seps[j])) j++;
    if (j > k) {
      if (looseStart >= 0) emitLoose(text, chunk, looseStart, k - 1, emit);
      looseStart = -1;
      emitTight(text, chunk, k, j, emit);
    } else if (looseStart < 0) {
      looseStart = k;
    }
    k = j + 1;
  }
  if (looseStart >= 0) emitLoose(text, chunk, looseStart, count - 1, emit);
}
