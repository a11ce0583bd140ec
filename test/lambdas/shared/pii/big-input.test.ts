/**
 * Big inputs must not overflow the stack: no recursion and no argument spread whose size the client controls.
 * Reproduces the 1.5 MB PII-dense body that overflowed `redactPrompt` (over 120,000 replacements spread into one
 * `push` call).
 */
import { createTenantRedactor, redactPrompt } from '../../../../lambdas/proxy/redaction';
import { createTokenizer, redact, restore } from '../../../../lambdas/shared/pii';
import { asciiDigits, fromCharCodes } from '../../../../lambdas/shared/pii/chars';
import { tenantConfigSchema } from '../../../../lambdas/shared/policy/tenant-config';

const tenant = tenantConfigSchema.parse({ id: 'acme', provider: 'anthropic', models: { sonnet: 'claude-sonnet-4-6' } });
const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 1), tenantId: 'acme' });

/** About 1.5 MB of IPv4 addresses, one PII value every 12 characters. */
function piiDenseText(): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1_500_000; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    parts.push(ip);
    size += ip.length + 1;
  }
  return parts.join(' ');
}

describe('PII engine and request redaction on big inputs', () => {
  it('redacts a 1.5 MB PII-dense prompt (>120,000 replacements) without a stack overflow, and restores it', () => {
    // Prepare
    const text = piiDenseText();
    // Act
    const prompt = redactPrompt(
      { messages: [{ role: 'user', content: text }] },
      createTenantRedactor(tenant, tokenizer),
    );
    // Assess
    expect(prompt.replacements.length).toBeGreaterThan(120_000);
    expect(prompt.promptChars).toBe(text.length);
    const mapping = new Map(prompt.replacements.map((r) => [r.token, r.value]));
    expect(restore(prompt.redactedText, mapping)).toBe(text);
  });

  it('converts a million non-ASCII digits without spreading them into one call', () => {
    const devanagari = '\u0967'.repeat(1_000_000); // DEVANAGARI DIGIT ONE
    expect(asciiDigits(devanagari)).toBe('1'.repeat(1_000_000));
    expect(fromCharCodes(Array.from({ length: 300_000 }, () => 0x41))).toBe('A'.repeat(300_000));
  });

  it('redacts a 4 MB single-line value run (one long token candidate) without a stack overflow', () => {
    const text = `${'9'.repeat(4_000_000)} ${'a@'.repeat(500_000)}`;
    expect(() => redact(text, { tokenizer })).not.toThrow();
  });
});
