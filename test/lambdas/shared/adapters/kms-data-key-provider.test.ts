import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import {
  KmsAdapterConfigError,
  KmsDataKeyProvider,
  KmsKeyDecryptor,
  KmsResponseError,
} from '../../../../lambdas/shared/adapters/kms-data-key-provider';

const KEY_ID = 'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);

function fakeClock(start = 0): { monotonicMs: () => number; advance: (ms: number) => void } {
  let now = start;
  return {
    monotonicMs: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

let keySerial = 0;
function answerGenerateDataKey(): void {
  kms.on(GenerateDataKeyCommand).callsFake(() => {
    keySerial += 1;
    return {
      Plaintext: new Uint8Array(32).fill(keySerial),
      CiphertextBlob: new Uint8Array([0xc1, keySerial]),
      KeyId: KEY_ID,
    };
  });
}

beforeEach(() => {
  kms.reset();
  keySerial = 0;
});

describe('KmsDataKeyProvider', () => {
  it('calls GenerateDataKey with AES_256, the key id and the encryption context', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID });
    // Act
    const dataKey = await provider.generateDataKey({ tenant_id: 'tenant-a' });
    // Assess
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY_ID,
      KeySpec: 'AES_256',
      EncryptionContext: { tenant_id: 'tenant-a' },
    });
    expect(dataKey.plaintextKey).toHaveLength(32);
    expect(Array.from(dataKey.encryptedKey)).toEqual([0xc1, 1]);
    expect(dataKey.keyId).toBe(KEY_ID);
  });

  it('reuses a cached data key for the same tenant within the bounds', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID, clock: fakeClock() });
    // Act
    const first = await provider.generateDataKey({ tenant_id: 'tenant-a' });
    const second = await provider.generateDataKey({ tenant_id: 'tenant-a' });
    // Assess
    expect(second).toBe(first);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
  });

  it('never shares a data key across tenants', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID, clock: fakeClock() });
    // Act
    const a = await provider.generateDataKey({ tenant_id: 'tenant-a' });
    const b = await provider.generateDataKey({ tenant_id: 'tenant-b' });
    // Assess
    expect(Array.from(a.encryptedKey)).not.toEqual(Array.from(b.encryptedKey));
    expect(kms.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input.EncryptionContext)).toEqual([
      { tenant_id: 'tenant-a' },
      { tenant_id: 'tenant-b' },
    ]);
  });

  it('treats the encryption context as a whole, independent of key order', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID, clock: fakeClock() });
    // Act
    await provider.generateDataKey({ tenant_id: 't', purpose: 'pii' });
    await provider.generateDataKey({ purpose: 'pii', tenant_id: 't' });
    await provider.generateDataKey({ tenant_id: 't', purpose: 'other' });
    // Assess
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
  });

  it('fetches a new data key once the cached one reaches its maximum age', async () => {
    // Prepare
    answerGenerateDataKey();
    const clock = fakeClock(1000);
    const provider = new KmsDataKeyProvider({
      client: new KMSClient({}),
      keyId: KEY_ID,
      clock,
      cache: { maxAgeMs: 60_000 },
    });
    // Act
    const first = await provider.generateDataKey({ tenant_id: 't' });
    clock.advance(59_999);
    const stillCached = await provider.generateDataKey({ tenant_id: 't' });
    clock.advance(1);
    const renewed = await provider.generateDataKey({ tenant_id: 't' });
    // Assess
    expect(stillCached).toBe(first);
    expect(renewed).not.toBe(first);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
  });

  it('fetches a new data key once the cached one has served its maximum uses', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({
      client: new KMSClient({}),
      keyId: KEY_ID,
      clock: fakeClock(),
      cache: { maxUses: 3 },
    });
    // Act
    const keys = [];
    for (let i = 0; i < 7; i++) keys.push(await provider.generateDataKey({ tenant_id: 't' }));
    // Assess
    expect(keys.map((k) => k.encryptedKey[1])).toEqual([1, 1, 1, 2, 2, 2, 3]);
  });

  it('evicts the oldest tenant beyond maxEntries', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({
      client: new KMSClient({}),
      keyId: KEY_ID,
      clock: fakeClock(),
      cache: { maxEntries: 2 },
    });
    // Act
    for (const tenant of ['a', 'b', 'c', 'a']) await provider.generateDataKey({ tenant_id: tenant });
    // Assess
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(4);
  });

  it('calls KMS every time when caching is disabled', async () => {
    // Prepare
    answerGenerateDataKey();
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID, cache: false });
    // Act
    await provider.generateDataKey({ tenant_id: 't' });
    await provider.generateDataKey({ tenant_id: 't' });
    // Assess
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(2);
  });

  it('refuses an encryption context without tenant_id', async () => {
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID });
    await expect(provider.generateDataKey({ request_id: 'r' })).rejects.toBeInstanceOf(KmsAdapterConfigError);
  });

  it('fails with KmsResponseError when KMS omits the plaintext', async () => {
    // Prepare
    kms.on(GenerateDataKeyCommand).resolves({ CiphertextBlob: new Uint8Array([1]) });
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID });
    // Act / Assess
    await expect(provider.generateDataKey({ tenant_id: 't' })).rejects.toBeInstanceOf(KmsResponseError);
  });

  it('does not cache a failed call', async () => {
    // Prepare
    kms
      .on(GenerateDataKeyCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .callsFake(() => ({
        Plaintext: new Uint8Array(32),
        CiphertextBlob: new Uint8Array([9]),
        KeyId: KEY_ID,
      }));
    const provider = new KmsDataKeyProvider({ client: new KMSClient({}), keyId: KEY_ID });
    // Act
    await expect(provider.generateDataKey({ tenant_id: 't' })).rejects.toThrow('ThrottlingException');
    const key = await provider.generateDataKey({ tenant_id: 't' });
    // Assess
    expect(Array.from(key.encryptedKey)).toEqual([9]);
  });

  it.each([
    [{ keyId: ' ' }],
    [{ keyId: KEY_ID, cache: { maxUses: 0 } }],
    [{ keyId: KEY_ID, cache: { maxAgeMs: -1 } }],
  ])('validates its configuration (%p)', (props) => {
    expect(() => new KmsDataKeyProvider({ client: new KMSClient({}), ...props })).toThrow(KmsAdapterConfigError);
  });
});

