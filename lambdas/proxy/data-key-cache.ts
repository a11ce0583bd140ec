/**
 * Data-key caching for re-identification envelopes, in the manner of the AWS Encryption SDK's caching CMM: one
 * `GenerateDataKey` per tenant serves many envelopes for a short time, instead of a KMS round trip on the critical
 * path of every request that contains PII. Each envelope still gets a fresh random 96-bit IV, so AES-GCM stays far
 * below its per-key message limit; the bound on age and uses caps how many envelopes one leaked data key opens.
 */
import type { DataKey, DataKeyProvider, EncryptionContext } from '../shared/ports';

/** Cache bounds. */
export interface DataKeyCacheSettings {
  /** Maximum age of a cached data key in ms. @default 300000 (5 minutes) */
  readonly maxAgeMs: number;
  /** Maximum envelopes sealed with one data key. @default 10000 */
  readonly maxUses: number;
}

export const DEFAULT_DATA_KEY_CACHE: DataKeyCacheSettings = { maxAgeMs: 300_000, maxUses: 10_000 };

interface Entry {
  readonly key: Promise<DataKey>;
  readonly createdMs: number;
  uses: number;
}

function contextKey(context: EncryptionContext): string {
  return JSON.stringify(
    Object.keys(context)
      .sort()
      .map((name) => [name, context[name]]),
  );
}

/** Wraps a DataKeyProvider with a per-encryption-context cache. */
export function cachingDataKeyProvider(
  inner: DataKeyProvider,
  settings: DataKeyCacheSettings = DEFAULT_DATA_KEY_CACHE,
  nowMs: () => number = Date.now,
): DataKeyProvider {
  const entries = new Map<string, Entry>();
  return {
    generateDataKey(context: EncryptionContext): Promise<DataKey> {
      const id = contextKey(context);
      const now = nowMs();
      const cached = entries.get(id);
      if (cached && cached.uses < settings.maxUses && now - cached.createdMs < settings.maxAgeMs) {
        cached.uses++;
        return cached.key;
      }
      const key = inner.generateDataKey(context);
      const entry: Entry = { key, createdMs: now, uses: 1 };
      entries.set(id, entry);
      // A failed generation is not cached: the next request asks KMS again.
      key.catch(() => {
        if (entries.get(id) === entry) entries.delete(id);
      });
      return key;
    },
  };
}
