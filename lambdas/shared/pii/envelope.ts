/**
 * Re-identification envelope: the original values of one request, encrypted so that only the customer (who holds
 * the KMS key policy for `kms:Decrypt`) can read them. Envelope encryption: a fresh or cached 256-bit data key from
 * the {@link DataKeyProvider} port encrypts a JSON map token → value with AES-256-GCM; the data key travels
 * encrypted under the customer's key.
 *
 * Two contexts are bound, on purpose:
 * - the KMS encryption context is `{ tenant_id }` only, so a cached data key can serve many requests of one tenant
 *   (never of another) while CloudTrail still shows the tenant on every `Decrypt`;
 * - the AES-GCM additional authenticated data is the whole `encryption_context` (`tenant_id` and `request_id`)
 *   plus version and algorithm, so an envelope cannot be replayed under another request or tenant.
 * Field names are snake_case because the audit record stores the envelope as a Glue struct.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKeyProvider, EncryptionContext, KeyDecryptor } from '../ports';
import { EnvelopeFormatError, EnvelopeIntegrityError } from './errors';

const ALGORITHM = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sealed form, JSON-serialisable. */
export interface ReidentificationEnvelope {
  readonly version: 1;
  readonly algorithm: 'AES-256-GCM';
  readonly key_id: string;
  /** Base64 KMS ciphertext blob of the data key. */
  readonly encrypted_data_key: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly auth_tag: string;
  readonly encryption_context: { readonly tenant_id: string; readonly request_id: string };
}

/** Whose request the envelope belongs to. */
export interface SealContext {
  readonly tenantId: string;
  readonly requestId: string;
}

/** The minimum `seal` needs from a replacement: the token and the original value. */
export interface SealableReplacement {
  readonly token: string;
  readonly value: string;
}

/** The KMS encryption context for a tenant's data keys. */
export function kmsContextFor(tenantId: string): EncryptionContext {
  return { tenant_id: tenantId };
}

function aad(context: ReidentificationEnvelope['encryption_context']): Buffer {
  // Fixed key order, so that the bytes are canonical regardless of how the envelope was re-serialised.
  return Buffer.from(
    JSON.stringify({
      version: 1,
      algorithm: ALGORITHM,
      tenant_id: context.tenant_id,
      request_id: context.request_id,
    }),
    'utf8',
  );
}

/**
 * Encrypts token → value for one request.
 * @returns the envelope, or `null` when there is nothing to seal
 */
export async function seal(
  replacements: readonly SealableReplacement[],
  dataKeyProvider: DataKeyProvider,
  context: SealContext,
): Promise<ReidentificationEnvelope | null> {
  if (replacements.length === 0) return null;
  const mapping: Record<string, string> = {};
  for (const r of replacements) if (!(r.token in mapping)) mapping[r.token] = r.value;
  const encryptionContext = { tenant_id: context.tenantId, request_id: context.requestId };
  const dataKey = await dataKeyProvider.generateDataKey(kmsContextFor(context.tenantId));
  if (dataKey.plaintextKey.byteLength !== 32) {
    throw new EnvelopeFormatError(`data key must be 32 bytes, got ${dataKey.plaintextKey.byteLength}`);
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey.plaintextKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(encryptionContext));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(mapping), 'utf8'), cipher.final()]);
  return {
    version: 1,
    algorithm: ALGORITHM,
    key_id: dataKey.keyId,
    encrypted_data_key: Buffer.from(dataKey.encryptedKey).toString('base64'),
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    auth_tag: cipher.getAuthTag().toString('base64'),
    encryption_context: encryptionContext,
  };
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new EnvelopeFormatError(`envelope field ${field} must be a non-empty string`);
  }
  return value;
}

function parseEnvelope(input: unknown): ReidentificationEnvelope {
  if (typeof input !== 'object' || input === null) throw new EnvelopeFormatError('envelope must be an object');
  const e = input as Record<string, unknown>;
  if (e.version !== 1) throw new EnvelopeFormatError(`unsupported envelope version ${String(e.version)}`);
  if (e.algorithm !== ALGORITHM) throw new EnvelopeFormatError(`unsupported algorithm ${String(e.algorithm)}`);
  const ctx = e.encryption_context;
  if (typeof ctx !== 'object' || ctx === null) throw new EnvelopeFormatError('encryption_context is missing');
  const c = ctx as Record<string, unknown>;
  return {
    version: 1,
    algorithm: ALGORITHM,
    key_id: requireString(e.key_id, 'key_id'),
    encrypted_data_key: requireString(e.encrypted_data_key, 'encrypted_data_key'),
    iv: requireString(e.iv, 'iv'),
    ciphertext: requireString(e.ciphertext, 'ciphertext'),
    auth_tag: requireString(e.auth_tag, 'auth_tag'),
    encryption_context: {
      tenant_id: requireString(c.tenant_id, 'encryption_context.tenant_id'),
      request_id: requireString(c.request_id, 'encryption_context.request_id'),
    },
  };
}

/**
 * Decrypts an envelope (auditors' side).
 * @returns token → original value
 * @throws EnvelopeFormatError for a malformed envelope
 * @throws EnvelopeIntegrityError when the data key cannot be decrypted or authentication fails (tampering)
 */
export async function open(envelope: unknown, keyDecryptor: KeyDecryptor): Promise<Map<string, string>> {
  const e = parseEnvelope(envelope);
  const iv = Buffer.from(e.iv, 'base64');
  const tag = Buffer.from(e.auth_tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new EnvelopeIntegrityError('iv or auth_tag has the wrong length');
  }
  let key: Uint8Array;
  try {
    key = await keyDecryptor.decryptDataKey(
      Buffer.from(e.encrypted_data_key, 'base64'),
      kmsContextFor(e.encryption_context.tenant_id),
    );
  } catch (error) {
    throw new EnvelopeIntegrityError('the data key could not be decrypted for this encryption context', {
      cause: error,
    });
  }
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(e.encryption_context));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(Buffer.from(e.ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    throw new EnvelopeIntegrityError('envelope authentication failed', { cause: error });
  }
  const parsed: unknown = JSON.parse(plaintext);
  if (typeof parsed !== 'object' || parsed === null) throw new EnvelopeFormatError('sealed payload is not a map');
  const map = new Map<string, string>();
  for (const [token, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') map.set(token, value);
  }
  return map;
}
