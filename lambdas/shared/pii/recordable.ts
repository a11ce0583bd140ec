/**
 * Client-supplied strings that the audit record keeps as attribution rather than as prompt text (the `x-use-case`
 * header, the requested model name, which is echoed on `denied` records): detected PII becomes its type in
 * brackets (`[EMAIL]`, no token: these fields are for grouping, not re-identification), every character outside a
 * safe alphabet becomes `_`, and the length is bounded. A model alias or a use-case label passes unchanged.
 */
import { detectPii } from './detect';

/** Letters, digits, space and the punctuation model ids and labels use. */
const UNSAFE = /[^A-Za-z0-9 ._:@/+[\]-]/g;

export function recordableText(value: string, maxChars: number): string {
  const matches = detectPii(value);
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += value.slice(at, match.start);
    out += `[${match.type}]`;
    at = match.end;
  }
  out += value.slice(at);
  return out.replace(UNSAFE, '_').slice(0, maxChars);
}
