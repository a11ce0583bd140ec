import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { METRIC_NAMESPACE, METRIC_SERVICE, METRICS } from '../../../lambdas/shared/observability/metric-names';
import { OperationsDashboard, type OperationsDashboardProps } from '../../../lib/constructs/operations-dashboard';
import { addNagPacks, nagFindings, testApp } from '../../helpers/cdk';

const TENANTS = ['acme-support', 'night-shift'];
const MODELS = ['claude-sonnet-4-6', 'claude-haiku-4-5'];

interface Synth {
  stack: Stack;
  template: Template;
  construct: OperationsDashboard;
}

function synth(overrides: Partial<OperationsDashboardProps> = {}, nag = false): Synth {
  const app = testApp();
  const stack = new Stack(app, 'Ops', { env: { account: '111122223333', region: 'ap-south-1' } });
  if (nag) addNagPacks(stack);
  const key = new kms.Key(stack, 'AuditKey', { enableKeyRotation: true });
  const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { encryptionMasterKey: key, enforceSSL: true });
  // The fixture queue is itself the DLQ (in the app it is the audit writer's); the rule does not apply to it.
  NagSuppressions.addResourceSuppressions(deadLetterQueue, [
    { id: 'AwsSolutions-SQS3', reason: 'Test fixture standing in for the audit dead-letter queue' },
  ]);
  const construct = new OperationsDashboard(stack, 'Ops', {
    tenantIds: TENANTS,
    modelIds: MODELS,
    businessHoursTenantIds: ['night-shift'],
    topicEncryptionKey: key,
    alarmEmail: 'oncall@example.com',
    thresholds: { upstreamErrorRatePercent: 5, p99LatencyMs: 45_000 },
    deadLetterQueue,
    ...overrides,
  });
  return { stack, template: Template.fromStack(stack), construct };
}

type Dimension = { Name: string; Value: string };
interface MetricDataQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { MetricName: string; Namespace: string; Dimensions?: Dimension[] };
    Period: number;
    Stat: string;
  };
}
interface AlarmProperties {
  AlarmDescription: string;
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  MetricName?: string;
  Namespace?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Statistic?: string;
  ExtendedStatistic?: string;
  Metrics?: MetricDataQuery[];
}

function alarms(template: Template): AlarmProperties[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (resource) => (resource as { Properties: AlarmProperties }).Properties,
  );
}

function alarmFor(template: Template, runbook: string, descriptionPart = ''): AlarmProperties {
  const found = alarms(template).filter(
    (a) => a.AlarmDescription.includes(`#${runbook}`) && a.AlarmDescription.includes(descriptionPart),
  );
  if (found.length !== 1) throw new Error(`expected one alarm for ${runbook} ${descriptionPart}, got ${found.length}`);
  return found[0] as AlarmProperties;
}

const gatewayDims = (tenant?: string): Dimension[] =>
  tenant
    ? [
        { Name: 'Tenant', Value: tenant },
        { Name: 'service', Value: METRIC_SERVICE },
      ]
    : [{ Name: 'service', Value: METRIC_SERVICE }];

