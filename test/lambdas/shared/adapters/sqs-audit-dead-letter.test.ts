import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { DeadLetterError, SqsAuditDeadLetter } from '../../../../lambdas/shared/adapters/sqs-audit-dead-letter';
import { completeRecord } from '../../../helpers/audit-record-fixture';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.ap-south-1.amazonaws.com/111122223333/audit-dlq';
const deadLetter = () => new SqsAuditDeadLetter({ client: new SQSClient({ region: 'ap-south-1' }), queueUrl: QUEUE });

beforeEach(() => sqs.reset());

describe('SqsAuditDeadLetter', () => {
  it('sends {record, failure} with identifier-only message attributes', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });

    // Act
    await deadLetter().send(completeRecord, 'AuditWriteError: audit record x was not stored');

    // Assess
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(input?.MessageBody ?? '')).toEqual({
      record: completeRecord,
      failure: 'AuditWriteError: audit record x was not stored',
    });
    expect(input?.MessageAttributes).toEqual({
      request_id: { DataType: 'String', StringValue: completeRecord.request_id },
      tenant_id: { DataType: 'String', StringValue: 'acme-support' },
      event: { DataType: 'String', StringValue: 'post_call' },
    });
  });

  it('puts no record text in the attributes', async () => {
    sqs.on(SendMessageCommand).resolves({});
    await deadLetter().send(completeRecord, 'x');
    const attributes = JSON.stringify(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes);
    expect(attributes).not.toContain('refund');
    expect(attributes).not.toContain('Refund');
  });

  it('rejects when SQS fails', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('KMS.AccessDenied'));
    await expect(deadLetter().send(completeRecord, 'x')).rejects.toBeInstanceOf(DeadLetterError);
  });

  it('rejects a record too large for SQS without calling it', async () => {
    const huge = { ...completeRecord, completion_redacted: 'x'.repeat(300 * 1024) };
    await expect(deadLetter().send(huge, 'x')).rejects.toThrow(/too large/);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('refuses a queue URL that is not https', () => {
    expect(() => new SqsAuditDeadLetter({ client: new SQSClient({}), queueUrl: 'audit-dlq' })).toThrow(/https/);
  });
});
