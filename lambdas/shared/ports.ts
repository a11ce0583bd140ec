/**
 * Ports: the interfaces through which pure domain code reaches the outside world.
 * Adapters in `adapters/` implement them with AWS SDK clients, the Anthropic SDK, the filesystem or DuckDB;
 * tests implement them in memory. Nothing in this file may import an SDK.
 */
import type { AuditRecord } from './audit/record';

/** Wall clock and a monotonic timer, injectable so that records and latencies are testable. */
export interface Clock {
  /** Current wall-clock time (audit timestamps, object keys). */
  now(): Date;
  /** Monotonic milliseconds for measuring durations (latency, time to first token). */
  monotonicMs(): number;
}

/** The system clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};

/**
 * Write-once store for audit records. `put` resolves only when the record is durably acknowledged
 * (S3 PutObject 200, or the file fsynced); it rejects otherwise. The request path fails closed on a rejection.
 */
export interface AuditSink {
  put(record: AuditRecord): Promise<void>;
}

/**
 * Where a post-call record goes when the audit sink rejected it (SQS DLQ in AWS, a folder locally),
 * so that nothing is lost; the audit Lambda replays it into the sink under the same object key.
 */
export interface AuditDeadLetter {
  send(record: AuditRecord, failure: string): Promise<void>;
}

/** Encryption context bound to a re-identification envelope (authenticated, never secret). */
export type EncryptionContext = Readonly<Record<string, string>>;

/** A fresh data key: the plaintext for local AES-GCM, and the same key encrypted under the customer-held CMK. */
export interface DataKey {
  /** 32 bytes; callers must not persist it. */
  readonly plaintextKey: Uint8Array;
  /** The data key encrypted under the re-identification key (KMS ciphertext blob). */
  readonly encryptedKey: Uint8Array;
  /** ARN or id of the key that encrypted it. */
  readonly keyId: string;
}

/** Issues data keys under the re-identification key (`kms:GenerateDataKey`). The gateway holds only this. */
export interface DataKeyProvider {
  generateDataKey(context: EncryptionContext): Promise<DataKey>;
}

/** Decrypts an encrypted data key (`kms:Decrypt`): held by the customer's auditors, never by the gateway. */
export interface KeyDecryptor {
  decryptDataKey(encryptedKey: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
}

/** Runs SQL against the audit catalog: Athena in AWS, DuckDB locally. Rows come back as plain objects. */
export interface QueryRunner {
  run(sql: string, options?: { onProgress?: (state: string) => void }): Promise<Array<Record<string, unknown>>>;
}

/** A Messages request ready for a provider: policy applied, model pinned, redaction done. */
export interface UpstreamRequest {
  /** Provider model id: an Anthropic model id or a Bedrock model/inference-profile id. */
  readonly modelId: string;
  /** The Anthropic Messages body without `model` and `stream` (each adapter adds what its API needs). */
  readonly body: Readonly<Record<string, unknown>>;
  /** `anthropic-beta` flags (Anthropic header; Bedrock `anthropic_beta` body field). */
  readonly betas: readonly string[];
  /** Anthropic `inference_geo`; adapters for other providers ignore it. */
  readonly inferenceGeo?: 'global' | 'us';
  /**
   * Headers of the client's request the Anthropic API should see as sent (`anthropic-version`, `anthropic-beta`, `user-agent`),
   * in place of the SDK's defaults; adapters for other providers ignore them. @default none
   */
  readonly clientHeaders?: Readonly<Record<string, string>>;
  /** The client's query string without `?` (`beta=true`), sent as is to the Anthropic API. @default none */
  readonly query?: string;
  /** Aborts the upstream call (client gone, timeout). */
  readonly signal?: AbortSignal;
}

/** One Anthropic streaming event (`message_start`, `content_block_delta`, `ping`, ...), as parsed JSON. */
export type UpstreamStreamEvent = { readonly type: string } & Readonly<Record<string, unknown>>;

/** A non-streaming Messages response. */
export interface UpstreamMessage {
  /** The Anthropic Message object (`type: "message"`, `content`, `usage`, ...). */
  readonly message: { readonly type: string } & Readonly<Record<string, unknown>>;
  /** Anthropic `request-id` or Bedrock `x-amzn-requestid`. */
  readonly upstreamRequestId: string | null;
}

/** A streaming Messages response: resolved once the upstream accepted the request (headers received). */
export interface UpstreamStream {
  readonly events: AsyncIterable<UpstreamStreamEvent>;
  readonly upstreamRequestId: string | null;
}

/**
 * An error from the provider, normalised to Anthropic's error types. `retryable` is true for 429, 500, 503,
 * 529 and network failures before the first byte.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly retryable: boolean,
    readonly upstreamRequestId: string | null = null,
  ) {
    super(message);
  }
}

/** A model provider (Anthropic API or Bedrock). Adapters do not retry: the request path owns retries and fallback. */
export interface ModelClient {
  readonly provider: 'anthropic' | 'bedrock';
  createMessage(request: UpstreamRequest): Promise<UpstreamMessage>;
  streamMessage(request: UpstreamRequest): Promise<UpstreamStream>;
  countTokens(request: UpstreamRequest): Promise<{ readonly input_tokens: number }>;
}
