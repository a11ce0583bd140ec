import {
  extractCredential,
  hashTenantKey,
  looksLikeJwt,
  TenantKeyDirectory,
} from '../../../../lambdas/shared/auth/credentials';

describe('extractCredential', () => {
  it.each([
    [{ 'x-api-key': 'k1' }, { source: 'x-api-key', value: 'k1' }],
    [{ authorization: 'Bearer k2' }, { source: 'bearer', value: 'k2' }],
    [{ authorization: 'bearer   k3 ' }, { source: 'bearer', value: 'k3' }],
    [
      { 'x-api-key': 'k1', authorization: 'Bearer k2' },
      { source: 'x-api-key', value: 'k1' },
    ],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, null],
    [{ authorization: 'Bearer' }, null],
    [{ 'x-api-key': '   ' }, null],
    [{}, null],
  ])('%j -> %j', (headers, expected) => {
    expect(extractCredential(headers)).toEqual(expected);
  });
});

describe('looksLikeJwt', () => {
  it('tells an access token from an opaque key', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt('sk-gw-4f3a9c2e1b')).toBe(false);
  });
});

describe('TenantKeyDirectory', () => {
  const directory = new TenantKeyDirectory([
    { tenantId: 'acme', keyId: 'acme/current', keySha256: hashTenantKey('new-key') },
    { tenantId: 'acme', keyId: 'acme/previous', keySha256: hashTenantKey('old-key') },
    { tenantId: 'globex', keyId: 'globex/current', keySha256: hashTenantKey('globex-key') },
  ]);

  it('resolves each accepted key, old and new during rotation, to its tenant and key id', () => {
    expect(directory.verify('new-key')).toEqual({ tenantId: 'acme', principal: 'acme/current' });
    expect(directory.verify('old-key')).toEqual({ tenantId: 'acme', principal: 'acme/previous' });
    expect(directory.verify('globex-key')).toEqual({ tenantId: 'globex', principal: 'globex/current' });
  });

  it('rejects unknown, empty and near-miss keys', () => {
    expect(directory.verify('new-key ')).toBeNull();
    expect(directory.verify('')).toBeNull();
    expect(directory.verify('NEW-KEY')).toBeNull();
  });

  it('stores only digests, never the key', () => {
    expect(hashTenantKey('new-key')).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(directory)).not.toContain('new-key');
  });
});
