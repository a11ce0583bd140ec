/**
 * Locks each Bedrock invocation log object as it arrives. The log bucket has Object Lock enabled but no default
 * retention (S3 would refuse Bedrock's writes there unless its writer sends Content-MD5 or a checksum header,
 * which is not documented), so immutability comes from this function: an EventBridge "Object Created" event ->
 * PutObjectRetention on that exact version, in the configured mode, until event time + retention days.
 *
 * The date is taken from the event, not the clock, so a retried event asks for the same date (COMPLIANCE mode
 * refuses to shorten a retention, and an equal date is no change). Pure: the S3 call is injected.
 */

/** Object Lock retention modes. */
export type RetentionMode = 'COMPLIANCE' | 'GOVERNANCE';

/** What the handler needs from S3. */
export interface ObjectRetentionWriter {
  putRetention(input: {
    readonly bucket: string;
    readonly key: string;
    readonly versionId: string | undefined;
    readonly mode: RetentionMode;
    readonly retainUntil: Date;
  }): Promise<void>;
}

export interface RetentionLogger {
  info(message: string, extra: Record<string, unknown>): void;
}

export interface RetentionHandlerDeps {
  readonly writer: ObjectRetentionWriter;
  /** The only bucket whose objects this function locks. */
  readonly bucket: string;
  readonly mode: RetentionMode;
  readonly retentionDays: number;
  readonly logger: RetentionLogger;
}

/** The parts of an EventBridge S3 "Object Created" event the handler reads. */
export interface ObjectCreatedEvent {
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: {
    readonly bucket?: { readonly name?: string };
    readonly object?: { readonly key?: string; readonly 'version-id'?: string };
  };
}

/** Thrown for an event this function must not act on; EventBridge retries and then dead-letters it. */
export class UnexpectedEventError extends Error {
  override readonly name = 'UnexpectedEventError';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The retain-until date of an object created at `createdAt`. */
export function retainUntilFor(createdAt: Date, retentionDays: number): Date {
  return new Date(createdAt.getTime() + retentionDays * DAY_MS);
}

export function makeRetentionHandler(deps: RetentionHandlerDeps): (event: ObjectCreatedEvent) => Promise<void> {
  if (!Number.isInteger(deps.retentionDays) || deps.retentionDays < 1) {
    throw new Error(`retentionDays must be a positive integer (got ${deps.retentionDays})`);
  }
  return async (event) => {
    if (event['detail-type'] !== 'Object Created') {
      throw new UnexpectedEventError(`not an Object Created event: ${String(event['detail-type'])}`);
    }
    const bucket = event.detail?.bucket?.name;
    const key = event.detail?.object?.key;
    if (bucket !== deps.bucket) throw new UnexpectedEventError(`event for another bucket: ${String(bucket)}`);
    if (key === undefined || key === '') throw new UnexpectedEventError('event without an object key');
    const createdAt = new Date(event.time ?? '');
    if (Number.isNaN(createdAt.getTime())) throw new UnexpectedEventError(`event without a valid time: ${event.time}`);
    const retainUntil = retainUntilFor(createdAt, deps.retentionDays);
    const versionId = event.detail?.object?.['version-id'];
    await deps.writer.putRetention({ bucket, key, versionId, mode: deps.mode, retainUntil });
    // Keys are Bedrock's own paths (account, region, date, uuid): no prompt or PII in them.
    deps.logger.info('retention set', { key, versionId, mode: deps.mode, retainUntil: retainUntil.toISOString() });
  };
}
