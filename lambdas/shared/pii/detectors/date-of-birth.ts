/**
 * Dates of birth. A date alone is not PII-specific, so this detector is anchored on birth context
 * ("DOB", "date of birth", "born", जन्म तिथि, تاريخ الميلاد, `"dob":`): for each context word it takes the first
 * date in the next 120 characters (possibly the next sentence), or else the nearest date in the 40 characters
 * before it. A date preceded by another date label ("joined", "issued", "expiry") is not taken, and each date is
 * taken once, so "DOB 01/02/1990, joined 03/04/2015" yields only the first.
 */
import { asciiDigits } from '../chars';
import { BIRTH_CONTEXT_EN_STICKY, BIRTH_CONTEXT_NATIVE_GLOBAL, OTHER_DATE_LABEL } from '../context';
import type { PiiType } from '../types';

export type EmitCandidate = (type: PiiType, start: number, end: number) => void;

const D = '[0-9\\u0660-\\u0669\\u06F0-\\u06F9\\u0966-\\u096F]';
const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// Letters and digits of the scripts we handle; written as ranges because the `u` flag makes matching much slower.
const WORD = 'A-Za-z0-9_\\u00C0-\\u024F\\u0600-\\u06FF\\u0900-\\u097F';
const EDGE_BEFORE = `(?<![${WORD}./-])`;
const EDGE_AFTER = `(?![${WORD}]|[./-]${D})`;

const DATE_ALTERNATIVES =
  '(?:' +
  `(?<dmy>(${D}{1,2})([/.-])(${D}{1,2})\\3(${D}{4}|${D}{2}))` +
  `|(?<ymd>(${D}{4})([/.-])(${D}{1,2})\\8(${D}{1,2}))` +
  `|(?<dMy>(${D}{1,2})(?:st|nd|rd|th)?[ -]{1,2}(${MONTH})\\.?,?[ -]{1,2}(${D}{4}))` +
  `|(?<Mdy>(${MONTH})\\.?[ -]{1,2}(${D}{1,2})(?:st|nd|rd|th)?,?[ -]{1,2}(${D}{4}))` +
  ')';
// Every quantifier is bounded, so the cost of a match attempt is constant.
const DATE_RE = new RegExp(EDGE_BEFORE + DATE_ALTERNATIVES + EDGE_AFTER, 'gi');
/** A table cell that is exactly one date. */
const DATE_CELL = new RegExp(`^${DATE_ALTERNATIVES}$`, 'i');

const WINDOW_AFTER = 120;
const WINDOW_BEFORE = 40;

function num(s: string | undefined): number {
  return s === undefined ? Number.NaN : Number(asciiDigits(s));
}

function monthOf(s: string | undefined): number {
  return s === undefined ? Number.NaN : MONTHS.indexOf(s.slice(0, 3).toLowerCase()) + 1;
}

function plausible(day: number, month: number, year: number, yearDigits: number): boolean {
  const y = yearDigits === 2 ? 1900 + year : year;
  return day >= 1 && day <= 31 && month >= 1 && month <= 12 && y >= 1900 && y <= 2100;
}

function validDate(m: RegExpExecArray): boolean {
  const g = m;
  if (g.groups?.dmy !== undefined) {
    const a = num(g[2]);
    const b = num(g[4]);
    const y = num(g[5]);
    const yd = g[5]?.length ?? 0;
    return plausible(a, b, y, yd) || plausible(b, a, y, yd);
  }
  if (g.groups?.ymd !== undefined) return plausible(num(g[10]), num(g[9]), num(g[7]), 4);
  if (g.groups?.dMy !== undefined) return plausible(num(g[12]), monthOf(g[13]), num(g[14]), 4);
  if (g.groups?.Mdy !== undefined) return plausible(num(g[17]), monthOf(g[16]), num(g[18]), 4);
  return false;
}

interface Found {
  readonly start: number;
  readonly end: number;
}

/**
 * All valid dates of the text in order, found lazily by one forward-moving regex scan, so that every character is
 * scanned at most once however many birth keywords ask for dates around them.
 */
