import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AUDIT_BUCKET_PROTECTED_ACTIONS,
  AuditBucket,
  type AuditBucketProps,
} from '../../../lib/constructs/audit-bucket';
import { testApp } from '../../helpers/cdk';

const ACCOUNT = '111122223333';
const BREAK_GLASS = 'arn:aws:iam::111122223333:role/break-glass';

interface Synth {
  template: Template;
  stack: Stack;
  audit: AuditBucket;
}

function synth(overrides: Partial<AuditBucketProps> = {}, grants = false): Synth {
  const stack = new Stack(testApp(), 'Bucket', { env: { account: ACCOUNT, region: 'ap-south-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const audit = new AuditBucket(stack, 'Audit', {
    encryptionKey: key,
    retentionDays: 365,
    objectLockMode: 'COMPLIANCE',
    accessLogExpirationDays: 400,
    ...overrides,
  });
  if (grants) {
    audit.grantAuditPut(new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    audit.grantAuditRead(new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() }));
  }
  return { template: Template.fromStack(stack), stack, audit };
}

const id = (s: Synth, construct: { node: { defaultChild?: unknown } }): string =>
  s.stack.getLogicalId(construct.node.defaultChild as never);

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
function policyOf(s: Synth, roleId: string): Statement[] {
  const policies = s.template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${roleId}`) }] },
  });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('AuditBucket', () => {
  let prod: Synth;
  let dev: Synth;

  beforeAll(() => {
    prod = synth({ bedrockInvocationLogPrefix: 'bedrock-invocations' }, true);
    dev = synth({ objectLockMode: 'GOVERNANCE', retentionDays: 7, breakGlassPrincipalArns: [BREAK_GLASS] });
  });

  test('Object Lock default retention follows mode and days', () => {
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
      },
    });
    dev.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } },
    });
  });

  test('audit bucket: versioned, SSE-KMS with the key and a bucket key, no public access, access logs wired', () => {
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: id(prod, prod.audit.accessLogBucket) },
        LogFilePrefix: 'audit-bucket/',
      },
    });
  });

  test('both buckets are retained and nothing auto-deletes objects', () => {
    prod.template.resourceCountIs('AWS::S3::Bucket', 2);
    for (const bucket of Object.values(prod.template.findResources('AWS::S3::Bucket'))) {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('access-log bucket: SSE-S3, versioned, expiring, no Object Lock', () => {
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockEnabled: Match.absent(),
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 400,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
  });

  test('bucket policies enforce TLS on both buckets', () => {
    for (const bucket of [prod.audit.bucket, prod.audit.accessLogBucket]) {
      prod.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id(prod, bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  test('denies deletes, retention and lock changes to everyone when no break glass is configured', () => {
    prod.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(prod, prod.audit.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyDeleteAndLockChangesExceptBreakGlass',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: [...AUDIT_BUCKET_PROTECTED_ACTIONS].sort(),
            Resource: [
              { 'Fn::GetAtt': [id(prod, prod.audit.bucket), 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(prod, prod.audit.bucket), 'Arn'] }, '/*']] },
            ],
          },
        ]),
      },
    });
    // Without retention administrators or break glass, nobody may change the lock configuration either.
    prod.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyLockConfigurationChangesExceptRetentionAdministrators',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutBucketObjectLockConfiguration',
            Resource: { 'Fn::GetAtt': [id(prod, prod.audit.bucket), 'Arn'] },
          },
        ]),
      },
    });
    expect(AUDIT_BUCKET_PROTECTED_ACTIONS).toEqual(
      expect.arrayContaining([
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
        's3:BypassGovernanceRetention',
        's3:PutLifecycleConfiguration',
      ]),
    );
  });

  test('break-glass principals are exempt from the deny through aws:PrincipalArn', () => {
    dev.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyDeleteAndLockChangesExceptBreakGlass',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] } },
          }),
        ]),
      },
    });
  });

  test('Bedrock may put invocation logs under its prefix only, scoped to this account', () => {
    prod.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowBedrockInvocationLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [id(prod, prod.audit.bucket), 'Arn'] },
                  `/bedrock-invocations/AWSLogs/${ACCOUNT}/BedrockModelInvocationLogs/*`,
                ],
              ],
            },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': `arn:aws:bedrock:ap-south-1:${ACCOUNT}:*` },
            },
          },
        ]),
      },
    });
    expect(JSON.stringify(dev.template.findResources('AWS::S3::BucketPolicy'))).not.toContain('bedrock.amazonaws.com');
  });

  test('grantAuditPut: PutObject on audit/v1/* and GenerateDataKey on the key through S3 only, nothing else', () => {
    const statements = policyOf(prod, 'Writer');
    expect(statements).toEqual([
      {
        Sid: 'AuditRecordPutOnly',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(prod, prod.audit.bucket), 'Arn'] }, '/audit/v1/*']] },
      },
      {
        Sid: 'AuditRecordEncryptViaS3',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: { 'Fn::GetAtt': [id(prod, prod.audit.encryptionKey), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 's3.ap-south-1.amazonaws.com' } },
      },
    ]);
  });

  test('grantAuditRead: get and list on the bucket and decrypt on the key, no writes', () => {
    const statements = policyOf(prod, 'Auditor');
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*', 'kms:Decrypt']));
    expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
  });

  test.each([
    [{ retentionDays: 0 }, 'got 0'],
    [{ breakGlassPrincipalArns: ['role/admin'] }, 'role/admin'],
    [{ bedrockInvocationLogPrefix: '/bedrock/' }, '/bedrock/'],
  ])('rejects bad props and names the value (%j)', (overrides, value) => {
    expect(() => synth(overrides)).toThrow(value);
  });
});
