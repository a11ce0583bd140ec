import { randomBytes } from 'node:crypto';
import {
  EnvelopeFormatError,
  EnvelopeIntegrityError,
  open,
  type ReidentificationEnvelope,
  seal,
} from '../../../../lambdas/shared/pii';
import type { DataKeyProvider, EncryptionContext, KeyDecryptor } from '../../../../lambdas/shared/ports';

/**
 * In-memory stand-in for KMS: the "encrypted" data key is the plaintext key XOR-ed with a pad and prefixed with the
 * context it was bound to, so a Decrypt under another context fails just like KMS would.
 */
function fakeKms(): { provider: DataKeyProvider; decryptor: KeyDecryptor; calls: EncryptionContext[] } {
  const pad = randomBytes(32);
  const calls: EncryptionContext[] = [];
  const bind = (context: EncryptionContext): Buffer => Buffer.from(JSON.stringify(context));
  return {
    calls,
    provider: {
      async generateDataKey(context) {
        calls.push(context);
        const plaintextKey = randomBytes(32);
        const wrapped = Buffer.from(plaintextKey.map((b, i) => b ^ (pad[i] ?? 0)));
        const header = bind(context);
        return {
          plaintextKey,
          encryptedKey: Buffer.concat([Buffer.from([header.length]), header, wrapped]),
          keyId: 'arn:aws:kms:ap-south-1:111122223333:key/test',
        };
      },
    },
    decryptor: {
      async decryptDataKey(encryptedKey, context) {
        const blob = Buffer.from(encryptedKey);
        const headerLength = blob[0] ?? 0;
        if (!blob.subarray(1, 1 + headerLength).equals(bind(context))) throw new Error('InvalidCiphertextException');
        return Buffer.from(blob.subarray(1 + headerLength).map((b, i) => b ^ (pad[i] ?? 0)));
      },
    },
  };
}

const replacements = [
  { token: '[EMAIL_abcdefghij]', value: 'rahul@example.com' },
  { token: '[IN_PAN_bcdefghijk]', value: 'ABCPE1234F' },
  { token: '[EMAIL_abcdefghij]', value: 'rahul@example.com' },
];
const context = { tenantId: 'tenant-a', requestId: 'req-123' };

function flipBase64(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64');
}

describe('re-identification envelope', () => {
  it('round-trips token -> value through seal and open', async () => {
    // Prepare
    const kms = fakeKms();
    // Act
    const envelope = await seal(replacements, kms.provider, context);
    const mapping = await open(JSON.parse(JSON.stringify(envelope)), kms.decryptor);
    // Assess
    expect(mapping).toEqual(
      new Map([
        ['[EMAIL_abcdefghij]', 'rahul@example.com'],
        ['[IN_PAN_bcdefghijk]', 'ABCPE1234F'],
      ]),
    );
  });

  it('has the documented snake_case shape and never contains a value in clear', async () => {
    // Prepare
    const kms = fakeKms();
    // Act
    const envelope = await seal(replacements, kms.provider, context);
    // Assess
    expect(envelope).toEqual({
      version: 1,
      algorithm: 'AES-256-GCM',
      key_id: 'arn:aws:kms:ap-south-1:111122223333:key/test',
      encrypted_data_key: expect.any(String),
      iv: expect.any(String),
      ciphertext: expect.any(String),
      auth_tag: expect.any(String),
      encryption_context: { tenant_id: 'tenant-a', request_id: 'req-123' },
    });
    expect(Buffer.from(envelope?.iv ?? '', 'base64')).toHaveLength(12);
    expect(JSON.stringify(envelope)).not.toContain('rahul');
    expect(kms.calls).toEqual([{ tenant_id: 'tenant-a' }]);
  });

  it('returns null when there is nothing to seal', async () => {
    const kms = fakeKms();
    await expect(seal([], kms.provider, context)).resolves.toBeNull();
    expect(kms.calls).toEqual([]);
  });

  it.each<[string, (e: ReidentificationEnvelope) => ReidentificationEnvelope]>([
    ['ciphertext', (e) => ({ ...e, ciphertext: flipBase64(e.ciphertext) })],
    ['auth tag', (e) => ({ ...e, auth_tag: flipBase64(e.auth_tag) })],
    ['iv', (e) => ({ ...e, iv: flipBase64(e.iv) })],
    ['request id', (e) => ({ ...e, encryption_context: { ...e.encryption_context, request_id: 'req-999' } })],
    ['tenant id', (e) => ({ ...e, encryption_context: { ...e.encryption_context, tenant_id: 'tenant-b' } })],
    ['encrypted data key', (e) => ({ ...e, encrypted_data_key: flipBase64(e.encrypted_data_key) })],
  ])('fails with EnvelopeIntegrityError when the %s is altered', async (_label, tamper) => {
    // Prepare
    const kms = fakeKms();
    const envelope = await seal(replacements, kms.provider, context);
    if (envelope === null) throw new Error('expected an envelope');
    // Act / Assess
    await expect(open(tamper(envelope), kms.decryptor)).rejects.toBeInstanceOf(EnvelopeIntegrityError);
  });

  it.each<[string, unknown]>([
    ['not an object', 'x'],
    ['wrong version', { version: 2, algorithm: 'AES-256-GCM' }],
    ['wrong algorithm', { version: 1, algorithm: 'AES-128-CBC' }],
    ['missing fields', { version: 1, algorithm: 'AES-256-GCM', encryption_context: {} }],
  ])('fails with EnvelopeFormatError for %s', async (_label, envelope) => {
    await expect(open(envelope, fakeKms().decryptor)).rejects.toBeInstanceOf(EnvelopeFormatError);
  });
});
