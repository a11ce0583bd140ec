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

  it('dead-letters an oversized record without its redacted texts, keeping hashes, usage and the envelope', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({});
    const huge = { ...completeRecord, completion_redacted: 'x'.repeat(300 * 1024) };

    // Act
    await deadLetter().send(huge, 'AuditWriteError: S3 unavailable');

    // Assess
    const body = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '');
    expect(body.record).toEqual({ ...completeRecord, completion_redacted: null, prompt_redacted: null });
    expect(body.failure).toBe(
      'AuditWriteError: S3 unavailable [dropped to fit the SQS message limit: prompt_redacted, completion_redacted]',
    );
  });

  it('drops the envelope too when the texts are not enough', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const envelope = completeRecord.reid_envelope;
    if (!envelope) throw new Error('fixture has an envelope');
    const huge = { ...completeRecord, reid_envelope: { ...envelope, ciphertext: 'A'.repeat(300 * 1024) } };
    await deadLetter().send(huge, 'x');
    const body = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '');
    expect(body.record.reid_envelope).toBeNull();
    expect(body.record.cost_usd).toBe(completeRecord.cost_usd);
  });

  it('rejects a record too large even without its texts, without calling SQS', async () => {
    const huge = { ...completeRecord, features: Array.from({ length: 30_000 }, (_, i) => `param:field_${i}`) };
    await expect(deadLetter().send(huge, 'x')).rejects.toThrow(/too large/);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('refuses a queue URL that is not https', () => {
    expect(() => new SqsAuditDeadLetter({ client: new SQSClient({}), queueUrl: 'audit-dlq' })).toThrow(/https/);
  });
});
