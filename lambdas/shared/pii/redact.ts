/** Replaces detected PII with tokens. */
import { detectPii } from './detect';
import type { Tokenizer } from './tokenizer';
import type { DetectOptions } from './types';

/** One replaced value. */
export interface Replacement {
  readonly type: string;
  readonly token: string;
  /** Offsets in the ORIGINAL text. */
  readonly start: number;
  readonly end: number;
  /**
   * The original value. Kept in memory only so that the re-identification envelope can seal it: never log it,
   * never persist it unsealed, never return it to a caller other than its owner.
   */
  readonly value: string;
}

/** Result of {@link redact}. */
export interface RedactionResult {
  /** The text with every detected value replaced by its token. */
  readonly text: string;
  readonly replacements: readonly Replacement[];
  /** Number of replaced values per type (types with no match are absent). */
  readonly counts: Readonly<Record<string, number>>;
}

/** Options for {@link redact}: detection options plus the tenant's tokenizer. */
export interface RedactOptions extends DetectOptions {
  readonly tokenizer: Tokenizer;
}

/**
 * Detects PII and replaces each value with its stable token.
 * @throws UnsafePatternError | InvalidCustomTypeError for a refused custom type
 */
export function redact(text: string, options: RedactOptions): RedactionResult {
  const { tokenizer } = options;
  const matches = detectPii(text, options);
  const replacements: Replacement[] = [];
  const counts: Record<string, number> = {};
  const parts: string[] = [];
  let cursor = 0;
  // Values repeat within a prompt (a conversation re-sends its history): one HMAC per distinct value. Keyed by
  // type, then value, so that no key string is built per match.
  const memo = new Map<string, Map<string, string>>();
  for (const m of matches) {
    let ofType = memo.get(m.type);
    if (ofType === undefined) {
      ofType = new Map<string, string>();
      memo.set(m.type, ofType);
    }
    let token = ofType.get(m.value);
    if (token === undefined) {
      token = tokenizer.tokenFor(m.type, m.value);
      ofType.set(m.value, token);
    }
    parts.push(text.slice(cursor, m.start), token);
    cursor = m.end;
    replacements.push({ type: m.type, token, start: m.start, end: m.end, value: m.value });
    counts[m.type] = (counts[m.type] ?? 0) + 1;
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(''), replacements, counts };
}
