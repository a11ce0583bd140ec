/**
 * Deadlines of every audit write (S3 PutObject of a record, SQS SendMessage of a dead letter).
 *
 * The AWS SDK v3 clients have no request or socket timeout by default (`@smithy/node-http-handler`
 * `requestTimeout` 0): a stalled S3 endpoint held a pre-call write, the Lambda and the client for the whole 900 s
 * Lambda timeout, and a stalled post-call write was lost when the Lambda was killed before the dead letter ran.
 * So each client gets a connection and a request timeout per attempt, a bounded number of attempts, and each
 * write an overall deadline on top (retry backoff included). The figures are sized so that a pre-call write, a
 * post-call write and its dead letter together stay far below the proxy Lambda's timeout (15 min), and one write
 * stays below the authorizer's (10 s), which writes `denied` records through the same sink.
 */

/** Timeouts of one audit write. */
export interface AuditWriteDeadlines {
  /** TCP + TLS connection setup per attempt. */
  readonly connectionTimeoutMs: number;
  /** One attempt, request sent to response read (Smithy `requestTimeout` with `throwOnRequestTimeout`). */
  readonly requestTimeoutMs: number;
  /** Attempts per write, the first included (the SDK's standard retry mode between them). */
  readonly maxAttempts: number;
  /** The whole write, all attempts and backoff included: then it is abandoned as failed. */
  readonly deadlineMs: number;
}

/**
 * S3 PutObject of a record is typically tens of milliseconds; a record of a 20 MB prompt is still well under a
 * second on a VPC gateway endpoint. 5 s per attempt and 8 s overall leave room for that and refuse a stall.
 */
export const AUDIT_WRITE_DEADLINES: AuditWriteDeadlines = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 5_000,
  maxAttempts: 2,
  deadlineMs: 8_000,
};

/** The slice of an S3/SQS client configuration that bounds each request (pass it to the client constructor). */
export function auditWriteClientConfig(deadlines: AuditWriteDeadlines = AUDIT_WRITE_DEADLINES): {
  readonly maxAttempts: number;
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: true;
    readonly socketTimeout: number;
  };
} {
  return {
    maxAttempts: deadlines.maxAttempts,
    requestHandler: {
      connectionTimeout: deadlines.connectionTimeoutMs,
      requestTimeout: deadlines.requestTimeoutMs,
      // Without this flag Smithy only logs a warning when requestTimeout passes (historical behaviour).
      throwOnRequestTimeout: true,
      socketTimeout: deadlines.requestTimeoutMs,
    },
  };
}

/** An audit write did not complete within its deadline; it is treated as failed (and may be retried elsewhere). */
export class AuditWriteDeadlineError extends Error {
  override readonly name = 'AuditWriteDeadlineError';
  constructor(readonly deadlineMs: number) {
    super(`audit write did not complete within ${deadlineMs} ms`);
  }
}

/** Checks a deadline value, naming the adapter and the bad value. */
export function checkDeadlineMs(owner: string, deadlineMs: number): number {
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) {
    throw new RangeError(`${owner}: deadlineMs must be a positive number of milliseconds (got ${deadlineMs})`);
  }
  return deadlineMs;
}

/**
 * Runs `write` with an abort signal that fires at the deadline, and rejects with AuditWriteDeadlineError at the
 * deadline even if the client ignores the signal (for example during retry backoff).
 */
export async function withDeadline<T>(deadlineMs: number, write: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AuditWriteDeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  // Promise.resolve: a client (or a test double) may hand back a plain value; the race needs a promise.
  const attempt = Promise.resolve(write(controller.signal));
  // The losing promise must not become an unhandled rejection.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, expired]);
  } finally {
    clearTimeout(timer);
  }
}
