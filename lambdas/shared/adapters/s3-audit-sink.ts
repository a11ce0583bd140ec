/**
 * AuditSink over S3: one PutObject per record under `audit/v1/…` (see `audit/object-key.ts`).
 *
 * - Write-once: `IfNoneMatch: '*'` makes S3 refuse to write a key that already exists. A replay from the
 *   dead-letter queue of a record that did land the first time (the sink saw an error but S3 had stored it)
 *   gets `412 PreconditionFailed`: the record is already there, so that counts as success. A concurrent write of
 *   the same key (`409 ConditionalRequestConflict`) is not: the other writer may still fail, so it rejects.
 * - Object Lock needs a checksum on every PUT: the SDK's default CRC32 (`@aws-sdk/client-s3` ≥ 3.729) provides
 *   it. This adapter never sets `requestChecksumCalculation: 'WHEN_REQUIRED'`, and the client is bundled.
 * - Encryption comes from the bucket default (SSE-KMS with the audit key and an S3 bucket key), so the function
 *   needs only `kms:GenerateDataKey` on that key and no key id in its environment.
 * - Every put has a deadline (`audit-write-deadline.ts`): past it the put rejects, so a pre-call write fails closed
 *   at once (503) and a post-call write goes to the dead letter, instead of both waiting for the Lambda timeout.
 *   Build the client with `auditWriteClientConfig()` so each attempt is bounded too.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { auditObjectKey } from '../audit/object-key';
import { type AuditRecord, validateAuditRecord } from '../audit/record';
import type { AuditSink } from '../ports';
import { AUDIT_WRITE_DEADLINES, checkDeadlineMs, withDeadline } from './audit-write-deadline';

/** The sink could not store a record. The message names the key, never record content. */
export class AuditWriteError extends Error {
  override readonly name = 'AuditWriteError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`audit record ${key} was not stored`, options);
  }
}

export interface S3AuditSinkOptions {
  readonly client: S3Client;
  /** Name of the Object Lock audit bucket. */
  readonly bucket: string;
  /** Whole put, SDK retries included. @default AUDIT_WRITE_DEADLINES.deadlineMs (8 s) */
  readonly deadlineMs?: number;
}

function isPreconditionFailed(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412;
}

/** Writes each audit record once to S3 and resolves only on S3's acknowledgement (or proof it is already there). */
export class S3AuditSink implements AuditSink {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly deadlineMs: number;

  constructor(options: S3AuditSinkOptions) {
    if (options.bucket.trim() === '') throw new RangeError('S3AuditSink: bucket must not be empty');
    this.client = options.client;
    this.bucket = options.bucket;
    this.deadlineMs = checkDeadlineMs('S3AuditSink', options.deadlineMs ?? AUDIT_WRITE_DEADLINES.deadlineMs);
  }

  async put(record: AuditRecord): Promise<void> {
    const valid = validateAuditRecord(record);
    const key = auditObjectKey(valid);
    try {
      const body = JSON.stringify(valid);
      await withDeadline(this.deadlineMs, (abortSignal) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            IfNoneMatch: '*',
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (isPreconditionFailed(error)) return; // already stored under this deterministic key: a replay
      throw new AuditWriteError(key, { cause: error });
    }
  }
}
