import { createTokenizer, detectPii, redact } from '../../../../lambdas/shared/pii';

/** Found by the redaction property: a value in brackets was missed while its bare repeat was found. */
describe('values in brackets', () => {
  it.each([
    ['(5083121065174446)', 'CREDIT_CARD', '5083121065174446'],
    ['card: (4111111111111111).', 'CREDIT_CARD', '4111111111111111'],
    ['call (9876543210) today', 'PHONE', '9876543210'],
  ])('%j is one %s without its brackets', (text, type, value) => {
    // Act
    const matches = detectPii(text);

    // Assess
    expect(matches.map((m) => [m.type, m.value])).toEqual([[type, value]]);
    const [match] = matches;
    expect(match && text.slice(match.start, match.end)).toBe(value);
  });

  it('keeps an area code in parentheses part of the phone number', () => {
    expect(detectPii('office (415) 555-2671').map((m) => m.value)).toEqual(['(415) 555-2671']);
  });

  it('redacts every occurrence of the counterexample', () => {
    const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 7), tenantId: 'acme' });
    const result = redact('the (5083121065174446) 5083121065174446 ', { tokenizer });
    expect(result.text).not.toContain('5083121065174446');
    expect(result.counts).toEqual({ CREDIT_CARD: 2 });
  });
});
