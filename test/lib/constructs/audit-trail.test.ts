import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AuditTrail, type AuditTrailProps, TAMPER_EVENT_NAMES } from '../../../lib/constructs/audit-trail';
import { testApp } from '../../helpers/cdk';

const ACCOUNT = '111122223333';

interface Synth {
  template: Template;
  bucketId: string;
  keyId: string;
  bucketPolicyId: string;
}

function synth(overrides: Partial<AuditTrailProps> = {}): Synth {
  const stack = new Stack(testApp(), 'Trail', { env: { account: ACCOUNT, region: 'ap-south-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key, enforceSSL: true });
  new AuditTrail(stack, 'Audit', {
    trailName: 'gw-audit-trail',
    bucket,
    encryptionKey: key,
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...overrides,
  });
  const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  return {
    template: Template.fromStack(stack),
    bucketId: logicalId(bucket),
    keyId: logicalId(key),
    bucketPolicyId: stack.getLogicalId(bucket.policy?.node.defaultChild as never),
  };
}

describe('AuditTrail', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth();
  });

  test('multi-region, log-file validation, KMS, into the bucket under cloudtrail/', () => {
    s.template.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: 'gw-audit-trail',
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      IsLogging: true,
      KMSKeyId: { 'Fn::GetAtt': [s.keyId, 'Arn'] },
      S3BucketName: { Ref: s.bucketId },
      S3KeyPrefix: 'cloudtrail',
    });
  });

  test('advanced selectors: management events, reads of the bucket, tamper attempts; no basic selectors', () => {
    const bucketPrefix = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [s.bucketId, 'Arn'] }, '/']] };
    s.template.hasResourceProperties('AWS::CloudTrail::Trail', {
      EventSelectors: Match.absent(),
      AdvancedEventSelectors: [
        Match.objectLike({ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }),
        Match.objectLike({
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            { Field: 'readOnly', Equals: ['true'] },
            { Field: 'resources.ARN', StartsWith: [bucketPrefix] },
          ],
        }),
        Match.objectLike({
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            { Field: 'readOnly', Equals: ['false'] },
            { Field: 'eventName', Equals: [...TAMPER_EVENT_NAMES] },
            { Field: 'resources.ARN', StartsWith: [bucketPrefix] },
          ],
        }),
      ],
    });
    expect(TAMPER_EVENT_NAMES).not.toContain('PutObject');
  });

  test('CloudWatch Logs delivery into a KMS-encrypted log group with retention', () => {
    s.template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [s.keyId, 'Arn'] },
      RetentionInDays: 365,
    });
    s.template.hasResourceProperties('AWS::CloudTrail::Trail', {
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditLogGroup'), 'Arn'] },
      CloudWatchLogsRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogsRole'), 'Arn'] },
    });
  });

  test("the trail's bucket-policy statements land on the given bucket, scoped to this trail by aws:SourceArn", () => {
    const trailArn = `arn:aws:cloudtrail:ap-south-1:${ACCOUNT}:trail/gw-audit-trail`;
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: s.bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetBucketAcl',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
          }),
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [s.bucketId, 'Arn'] }, `/cloudtrail/AWSLogs/${ACCOUNT}/*`]],
            },
            Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': trailArn } },
          }),
        ]),
      },
    });
    // No CloudTrail statement without the condition.
    const statements = Object.values(s.template.findResources('AWS::S3::BucketPolicy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Principal?: unknown; Condition?: unknown }>,
    );
    const trailStatements = statements.filter((st) => JSON.stringify(st.Principal).includes('cloudtrail'));
    expect(trailStatements).toHaveLength(2);
    for (const statement of trailStatements) expect(JSON.stringify(statement.Condition)).toContain(trailArn);
    s.template.hasResource('AWS::CloudTrail::Trail', {
      DependsOn: Match.arrayWith([s.bucketPolicyId, s.keyId]),
    });
  });

  test('single-region when asked', () => {
    synth({ isMultiRegionTrail: false }).template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: false,
    });
  });

  test.each([
    [{ trailName: 'x' }, '"x"'],
    [{ s3KeyPrefix: 'cloudtrail/' }, 'cloudtrail/'],
  ])('rejects bad props and names the value (%j)', (overrides, value) => {
    expect(() => synth(overrides)).toThrow(value);
  });
});
