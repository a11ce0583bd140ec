import { createStreamingRestorer, createTokenizer, redact, restore } from '../../../../lambdas/shared/pii';

const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 9), tenantId: 'tenant-r' });

function chunksOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('redact', () => {
  it('replaces each value with its token and reports original offsets and counts', () => {
    // Prepare
    const text = 'Mail rahul@example.com or call +91 98765 43210; backup rahul@example.com';
    // Act
    const result = redact(text, { tokenizer });
    // Assess
    const email = tokenizer.tokenFor('EMAIL', 'rahul@example.com');
    const phone = tokenizer.tokenFor('PHONE', '+91 98765 43210');
    expect(result.text).toBe(`Mail ${email} or call ${phone}; backup ${email}`);
    expect(result.counts).toEqual({ EMAIL: 2, PHONE: 1 });
    expect(result.replacements.map((r) => text.slice(r.start, r.end))).toEqual([
      'rahul@example.com',
      '+91 98765 43210',
      'rahul@example.com',
    ]);
    expect(result.replacements.every((r) => text.slice(r.start, r.end) === r.value)).toBe(true);
  });

  it('returns the text unchanged when there is nothing to redact', () => {
    const result = redact('nothing to see here', { tokenizer });
    expect(result).toEqual({ text: 'nothing to see here', replacements: [], counts: {} });
  });

  it('honours detection options', () => {
    const result = redact('rahul@example.com +91 98765 43210', { tokenizer, enabledTypes: ['EMAIL'] });
    expect(result.counts).toEqual({ EMAIL: 1 });
  });
});

describe('restore', () => {
  it('puts values back for known tokens and leaves unknown tokens alone', () => {
    // Prepare
    const { text, replacements } = redact('PAN ABCPE1234F', { tokenizer });
    const mapping = new Map(replacements.map((r) => [r.token, r.value]));
    // Act
    const restored = restore(`${text} and [EMAIL_aaaaaaaaaa]`, mapping);
    // Assess
    expect(restored).toBe('PAN ABCPE1234F and [EMAIL_aaaaaaaaaa]');
  });

  it('accepts a plain object mapping', () => {
    expect(restore('hi [EMAIL_abcdefghij]', { '[EMAIL_abcdefghij]': 'a@b.co' })).toBe('hi a@b.co');
  });
});

describe('createStreamingRestorer', () => {
  const original = 'Dear rahul@example.com, your PAN ABCPE1234F and card 4111 1111 1111 1111 are on file. [x] [';
  const redacted = redact(original, { tokenizer });
  const mapping = new Map(redacted.replacements.map((r) => [r.token, r.value]));

  it.each([1, 2, 3, 5, 7, 13, 1000])('restores a token split across chunks of %i characters', (size) => {
    // Prepare
    const restorer = createStreamingRestorer(mapping);
    // Act
    const out =
      chunksOf(redacted.text, size)
        .map((c) => restorer.push(c))
        .join('') + restorer.flush();
    // Assess
    expect(out).toBe(original);
  });

  it('holds back no more than a possible token prefix', () => {
    // Prepare
    const restorer = createStreamingRestorer(mapping);
    const token = redacted.replacements[0]?.token ?? '';
    // Act
    const first = restorer.push(`abc ${token.slice(0, 5)}`);
    const second = restorer.push('zzz');
    // Assess
    expect(first).toBe('abc ');
    expect(second).toBe(`${token.slice(0, 5)}zzz`);
    expect(restorer.flush()).toBe('');
  });
});
