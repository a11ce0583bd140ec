/**
 * Safe compilation of tenant-defined regex types.
 *
 * JavaScript's regex engine backtracks, so a careless pattern (`(a+)+$`, `(a|a)*`) can take exponential time on
 * a crafted prompt and stall the gateway. Patterns are therefore screened and rewritten before compilation:
 * - at most {@link MAX_PATTERN_LENGTH} characters;
 * - no backreferences (`\1`, `\k<name>`), which defeat any bound on matching cost;
 * - no quantified group that itself contains a quantifier or an alternation (`(a+)+`, `(a|b)*`, `(?:x?)+`),
 *   the shapes behind exponential backtracking;
 * - unbounded repetition is capped: `*` becomes `{0,64}`, `+` becomes `{1,64}`, `{n,}` becomes `{n,n+64}`, and
 *   explicit bounds above {@link MAX_REPEAT} are refused, so no single match attempt scans far ahead;
 * - at most {@link MAX_VARIABLE_QUANTIFIERS} variable-length quantifiers;
 * - a pattern that matches the empty string is refused;
 * - always compiled with the `g` and `u` flags (the `u` flag also rejects ambiguous escapes).
 * Limits that remain: polynomial backtracking between adjacent variable quantifiers over overlapping classes
 * (`\d{1,64}\d{1,64}x`) is bounded by the caps above but not excluded; tenants should anchor patterns on literal
 * text (`EMP-\d{6}`). Matches longer than {@link MAX_MATCH_LENGTH} are ignored.
 */
import { InvalidCustomTypeError, UnsafePatternError } from './errors';
import { type CustomTypeDefinition, PII_TYPES } from './types';

export const MAX_PATTERN_LENGTH = 200;
export const MAX_REPEAT = 100;
export const MAX_VARIABLE_QUANTIFIERS = 4;
export const MAX_MATCH_LENGTH = 256;
const UNBOUNDED_CAP = 64;
const NAME = /^[A-Z][A-Z0-9_]{0,31}$/;

/** A validated custom type, ready to run. */
export interface CompiledCustomType {
  readonly name: string;
  readonly regex: RegExp;
}

interface Frame {
  hasQuantifier: boolean;
  hasAlternation: boolean;
}

interface Quantifier {
  readonly length: number;
  readonly replacement: string;
  readonly variable: boolean;
}

function readQuantifier(p: string, i: number): Quantifier | null {
  const c = p.charAt(i);
  const lazy = (len: number): string => (p.charAt(i + len) === '?' ? '?' : '');
  if (c === '*') return { length: 1 + lazy(1).length, replacement: `{0,${UNBOUNDED_CAP}}${lazy(1)}`, variable: true };
  if (c === '+') return { length: 1 + lazy(1).length, replacement: `{1,${UNBOUNDED_CAP}}${lazy(1)}`, variable: true };
  if (c === '?') return { length: 1 + lazy(1).length, replacement: `?${lazy(1)}`, variable: true };
  if (c !== '{') return null;
  const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(p.slice(i, i + 12));
  if (m === null) return null;
  const min = Number(m[1]);
  const hasComma = m[2] !== undefined;
  const max = hasComma ? (m[3] === '' || m[3] === undefined ? min + UNBOUNDED_CAP : Number(m[3])) : min;
  if (max > MAX_REPEAT + UNBOUNDED_CAP || min > MAX_REPEAT || max < min) {
    throw new UnsafePatternError(`repetition ${m[0]} exceeds the limit of ${MAX_REPEAT}`);
  }
  const len = m[0].length;
  const bounds = hasComma ? `{${min},${max}}` : `{${min}}`;
  return { length: len + lazy(len).length, replacement: `${bounds}${lazy(len)}`, variable: min !== max };
}

/**
 * Screens and rewrites a pattern as described in the module comment.
 * @throws UnsafePatternError naming the offending construct
 */
