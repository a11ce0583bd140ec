/**
 * What a first `cdk deploy --all` in a fresh account, a later config change, and a destroy and redeploy of the
 * Gateway stack depend on, asserted on the synthesized templates of both stacks together.
 */
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { GatewayConfig } from '../../../lib/config';
import { GATEWAY_FUNCTION_TAG, GATEWAY_RUNTIME } from '../../../lib/constructs/gateway-function';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../../../lib/stacks/gateway-stack';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';

const env = { region: 'ap-south-1', account: '111122223333' };

interface Deployment {
  readonly app: App;
  readonly auditData: AuditDataStack;
  readonly gateway: GatewayStack;
  readonly auditTemplate: Template;
  readonly gatewayTemplate: Template;
}

function deploy(raw: Record<string, unknown>): Deployment {
  const app = testApp();
  const config: GatewayConfig = testConfig(raw);
  const auditData = new AuditDataStack(app, 'AuditData', { env, config });
  const gateway = new GatewayStack(app, 'Gateway', {
    env,
    config,
    ...statefulResourcesOf(auditData),
  });
  addNagPacks(app);
  return {
    app,
    auditData,
    gateway,
    auditTemplate: Template.fromStack(auditData),
    gatewayTemplate: Template.fromStack(gateway),
  };
}

/** Properties that give a resource a name of its own (the ones CloudFormation would otherwise generate). */
const NAME_PROPERTIES = [
  'LogGroupName',
  'BucketName',
  'Name',
  'SecretName',
  'TableName',
  'RoleName',
  'QueueName',
  'TopicName',
  'FunctionName',
  'TrailName',
  'AliasName',
  'UserPoolName',
  'ApiKeyName',
  'UsagePlanName',
  'DashboardName',
  'WorkGroup',
];

/**
 * Retained resources whose name is fixed at synth: after a rolled-back create (or a destroy) they stay behind, and
 * the next create fails with "already exists". A name that refers to another resource of the same stack (a REST
 * API id, a web ACL id) is new on every create, and `RetainExceptOnCreate` goes with a failed create.
 */
function retainedWithFixedName(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
  >;
  const ids = new Set(Object.keys(resources));
  const refersToStackResource = (value: unknown): boolean => {
    const text = JSON.stringify(value);
    return [...text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)].some((m) => ids.has(m[1] ?? ''));
  };
  return Object.entries(resources)
    .filter(([, r]) => r.DeletionPolicy === 'Retain')
    .flatMap(([id, r]) =>
      NAME_PROPERTIES.filter((p) => r.Properties?.[p] !== undefined && !refersToStackResource(r.Properties[p])).map(
        (p) => `${id} (${r.Type}).${p}`,
      ),
    );
}

