import { Match, Template } from 'aws-cdk-lib/assertions';
import type { GatewayConfig } from '../../../lib/config';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';

const ENV = { account: '111122223333', region: 'ap-south-1' };
const AUDITOR = 'arn:aws:iam::444455556666:role/customer-auditor';
const BREAK_GLASS = 'arn:aws:iam::111122223333:role/break-glass';

interface Synth {
  stack: AuditDataStack;
  template: Template;
  findings: string[];
}

function synth(config: GatewayConfig): Synth {
  const stack = new AuditDataStack(testApp(), 'AuditData', { env: ENV, config });
  addNagPacks(stack);
  const template = Template.fromStack(stack);
  return { stack, template, findings: nagFindings(stack) };
}

const logicalId = (s: Synth, c: { node: { defaultChild?: unknown } }) =>
  s.stack.getLogicalId(c.node.defaultChild as never);

describe('AuditDataStack', () => {
  let prod: Synth;
  let dev: Synth;

  beforeAll(() => {
    prod = synth(
      testConfig({
        reidentification: { decryptPrincipalArns: [AUDITOR] },
        audit: { breakGlassPrincipalArns: [BREAK_GLASS] },
      }),
    );
    dev = synth(
      testConfig({
        environment: 'dev',
        stackNamePrefix: 'GwDev',
        audit: { retentionDays: 7, objectLockMode: 'GOVERNANCE' },
        bedrockInvocationLogging: { enabled: false },
      }),
    );
  });

  test('zero unacknowledged cdk-nag findings (AwsSolutions, HIPAA Security, NIST 800-53 R5)', () => {
    expect(prod.findings).toEqual([]);
    expect(dev.findings).toEqual([]);
  });

  test('is termination-protected and exposes the members other stacks use', () => {
    const { stack } = prod;
    expect(stack.terminationProtection).toBe(true);
    expect(stack.athenaWorkgroupName).toBe('ClaudeGateway-compliance');
    expect(stack.glueDatabaseName).toBe('claude_gateway_audit');
    expect(dev.stack.athenaWorkgroupName).toBe('GwDev-compliance');
    expect(dev.stack.glueDatabaseName).toBe('gw_dev_audit');
    for (const member of [stack.auditKey, stack.reidentificationKey, stack.auditBucket, stack.accessLogBucket]) {
      expect(member).toBeDefined();
    }
    expect([stack.tokenSecret, stack.athenaResultsBucket, stack.trail]).not.toContain(undefined);
  });

  test('Object Lock: COMPLIANCE 365 days in prod, GOVERNANCE 7 days in the dev config', () => {
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
    });
    dev.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } },
    });
  });

  test('stateful resources are retained', () => {
    const types = ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup'];
    for (const type of types) {
      for (const resource of Object.values(prod.template.findResources(type))) {
        // Named tenant secrets are RetainExceptOnCreate: kept, but not after a rolled-back create.
        expect(['Retain', 'RetainExceptOnCreate']).toContain(resource.DeletionPolicy);
      }
    }
    prod.template.resourceCountIs('AWS::KMS::Key', 2);
    // Audit, access logs, Athena results, Bedrock invocation logs.
    prod.template.resourceCountIs('AWS::S3::Bucket', 4);
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('the audit and results buckets encrypt with the audit key; the results bucket logs to the log bucket', () => {
    const auditKeyArn = { 'Fn::GetAtt': [logicalId(prod, prod.stack.auditKey), 'Arn'] };
    for (const bucket of [prod.stack.auditBucket, prod.stack.athenaResultsBucket]) {
      const resource = prod.template.toJSON().Resources[logicalId(prod, bucket)];
      expect(resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: auditKeyArn },
      });
      expect(resource.Properties.LoggingConfiguration.DestinationBucketName).toEqual({
        Ref: logicalId(prod, prod.stack.accessLogBucket),
      });
    }
    prod.template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: auditKeyArn });
  });

  test('the trail is scoped into the audit key policy by name and records reads of the audit bucket', () => {
    prod.template.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: 'ClaudeGateway-audit-trail',
      S3BucketName: { Ref: logicalId(prod, prod.stack.auditBucket) },
      AdvancedEventSelectors: Match.arrayWith([
        Match.objectLike({ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }),
      ]),
    });
    prod.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudTrailEncryptLogs',
            Condition: Match.objectLike({
              StringEquals: {
                'aws:SourceArn': 'arn:aws:cloudtrail:ap-south-1:111122223333:trail/ClaudeGateway-audit-trail',
              },
            }),
          }),
        ]),
      },
    });
  });

  test('re-identification decrypt is limited to the configured auditor; break glass is exempt from the deny', () => {
    prod.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { ArnNotEquals: { 'aws:PrincipalArn': [AUDITOR] } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: AUDITOR },
            Action: ['kms:Decrypt', 'kms:DescribeKey'],
          }),
        ]),
      },
    });
    prod.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] } } }),
        ]),
      },
    });
  });

  test('Bedrock invocation logging: into its own bucket, configured after its policy in prod; absent in dev', () => {
    const logBucket = prod.stack.bedrockLogBucket?.bucket;
    const logBucketPolicy = logBucket?.policy;
    if (!logBucket || !logBucketPolicy) throw new Error('no Bedrock log bucket policy');
    prod.template.hasResource('Custom::BedrockModelInvocationLogging', {
      DependsOn: Match.arrayWith([logicalId(prod, logBucketPolicy), logicalId(prod, prod.stack.auditKey)]),
    });
    // The audit bucket (default retention) gives Bedrock nothing: its writer's checksum support is unverified.
    const auditPolicy = prod.stack.auditBucket.policy;
    const auditPolicyJson = JSON.stringify(prod.template.toJSON().Resources[logicalId(prod, auditPolicy as never)]);
    expect(auditPolicyJson).not.toContain('bedrock.amazonaws.com');
    expect(JSON.stringify(prod.template.toJSON())).toContain('bedrock.amazonaws.com');

    dev.template.resourceCountIs('Custom::BedrockModelInvocationLogging', 0);
    dev.template.resourceCountIs('AWS::Lambda::Function', 0);
    // No key or bucket policy lets Bedrock deliver (the named queries mention the service, so look at policies).
    const policies = [
      ...Object.values(dev.template.findResources('AWS::KMS::Key')),
      ...Object.values(dev.template.findResources('AWS::S3::BucketPolicy')),
    ];
    expect(JSON.stringify(policies)).not.toContain('bedrock.amazonaws.com');
  });

  test('Athena workgroup and Glue database named from the prefix, results encrypted with the audit key', () => {
    prod.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'ClaudeGateway-compliance',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [logicalId(prod, prod.stack.auditKey), 'Arn'] },
          },
        }),
      }),
    });
    prod.template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({ Name: 'claude_gateway_audit' }),
    });
    prod.template.hasOutput('AthenaWorkgroupName', { Value: 'ClaudeGateway-compliance' });
  });
});
