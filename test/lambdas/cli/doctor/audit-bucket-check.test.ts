import {
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  type ObjectLockRule,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { auditBucketCheck } from '../../../../lambdas/cli/doctor/audit-bucket-check';
import { describeError, runCheck } from '../../../../lambdas/cli/doctor/check';
import { AUDIT_BUCKET, awsError, contextFixture } from './fixtures';

const s3 = mockClient(S3Client);

beforeEach(() => {
  s3.reset();
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
});

const lockedWith = (rule: ObjectLockRule['DefaultRetention']): void => {
  s3.on(GetObjectLockConfigurationCommand).resolves({
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: rule } },
  });
};

const run = (context = contextFixture()) => runCheck(auditBucketCheck(new S3Client({})), context, Date.now);

describe('auditBucketCheck', () => {
  it('passes on COMPLIANCE default retention of the configured days, reading the bucket the stack names', async () => {
    lockedWith({ Mode: 'COMPLIANCE', Days: 365 });

    const result = await run();

    expect(result).toMatchObject({ id: 'audit-bucket-object-lock', status: 'pass' });
    expect(s3.commandCalls(GetObjectLockConfigurationCommand)[0]?.args[0].input).toEqual({ Bucket: AUDIT_BUCKET });
    expect(s3.commandCalls(GetBucketVersioningCommand)[0]?.args[0].input).toEqual({ Bucket: AUDIT_BUCKET });
  });

  it('counts a rule in years as 365 days each', async () => {
    lockedWith({ Mode: 'COMPLIANCE', Years: 1 });
    expect((await run()).status).toBe('pass');
  });

  it.each([
    ['shorter retention', { Mode: 'COMPLIANCE' as const, Days: 30 }],
    ['GOVERNANCE where COMPLIANCE is configured', { Mode: 'GOVERNANCE' as const, Days: 365 }],
  ])('fails on %s, with the config keys to change', async (_name, rule) => {
    lockedWith(rule);

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toContain('expected COMPLIANCE, at least 365 days');
    expect(result.fix).toContain('audit.retentionDays');
  });

  it('fails when the bucket has no Object Lock configuration at all', async () => {
    s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError'));

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe(`Object Lock is not enabled on ${AUDIT_BUCKET}`);
    expect(result.fix).toContain('only be enabled at bucket creation');
  });

  it('fails when versioning is suspended', async () => {
    lockedWith({ Mode: 'COMPLIANCE', Days: 365 });
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    expect((await run()).summary).toContain('versioning is Suspended');
  });

  it('names a missing output instead of guessing a bucket', async () => {
    const result = await run(contextFixture({ auditData: { AuditRetentionDays: undefined } }));

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('stack ClaudeGateway-AuditData has no output AuditRetentionDays');
    expect(s3.calls()).toHaveLength(0);
  });

  it('turns an AWS error into a fail that names it', async () => {
    s3.on(GetBucketVersioningCommand).rejects(awsError('AccessDenied', 'not allowed'));

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('could not complete: AccessDenied: not allowed');
  });
});

describe('describeError', () => {
  it('keeps the first line of an SDK error, so the report stays one line per finding', () => {
    expect(
      describeError(awsError('SerializationError', 'XML parse error.\n  Deserialization error: see $response')),
    ).toBe('SerializationError: XML parse error.');
    expect(describeError('plain')).toBe('plain');
  });
});
