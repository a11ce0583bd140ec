/**
 * Bedrock's invocation logs land in their own bucket (Object Lock on, no default retention) and a function puts
 * each delivered object under retention; asserted on the AuditData stack that wires it.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BEDROCK_LOG_BUCKET_PROTECTED_ACTIONS } from '../../../lib/constructs/bedrock-log-bucket';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';

const BREAK_GLASS = 'arn:aws:iam::111122223333:role/break-glass';

describe('BedrockLogBucket', () => {
  let stack: AuditDataStack;
  let template: Template;
  let bucketId: string;
  let roleId: string;
  beforeAll(() => {
    stack = new AuditDataStack(testApp(), 'AuditData', {
      env: { account: '111122223333', region: 'ap-south-1' },
      config: testConfig({ audit: { breakGlassPrincipalArns: [BREAK_GLASS] } }),
    });
    addNagPacks(stack);
    template = Template.fromStack(stack);
    const logBucket = stack.bedrockLogBucket;
    if (!logBucket) throw new Error('no Bedrock log bucket');
    bucketId = stack.getLogicalId(logBucket.bucket.node.defaultChild as never);
    roleId = stack.getLogicalId(logBucket.retentionFunction.role.node.defaultChild as never);
  });

  test('zero unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('Object Lock enabled with no default retention, SSE-KMS with the audit key, EventBridge on, retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: Match.absent(),
        VersioningConfiguration: { Status: 'Enabled' },
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: {
                  'Fn::GetAtt': [stack.getLogicalId(stack.auditKey.node.defaultChild as never), 'Arn'],
                },
              },
            },
          ],
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bedrock-log-bucket/' }),
      },
      DeletionPolicy: 'Retain',
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('deletes and lock changes are denied to all but break glass; retention only the function may set', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyDeleteAndLockChangesExceptBreakGlass',
            Effect: 'Deny',
            Action: [...BEDROCK_LOG_BUCKET_PROTECTED_ACTIONS].sort(),
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] } },
          }),
          Match.objectLike({
            Sid: 'DenyRetentionChangesExceptRetentionFunction',
            Effect: 'Deny',
            Action: 's3:PutObjectRetention',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS, { 'Fn::GetAtt': [roleId, 'Arn'] }] } },
          }),
          Match.objectLike({
            Sid: 'AllowBedrockInvocationLogDelivery',
            Principal: { Service: 'bedrock.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock:ap-south-1:111122223333:*' },
            },
          }),
        ]),
      },
    });
  });

  test('every Object Created event of the bucket runs the retention function, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: bucketId }] } },
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          GATEWAY_BEDROCK_LOG_BUCKET: { Ref: bucketId },
          GATEWAY_RETENTION_DAYS: '365',
          GATEWAY_RETENTION_MODE: 'COMPLIANCE',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'SetRetentionOnDeliveredLogs',
            Action: ['s3:GetObjectRetention', 's3:PutObjectRetention'],
          }),
        ]),
      },
    });
  });

  test('Bedrock logging, the Athena table and the trail data events point at this bucket', () => {
    const logging = Object.values(template.findResources('Custom::BedrockModelInvocationLogging'))[0];
    const create = JSON.stringify(logging?.Properties.Create);
    expect(create).toContain(`"Ref":"${bucketId}"`);
    expect(create).toContain('bedrock-invocations');
    const table = Object.values(template.findResources('AWS::Glue::Table')).find(
      (t) => t.Properties.TableInput.Name === 'bedrock_invocations',
    );
    expect(JSON.stringify(table?.Properties.TableInput.StorageDescriptor.Location)).toContain(bucketId);
    const trail = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0];
    expect(JSON.stringify(trail?.Properties.AdvancedEventSelectors)).toContain(bucketId);
  });
});
