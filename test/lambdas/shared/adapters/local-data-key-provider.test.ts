import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDataKeyProvider } from '../../../../lambdas/shared/adapters/local-data-key-provider';
import { open, seal } from '../../../../lambdas/shared/pii';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalDataKeyProvider', () => {
  it('creates the master key 0600 once and reuses it', async () => {
    const path = join(dir, '.gateway', 'master.key');
    const first = LocalDataKeyProvider.fromFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = LocalDataKeyProvider.fromFile(path);
    expect(second.keyId).toBe(first.keyId);
    const key = await first.generateDataKey({ tenant_id: 'acme' });
    await expect(second.decryptDataKey(key.encryptedKey, { tenant_id: 'acme' })).resolves.toEqual(
      Buffer.from(key.plaintextKey),
    );
  });

  it('binds the encryption context', async () => {
    const provider = LocalDataKeyProvider.fromFile(join(dir, 'k'));
    const key = await provider.generateDataKey({ tenant_id: 'acme' });
    await expect(provider.decryptDataKey(key.encryptedKey, { tenant_id: 'other' })).rejects.toThrow();
  });

  it('round-trips a re-identification envelope locally', async () => {
    const provider = LocalDataKeyProvider.fromFile(join(dir, 'k'));
    const envelope = await seal([{ token: '[EMAIL_abcdefghij]', value: 'a@b.example' }], provider, {
      tenantId: 'acme',
      requestId: 'req_1234567890',
    });
    const mapping = await open(envelope, provider);
    expect(mapping.get('[EMAIL_abcdefghij]')).toBe('a@b.example');
  });
});
