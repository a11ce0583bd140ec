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
 * Adds weak candidates (right format, unhelpful context) whose exact text was also found as a strong match: once
 * a string is known to be PII in this text, every occurrence of it is. Strong matches never give way.
 */
function promoteWeak(text: string, strong: Candidate[], weak: readonly Candidate[]): Candidate[] {
  if (weak.length === 0 || strong.length === 0) return strong;
  const weakLengths = new Set<number>();
  for (const w of weak) weakLengths.add(w.end - w.start);
  const typeOfValue = new Map<string, string>();
  for (const c of strong) if (weakLengths.has(c.end - c.start)) typeOfValue.set(text.slice(c.start, c.end), c.type);
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

function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  candidates.sort((a, b) => a.start - b.start || b.end - a.end || (b.custom ? 1 : 0) - (a.custom ? 1 : 0));
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
  const emit = (type: PiiType, start: number, end: number, isWeak?: boolean): void => {
    if (enabled.has(type)) (isWeak === true ? weak : candidates).push({ type, start, end, custom: false });
  };
  scanRuns(text, emit);
  if (enabled.has('EMAIL') || enabled.has('IN_UPI')) scanAtSigns(text, emit);
  if (enabled.has('IP_ADDRESS')) scanColons(text, emit);
  if (enabled.has('DATE_OF_BIRTH')) scanBirthDates(text, emit);
  scanCustom(text, custom, (type, start, end) => candidates.push({ type, start, end, custom: true }));
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
