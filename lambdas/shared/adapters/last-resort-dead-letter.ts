/**
 * The last resort behind a dead letter: when neither the audit sink nor the dead letter takes a record, the record
 * is written to stderr as one JSON line instead of being dropped, and the same line is a CloudWatch Embedded Metric
 * Format document counting `AuditRecordsLoggedOnly`, so an alarm can see it and an operator can replay it from the
 * log (field `gateway_audit_record`). In Lambda, stderr goes to the function's KMS-encrypted log group; locally, to
 * the terminal running `npm run dev`.
 *
 * Redacted form: the record is the one the store would have held (prompt and completion already tokenised, the
 * re-identification envelope encrypted under the customer-held key); no raw request text is added. A CloudWatch
 * log event holds at most 256 KB, so a larger record loses its redacted texts first, then its envelope (its
 * SHA-256 hashes, identity, usage and cost always stay), and the line says what was dropped.
 */
import type { AuditRecord } from '../audit/record';
import { METRIC_NAMESPACE, METRIC_SERVICE, METRICS } from '../observability/metric-names';
import type { AuditDeadLetter } from '../ports';

/** Longest line written (CloudWatch Logs caps an event at 256 KB; leave room for the Lambda prefix). */
export const MAX_LOGGED_RECORD_BYTES = 200 * 1024;

/** Marks the line, so that an operator or a replay script can find it (`filter @message like "…"`). */
export const LOGGED_RECORD_MARKER = 'audit record neither stored nor dead-lettered; replay gateway_audit_record';

const DROPPABLE = [['prompt_redacted', 'completion_redacted'], ['reid_envelope']] as const;

export interface LastResortDeadLetterOptions {
  /** The dead letter to try first (SQS in AWS, a folder locally). */
  readonly deadLetter: AuditDeadLetter;
  /** Where the line goes. @default process.stderr */
  readonly write?: (line: string) => void;
  /** Wall clock for the EMF timestamp. @default Date.now */
  readonly now?: () => number;
}

function shortFailure(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : 'unknown failure').slice(0, 500);
}

/** The EMF line for a record, reduced until it fits in one log event. */
export function loggedRecordLine(record: AuditRecord, failures: readonly string[], timestampMs: number): string {
  const metric = METRICS.auditRecordsLoggedOnly;
  const line = (logged: AuditRecord, dropped: readonly string[]): string =>
    JSON.stringify({
      _aws: {
        Timestamp: timestampMs,
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: metric.dimensionSets,
            Metrics: [{ Name: metric.name, Unit: metric.unit }],
          },
        ],
      },
      service: METRIC_SERVICE,
      Tenant: record.tenant_id,
      [metric.name]: 1,
      level: 'ERROR',
      message: LOGGED_RECORD_MARKER,
      request_id: record.request_id,
      event: record.event,
      failures,
      dropped_to_fit: dropped,
      gateway_audit_record: logged,
    });
  let whole = line(record, []);
  if (Buffer.byteLength(whole, 'utf8') <= MAX_LOGGED_RECORD_BYTES) return whole;
  let reduced: AuditRecord = record;
  const dropped: string[] = [];
  for (const fields of DROPPABLE) {
    reduced = { ...reduced, ...Object.fromEntries(fields.map((field) => [field, null])) };
    dropped.push(...fields);
    whole = line(reduced, dropped);
    if (Buffer.byteLength(whole, 'utf8') <= MAX_LOGGED_RECORD_BYTES) return whole;
  }
  return whole;
}

/** A dead letter that never loses a record: on failure of the inner one, the record goes to stderr (see above). */
export class LastResortDeadLetter implements AuditDeadLetter {
  private readonly deadLetter: AuditDeadLetter;
  private readonly write: (line: string) => void;
  private readonly now: () => number;

  constructor(options: LastResortDeadLetterOptions) {
    this.deadLetter = options.deadLetter;
    this.write = options.write ?? ((line) => process.stderr.write(line));
    this.now = options.now ?? Date.now;
  }

  async send(record: AuditRecord, failure: string): Promise<void> {
    try {
      await this.deadLetter.send(record, failure);
    } catch (error) {
      // Resolves: the record is on the log, which is where the caller's "dead-lettered" count should point.
      this.write(`${loggedRecordLine(record, [failure.slice(0, 500), shortFailure(error)], this.now())}\n`);
    }
  }
}
