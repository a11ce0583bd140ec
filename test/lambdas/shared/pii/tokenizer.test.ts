import { createHmac, randomBytes } from 'node:crypto';
import { createTokenizer, normalizeValue, TOKEN_PATTERN, TokenizerConfigError } from '../../../../lambdas/shared/pii';
import { hmacSha256 } from '../../../../lambdas/shared/pii/tokenizer';

const secret = Buffer.alloc(32, 1);

describe('tokenizer', () => {
  it('produces [TYPE_hash] tokens with lower-case base32', () => {
    // Prepare
    const tokenizer = createTokenizer({ secret, tenantId: 'tenant-a' });
    // Act
    const token = tokenizer.tokenFor('IN_AADHAAR', '2345 6789 0124');
    // Assess
    expect(token).toMatch(/^\[IN_AADHAAR_[a-z2-7]{10}\]$/);
    expect(TOKEN_PATTERN.exec(token)?.[1]).toBe('IN_AADHAAR');
    expect(token).not.toContain('2345');
  });

  it('is stable for a tenant and across tokenizer instances', () => {
    // Prepare
    const a1 = createTokenizer({ secret, tenantId: 'tenant-a' });
    const a2 = createTokenizer({ secret: new Uint8Array(secret), tenantId: 'tenant-a' });
    // Act / Assess
    expect(a1.tokenFor('EMAIL', 'x@example.com')).toBe(a2.tokenFor('EMAIL', 'x@example.com'));
  });

  it('differs across tenants and across secrets', () => {
    // Prepare
    const a = createTokenizer({ secret, tenantId: 'tenant-a' });
    const b = createTokenizer({ secret, tenantId: 'tenant-b' });
    const c = createTokenizer({ secret: Buffer.alloc(32, 2), tenantId: 'tenant-a' });
    // Act
    const tokens = [a, b, c].map((t) => t.tokenFor('PHONE', '+91 98765 43210'));
    // Assess
    expect(new Set(tokens).size).toBe(3);
  });

  it.each<[string, string, string]>([
    ['IN_AADHAAR', '7391 4206 5818', '739142065818'],
    ['IN_AADHAAR', '७३९१ ४२०६ ५८१८', '739142065818'],
    ['EMAIL', 'Rahul.Sharma@Example.COM', 'rahul.sharma@example.com'],
    ['PHONE', '+91 98765 43210', '098765 43210'],
    ['PHONE', '9876543210', '+91-98765-43210'],
    ['PHONE', '0091 98765 43210', '+919876543210'],
    ['IN_PAN', 'abcpe1234f', 'ABCPE1234F'],
    ['IBAN', 'GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['CREDIT_CARD', '4111-1111-1111-1111', '4111111111111111'],
    ['DATE_OF_BIRTH', '12/05/1990', '12-05-1990'],
  ])('gives one token to equivalent %s values %p and %p', (type, left, right) => {
    // Prepare
    const tokenizer = createTokenizer({ secret, tenantId: 't' });
    // Act / Assess
    expect(tokenizer.tokenFor(type, left)).toBe(tokenizer.tokenFor(type, right));
  });

  it('gives different tokens to the same text of different types', () => {
    const tokenizer = createTokenizer({ secret, tenantId: 't' });
    expect(tokenizer.tokenFor('US_SSN', '123456789')).not.toBe(tokenizer.tokenFor('PHONE', '123456789'));
  });

  it.each([
    '',
    'PHONE\u0000919876543210',
    'é आधार ١٢٣',
    'x'.repeat(200),
  ])('computes standard HMAC-SHA256 for %p', (message) => {
    // Prepare
    const key = randomBytes(32);
    // Act
    const mac = hmacSha256(key)(message);
    // Assess
    expect(mac.toString('hex')).toBe(createHmac('sha256', key).update(message, 'utf8').digest('hex'));
  });

  it('normalizes native digits to ASCII', () => {
    expect(normalizeValue('SA_NATIONAL_ID', '١٥٦٨٩٨٥٩٩٦')).toBe('1568985996');
  });

  it.each([
    [{ secret: Buffer.alloc(16), tenantId: 't' }],
    [{ secret, tenantId: '  ' }],
  ])('refuses a weak configuration', (options) => {
    expect(() => createTokenizer(options)).toThrow(TokenizerConfigError);
  });
});
