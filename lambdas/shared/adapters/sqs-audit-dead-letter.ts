/**
 * AuditDeadLetter over SQS: a post-call record the sink rejected goes to a KMS-encrypted queue, from which the
 * audit Lambda replays it into the sink under the same object key.
 *
 * The body is `{"record": <AuditRecord>, "failure": "<reason>"}`. Message attributes carry only identifiers
 * (request id, tenant, event) for routing and alarms: never record text, which may hold redacted prompts.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type AuditRecord, validateAuditRecord } from '../audit/record';
import type { AuditDeadLetter } from '../ports';

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
}

/** Thrown when a record cannot be dead-lettered: it is too large or SQS refused it. */
export class DeadLetterError extends Error {
  override readonly name = 'DeadLetterError';
}

export class SqsAuditDeadLetter implements AuditDeadLetter {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsAuditDeadLetterOptions) {
    if (!/^https:\/\//.test(options.queueUrl)) {
      throw new RangeError(`SqsAuditDeadLetter: queueUrl must be an https URL (got "${options.queueUrl}")`);
    }
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async send(record: AuditRecord, failure: string): Promise<void> {
    const valid = validateAuditRecord(record);
    const message: DeadLetterMessage = { record: valid, failure: failure.slice(0, MAX_FAILURE_CHARS) };
    const body = JSON.stringify(message);
    if (Buffer.byteLength(body, 'utf8') > MAX_DEAD_LETTER_BODY_BYTES) {
      throw new DeadLetterError(`audit record ${valid.request_id}/${valid.event} is too large for SQS`);
    }
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: body,
          MessageAttributes: {
            request_id: { DataType: 'String', StringValue: valid.request_id },
            tenant_id: { DataType: 'String', StringValue: valid.tenant_id },
            event: { DataType: 'String', StringValue: valid.event },
          },
        }),
      );
    } catch (error) {
      throw new DeadLetterError(`audit record ${valid.request_id}/${valid.event} was not dead-lettered`, {
        cause: error,
      });
    }
  }
}