describe('deployable on the first try, safe to update and delete', () => {
  let defaults: Deployment;
  let configured: Deployment;
  beforeAll(() => {
    defaults = deploy({ operations: { alarmEmail: 'oncall@example.com' } });
    configured = deploy({
      api: { authorizerKeyRefreshSeconds: 120 },
      audit: {
        retentionChangeBy: 'break-glass',
        breakGlassPrincipalArns: ['arn:aws:iam::111122223333:role/break-glass'],
      },
      operations: {
        alarmTopicArn: 'arn:aws:sns:ap-south-1:111122223333:chatops',
        reservedConcurrency: { proxy: 20, authorizer: 10 },
        proxyProvisionedConcurrency: 2,
      },
    });
  });

  test('zero unacknowledged cdk-nag findings in both stacks and both variants', () => {
    for (const d of [defaults, configured]) {
      expect(nagFindings(d.auditData)).toEqual([]);
      expect(nagFindings(d.gateway)).toEqual([]);
    }
  });

  test('no retained resource has a fixed name (a rolled-back create or a destroy would block the next create)', () => {
    for (const d of [defaults, configured]) {
      expect(retainedWithFixedName(d.auditTemplate)).toEqual([]);
      expect(retainedWithFixedName(d.gatewayTemplate)).toEqual([]);
    }
  });

  test('api.authorizerKeyRefreshSeconds reaches the authorizer (default 300)', () => {
    const refresh = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function'))
        .map((f) => f.Properties.Environment?.Variables?.GATEWAY_AUTH_REFRESH_SECONDS)
        .filter((v) => v !== undefined);
    expect(refresh(defaults.gatewayTemplate)).toEqual(['300']);
    expect(refresh(configured.gatewayTemplate)).toEqual(['120']);
  });

  test('alarms go to the configured addresses, or only to the existing topic', () => {
    defaults.gatewayTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    defaults.gatewayTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    const list = deploy({ operations: { alarmEmail: ['a@example.com', 'b@example.com'] } });
    list.gatewayTemplate.resourceCountIs('AWS::SNS::Subscription', 2);

    configured.gatewayTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    const alarms = Object.values(configured.gatewayTemplate.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:ap-south-1:111122223333:chatops']);
    }
  });

  test('throttles of the proxy and the authorizer alarm, with their runbook entry', () => {
    for (const name of ['proxy', 'authorizer']) {
      defaults.gatewayTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Throttles',
        Namespace: 'AWS/Lambda',
        Threshold: 1,
        AlarmDescription: Match.stringLikeRegexp(`^The ${name} function was throttled.*#lambda-throttles$`),
      });
    }
  });

  test('reserved and provisioned concurrency come from config; the API then invokes the warm alias', () => {
    const functions = Object.values(configured.gatewayTemplate.findResources('AWS::Lambda::Function'));
    const reserved = functions.map((f) => f.Properties.ReservedConcurrentExecutions).filter((v) => v !== undefined);
    expect(reserved.sort()).toEqual([10, 20]);
    configured.gatewayTemplate.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    const aliasId = Object.keys(configured.gatewayTemplate.findResources('AWS::Lambda::Alias'))[0] ?? '';
    const methods = Object.values(configured.gatewayTemplate.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBe(3);
    for (const method of methods) expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(aliasId);
    defaults.gatewayTemplate.resourceCountIs('AWS::Lambda::Alias', 0);
  });

  test('retention changes: the deploy role may change the lock configuration (only), break-glass mode only break glass', () => {
    const lockStatement = (t: Template) =>
      Object.values(t.findResources('AWS::S3::BucketPolicy'))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
        .find((s) => s.Sid === 'DenyLockConfigurationChangesExceptRetentionAdministrators');
    const deployRole = 'arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-ap-south-1';
    expect(JSON.stringify(lockStatement(defaults.auditTemplate)?.Condition)).toContain(
      deployRole.replace('arn:aws:', ''),
    );
    expect(lockStatement(configured.auditTemplate)?.Condition).toEqual({
      ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/break-glass'] },
    });
    // The deploy role stays denied deletes, legal holds, retention and lifecycle changes.
    defaults.auditTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyDeleteAndLockChangesExceptBreakGlass', Condition: Match.absent() }),
        ]),
      },
    });
  });

  test('every function of ours is a house GatewayFunction (CDK helper functions aside)', () => {
    for (const template of [defaults.auditTemplate, defaults.gatewayTemplate]) {
      for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
        const tags = (fn.Properties.Tags ?? []) as Array<{ Key: string; Value: string }>;
        const house = tags.find((tag) => tag.Key === GATEWAY_FUNCTION_TAG);
        // AwsCustomResource's provider and the default-security-group restriction are CDK's own functions.
        if (/^AWS[0-9a-f]{32}|^CustomVpcRestrictDefaultSG/.test(id)) continue;
        expect({ id, house: house?.Value ?? null }).toEqual({ id, house: expect.any(String) });
        expect(fn.Properties).toMatchObject({ Runtime: GATEWAY_RUNTIME.name, Architectures: ['arm64'] });
        expect(fn.Properties.LoggingConfig?.LogGroup).toBeDefined();
      }
    }
  });

  test('the audit dead-letter queues live in the stateful stack, retained: a Gateway destroy loses no record', () => {
    defaults.gatewayTemplate.resourceCountIs('AWS::SQS::Queue', 0);
    const queues = Object.values(defaults.auditTemplate.findResources('AWS::SQS::Queue'));
    // The post-call DLQ, its redrive queue, and the Bedrock retention events' DLQ.
    expect(queues).toHaveLength(3);
    for (const queue of queues) {
      expect(queue).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(queue.Properties.QueueName).toBeUndefined();
    }
    // The proxy sends to it and the replay drains it across the stack boundary.
    defaults.gatewayTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('AuditDeadLetterQueues') },
    });
  });

  test('tenant keys and usage identifiers live in the stateful stack: a Gateway destroy loses no credential', () => {
    const gatewaySecretNames = Object.values(defaults.gatewayTemplate.findResources('AWS::SecretsManager::Secret')).map(
      (secret) => String(secret.Properties.Name ?? ''),
    );
    expect(gatewaySecretNames.filter((name) => name.includes('/tenants/'))).toEqual([]);
    defaults.auditTemplate.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Name: 'ClaudeGateway/tenants/sample-tenant/api-key' }),
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    defaults.auditTemplate.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Name: 'ClaudeGateway/tenants/sample-tenant/usage-identifier' }),
      DeletionPolicy: 'RetainExceptOnCreate',
    });
  });

  test('the Athena workgroup can be deleted once it holds queries', () => {
    defaults.auditTemplate.hasResourceProperties('AWS::Athena::WorkGroup', { RecursiveDeleteOption: true });
  });
});
