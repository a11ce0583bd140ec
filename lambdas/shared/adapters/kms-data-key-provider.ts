/**
 * KMS adapters for the re-identification envelope.
 *
 * {@link KmsDataKeyProvider} issues data keys with `GenerateDataKey` (AES_256) under the re-identification key and
 * caches them the way the AWS Encryption SDK's caching CMM does: an entry is reused only for the same encryption
 * context (which always carries the tenant, so a data key is never shared across tenants), and only while it is
 * younger than `maxAgeMs` and has served fewer than `maxUses` envelopes. Caching trades a bounded blast radius for
 * fewer KMS calls on the request path.
 *
 * {@link KmsKeyDecryptor} decrypts data keys with `Decrypt`, pinning the key id and passing the encryption context
 * so that KMS refuses a key bound to another tenant. It belongs to the customer's audit tooling, not the gateway.
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Clock, DataKey, DataKeyProvider, EncryptionContext, KeyDecryptor } from '../ports';
import { systemClock } from '../ports';

/** KMS answered without the fields the adapter needs. */
export class KmsResponseError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'KmsResponseError';
  }
}

/** An adapter was configured with invalid values. */
export class KmsAdapterConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'KmsAdapterConfigError';
  }
}

/** Bounds of the data-key cache. */
export interface DataKeyCacheOptions {
  /**
   * Age after which a cached data key is not reused.
   * @default 300000 (5 minutes)
   */
  readonly maxAgeMs?: number;
  /**
   * Number of envelopes one data key may encrypt.
   * @default 1000
   */
  readonly maxUses?: number;
  /**
   * Number of encryption contexts (tenants) kept; the least recently issued entry is evicted first.
   * @default 1000
   */
  readonly maxEntries?: number;
}

/** Construction properties of {@link KmsDataKeyProvider}. */
export interface KmsDataKeyProviderProps {
  readonly client: KMSClient;
  /** ARN, id or alias of the re-identification key. */
  readonly keyId: string;
  /**
   * Cache bounds; pass `false` to call KMS for every envelope.
   * @default { maxAgeMs: 300000, maxUses: 1000, maxEntries: 1000 }
   */
  readonly cache?: DataKeyCacheOptions | false;
  /**
   * Clock for cache ages (monotonic).
   * @default systemClock
   */
  readonly clock?: Pick<Clock, 'monotonicMs'>;
}

interface CacheEntry {
  readonly dataKey: DataKey;
  readonly createdAtMs: number;
  uses: number;
}

/** Canonical, order-independent cache key for an encryption context. */
function contextKey(context: EncryptionContext): string {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((k) => [k, context[k]]),
  );
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) throw new KmsAdapterConfigError(`${name} must be >= 1, got ${value}`);
  return value;
}

/** {@link DataKeyProvider} backed by KMS `GenerateDataKey`, with bounded caching. */
export class KmsDataKeyProvider implements DataKeyProvider {
  private readonly client: KMSClient;
  private readonly keyId: string;
  private readonly clock: Pick<Clock, 'monotonicMs'>;
  private readonly maxAgeMs: number;
  private readonly maxUses: number;
  private readonly maxEntries: number;
  private readonly cacheEnabled: boolean;
  private readonly entries = new Map<string, CacheEntry>();

  public constructor(props: KmsDataKeyProviderProps) {
    if (props.keyId.trim().length === 0) throw new KmsAdapterConfigError('keyId must not be empty');
    this.client = props.client;
    this.keyId = props.keyId;
    this.clock = props.clock ?? systemClock;
    this.cacheEnabled = props.cache !== false;
    const cache = props.cache === false ? {} : (props.cache ?? {});
    this.maxAgeMs = positiveInteger('cache.maxAgeMs', cache.maxAgeMs ?? 300_000);
    this.maxUses = positiveInteger('cache.maxUses', cache.maxUses ?? 1000);
    this.maxEntries = positiveInteger('cache.maxEntries', cache.maxEntries ?? 1000);
  }

  /**
   * Returns a data key for the context, from the cache when a fresh-enough entry exists.
   * @throws KmsAdapterConfigError when the context has no `tenant_id` (caching is partitioned by tenant)
   * @throws KmsResponseError when KMS omits the plaintext or ciphertext
   */
  public async generateDataKey(context: EncryptionContext): Promise<DataKey> {
    if (typeof context.tenant_id !== 'string' || context.tenant_id.length === 0) {
      throw new KmsAdapterConfigError('encryption context must include tenant_id');
    }
    if (!this.cacheEnabled) return this.fetch(context);
    const key = contextKey(context);
    const now = this.clock.monotonicMs();
    const entry = this.entries.get(key);
    if (entry !== undefined && now - entry.createdAtMs < this.maxAgeMs && entry.uses < this.maxUses) {
      entry.uses += 1;
      return entry.dataKey;
    }
    this.entries.delete(key);
    const dataKey = await this.fetch(context);
    this.entries.set(key, { dataKey, createdAtMs: this.clock.monotonicMs(), uses: 1 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return dataKey;
  }

  private async fetch(context: EncryptionContext): Promise<DataKey> {
    const out = await this.client.send(
      new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
    );
    if (out.Plaintext === undefined || out.CiphertextBlob === undefined) {
      throw new KmsResponseError('GenerateDataKey returned no Plaintext or CiphertextBlob');
    }
    return { plaintextKey: out.Plaintext, encryptedKey: out.CiphertextBlob, keyId: out.KeyId ?? this.keyId };
  }
}

/** Construction properties of {@link KmsKeyDecryptor}. */
export interface KmsKeyDecryptorProps {
  readonly client: KMSClient;
  /** The re-identification key; KMS refuses ciphertext produced under any other key. */
  readonly keyId: string;
}

/** {@link KeyDecryptor} backed by KMS `Decrypt`. */
export class KmsKeyDecryptor implements KeyDecryptor {
  private readonly client: KMSClient;
  private readonly keyId: string;

  public constructor(props: KmsKeyDecryptorProps) {
    if (props.keyId.trim().length === 0) throw new KmsAdapterConfigError('keyId must not be empty');
    this.client = props.client;
    this.keyId = props.keyId;
  }

  /** @throws KmsResponseError when KMS returns no plaintext */
  public async decryptDataKey(encryptedKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const out = await this.client.send(
      new DecryptCommand({ CiphertextBlob: encryptedKey, EncryptionContext: { ...context }, KeyId: this.keyId }),
    );
    if (out.Plaintext === undefined) throw new KmsResponseError('Decrypt returned no Plaintext');
    return out.Plaintext;
  }
}
