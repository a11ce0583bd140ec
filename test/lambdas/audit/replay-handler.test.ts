import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeReplayHandler } from '../../../lambdas/audit/replay-handler';
import { S3AuditSink } from '../../../lambdas/shared/adapters/s3-audit-sink';
import { auditObjectKey } from '../../../lambdas/shared/audit/object-key';
import { callRecords } from '../../fixtures/audit/records';

const s3 = mockClient(S3Client);
const [, post] = callRecords({ tenant: 'acme', requestId: 'req-replay-0001', at: '2026-11-20T10:00:00.000Z' });
if (!post) throw new Error('fixture has no post-call record');

function message(id: string, body: string): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-south-1:111122223333:dlq',
    awsRegion: 'ap-south-1',
  };
}

const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const deadLetter = JSON.stringify({ record: post, failure: 'S3 timeout' });

function setup() {
  const logs: Array<{ level: string; message: string; extra?: Record<string, unknown> }> = [];
  const handler = makeReplayHandler({
    sink: new S3AuditSink({ client: new S3Client({ region: 'ap-south-1' }), bucket: 'audit-bucket-1' }),
    logger: {
      info: (msg, extra) => logs.push({ level: 'info', message: msg, ...(extra ? { extra } : {}) }),
      error: (msg, extra) => logs.push({ level: 'error', message: msg, ...(extra ? { extra } : {}) }),
    },
  });
  return { handler, logs };
}

beforeEach(() => s3.reset());

describe('replay handler', () => {
  it('puts the record under its deterministic key, write-once', async () => {
    s3.on(PutObjectCommand).resolves({});
    const { handler } = setup();
    expect(await handler(event(message('m-1', deadLetter)))).toEqual({ batchItemFailures: [] });
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input?.Key).toBe(auditObjectKey(post));
    expect(input?.Bucket).toBe('audit-bucket-1');
    expect(input?.IfNoneMatch).toBe('*');
    expect(JSON.parse(String(input?.Body))).toEqual(post);
  });

  it('is idempotent: the same record twice stores one object and both messages succeed', async () => {
    const stored = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
      if (stored.has(input.Key)) {
        throw new S3ServiceException({
          name: 'PreconditionFailed',
          $fault: 'client',
          $metadata: { httpStatusCode: 412 },
        });
      }
      stored.set(input.Key, input.Body);
      return {};
    });
    const { handler } = setup();
    const first = await handler(event(message('m-1', deadLetter)));
    const second = await handler(event(message('m-2', deadLetter)));
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect([...stored.keys()]).toEqual([auditObjectKey(post)]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('reports failed and invalid messages as partial batch failures, without logging record content', async () => {
    s3.on(PutObjectCommand).rejectsOnce(new Error('SlowDown')).resolves({});
    const { handler, logs } = setup();
    const invalid = JSON.stringify({
      record: { ...post, tenant_id: 'NOT VALID', prompt_redacted: 'secret [EMAIL_1]' },
    });
    const result = await handler(
      event(
        message('m-1', deadLetter),
        message('m-2', 'not json'),
        message('m-3', invalid),
        message('m-4', deadLetter),
      ),
    );
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'm-1' },
      { itemIdentifier: 'm-2' },
      { itemIdentifier: 'm-3' },
    ]);
    expect(logs.filter((log) => log.level === 'error').map((log) => log.extra?.reason)).toEqual([
      'AuditWriteError',
      'message body is not JSON',
      'audit record failed validation in: tenant_id',
    ]);
    expect(JSON.stringify(logs)).not.toContain('secret');
    expect(JSON.stringify(logs)).not.toContain('Done.');
  });

  it('accepts a bare record body too', async () => {
    s3.on(PutObjectCommand).resolves({});
    const { handler } = setup();
    expect(await handler(event(message('m-1', JSON.stringify(post))))).toEqual({ batchItemFailures: [] });
  });
});
