import { PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  makeRetentionHandler,
  type ObjectCreatedEvent,
  retainUntilFor,
  UnexpectedEventError,
} from '../../../lambdas/bedrock-log-retention/handler';
import { S3ObjectRetentionWriter } from '../../../lambdas/bedrock-log-retention/s3-object-retention';

const s3 = mockClient(S3Client);
const BUCKET = 'gw-bedrock-logs';
const KEY = 'bedrock-invocations/AWSLogs/111122223333/BedrockModelInvocationLogs/ap-south-1/2026/12/04/10/abc.json.gz';

function event(overrides: Partial<ObjectCreatedEvent> = {}): ObjectCreatedEvent {
  return {
    'detail-type': 'Object Created',
    time: '2026-12-04T10:00:00Z',
    detail: { bucket: { name: BUCKET }, object: { key: KEY, 'version-id': 'v-1' } },
    ...overrides,
  };
}

const logged: Array<Record<string, unknown>> = [];
function handler(mode: 'COMPLIANCE' | 'GOVERNANCE' = 'COMPLIANCE', retentionDays = 365) {
  return makeRetentionHandler({
    writer: new S3ObjectRetentionWriter(new S3Client({ region: 'ap-south-1' })),
    bucket: BUCKET,
    mode,
    retentionDays,
    logger: { info: (_message, extra) => logged.push(extra) },
  });
}

beforeEach(() => {
  s3.reset();
  logged.length = 0;
});

describe('Bedrock log retention', () => {
  it('sets COMPLIANCE retention on the delivered version until event time + retention days', async () => {
    // Prepare
    s3.on(PutObjectRetentionCommand).resolves({});
    // Act
    await handler()(event());
    // Assess
    const calls = s3.commandCalls(PutObjectRetentionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: KEY,
      VersionId: 'v-1',
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2027-12-04T10:00:00Z') },
    });
    expect(logged).toEqual([
      { key: KEY, versionId: 'v-1', mode: 'COMPLIANCE', retainUntil: '2027-12-04T10:00:00.000Z' },
    ]);
  });

  it('asks for the same date when the event is retried (COMPLIANCE cannot be shortened)', async () => {
    s3.on(PutObjectRetentionCommand).resolves({});
    await handler('GOVERNANCE', 7)(event());
    await handler('GOVERNANCE', 7)(event());
    const dates = s3.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input.Retention);
    expect(dates).toEqual([
      { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2026-12-11T10:00:00Z') },
      { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2026-12-11T10:00:00Z') },
    ]);
  });

  it('locks the current version when the event names none', async () => {
    s3.on(PutObjectRetentionCommand).resolves({});
    await handler()(event({ detail: { bucket: { name: BUCKET }, object: { key: KEY } } }));
    expect(s3.commandCalls(PutObjectRetentionCommand)[0]?.args[0].input).not.toHaveProperty('VersionId');
  });

  it('fails (so EventBridge retries, then dead-letters) when S3 refuses', async () => {
    s3.on(PutObjectRetentionCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(handler()(event())).rejects.toThrow('Access Denied');
  });

  it.each([
    ['another event type', event({ 'detail-type': 'Object Deleted' })],
    ['another bucket', event({ detail: { bucket: { name: 'other' }, object: { key: KEY } } })],
    ['no key', event({ detail: { bucket: { name: BUCKET }, object: {} } })],
    ['no time', event({ time: 'yesterday' })],
  ])('refuses %s without calling S3', async (_what, bad) => {
    await expect(handler()(bad)).rejects.toBeInstanceOf(UnexpectedEventError);
    expect(s3.commandCalls(PutObjectRetentionCommand)).toHaveLength(0);
  });

  it('computes dates in whole days and rejects a non-positive retention', () => {
    expect(retainUntilFor(new Date('2026-02-28T00:00:00Z'), 1).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(() => handler('COMPLIANCE', 0)).toThrow(/retentionDays/);
  });
});
