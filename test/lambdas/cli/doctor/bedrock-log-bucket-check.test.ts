import {
  GetBucketNotificationConfigurationCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  bedrockLogBucketCheck,
  PERMISSION_CHECK_OBJECT,
} from '../../../../lambdas/cli/doctor/bedrock-log-bucket-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { AUDIT_BUCKET, BEDROCK_LOG_BUCKET, bedrockExpectation, contextFixture, DAY_MS } from './fixtures';

const s3 = mockClient(S3Client);
const now = new Date('2026-12-04T12:00:00.000Z');
const written = new Date('2026-12-04T10:00:00.000Z');
const logKey = (hour: number) =>
  `bedrock-invocations/AWSLogs/111122223333/BedrockModelInvocationLogs/ap-south-1/2026/12/04/${hour}/log-${hour}.json.gz`;
const permissionKey = `bedrock-invocations/${PERMISSION_CHECK_OBJECT}`;
const keys = [permissionKey, logKey(10), logKey(11), logKey(12), logKey(13), logKey(14)];

const lockedFor = (days: number, mode = 'COMPLIANCE') => ({
  ObjectLockMode: mode as 'COMPLIANCE',
  ObjectLockRetainUntilDate: new Date(written.getTime() + days * DAY_MS),
  LastModified: written,
});

beforeEach(() => {
  s3.reset();
  s3.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });
  s3.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key })) });
  s3.on(HeadObjectCommand).resolves(lockedFor(365));
  s3.on(GetBucketNotificationConfigurationCommand).resolves({
    LambdaFunctionConfigurations: [
      {
        LambdaFunctionArn: 'arn:aws:lambda:ap-south-1:111122223333:function:retention',
        Events: ['s3:ObjectCreated:*'],
      },
    ],
  });
});

const run = (context = contextFixture()) =>
  runCheck(
    bedrockLogBucketCheck(new S3Client({}), () => now),
    context,
    Date.now,
  );

describe('bedrockLogBucketCheck', () => {
  it('passes when the dedicated bucket has no default rule and delivered objects carry the retention', async () => {
    const result = await run();

    expect(result).toMatchObject({
      status: 'pass',
      summary: '4 delivered objects locked COMPLIANCE for at least 365 days',
    });
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)[0]?.args[0].input).toEqual({
      Bucket: BEDROCK_LOG_BUCKET,
    });
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({
      Bucket: BEDROCK_LOG_BUCKET,
      Prefix: 'bedrock-invocations/',
      MaxKeys: 1000,
    });
    // The permission-check object Bedrock wrote first, and the newest three deliveries.
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      permissionKey,
      logKey(12),
      logKey(13),
      logKey(14),
    ]);
  });

  it('fails when no object-created notification reaches a retention function, and accepts EventBridge', async () => {
    s3.on(GetBucketNotificationConfigurationCommand).resolves({
      LambdaFunctionConfigurations: [
        { LambdaFunctionArn: 'arn:aws:lambda:::function:x', Events: ['s3:ObjectRemoved:*'] },
      ],
    });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe(
      `no object-created notification on ${BEDROCK_LOG_BUCKET}: nothing sets retention on delivered logs`,
    );
    expect(s3.commandCalls(GetBucketNotificationConfigurationCommand)[0]?.args[0].input).toEqual({
      Bucket: BEDROCK_LOG_BUCKET,
    });

    s3.on(GetBucketNotificationConfigurationCommand).resolves({ EventBridgeConfiguration: {} });
    expect((await run()).status).toBe('pass');
  });

  it('fails when the dedicated bucket has a default retention rule (the design has none)', async () => {
    s3.on(GetObjectLockConfigurationCommand).resolves({
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      },
    });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.fix).toContain('per-object retention function');
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('fails and names each delivered object the retention function missed or locked too short', async () => {
    s3.on(HeadObjectCommand, { Key: logKey(13) }).resolves({ LastModified: written });
    s3.on(HeadObjectCommand, { Key: logKey(14) }).resolves(lockedFor(30));

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('2 of 4 delivered objects are not locked as configured');
    expect(result.details).toEqual(
      expect.arrayContaining([
        `${logKey(13)} has no Object Lock retention (or you lack s3:GetObjectRetention)`,
        expect.stringContaining(`${logKey(14)} is retained until`),
      ]),
    );
    expect(result.fix).toContain('per-object retention function');
  });

  it('fails on GOVERNANCE-locked objects when COMPLIANCE is configured', async () => {
    s3.on(HeadObjectCommand, { Key: permissionKey }).resolves(lockedFor(365, 'GOVERNANCE'));
    expect((await run()).details).toContain(`${permissionKey} is locked in GOVERNANCE mode, not COMPLIANCE`);
  });

  it('fails when Bedrock delivered nothing, not even its permission-check object', async () => {
    s3.on(ListObjectsV2Command).resolves({});

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toContain(PERMISSION_CHECK_OBJECT);
    expect(result.fix).toContain('canary');
  });

  it('accepts the earlier shared layout, where the audit bucket default retention locks the logs', async () => {
    s3.on(GetObjectLockConfigurationCommand).resolves({
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      },
    });

    const result = await run(
      contextFixture({ auditData: { BedrockLoggingExpected: bedrockExpectation({ bucketName: AUDIT_BUCKET }) } }),
    );

    expect(result.status).toBe('pass');
    expect(result.details?.[0]).toContain('shared with the audit records');
  });

  it('fails when Object Lock is off on the log bucket', async () => {
    s3.on(GetObjectLockConfigurationCommand).resolves({});
    expect((await run()).summary).toBe(`Object Lock is not enabled on ${BEDROCK_LOG_BUCKET}`);
  });

  it('skips when Bedrock logging is disabled in config', async () => {
    const result = await run(contextFixture({ auditData: { BedrockLoggingExpected: undefined } }));
    expect(result.status).toBe('skip');
    expect(s3.calls()).toHaveLength(0);
  });
});