describe('OperationsDashboard', () => {
  let synthed: Synth;
  let template: Template;
  let topicLogicalId: string;

  beforeAll(() => {
    synthed = synth();
    template = synthed.template;
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    topicLogicalId = topics[0] ?? '';
  });

  test('alarm inventory: 3 cost, 2 cache-hit, 1 business-hours, 11 deployment-wide', () => {
    // cost (total + 2 tenants), cache-hit x2, outside-hours x1, audit writes, DLQ, orphaned, residency, shadow,
    // reconciliation, model outside catalog, unknown features, upstream error rate, p99 latency
    template.resourceCountIs('AWS::CloudWatch::Alarm', 16);
    expect([...synthed.construct.alarms.keys()].sort()).toEqual(
      [
        'auditWriteFailures',
        'cacheHitRate:acme-support',
        'cacheHitRate:night-shift',
        'costIncrease:acme-support',
        'costIncrease:night-shift',
        'costIncrease:total',
        'deadLetterQueueNotEmpty',
        'modelOutsideCatalog',
        'orphanedPreCall',
        'outsideBusinessHours:night-shift',
        'p99Latency',
        'reconciliation',
        'residency',
        'shadowBedrock',
        'unknownFeatures',
        'upstreamErrorRate',
      ].sort(),
    );
  });

  test('UnknownFeatures alarms on any call with a name the ZDR feature table does not know, hourly', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'UnknownFeatures',
      Namespace: 'ClaudeComplianceGateway',
      Dimensions: [{ Name: 'service', Value: 'claude-compliance-gateway' }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/runbook.md#unknown-features'),
    });
  });

  test('every alarm notifies the topic and names its runbook entry', () => {
    for (const alarm of alarms(template)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicLogicalId }]);
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#[a-z0-9-]+$/);
    }
  });

  test('cost: each day vs the mean of the other six days of a 7-day window, > 20 %', () => {
    for (const tenant of [undefined, ...TENANTS]) {
      const alarm = alarmFor(template, 'cost-increase', tenant ?? 'all tenants');
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 20,
        EvaluationPeriods: 7,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
      });
      const metrics = alarm.Metrics ?? [];
      const expression = metrics.find((m) => m.ReturnData !== false && m.Expression);
      expect(expression?.Expression).toBe(
        'IF((SUM(FILL(cost, 0)) - FILL(cost, 0)) / 6 >= 1, 100 * (6 * FILL(cost, 0) / (SUM(FILL(cost, 0)) - FILL(cost, 0)) - 1), 0)',
      );
      expect(metrics.find((m) => m.Id === 'cost')?.MetricStat).toEqual({
        Metric: { MetricName: 'CostUsd', Namespace: METRIC_NAMESPACE, Dimensions: gatewayDims(tenant) },
        Period: 86400,
        Stat: 'Sum',
      });
    }
  });

  test('cache-hit rate per tenant over one week < 50 %', () => {
    TENANTS.forEach((tenant, index) => {
      const alarm = alarmFor(template, 'cache-hit-rate', tenant);
      expect(alarm).toMatchObject({
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 50,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      const [r, c, i] = [`r${index}`, `c${index}`, `i${index}`];
      const metrics = alarm.Metrics ?? [];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe(
        `IF((${r} + ${c} + ${i}) > 0, 100 * ${r} / (${r} + ${c} + ${i}), 100)`,
      );
      const byId = Object.fromEntries(metrics.map((m) => [m.Id, m.MetricStat]));
      expect(byId[r]).toEqual({
        Metric: { MetricName: 'CacheReadInputTokens', Namespace: METRIC_NAMESPACE, Dimensions: gatewayDims(tenant) },
        Period: 604800,
        Stat: 'Sum',
      });
      expect(byId[c]?.Metric.MetricName).toBe('CacheCreationInputTokens');
      expect(byId[i]?.Metric.MetricName).toBe('InputTokens');
    });
  });

  test.each([
    ['audit-write-failures', 'AuditWriteFailures', 300],
    ['orphaned-pre-call', 'OrphanedPreCallRecords', 86400],
    ['residency-violations', 'ResidencyViolations', 86400],
    ['shadow-bedrock', 'ShadowBedrockInvocations', 86400],
    ['reconciliation-mismatches', 'ReconciliationMismatches', 86400],
    ['model-outside-catalog', 'ModelOutsideCatalog', 300],
  ])('%s: any %s (deployment total) alarms', (runbook, metricName, period) => {
    expect(alarmFor(template, runbook)).toMatchObject({
      MetricName: metricName,
      Namespace: METRIC_NAMESPACE,
      Dimensions: gatewayDims(),
      Statistic: 'Sum',
      Period: period,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('calls outside business hours: only tenants that set them, hourly', () => {
    expect(alarmFor(template, 'outside-business-hours', 'night-shift')).toMatchObject({
      MetricName: 'CallsOutsideBusinessHours',
      Dimensions: gatewayDims('night-shift'),
      Statistic: 'Sum',
      Period: 3600,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarms(template).filter((a) => a.AlarmDescription.includes('acme-support made calls'))).toEqual([]);
  });

  test('DLQ not empty for 15 minutes (3 of 3 five-minute maxima)', () => {
    expect(alarmFor(template, 'dlq-not-empty')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('upstream error rate: UpstreamErrors / Requests * 100 above the configured threshold', () => {
    const alarm = alarmFor(template, 'upstream-error-rate');
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    const metrics = alarm.Metrics ?? [];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    const byId = Object.fromEntries(metrics.map((m) => [m.Id, m.MetricStat]));
    expect(byId.errors).toEqual({
      Metric: { MetricName: 'UpstreamErrors', Namespace: METRIC_NAMESPACE, Dimensions: gatewayDims() },
      Period: 300,
      Stat: 'Sum',
    });
    expect(byId.requests?.Metric.MetricName).toBe('Requests');
  });

  test('p99 latency above the configured threshold', () => {
    expect(alarmFor(template, 'p99-latency')).toMatchObject({
      MetricName: 'LatencyMs',
      Dimensions: gatewayDims(),
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 45_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the created topic is KMS-encrypted, TLS-only, has the e-mail subscription, and CloudWatch may use the key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          }),
        ]),
      },
    });
  });

  test('the dashboard widgets reference every metric of the names module', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const resource = Object.values(dashboards)[0] as { Properties: { DashboardBody: unknown } };
    const body = JSON.stringify(synthed.stack.resolve(resource.Properties.DashboardBody));
    for (const metric of Object.values(METRICS)) expect(body).toContain(metric.name);
    for (const text of [
      'Cost per tenant per day',
      'Cache-hit rate per tenant',
      'PII detections by type',
      'Audit store health',
      'ApproximateNumberOfMessagesVisible',
      'PiiType',
      'Daily checks: residency, shadow Bedrock, reconciliation',
    ]) {
      expect(body).toContain(text);
    }
    for (const tenant of TENANTS) expect(body).toContain(tenant);
    for (const model of MODELS) expect(body).toContain(model);
  });

  test('an existing topic is used as is: no topic, key statement or subscription is created', () => {
    const app = testApp();
    const stack = new Stack(app, 'Existing');
    const { Topic } = jest.requireActual<typeof import('aws-cdk-lib/aws-sns')>('aws-cdk-lib/aws-sns');
    const topic = Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:ap-south-1:111122223333:ops');
    new OperationsDashboard(stack, 'Ops', { tenantIds: ['acme-support'], modelIds: MODELS, alarmTopic: topic });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.resourceCountIs('AWS::SNS::Subscription', 0);
    // no DLQ given: no DLQ alarm; one tenant: 2 cost + 1 cache-hit + 9 deployment-wide
    t.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    for (const alarm of alarms(t)) expect(alarm.AlarmActions).toEqual(['arn:aws:sns:ap-south-1:111122223333:ops']);
  });

  test.each<[string, Partial<OperationsDashboardProps>, RegExp]>([
    ['no topic and no key', { topicEncryptionKey: undefined }, /alarmTopic, or topicEncryptionKey.*got neither/],
    ['empty tenants', { tenantIds: [] }, /tenantIds must not be empty/],
    ['unknown business-hours tenant', { businessHoursTenantIds: ['ghost'] }, /"ghost"/],
    ['bad e-mail', { alarmEmail: 'oncall' }, /alarmEmail.*"oncall"/],
    ['error rate above 100', { thresholds: { upstreamErrorRatePercent: 150 } }, /upstreamErrorRatePercent.*150/],
    ['negative latency', { thresholds: { p99LatencyMs: -1 } }, /p99LatencyMs.*-1/],
  ])('rejects %s, naming the value', (_name, overrides, message) => {
    expect(() => synth(overrides)).toThrow(message);
  });

  test('zero cdk-nag findings', () => {
    const nagged = synth({}, true);
    expect(nagFindings(nagged.stack)).toEqual([]);
  });
});