class DateStream {
  private readonly re = new RegExp(DATE_RE.source, DATE_RE.flags);
  private readonly found: Found[] = [];
  private scannedTo = 0;

  public constructor(private readonly text: string) {}

  /** Dates whose start lies in `[from, to)`, in order. */
  public between(from: number, to: number): Found[] {
    while (this.scannedTo < to && this.scannedTo < this.text.length) {
      this.re.lastIndex = this.scannedTo;
      const m = this.re.exec(this.text);
      if (m === null) {
        this.scannedTo = this.text.length;
        break;
      }
      const valid = validDate(m);
      if (valid) this.found.push({ start: m.index, end: m.index + m[0].length });
      this.scannedTo = valid ? m.index + m[0].length : m.index + 1;
    }
    let lo = 0;
    let hi = this.found.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.found[mid]?.start ?? 0) < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Found[] = [];
    for (let i = lo; i < this.found.length; i++) {
      const d = this.found[i];
      if (d === undefined || d.start >= to) break;
      out.push(d);
    }
    return out;
  }
}

const MAX_HEADER_LINE = 2000;

/**
 * Bounds of the line around a position, cached for the current line: many keywords on one long line must not
 * rescan it each time (which `lastIndexOf`/`indexOf` would).
 */
class LineIndex {
  private start = -1;
  private end = -1;
  public constructor(private readonly text: string) {}
  public around(pos: number): [number, number] {
    if (pos < this.start || pos >= this.end) {
      let s = pos;
      while (s > 0 && this.text.charCodeAt(s - 1) !== 0x0a) s--;
      let e = pos;
      while (e < this.text.length && this.text.charCodeAt(e) !== 0x0a) e++;
      this.start = s;
      this.end = e;
    }
    return [this.start, this.end];
  }
}
const MAX_TABLE_ROWS = 1000;
const MAX_MISSES = 3;
const DELIMITERS = ['\t', '|', ',', ';'];

/** Cell text without surrounding spaces and quotes, with its offset inside the row. */
function trimCell(cell: string): [number, number] {
  let s = 0;
  let e = cell.length;
  const skip = (c: number): boolean => c === 0x20 || c === 0x22 || c === 0x27 || c === 0x09 || c === 0x0d;
  while (s < e && skip(cell.charCodeAt(s))) s++;
  while (e > s && skip(cell.charCodeAt(e - 1))) e--;
  return [s, e];
}

/**
 * A birth keyword that is a column header of a delimited table (CSV, TSV, Markdown): every date that fills the
 * same column in the following rows is a date of birth. All work is bounded by the header line and the rows
 * scanned, and a table is scanned once even if many of its rows repeat the header.
 * @returns where the table scan stopped; when no date was found, `-1 - (where it stopped)`; -1 if no table
 */
