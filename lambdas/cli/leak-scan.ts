/**
 * `gateway-audit leak-scan`: re-runs the PII engine over the redacted prompts and completions stored in the audit
 * trail and reports anything that still looks like raw PII: type, record, field and offset, never the value (a
 * finding must not copy the leak into a terminal, a CI log or a ticket). Like a secret scanner, it exits non-zero
 * when it finds anything, so CI and cron can act on it.
 *
 * What is not a leak: the gateway's own tokens (`[TYPE_xxxxxxxxxx]`, `TOKEN_PATTERN` of the tokenizer). A match that
 * lies entirely inside a token is dropped; one that only touches a token is kept (the value next to it is not
 * redacted).
 */
import { type DetectOptions, detectPii, isBuiltInType, PII_TYPES, type PiiType, TOKEN_PATTERN } from '../shared/pii';

/** The record fields that hold stored text. */
export const SCANNED_FIELDS = ['prompt_redacted', 'completion_redacted'] as const;
export type ScannedField = (typeof SCANNED_FIELDS)[number];

/** One suspected leak. Offsets are UTF-16 code units into the field's text; the value itself is never kept. */
export interface LeakFinding {
  readonly request_id: string;
  readonly tenant_id: string;
  readonly event: string;
  readonly ts: string;
  readonly field: ScannedField;
  readonly pii_type: string;
  readonly offset: number;
  readonly length: number;
}

/** Output columns of the findings table. */
export const LEAK_FINDING_COLUMNS: readonly (keyof LeakFinding)[] = [
  'request_id',
  'tenant_id',
  'event',
  'ts',
  'field',
  'pii_type',
  'offset',
  'length',
];

/** What a scan covered and found. */
export interface LeakScanResult {
  readonly records: number;
  readonly texts: number;
  readonly characters: number;
  readonly findings: readonly LeakFinding[];
  /** Records with at least one finding. */
  readonly recordsWithFindings: number;
}

const GLOBAL_TOKEN = new RegExp(TOKEN_PATTERN.source, 'g');

/** `[start, end)` spans of the gateway's tokens in `text`. */
export function tokenSpans(text: string): Array<readonly [number, number]> {
  const spans: Array<readonly [number, number]> = [];
  for (const match of text.matchAll(GLOBAL_TOKEN)) {
    spans.push([match.index, match.index + match[0].length]);
  }
  return spans;
}

/** Matches of the PII engine in `text` that are not inside one of the gateway's tokens (values dropped). */
export function suspectedLeaks(
  text: string,
  options: DetectOptions = {},
): Array<{ type: string; offset: number; length: number }> {
  const spans = tokenSpans(text);
  return detectPii(text, options)
    .filter((match) => !spans.some(([start, end]) => match.start >= start && match.end <= end))
    .map((match) => ({ type: match.type, offset: match.start, length: match.end - match.start }));
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));

/** Scans rows of `LEAK_SCAN_SOURCE` (one per record). */
export function scanRecords(
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  options: DetectOptions = {},
): LeakScanResult {
  const findings: LeakFinding[] = [];
  let texts = 0;
  let characters = 0;
  let recordsWithFindings = 0;
  for (const row of rows) {
    const before = findings.length;
    for (const field of SCANNED_FIELDS) {
      const text = row[field];
      if (typeof text !== 'string' || text === '') continue;
      texts += 1;
      characters += text.length;
      for (const leak of suspectedLeaks(text, options)) {
        findings.push({
          request_id: str(row.request_id),
          tenant_id: str(row.tenant_id),
          event: str(row.event),
          ts: str(row.ts),
          field,
          pii_type: leak.type,
          offset: leak.offset,
          length: leak.length,
        });
      }
    }
    if (findings.length > before) recordsWithFindings += 1;
  }
  return { records: rows.length, texts, characters, findings, recordsWithFindings };
}

/** Thrown for a `--types` entry that is not a built-in PII type. */
export class UnknownPiiTypeError extends Error {
  constructor(readonly type: string) {
    super(`unknown PII type "${type}"; built-in types: ${PII_TYPES.join(', ')}`);
    this.name = 'UnknownPiiTypeError';
  }
}

/** `--types EMAIL,PHONE` as detect options (all built-in types when absent). */
export function detectOptionsFor(types: readonly string[] | undefined): DetectOptions {
  if (types === undefined) return {};
  for (const type of types) if (!isBuiltInType(type)) throw new UnknownPiiTypeError(type);
  return { enabledTypes: types as PiiType[] };
}

/** Counts per PII type, for the summary line. */
export function findingsByType(findings: readonly LeakFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.pii_type] = (counts[finding.pii_type] ?? 0) + 1;
  return counts;
}
