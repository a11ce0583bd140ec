/**
 * Secrets Manager reads for the proxy: the token secret (HMAC key material behind PII tokens) and the upstream
 * Anthropic API key. Each secret is fetched once per execution environment (cold start) and cached in memory;
 * concurrent first reads share one call, and a failed read is not cached, so the next request retries.
 * Errors name the secret, never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../ports';
import { systemClock } from '../ports';
import { checkDeadlineMs, withDeadline } from './audit-write-deadline';
import { SECRET_READ_DEADLINE_MS } from './secrets-manager-secret-reader';

/** The token secret must carry at least 256 bits (the tokenizer refuses less). */
export const MIN_TOKEN_SECRET_BYTES = 32;

/** A secret could not be read or does not have the expected shape. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
  constructor(
    readonly secretId: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`secret ${secretId} ${problem}`, options);
  }
}

export interface SecretCacheOptions {
  readonly client: SecretsManagerClient;
  /**
   * How long a value is reused before it is fetched again.
   * @default Infinity - once per execution environment (a rotated value is picked up by new environments)
   */
  readonly maxAgeMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** One read, SDK retries included; a stalled endpoint fails the read (and the request, 503) instead of hanging. @default 3000 */
  readonly deadlineMs?: number;
}

interface Entry {
  readonly fetchedAt: number;
  readonly value: Promise<Uint8Array>;
}

/** Caches `GetSecretValue` results (SecretString as UTF-8 bytes, or SecretBinary) per secret id. */
export class SecretCache {
  private readonly client: SecretsManagerClient;
  private readonly maxAgeMs: number;
  private readonly clock: Clock;
  private readonly deadlineMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: SecretCacheOptions) {
    const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    if (!(maxAgeMs > 0)) throw new RangeError(`SecretCache: maxAgeMs must be positive (got ${maxAgeMs})`);
    this.client = options.client;
    this.maxAgeMs = maxAgeMs;
    this.clock = options.clock ?? systemClock;
    this.deadlineMs = checkDeadlineMs('SecretCache', options.deadlineMs ?? SECRET_READ_DEADLINE_MS);
  }

  /** The secret's bytes: fetched on first use, then served from memory while younger than `maxAgeMs`. */
  getBytes(secretId: string): Promise<Uint8Array> {
    const now = this.clock.monotonicMs();
    const cached = this.entries.get(secretId);
    if (cached !== undefined && now - cached.fetchedAt < this.maxAgeMs) return cached.value;
    const value = this.fetch(secretId);
    this.entries.set(secretId, { fetchedAt: now, value });
    value.catch(() => {
      // Do not keep a failure: the next caller tries again.
      if (this.entries.get(secretId)?.value === value) this.entries.delete(secretId);
    });
    return value;
  }

  /** The secret as UTF-8 text. */
  async getString(secretId: string): Promise<string> {
    return new TextDecoder().decode(await this.getBytes(secretId));
  }

  private async fetch(secretId: string): Promise<Uint8Array> {
    let output: { SecretString?: string; SecretBinary?: Uint8Array };
    try {
      output = await withDeadline(this.deadlineMs, (abortSignal) =>
        this.client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal }),
      );
    } catch (error) {
      throw new SecretUnavailableError(secretId, 'could not be read', { cause: error });
    }
    if (output.SecretBinary !== undefined && output.SecretBinary.byteLength > 0) return output.SecretBinary;
    if (output.SecretString !== undefined && output.SecretString !== '') {
      return new TextEncoder().encode(output.SecretString);
    }
    throw new SecretUnavailableError(secretId, 'has no value');
  }
}

/**
 * The HMAC key material behind PII tokens (the generated 64-character secret string, as bytes).
 * @throws SecretUnavailableError when it cannot be read or is shorter than 32 bytes
 */
export async function loadTokenSecret(cache: SecretCache, secretId: string): Promise<Uint8Array> {
  const bytes = await cache.getBytes(secretId);
  if (bytes.byteLength < MIN_TOKEN_SECRET_BYTES) {
    throw new SecretUnavailableError(secretId, `is shorter than ${MIN_TOKEN_SECRET_BYTES} bytes`);
  }
  return bytes;
}

/**
 * The upstream Anthropic API key. The secret holds either the key itself or JSON `{"apiKey": "..."}`; the
 * deployment creates it empty (or with a placeholder) and the platform engineer fills it.
 * @throws SecretUnavailableError when it cannot be read or holds no key
 */
export async function loadAnthropicApiKey(cache: SecretCache, secretId: string): Promise<string> {
  const text = (await cache.getString(secretId)).trim();
  let key = text;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretUnavailableError(secretId, 'is neither an API key nor JSON with "apiKey"');
    }
    const apiKey = (parsed as { apiKey?: unknown } | null)?.apiKey;
    key = typeof apiKey === 'string' ? apiKey.trim() : '';
  }
  if (key === '' || /\s/.test(key)) {
    throw new SecretUnavailableError(secretId, 'does not hold an Anthropic API key (set it after deploying)');
  }
  return key;
}