describe('KmsKeyDecryptor', () => {
  it('calls Decrypt with the ciphertext, the encryption context and the pinned key id', async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32).fill(7), KeyId: KEY_ID });
    const decryptor = new KmsKeyDecryptor({ client: new KMSClient({}), keyId: KEY_ID });
    const blob = new Uint8Array([1, 2, 3]);
    // Act
    const key = await decryptor.decryptDataKey(blob, { tenant_id: 'tenant-a' });
    // Assess
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toEqual({
      CiphertextBlob: blob,
      EncryptionContext: { tenant_id: 'tenant-a' },
      KeyId: KEY_ID,
    });
    expect(Array.from(key)).toEqual(new Array(32).fill(7));
  });

  it('fails with KmsResponseError when KMS returns no plaintext', async () => {
    // Prepare
    kms.on(DecryptCommand).resolves({});
    const decryptor = new KmsKeyDecryptor({ client: new KMSClient({}), keyId: KEY_ID });
    // Act / Assess
    await expect(decryptor.decryptDataKey(new Uint8Array([1]), { tenant_id: 't' })).rejects.toBeInstanceOf(
      KmsResponseError,
    );
  });

  it('propagates a KMS refusal (e.g. a context bound to another tenant)', async () => {
    // Prepare
    kms.on(DecryptCommand).rejects(new Error('InvalidCiphertextException'));
    const decryptor = new KmsKeyDecryptor({ client: new KMSClient({}), keyId: KEY_ID });
    // Act / Assess
    await expect(decryptor.decryptDataKey(new Uint8Array([1]), { tenant_id: 't' })).rejects.toThrow(
      'InvalidCiphertextException',
    );
  });
});
