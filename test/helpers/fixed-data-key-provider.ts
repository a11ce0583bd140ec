import type { DataKeyProvider } from '../../lambdas/shared/ports';

/** A DataKeyProvider with one constant data key: handler tests need envelopes, not KMS. */
export const fixedDataKeyProvider: DataKeyProvider = {
  generateDataKey: async () => ({
    plaintextKey: Buffer.alloc(32, 9),
    encryptedKey: Buffer.from('wrapped'),
    keyId: 'test-key',
  }),
};