export function sanitizePattern(pattern: string): string {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    throw new UnsafePatternError(`pattern length ${pattern.length} is outside 1..${MAX_PATTERN_LENGTH}`);
  }
  const stack: Frame[] = [{ hasQuantifier: false, hasAlternation: false }];
  let out = '';
  let variable = 0;
  let i = 0;
  let lastClosedGroup: Frame | null = null;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    const top = stack[stack.length - 1];
    if (top === undefined) throw new UnsafePatternError('unbalanced parentheses');
    let atomEnd = i + 1;
    let closed: Frame | null = null;
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      if (/[1-9]/.test(next) || next === 'k') throw new UnsafePatternError(`backreference \\${next} is not allowed`);
      atomEnd = i + 2;
      if (next === 'u' && pattern.charAt(i + 2) === '{') atomEnd = pattern.indexOf('}', i) + 1 || pattern.length;
      else if (next === 'p' || next === 'P') atomEnd = pattern.indexOf('}', i) + 1 || pattern.length;
    } else if (c === '[') {
      let j = i + 1;
      while (j < pattern.length && pattern.charAt(j) !== ']') j += pattern.charAt(j) === '\\' ? 2 : 1;
      atomEnd = j + 1;
    } else if (c === '(') {
      stack.push({ hasQuantifier: false, hasAlternation: false });
      const group = /^\(\?(?:[:=!]|<[=!]|<[A-Za-z][A-Za-z0-9]*>)/.exec(pattern.slice(i, i + 40));
      atomEnd = i + (group === null ? 1 : group[0].length);
      out += pattern.slice(i, atomEnd);
      i = atomEnd;
      lastClosedGroup = null;
      continue;
    } else if (c === ')') {
      const frame = stack.pop();
      if (frame === undefined || stack.length === 0) throw new UnsafePatternError('unbalanced parentheses');
      closed = frame;
    } else if (c === '|') {
      top.hasAlternation = true;
      out += c;
      i++;
      continue;
    } else if ('*+?{'.includes(c) && readQuantifier(pattern, i) !== null) {
      throw new UnsafePatternError(`quantifier at offset ${i} has nothing to repeat`);
    }
    out += pattern.slice(i, atomEnd);
    i = atomEnd;
    lastClosedGroup = closed;
    const q = readQuantifier(pattern, i);
    const parent = stack[stack.length - 1];
    if (q !== null) {
      if (lastClosedGroup !== null && (lastClosedGroup.hasQuantifier || lastClosedGroup.hasAlternation)) {
        throw new UnsafePatternError(`nested quantifier or quantified alternation at offset ${i}`);
      }
      if (q.variable) variable++;
      if (parent !== undefined) parent.hasQuantifier = true;
      out += q.replacement;
      i += q.length;
    } else if (closed !== null && parent !== undefined) {
      parent.hasQuantifier ||= closed.hasQuantifier;
      parent.hasAlternation ||= closed.hasAlternation;
    }
    lastClosedGroup = null;
  }
  if (stack.length !== 1) throw new UnsafePatternError('unbalanced parentheses');
  if (variable > MAX_VARIABLE_QUANTIFIERS) {
    throw new UnsafePatternError(`${variable} variable-length quantifiers exceed ${MAX_VARIABLE_QUANTIFIERS}`);
  }
  return out;
}

/**
 * Validates and compiles tenant-defined types.
 * @throws InvalidCustomTypeError for a bad or reserved name
 * @throws UnsafePatternError for a pattern refused by {@link sanitizePattern} or by the regex parser
 */
export function compileCustomTypes(definitions: readonly CustomTypeDefinition[]): CompiledCustomType[] {
  return definitions.map(({ name, pattern }) => {
    if (!NAME.test(name)) throw new InvalidCustomTypeError(`custom type name "${name}" must match ${NAME.source}`);
    if ((PII_TYPES as readonly string[]).includes(name)) {
      throw new InvalidCustomTypeError(`custom type name "${name}" is a built-in type`);
    }
    const source = sanitizePattern(pattern);
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'gu');
    } catch (error) {
      throw new UnsafePatternError(`pattern for ${name} does not compile: ${(error as Error).message}`);
    }
    if (new RegExp(`^(?:${source})$`, 'u').test('')) {
      throw new UnsafePatternError(`pattern for ${name} matches the empty string`);
    }
    return { name, regex };
  });
}

/** Runs compiled custom types over the text. */
export function scanCustom(
  text: string,
  types: readonly CompiledCustomType[],
  emit: (type: string, start: number, end: number) => void,
): void {
  for (const { name, regex } of types) {
    const re = new RegExp(regex.source, regex.flags);
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (m[0].length <= MAX_MATCH_LENGTH) emit(name, m.index, m.index + m[0].length);
    }
  }
}
