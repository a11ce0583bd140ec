import {
  compileCustomTypes,
  detectPii,
  InvalidCustomTypeError,
  sanitizePattern,
  UnsafePatternError,
} from '../../../../lambdas/shared/pii';
import { growthRatio } from '../../../helpers/linear-time';

describe('custom patterns', () => {
  it.each<[string, string]>([
    ['nested quantifier', '(a+)+$'],
    ['nested quantifier in non-capturing group', '(?:\\d+)*x'],
    ['quantified alternation', '(a|aa)*b'],
    ['alternation nested in a quantified group', '((a|b)c)+'],
    ['backreference', '(a)\\1'],
    ['named backreference', '(?<x>a)\\k<x>'],
    ['too long', `a${'b'.repeat(250)}`],
    ['empty', ''],
    ['huge repeat', 'a{1000}'],
    ['too many variable quantifiers', 'a?b?c?d?e?'],
    ['unbalanced', '(abc'],
  ])('refuses a %s', (_label, pattern) => {
    expect(() => sanitizePattern(pattern)).toThrow(UnsafePatternError);
  });

  it.each<[string, string]>([
    ['EMP-[0-9]{6}', 'EMP-[0-9]{6}'],
    ['ACME\\d+', 'ACME\\d{1,64}'],
    ['x*y', 'x{0,64}y'],
    ['a{2,}', 'a{2,66}'],
    ['(?:AB|CD)-\\d{4}', '(?:AB|CD)-\\d{4}'],
    ['[A-Z]{3}\\p{Nd}{4}', '[A-Z]{3}\\p{Nd}{4}'],
  ])('accepts %p and caps unbounded repetition', (pattern, expected) => {
    expect(sanitizePattern(pattern)).toBe(expected);
  });

  it('refuses a pattern that matches the empty string', () => {
    expect(() => compileCustomTypes([{ name: 'EMPTY', pattern: 'a?' }])).toThrow(UnsafePatternError);
  });

  it('refuses a pattern that the regex parser rejects', () => {
    expect(() => compileCustomTypes([{ name: 'BAD', pattern: '[z-a]' }])).toThrow(UnsafePatternError);
  });

  it.each(['lower', 'EMAIL', '1ABC', 'A'.repeat(40)])('refuses the type name %p', (name) => {
    expect(() => compileCustomTypes([{ name, pattern: 'x' }])).toThrow(InvalidCustomTypeError);
  });

  it('runs in linear time on adversarial input because repetition is capped', () => {
    // Prepare
    const options = { customTypes: [{ name: 'TAIL', pattern: '\\d+x' }] };
    // Assess: no match, and 8x the input costs well under the 64x a quadratic scan would.
    expect(detectPii('1'.repeat(200_000), options)).toEqual([]);
    expect(growthRatio((input) => detectPii(input, options), '1'.repeat(100_000), 8)).toBeLessThan(48);
  });
});
