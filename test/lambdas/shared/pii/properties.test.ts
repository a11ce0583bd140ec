import fc from 'fast-check';
import { createStreamingRestorer, createTokenizer, detectPii, redact, restore } from '../../../../lambdas/shared/pii';
import * as g from '../../../fixtures/pii/generators';
import { growthRatio } from '../../../helpers/linear-time';

const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 3), tenantId: 'prop-tenant' });

// A fixed pool of PII values in one surface form each (restore gives back the first form seen for a token).
const rng = g.createRng(99);
const VALUES: readonly string[] = [
  ...Array.from({ length: 6 }, () => g.group(g.aadhaar(rng), [4, 4, 4], ' ')),
  ...Array.from({ length: 4 }, () => g.pan(rng)),
  ...Array.from({ length: 4 }, () => g.gstin(rng)),
  ...Array.from({ length: 4 }, () => g.formatCard(rng, g.card(rng))),
  ...Array.from({ length: 4 }, () => g.iban(rng)),
  ...Array.from({ length: 4 }, () => g.email(rng)),
  ...Array.from({ length: 4 }, () => g.upi(rng)),
  ...Array.from({ length: 4 }, () => `+91 ${g.int(rng, 6, 9)}${g.digits(rng, 4)} ${g.digits(rng, 5)}`),
  ...Array.from({ length: 3 }, () => g.formatEmiratesId(rng, g.emiratesId(rng))),
  ...Array.from({ length: 3 }, () => g.ssn(rng)),
  'DOB 12/05/1990',
  'from 203.0.113.7',
  'passport J8369854',
];
const FILLER = [
  'the',
  'customer',
  'order',
  'Order #4821',
  'invoice',
  'v1.2.3',
  'lodash@4.17.21',
  'ts=1700000007',
  'आधार',
  'رقم',
  'call',
  'AWS account',
];
const SEPARATORS = [' ', ', ', '\n', '; ', ' (', ') ', ': ', '\t'];

const piece = fc.oneof(fc.constantFrom(...VALUES), fc.constantFrom(...FILLER));
const enterpriseText = fc
  .array(fc.tuple(piece, fc.constantFrom(...SEPARATORS)), { maxLength: 30 })
  .map((parts) => parts.map(([p, s]) => p + s).join(''));
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc
    .array(fc.oneof(piece, fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...SEPARATORS)), {
      maxLength: 30,
    })
    .map((parts) => parts.join('')),
);

describe('PII engine properties', () => {
  it('redacted text never contains a detected value', () => {
    fc.assert(
      fc.property(enterpriseText, (text) => {
        // Act
        const result = redact(text, { tokenizer });
        // Assess
        for (const r of result.replacements) expect(result.text.includes(r.value)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('restore(redact(x)) === x, each token giving back its first written form', () => {
    fc.assert(
      fc.property(fc.oneof(enterpriseText, anyText), (text) => {
        // Act
        const result = redact(text, { tokenizer });
        const firstForm = new Map<string, string>();
        for (const r of result.replacements) if (!firstForm.has(r.token)) firstForm.set(r.token, r.value);
        // Assess: tokens are stable over normalised values, so `91979 87841` and `+91 91979 87841` share one
        // token and both come back as the form written first; with one form per token, restore is exact.
        let expected = '';
        let at = 0;
        for (const r of result.replacements) {
          expected += text.slice(at, r.start) + (firstForm.get(r.token) ?? '');
          at = r.end;
        }
        expected += text.slice(at);
        expect(restore(result.text, firstForm)).toBe(expected);
        const oneFormPerToken = result.replacements.every((r) => firstForm.get(r.token) === r.value);
        if (oneFormPerToken) expect(expected).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('streaming restore over any chunking equals whole restore', () => {
    fc.assert(
      fc.property(
        fc.oneof(enterpriseText, anyText),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 40 }),
        (text, cuts) => {
          // Prepare
          const result = redact(text, { tokenizer });
          const mapping = new Map(result.replacements.map((r) => [r.token, r.value]));
          const points = [...new Set(cuts.map((c) => c % (result.text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let last = 0;
          for (const p of points) {
            chunks.push(result.text.slice(last, p));
            last = p;
          }
          chunks.push(result.text.slice(last));
          const restorer = createStreamingRestorer(mapping);
          // Act
          const streamed = chunks.map((c) => restorer.push(c)).join('') + restorer.flush();
          // Assess
          expect(streamed).toBe(restore(result.text, mapping));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary Unicode and always returns consistent spans', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        // Act
        const matches = detectPii(text);
        // Assess
        let previousEnd = 0;
        for (const m of matches) {
          expect(m.start).toBeGreaterThanOrEqual(previousEnd);
          expect(text.slice(m.start, m.end)).toBe(m.value);
          previousEnd = m.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  describe('linear time on adversarial input (relative: 8x the input, under the 64x of quadratic work)', () => {
    const KB128 = 1 << 17;
    it.each<[string, string]>([
      ['digits', '7'.repeat(KB128)],
      ['@ signs', '@'.repeat(KB128)],
      ['dots', '.'.repeat(KB128)],
      ['dashes', '-'.repeat(KB128)],
      ['digit-dot runs', '1.'.repeat(KB128 / 2)],
      ['digit-space runs', '1 '.repeat(KB128 / 2)],
      ['a@ pairs', 'a@'.repeat(KB128 / 2)],
      ['birth keywords', 'dob '.repeat(KB128 / 4)],
    ])('%s: 1 MB takes less than 48x the time of 128 KB', (_label, text) => {
      // Act: linear work grows about 8x from 128 KB to 1 MB (timer and GC noise add some); quadratic would be 64x.
      const ratio = growthRatio((input) => detectPii(input), text, 8);
      // Assess
      expect(ratio).toBeLessThan(48);
    });
  });
});