function scanBirthColumn(text: string, lines: LineIndex, kwStart: number, kwEnd: number, emit: EmitCandidate): number {
  const [lineStart, lineEnd] = lines.around(kwStart);
  if (lineEnd - lineStart > MAX_HEADER_LINE || lineEnd >= text.length) return -1;
  const line = text.slice(lineStart, lineEnd);
  const rel = kwStart - lineStart;
  const relEnd = kwEnd - lineStart;
  for (const delim of DELIMITERS) {
    if (!line.includes(delim)) continue;
    const cellStart = line.lastIndexOf(delim, rel - 1) + 1;
    let cellEnd = line.indexOf(delim, relEnd);
    if (cellEnd < 0) cellEnd = line.length;
    const [s, e] = trimCell(line.slice(cellStart, cellEnd));
    // The cell must be the keyword itself (perhaps with a format hint), not a sentence that mentions it.
    if (cellStart + s !== rel || cellStart + e - relEnd > 14 || /[0-9]/.test(line.slice(relEnd, cellStart + e)))
      continue;
    const column = line.slice(0, rel).split(delim).length - 1;
    let rowStart = lineEnd + 1;
    let found = 0;
    let misses = 0;
    for (let row = 0; row < MAX_TABLE_ROWS && rowStart < text.length; row++) {
      let rowEnd = rowStart;
      while (rowEnd < text.length && text.charCodeAt(rowEnd) !== 0x0a && rowEnd - rowStart <= MAX_HEADER_LINE) rowEnd++;
      if (rowEnd === rowStart || rowEnd - rowStart > MAX_HEADER_LINE) break;
      const rowText = text.slice(rowStart, rowEnd);
      if (!rowText.includes(delim)) break;
      const cells = rowText.split(delim);
      const cell = cells[column];
      if (cell === undefined) break;
      const cellOffset = cells.slice(0, column).reduce((sum, c) => sum + c.length + delim.length, 0);
      const [cs, ce] = trimCell(cell);
      const value = cell.slice(cs, ce);
      const m = value.length > 0 && value.length <= 24 ? DATE_CELL.exec(value) : null;
      if (m !== null && validDate(m)) {
        emit('DATE_OF_BIRTH', rowStart + cellOffset + cs, rowStart + cellOffset + ce);
        found++;
        misses = 0;
      } else if (value.length > 0 && !/^[-:=+ ]+$/.test(value)) {
        // Rows of something else: the table (or the pretence of one) has ended.
        misses++;
        if (misses >= MAX_MISSES) break;
      }
      rowStart = rowEnd + 1;
    }
    // Not a table after all (no dates under the header): let the prose rules look at it.
    return found > 0 ? rowStart : -1 - rowStart;
  }
  return -1;
}

/**
 * Furthest a case-insensitive `b` lies from the start of an English birth word (`date of birth`). The `b` is
 * always an even number of characters in: 0 (`birth…`, `born`, `b'day`, `bday`), 2 (`dob`), 4 (`d.o.b`),
 * 6 (`dateofbirth`) or 8 (`date of birth`, `date-of-birth`, `date_of_birth`).
 */
const MAX_B_OFFSET = 8;

function isAsciiWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * The matches of `BIRTH_CONTEXT_GLOBAL` in order, found faster than by running it over the whole text (where its
 * leading `\b` defeats the engine's literal search). Every English birth word contains a `b` or `B` at most
 * {@link MAX_B_OFFSET} characters after its start, so starts are only tried near a `b` (found with `indexOf`),
 * each position at most once and in increasing order, after a cheap test of its first three characters; the
 * Hindi/Arabic words come from their own global regex. Matches of the two halves never overlap, so merging the
 * two ordered streams gives exactly the matches of the combined regex. Linear: each stream only moves forward.
 */
class BirthKeywords {
  private readonly en = new RegExp(BIRTH_CONTEXT_EN_STICKY.source, BIRTH_CONTEXT_EN_STICKY.flags);
  private readonly native = new RegExp(BIRTH_CONTEXT_NATIVE_GLOBAL.source, BIRTH_CONTEXT_NATIVE_GLOBAL.flags);
  private lowerB: number;
  private upperB: number;
  /** Lowest position not yet tried for an English word. */
  private tried = 0;
  private enStart = -1;
  private enEnd = -1;
  private nativeStart = -1;
  private nativeEnd = -1;

  public constructor(private readonly text: string) {
    this.lowerB = text.indexOf('b');
    this.upperB = text.indexOf('B');
    this.nextEnglish();
    this.nextNative(0);
  }

  /** Start and end of the next keyword, or `null`; the result array is reused. */
  public next(out: [number, number]): [number, number] | null {
    if (this.enStart < 0 && this.nativeStart < 0) return null;
    if (this.nativeStart < 0 || (this.enStart >= 0 && this.enStart < this.nativeStart)) {
      out[0] = this.enStart;
      out[1] = this.enEnd;
      this.nextEnglish();
    } else {
      out[0] = this.nativeStart;
      out[1] = this.nativeEnd;
      this.nextNative(this.nativeEnd);
    }
    return out;
  }

  private nextNative(from: number): void {
    this.native.lastIndex = from;
    const m = this.native.exec(this.text);
    this.nativeStart = m === null ? -1 : m.index;
    this.nativeEnd = m === null ? -1 : m.index + m[0].length;
  }

  /** Finds the next English word at or after `tried`. */
  private nextEnglish(): void {
    const text = this.text;
    while (this.lowerB >= 0 || this.upperB >= 0) {
      const b = this.upperB < 0 || (this.lowerB >= 0 && this.lowerB < this.upperB) ? this.lowerB : this.upperB;
      let q = b - MAX_B_OFFSET;
      while (q < this.tried) q += 2;
      for (; q <= b; q += 2) {
        if (!this.mayStartAt(q)) continue;
        this.en.lastIndex = q;
        const m = this.en.exec(text);
        if (m === null) continue;
        this.enStart = q;
        this.enEnd = q + m[0].length;
        this.skipTo(this.enEnd);
        return;
      }
      this.skipTo(b + 1);
    }
    this.enStart = -1;
    this.enEnd = -1;
  }

  /** Marks every position before `pos` as tried and moves the `b` searches to `pos`. */
  private skipTo(pos: number): void {
    this.tried = pos;
    if (this.lowerB >= 0 && this.lowerB < pos) this.lowerB = this.text.indexOf('b', pos);
    if (this.upperB >= 0 && this.upperB < pos) this.upperB = this.text.indexOf('B', pos);
  }

  /** Necessary for an English birth word at `q`: a word boundary, then `dob`, `d.o`, `dat`, `bir`, `bor`, `b'd` or `bda`. */
  private mayStartAt(q: number): boolean {
    const text = this.text;
    const c0 = text.charCodeAt(q) | 0x20;
    if ((c0 !== 0x64 && c0 !== 0x62) || (q > 0 && isAsciiWordChar(text.charCodeAt(q - 1)))) return false;
    const c1 = text.charCodeAt(q + 1) | 0x20;
    const c2 = text.charCodeAt(q + 2) | 0x20;
    if (c0 === 0x64)
      return (c1 === 0x6f && c2 === 0x62) || (c1 === 0x2e && c2 === 0x6f) || (c1 === 0x61 && c2 === 0x74);
    if (c0 !== 0x62) return false;
    return (
      (c1 === 0x69 && c2 === 0x72) ||
      (c1 === 0x6f && c2 === 0x72) ||
      (c1 === 0x27 && c2 === 0x64) ||
      (c1 === 0x64 && c2 === 0x61)
    );
  }
}

/** Emits DATE_OF_BIRTH candidates. */
export function scanBirthDates(text: string, emit: EmitCandidate): void {
  const keywords = new BirthKeywords(text);
  const keyword: [number, number] = [0, 0];
  const dates = new DateStream(text);
  const lines = new LineIndex(text);
  let tableEnd = -1;
  let probedUntil = -1;
  let takenUntil = -1;
  while (keywords.next(keyword) !== null) {
    const [kwStart, kwEnd] = keyword;
    // Inside a table already scanned: its dates were taken by column.
    if (kwStart < tableEnd) continue;
    if (kwStart >= probedUntil) {
      const scannedTo = scanBirthColumn(text, lines, kwStart, kwEnd, emit);
      if (scannedTo >= 0) {
        tableEnd = scannedTo;
        continue;
      }
      // Rows already probed without success are not probed again for a later header among them.
      probedUntil = -1 - scannedTo;
    }
    const first = dates.between(kwEnd, kwEnd + WINDOW_AFTER)[0];
    if (first !== undefined && first.end <= kwEnd + WINDOW_AFTER) {
      const between = text.slice(kwEnd, first.start).toLowerCase();
      if (first.start >= takenUntil && !OTHER_DATE_LABEL.test(between)) {
        emit('DATE_OF_BIRTH', first.start, first.end);
        takenUntil = first.end;
      }
      continue;
    }
    const last = dates.between(kwStart - WINDOW_BEFORE, kwStart).at(-1);
    if (last !== undefined && last.end <= kwStart && last.start >= takenUntil) {
      emit('DATE_OF_BIRTH', last.start, last.end);
      takenUntil = last.end;
    }
  }
}
