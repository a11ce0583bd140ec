/**
 * `detectPii`: runs the candidate scanners, resolves overlaps and applies options.
 * Overlaps are resolved by keeping the longer span (a GSTIN over the PAN inside it, a UPI id over the phone
 * number it is built from, an e-mail over digits in its local part); on equal spans a tenant's custom type wins,
 * because the tenant declared it on purpose.
 */
import { type CompiledCustomType, compileCustomTypes, scanCustom } from './custom-patterns';
import { scanBirthDates } from './detectors/date-of-birth';
import { scanAtSigns } from './detectors/email-upi';
import { scanColons } from './detectors/ipv6';
import { scanRuns } from './scanner';
import { type DetectOptions, PII_TYPES, type PiiMatch, type PiiType } from './types';

interface Candidate {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly custom: boolean;
}

/**
 * Length and low bits of the first and last code unit of a non-empty span, packed into a small integer (kept
 * within V8's small-integer range, which hashes fast): a cheap filter before slicing. Collisions only cost a slice.
 */
function spanKey(text: string, start: number, end: number): number {
  return (
    (((end - start) & 0x3ff) << 20) | ((text.charCodeAt(start) & 0x3ff) << 10) | (text.charCodeAt(end - 1) & 0x3ff)
  );
}

/**
 * Adds weak candidates (right format, unhelpful context) whose exact text was also found as a strong match: once
 * a string is known to be PII in this text, every occurrence of it is. Strong matches never give way.
 */
function promoteWeak(text: string, strong: Candidate[], weak: readonly Candidate[]): Candidate[] {
  if (weak.length === 0 || strong.length === 0) return strong;
  // Strong values are sliced only when their length, first and last code unit fit some weak value: weak
  // candidates are few, strong ones are every match of the text.
  const weakKeys = new Set<number>();
  const weakValues = new Set<string>();
  for (const w of weak) {
    weakKeys.add(spanKey(text, w.start, w.end));
    weakValues.add(text.slice(w.start, w.end));
  }
  const typeOfValue = new Map<string, string>();
  for (const c of strong) {
    if (!weakKeys.has(spanKey(text, c.start, c.end))) continue;
    const value = text.slice(c.start, c.end);
    if (weakValues.has(value)) typeOfValue.set(value, c.type);
  }
  if (typeOfValue.size === 0) return strong;
  const promoted: Candidate[] = [];
  for (const w of weak) {
    const type = typeOfValue.get(text.slice(w.start, w.end));
    if (type !== undefined) promoted.push({ type, start: w.start, end: w.end, custom: false });
  }
  if (promoted.length === 0) return strong;
  const isStrong = new Set(strong);
  const all = [...strong, ...promoted].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Candidate[] = [];
  for (const c of all) {
    const last = kept[kept.length - 1];
    if (last === undefined || c.start >= last.end) kept.push(c);
    else if (isStrong.has(c) && !isStrong.has(last)) kept[kept.length - 1] = c;
  }
  return kept;
}

const ALL_TYPES: ReadonlySet<string> = new Set(PII_TYPES);

/** Options after validation and compilation; build once and reuse across requests. */
export interface PreparedDetectOptions {
  readonly enabled: ReadonlySet<string>;
  readonly custom: readonly CompiledCustomType[];
  readonly allowlist: ReadonlySet<string>;
}

const preparedCache = new WeakMap<DetectOptions, PreparedDetectOptions>();

/**
 * Validates and compiles options (custom patterns, allowlist). {@link detectPii} calls this itself and caches the
 * result per options object, so passing the same object again costs nothing.
 * @throws UnsafePatternError | InvalidCustomTypeError for a refused custom type
 */
export function prepareDetectOptions(options: DetectOptions = {}): PreparedDetectOptions {
  const cached = preparedCache.get(options);
  if (cached !== undefined) return cached;
  const prepared: PreparedDetectOptions = {
    enabled: new Set(options.enabledTypes ?? PII_TYPES),
    custom: compileCustomTypes(options.customTypes ?? []),
    allowlist: new Set((options.allowlist ?? []).map((v) => v.trim().toLowerCase())),
  };
  preparedCache.set(options, prepared);
  return prepared;
}

/** Order of candidates: by start, longer first, a custom type first. */
function compareCandidates(a: Candidate, b: Candidate): number {
  return a.start - b.start || b.end - a.end || (b.custom ? 1 : 0) - (a.custom ? 1 : 0);
}

