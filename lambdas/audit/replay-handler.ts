/**
 * Replays dead-lettered post-call records into the audit store. Each SQS message body is
 * `{"record": <AuditRecord>, "failure": "<reason>"}` (see `sqs-audit-dead-letter.ts`). The record is validated
 * and put through the AuditSink, which writes the same deterministic object key the request path would have
 * written; a key that already exists counts as success, so a replay is idempotent. Messages that fail are
 * reported in `batchItemFailures` and retried by SQS; after the queue's maxReceiveCount they move to the
 * redrive queue for investigation.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { auditObjectKey } from '../shared/audit/object-key';
import { InvalidAuditRecordError, validateAuditRecord } from '../shared/audit/record';
import type { AuditSink } from '../shared/ports';

/** The logging the handler needs (a Powertools Logger satisfies it). */
export interface ReplayLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface ReplayDeps {
  readonly sink: AuditSink;
  readonly logger: ReplayLogger;
}

function recordOf(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  if (parsed !== null && typeof parsed === 'object' && 'record' in parsed)
    return (parsed as { record: unknown }).record;
  return parsed;
}

function failureKind(error: unknown): string {
  if (error instanceof SyntaxError) return 'message body is not JSON';
  if (error instanceof InvalidAuditRecordError) return error.message;
  return error instanceof Error ? error.name : 'unknown error';
}

/** Builds the SQS handler. Logs identifiers only (message id, request id, tenant, event), never record content. */
export function makeReplayHandler(deps: ReplayDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      try {
        const record = validateAuditRecord(recordOf(message.body));
        await deps.sink.put(record);
        deps.logger.info('audit record replayed', {
          messageId: message.messageId,
          key: auditObjectKey(record),
          requestId: record.request_id,
          tenantId: record.tenant_id,
          event: record.event,
        });
      } catch (error) {
        deps.logger.error('audit record replay failed', {
          messageId: message.messageId,
          receiveCount: message.attributes.ApproximateReceiveCount,
          reason: failureKind(error),
        });
        batchItemFailures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures };
  };
}
