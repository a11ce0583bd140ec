/**
 * Dates of birth. A date alone is not PII-specific, so this detector is anchored on birth context
 * ("DOB", "date of birth", "born", जन्म तिथि, تاريخ الميلاد, `"dob":`): for each context word it takes the first
 * date in the next 120 characters (possibly the next sentence), or else the nearest date in the 40 characters
 * before it. A date preceded by another date label ("joined", "issued", "expiry") is not taken, and each date is
 * taken once, so "DOB 01/02/1990, joined 03/04/2015" yields only the first.
 */
import { asciiDigits } from '../chars';
import { BIRTH_CONTEXT_GLOBAL, OTHER_DATE_LABEL } from '../context';
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

/** Emits DATE_OF_BIRTH candidates. */
export function scanBirthDates(text: string, emit: EmitCandidate): void {
  const re = new RegExp(BIRTH_CONTEXT_GLOBAL.source, BIRTH_CONTEXT_GLOBAL.flags);
  const dates = new DateStream(text);
  const lines = new LineIndex(text);
  let tableEnd = -1;
  let probedUntil = -1;
  let takenUntil = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const kwStart = m.index;
    const kwEnd = kwStart + m[0].length;
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
