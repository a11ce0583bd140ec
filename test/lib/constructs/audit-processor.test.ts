import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AuditProcessor, type AuditProcessorProps } from '../../../lib/constructs/audit-processor';
import { addNagPacks, nagFindings, testApp } from '../../helpers/cdk';

const ROLE = 'arn:aws:iam::111122223333:role/gateway-proxy-role';

function synth(extra: Partial<AuditProcessorProps> = {}, options: { nag?: boolean; vpc?: boolean } = {}) {
  const app = testApp();
  const stack = new Stack(app, 'ProcessorStack', { env: { account: '111122223333', region: 'ap-south-1' } });
  if (options.nag) addNagPacks(stack);
  const auditKey = new kms.Key(stack, 'AuditKey', { enableKeyRotation: true });
  const topicKey = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
  const alarmTopic = new sns.Topic(stack, 'OpsAlarmTopic', { masterKey: topicKey, enforceSSL: true });
  const processor = new AuditProcessor(stack, 'Audit', {
    auditBucket: s3.Bucket.fromBucketName(stack, 'AuditBucket', 'audit-bucket-1'),
    auditKey,
    athenaResultsBucket: s3.Bucket.fromBucketName(stack, 'Results', 'athena-results-1'),
    workgroupName: 'ClaudeGateway-compliance',
    databaseName: 'claude_gateway_audit',
    deadLetterQueue: sqs.Queue.fromQueueAttributes(stack, 'Dlq', {
      queueArn: 'arn:aws:sqs:ap-south-1:111122223333:audit-dlq',
      keyArn: auditKey.keyArn,
    }),
    gatewayRoleArn: ROLE,
    logRetention: logs.RetentionDays.ONE_YEAR,
    alarmTopic,
    ...(options.vpc ? { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }) } : {}),
    ...extra,
  });
  return { stack, processor, alarmTopic, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function statements(template: Template, roleLogicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => JSON.stringify((policy.Properties as { Roles: unknown }).Roles).includes(roleLogicalIdPrefix))
    .flatMap(
      (policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
    );
}

const actions = (list: Statement[]): string[] => list.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('AuditProcessor', () => {
  const { template, processor, alarmTopic } = synth();

  it('creates two Node 22 ARM64 functions with KMS-encrypted log groups', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: Match.stringLikeRegexp('^index\\.(replay|checks)$') },
      2,
    );
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 365 }, 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.checks',
      Environment: {
        Variables: Match.objectLike({
          GATEWAY_ATHENA_WORKGROUP: 'ClaudeGateway-compliance',
          GATEWAY_GLUE_DATABASE: 'claude_gateway_audit',
          GATEWAY_ROLE_ARN: ROLE,
        }),
      },
    });
  });

  it('replays from the dead-letter queue with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:ap-south-1:111122223333:audit-dlq',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('gives replay s3:PutObject on audit/v1/* only, no retention, legal-hold or delete actions', () => {
    const replay = statements(template, 'AuditReplayRole');
    const s3Actions = actions(replay).filter((action) => action.startsWith('s3:'));
    expect(s3Actions).toEqual(['s3:PutObject']);
    const put = replay.find((s) => s.Sid === 'AuditRecordPutOnly');
    expect(JSON.stringify(put?.Resource)).toContain('audit-bucket-1/audit/v1/*');
    expect(actions(replay)).not.toEqual(expect.arrayContaining(['s3:PutObjectRetention']));
    expect(actions(replay)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
  });

  it('scopes the checks: Athena on the workgroup, Glue on the audit tables, S3 reads on two prefixes', () => {
    const checks = statements(template, 'AuditChecksRole');
    const athena = checks.find((s) => s.Sid === 'AthenaInWorkgroup');
    expect(JSON.stringify(athena?.Resource)).toContain(
      'arn:aws:athena:ap-south-1:111122223333:workgroup/ClaudeGateway-compliance',
    );
    const glue = checks.find((s) => s.Sid === 'GlueReadAuditTables');
    expect(glue?.Resource).toEqual(
      expect.arrayContaining(['arn:aws:glue:ap-south-1:111122223333:table/claude_gateway_audit/gateway_audit']),
    );
    expect(actions(glue ? [glue] : [])).not.toEqual(expect.arrayContaining(['glue:CreateTable']));
    const reads = JSON.stringify(checks.find((s) => s.Sid === 'ReadAuditRecordsAndCloudTrail')?.Resource);
    expect(reads).toContain('audit/v1/*');
    expect(reads).toContain('cloudtrail/*');
    expect(reads).not.toContain('bedrock-invocations');
    expect(actions(checks)).not.toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:PutObjectRetention']));
    const results = JSON.stringify(checks.find((s) => s.Sid === 'AthenaResultsReadWrite')?.Resource);
    expect(results).toContain('athena-results-1');
    expect(actions(checks)).toEqual(expect.arrayContaining(['kms:Decrypt', 'cloudwatch:PutMetricData']));
    const putMetric = checks.find((s) => s.Sid === 'PublishCheckMetrics');
    expect(putMetric?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'ClaudeComplianceGateway' } });
  });

  it('runs the checks daily on a schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it("alarms only on failed check runs, into the given topic; the per-check alarms are the dashboard's", () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 86400,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlarmTopic') }],
    });
    for (const metric of [
      'OrphanedPreCallRecords',
      'ResidencyViolations',
      'ShadowBedrockInvocations',
      'ReconciliationMismatches',
    ]) {
      expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric } })).toEqual({});
    }
    expect(Object.keys(processor.alarms)).toEqual(['checks-failed']);
    expect(processor.alarmTopic).toBe(alarmTopic);
    // Only the topic the test created; no subscription, no CloudWatch statement on the audit key.
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const auditKeyPolicy = JSON.stringify(
      Object.entries(template.findResources('AWS::KMS::Key'))
        .filter(([logicalId]) => logicalId.startsWith('AuditKey'))
        .map(([, resource]) => resource),
    );
    expect(auditKeyPolicy).not.toContain('cloudwatch.amazonaws.com');
  });

  it('validates props', () => {
    expect(() => synth({ workgroupName: 'bad name' })).toThrow(/workgroupName/);
    expect(() => synth({ databaseName: 'Bad-DB' })).toThrow(/databaseName/);
  });

  it('runs in the VPC when given one', () => {
    synth({}, { vpc: true }).template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }) },
      2,
    );
  });

  it('has no cdk-nag findings', () => {
    expect(nagFindings(synth({}, { nag: true }).stack)).toEqual([]);
  });
});