function isSorted(list: readonly Candidate[], from: number, to: number): boolean {
  for (let k = from + 1; k < to; k++) {
    const a = list[k - 1];
    const b = list[k];
    if (a !== undefined && b !== undefined && compareCandidates(a, b) > 0) return false;
  }
  return true;
}

/**
 * Sorts candidates in place exactly as a stable sort by {@link compareCandidates} would. Each scanner appends its
 * candidates in order, so `list` is usually a few sorted segments (ending at `segmentEnds`), which are merged in
 * linear time, earlier segments first on ties, as a stable sort keeps them; otherwise it falls back to sorting.
 */
function sortCandidates(list: Candidate[], segmentEnds: readonly number[]): void {
  let from = 0;
  for (const end of segmentEnds) {
    if (!isSorted(list, from, end)) {
      list.sort(compareCandidates);
      return;
    }
    from = end;
  }
  let merged: Candidate[] = list.slice(0, segmentEnds[0] ?? 0);
  from = segmentEnds[0] ?? 0;
  for (let k = 1; k < segmentEnds.length; k++) {
    const end = segmentEnds[k] ?? from;
    if (end === from) continue;
    const out: Candidate[] = [];
    let i = 0;
    let j = from;
    while (i < merged.length && j < end) {
      const a = merged[i] as Candidate;
      const b = list[j] as Candidate;
      if (compareCandidates(a, b) <= 0) {
        out.push(a);
        i++;
      } else {
        out.push(b);
        j++;
      }
    }
    while (i < merged.length) out.push(merged[i++] as Candidate);
    while (j < end) out.push(list[j++] as Candidate);
    merged = out;
    from = end;
  }
  for (let k = 0; k < merged.length; k++) list[k] = merged[k] as Candidate;
}

/** Keeps the longer of overlapping candidates; `candidates` must be sorted by {@link compareCandidates}. */
function resolveOverlaps(candidates: readonly Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  for (const c of candidates) {
    const last = kept[kept.length - 1];
    if (last === undefined || c.start >= last.end) {
      kept.push(c);
      continue;
    }
    const longer = c.end - c.start > last.end - last.start;
    if (longer) kept[kept.length - 1] = c;
  }
  return kept;
}

/**
 * Finds PII in `text`.
 * @returns matches sorted by `start`, non-overlapping, with UTF-16 offsets (`text.slice(start, end) === value`)
 * @throws UnsafePatternError | InvalidCustomTypeError when `options.customTypes` contains a refused definition
 */
export function detectPii(text: string, options: DetectOptions = {}): PiiMatch[] {
  const { enabled, custom, allowlist } = prepareDetectOptions(options);
  const candidates: Candidate[] = [];
  const weak: Candidate[] = [];
  // With every built-in type enabled (the common case) no per-candidate set lookup is needed.
  const all = enabled.size === ALL_TYPES.size && PII_TYPES.every((t) => enabled.has(t));
  const emit = (type: PiiType, start: number, end: number, isWeak?: boolean): void => {
    if (all || enabled.has(type)) (isWeak === true ? weak : candidates).push({ type, start, end, custom: false });
  };
  // Where each scanner's (usually ordered) candidates end, for sortCandidates.
  const segmentEnds: number[] = [];
  scanRuns(text, emit);
  segmentEnds.push(candidates.length);
  if (enabled.has('EMAIL') || enabled.has('IN_UPI')) scanAtSigns(text, emit);
  segmentEnds.push(candidates.length);
  if (enabled.has('IP_ADDRESS')) scanColons(text, emit);
  segmentEnds.push(candidates.length);
  if (enabled.has('DATE_OF_BIRTH')) scanBirthDates(text, emit);
  segmentEnds.push(candidates.length);
  scanCustom(text, custom, (type, start, end) => candidates.push({ type, start, end, custom: true }));
  segmentEnds.push(candidates.length);
  sortCandidates(candidates, segmentEnds);
  const matches: PiiMatch[] = [];
  for (const c of promoteWeak(text, resolveOverlaps(candidates), weak)) {
    const value = text.slice(c.start, c.end);
    if (allowlist.size > 0 && allowlist.has(value.trim().toLowerCase())) continue;
    matches.push({ type: c.type, start: c.start, end: c.end, value });
  }
  return matches;
}

/** True for a built-in type name. */
export function isBuiltInType(type: string): type is PiiType {
  return ALL_TYPES.has(type);
}
