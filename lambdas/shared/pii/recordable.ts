/**
 * Client-supplied strings that the audit record keeps as attribution rather than as prompt text (the `x-use-case`
 * header, the requested model name, which is echoed on `denied` records): detected PII becomes its type in
 * brackets (`[EMAIL]`, no token: these fields are for grouping, not re-identification), every character outside a
 * safe alphabet becomes `_`, and the length is bounded. A model alias or a use-case label passes unchanged.
 */
import { detectPii } from './detect';
import type { PiiMatch } from './types';

/** Letters, digits, space and the punctuation model ids and labels use. */
const UNSAFE = /[^A-Za-z0-9 ._:@/+[\]-]/g;

/** Types found around an `@`: an address glued to a model-name suffix is still an address. */
const AT_SIGN_TYPES: ReadonlySet<string> = new Set(['EMAIL', 'IN_UPI']);

/**
 * PII in `value`, plus addresses hidden by a hyphenated suffix: prose detection rightly refuses
 * `user@example.com-latest` (`com-latest` is no TLD), but a model name is built from hyphen-joined parts, so the
 * text is also scanned with `-` read as a separator (same length, same offsets). Overlapping spans merge.
 */
function attributionMatches(value: string): { type: string; start: number; end: number }[] {
  const found: PiiMatch[] = [...detectPii(value)];
  if (value.includes('@') && value.includes('-')) {
    for (const match of detectPii(value.replaceAll('-', ' '))) if (AT_SIGN_TYPES.has(match.type)) found.push(match);
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: { type: string; start: number; end: number }[] = [];
  for (const match of found) {
    const last = merged[merged.length - 1];
    if (last && match.start < last.end) last.end = Math.max(last.end, match.end);
    else merged.push({ type: match.type, start: match.start, end: match.end });
  }
  return merged;
}

/** Attribution text as recorded, with the PII detections it replaced by type (they count in `pii_counts`). */
export function recordableTextWithCounts(
  value: string,
  maxChars: number,
): { text: string; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  let out = '';
  let at = 0;
  for (const match of attributionMatches(value)) {
    out += value.slice(at, match.start);
    out += `[${match.type}]`;
    counts[match.type] = (counts[match.type] ?? 0) + 1;
    at = match.end;
  }
  out += value.slice(at);
  return { text: out.replace(UNSAFE, '_').slice(0, maxChars), counts };
}

export function recordableText(value: string, maxChars: number): string {
  return recordableTextWithCounts(value, maxChars).text;
}
