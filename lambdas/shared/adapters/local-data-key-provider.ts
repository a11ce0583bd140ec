/**
 * Local stand-in for KMS so that re-identification envelopes work in `npm run dev`: a 32-byte master key in a file
 * (created 0600 on first use), data keys wrapped with AES-256-GCM under it, the encryption context as AAD.
 * Never used in AWS, where the customer-held CMK wraps data keys and the gateway cannot decrypt them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataKey, DataKeyProvider, EncryptionContext, KeyDecryptor } from '../ports';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function contextAad(context: EncryptionContext): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

/** Reads the master key, creating it (0600) when absent. */
export function loadOrCreateMasterKey(path: string): Buffer {
  try {
    const key = readFileSync(path);
    if (key.byteLength !== KEY_BYTES) throw new Error(`local master key ${path} must be ${KEY_BYTES} bytes`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path);
    throw error;
  }
}

/** Local DataKeyProvider and KeyDecryptor over one master key file. */
export class LocalDataKeyProvider implements DataKeyProvider, KeyDecryptor {
  readonly keyId: string;
  private readonly masterKey: Buffer;

  constructor(masterKey: Uint8Array) {
    if (masterKey.byteLength !== KEY_BYTES) throw new Error(`master key must be ${KEY_BYTES} bytes`);
    this.masterKey = Buffer.from(masterKey);
    this.keyId = `local:${createHash('sha256').update(this.masterKey).digest('hex').slice(0, 16)}`;
  }

  /** Uses (or creates) the master key file at `path`. */
  static fromFile(path: string): LocalDataKeyProvider {
    return new LocalDataKeyProvider(loadOrCreateMasterKey(path));
  }

  async generateDataKey(context: EncryptionContext): Promise<DataKey> {
    const plaintextKey = randomBytes(KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(contextAad(context));
    const wrapped = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    const encryptedKey = Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), wrapped]);
    return { plaintextKey, encryptedKey, keyId: this.keyId };
  }

  async decryptDataKey(encryptedKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const blob = Buffer.from(encryptedKey);
    if (blob.byteLength !== 1 + IV_BYTES + TAG_BYTES + KEY_BYTES || blob[0] !== VERSION) {
      throw new Error('not a local wrapped data key');
    }
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(contextAad(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
