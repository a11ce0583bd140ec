import { cachingDataKeyProvider } from '../../../lambdas/proxy/data-key-cache';
import type { DataKeyProvider } from '../../../lambdas/shared/ports';

function counting(fail = false): DataKeyProvider & { calls: number } {
  const provider = {
    calls: 0,
    generateDataKey: async () => {
      provider.calls++;
      if (fail) throw new Error('kms down');
      return {
        plaintextKey: Buffer.alloc(32, provider.calls),
        encryptedKey: Buffer.from([provider.calls]),
        keyId: 'k',
      };
    },
  };
  return provider;
}

describe('cachingDataKeyProvider', () => {
  it('reuses a key per context within age and uses', async () => {
    let now = 0;
    const inner = counting();
    const cache = cachingDataKeyProvider(inner, { maxAgeMs: 100, maxUses: 3 }, () => now);
    const a = await cache.generateDataKey({ tenant_id: 'a' });
    expect(await cache.generateDataKey({ tenant_id: 'a' })).toBe(a);
    await cache.generateDataKey({ tenant_id: 'b' });
    expect(inner.calls).toBe(2);
    await cache.generateDataKey({ tenant_id: 'a' }); // third use
    await cache.generateDataKey({ tenant_id: 'a' }); // over maxUses: new key
    expect(inner.calls).toBe(3);
    now = 500;
    await cache.generateDataKey({ tenant_id: 'b' }); // too old: new key
    expect(inner.calls).toBe(4);
  });

  it('does not cache failures', async () => {
    const inner = counting(true);
    const cache = cachingDataKeyProvider(inner);
    await expect(cache.generateDataKey({ tenant_id: 'a' })).rejects.toThrow('kms down');
    await expect(cache.generateDataKey({ tenant_id: 'a' })).rejects.toThrow('kms down');
    expect(inner.calls).toBe(2);
  });
});
