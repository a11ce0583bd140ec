/**
 * AuditDeadLetter over SQS: a post-call record the sink rejected goes to a KMS-encrypted queue, from which the
 * audit Lambda replays it into the sink under the same object key.
 *
 * The body is `{"record": <AuditRecord>, "failure": "<reason>"}`. Message attributes carry only identifiers
 * (request id, tenant, event) for routing and alarms: never record text, which may hold redacted prompts.
 * Every send has a deadline (`audit-write-deadline.ts`), so a stalled queue endpoint fails the send in seconds and
 * the caller's last resort (`LastResortDeadLetter`) still runs before the Lambda times out.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type AuditRecord, validateAuditRecord } from '../audit/record';
import type { AuditDeadLetter } from '../ports';
import { AUDIT_WRITE_DEADLINES, checkDeadlineMs, withDeadline } from './audit-write-deadline';

/** SQS caps a message at 256 KiB (body and attributes together); leave room for the attributes. */
export const MAX_DEAD_LETTER_BODY_BYTES = 250 * 1024;

/** Longest failure reason kept (it is a diagnostic, not a log). */
const MAX_FAILURE_CHARS = 1_000;

/** The message body the audit Lambda replays. */
export interface DeadLetterMessage {
  readonly record: AuditRecord;
  readonly failure: string;
}

export interface SqsAuditDeadLetterOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Whole send, SDK retries included. @default AUDIT_WRITE_DEADLINES.deadlineMs (8 s) */
  readonly deadlineMs?: number;
}

/**
 * What is dropped, in order, when a record does not fit in one SQS message: the redacted texts first (the
 * pre-call record already holds the prompt, and the SHA-256 hashes stay, so the completion can still be checked
 * against a copy), then the re-identification envelope. Identity, policy, usage and cost always survive.
 */
const DROPPABLE_WHEN_OVERSIZED = [['prompt_redacted', 'completion_redacted'], ['reid_envelope']] as const;

/** Thrown when a record cannot be dead-lettered: SQS refused it, or it is too large even without its texts. */
export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
}

export class SqsAuditDeadLetter implements AuditDeadLetter {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly deadlineMs: number;

  constructor(options: SqsAuditDeadLetterOptions) {
    if (!/^https:\/\//.test(options.queueUrl)) {
      throw new RangeError(`SqsAuditDeadLetter: queueUrl must be an https URL (got "${options.queueUrl}")`);
    }
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.deadlineMs = checkDeadlineMs('SqsAuditDeadLetter', options.deadlineMs ?? AUDIT_WRITE_DEADLINES.deadlineMs);
  }

  async send(record: AuditRecord, failure: string): Promise<void> {
    const valid = validateAuditRecord(record);
    const body = fittingBody(valid, failure.slice(0, MAX_FAILURE_CHARS));
    try {
      await withDeadline(this.deadlineMs, (abortSignal) =>
        this.client.send(
          new SendMessageCommand({
            QueueUrl: this.queueUrl,
            MessageBody: body,
            MessageAttributes: {
              request_id: { DataType: 'String', StringValue: valid.request_id },
              tenant_id: { DataType: 'String', StringValue: valid.tenant_id },
              event: { DataType: 'String', StringValue: valid.event },
            },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      throw new DeadLetterError(`audit record ${valid.request_id}/${valid.event} was not dead-lettered`, {
        cause: error,
      });
    }
  }
}

const fits = (body: string): boolean => Buffer.byteLength(body, 'utf8') <= MAX_DEAD_LETTER_BODY_BYTES;

/**
 * The message body for a record: whole when it fits, otherwise without the droppable fields, the drop noted in
 * `failure` so the replay log and an operator can tell. A long completion must not cost the whole record.
 */
function fittingBody(record: AuditRecord, failure: string): string {
  const whole = JSON.stringify({ record, failure } satisfies DeadLetterMessage);
  if (fits(whole)) return whole;
  let reduced: AuditRecord = record;
  const dropped: string[] = [];
  for (const fields of DROPPABLE_WHEN_OVERSIZED) {
    reduced = { ...reduced, ...Object.fromEntries(fields.map((field) => [field, null])) };
    dropped.push(...fields);
    const body = JSON.stringify({
      record: reduced,
      failure: `${failure} [dropped to fit the SQS message limit: ${dropped.join(', ')}]`,
    } satisfies DeadLetterMessage);
    if (fits(body)) return body;
  }
  throw new DeadLetterError(`audit record ${record.request_id}/${record.event} is too large for SQS`);
}
