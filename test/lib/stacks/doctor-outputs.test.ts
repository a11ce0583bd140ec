/**
 * The outputs `npm run doctor` reads, on the synthesized templates: every key it asks for exists, and each value
 * resolves (with a small evaluator of the intrinsics CDK emits) to the resource the check means to inspect.
 */
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AUDIT_DATA_OUTPUTS, GATEWAY_OUTPUTS } from '../../../lambdas/cli/doctor/stack-outputs';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../../../lib/stacks/gateway-stack';
import { testApp, testConfig } from '../../helpers/cdk';

const env = { region: 'ap-south-1' };

interface Synth {
  readonly auditData: Template;
  readonly gateway: Template;
}

function synth(gatewayConfig: Record<string, unknown>): Synth {
  const app: App = testApp();
  const config = testConfig(gatewayConfig);
  const auditData = new AuditDataStack(app, 'ClaudeGateway-AuditData', { env, config });
  const gateway = new GatewayStack(app, 'ClaudeGateway-Gateway', {
    env,
    config,
    ...statefulResourcesOf(auditData),
  });
  return { auditData: Template.fromStack(auditData as Stack), gateway: Template.fromStack(gateway as Stack) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Resolves Ref / Fn::Join / Fn::Select / Fn::Split as CloudFormation would, with `Ref` of a secret giving an ARN
 * that carries the secret's Name and Secrets Manager's random suffix, and any other `Ref` giving `ref:<logicalId>`.
 */
function evaluate(value: Json, template: Template): Json {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, Json> }>;
  const resolve = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    if ('Ref' in node) {
      const id = String(node.Ref);
      const resource = resources[id];
      if (resource?.Type === 'AWS::SecretsManager::Secret') {
        return `arn:aws:secretsmanager:ap-south-1:111122223333:secret:${String(resource.Properties?.Name)}-AbC123`;
      }
      return `ref:${id}`;
    }
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, Json[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    if ('Fn::Split' in node) {
      const [separator, source] = node['Fn::Split'] as [string, Json];
      return String(resolve(source)).split(separator);
    }
    if ('Fn::Select' in node) {
      const [index, list] = node['Fn::Select'] as [number, Json];
      return (resolve(list) as Json[])[Number(index)] ?? null;
    }
    throw new Error(`unsupported intrinsic ${Object.keys(node).join(',')}`);
  };
  return resolve(value);
}

function output(template: Template, key: string): string {
  const outputs = template.toJSON().Outputs as Record<string, { Value: Json }>;
  const found = outputs[key];
  if (!found) throw new Error(`no output ${key}`);
  return String(evaluate(found.Value, template));
}

const resourcesOfType = (template: Template, type: string) =>
  Object.entries(
    template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, Json> }>,
  ).filter(([, resource]) => resource.Type === type);

describe('outputs npm run doctor reads', () => {
  let withAnthropic: Synth;
  let bedrockOnly: Synth;
  beforeAll(() => {
    withAnthropic = synth({ providers: { anthropic: { enabled: true } } });
    bedrockOnly = synth({ bedrockInvocationLogging: { enabled: false } });
  });

  test('every output key the doctor asks for exists when every feature is on', () => {
    const keys = (template: Template) => Object.keys(template.toJSON().Outputs as object);
    expect(keys(withAnthropic.auditData)).toEqual(expect.arrayContaining(Object.values(AUDIT_DATA_OUTPUTS)));
    expect(keys(withAnthropic.gateway)).toEqual(expect.arrayContaining(Object.values(GATEWAY_OUTPUTS)));
  });

  test('the Anthropic upstream key secret has a stable name, given as a stack output', () => {
    // The key is state: it lives in the AuditData stack, kept on update and delete, and the Gateway stack names it.
    const [[, secret] = []] = resourcesOfType(withAnthropic.auditData, 'AWS::SecretsManager::Secret').filter(
      ([, resource]) => String(resource.Properties.Name).includes('anthropic'),
    );
    expect(secret?.Properties.Name).toBe('ClaudeGateway/anthropic/api-key');
    expect((secret as { DeletionPolicy?: string } | undefined)?.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(
      resourcesOfType(withAnthropic.gateway, 'AWS::SecretsManager::Secret').filter(([, resource]) =>
        String(resource.Properties.Name).includes('anthropic'),
      ),
    ).toEqual([]);
    expect(output(withAnthropic.gateway, GATEWAY_OUTPUTS.anthropicApiKeySecretName)).toBe(
      'ClaudeGateway/anthropic/api-key',
    );
    expect(Object.keys(bedrockOnly.gateway.toJSON().Outputs as object)).not.toContain(
      GATEWAY_OUTPUTS.anthropicApiKeySecretName,
    );
  });

  test('the canary tenant and its key secret name resolve to the secret the authorizer reads', () => {
    expect(output(withAnthropic.gateway, GATEWAY_OUTPUTS.canaryTenantId)).toBe('sample-tenant');
    expect(output(withAnthropic.gateway, GATEWAY_OUTPUTS.canaryTenantKeySecretName)).toBe(
      'ClaudeGateway/tenants/sample-tenant/api-key',
    );
  });

  test('FunctionRuntimes lists every function of each stack with the runtime its template declares', () => {
    for (const template of [withAnthropic.auditData, withAnthropic.gateway]) {
      const listed = JSON.parse(output(template, AUDIT_DATA_OUTPUTS.functionRuntimes)) as Array<{
        function: string;
        runtime: string;
      }>;
      const declared = resourcesOfType(template, 'AWS::Lambda::Function').map(([id, resource]) => ({
        function: `ref:${id}`,
        runtime: resource.Properties.Runtime,
      }));
      expect(declared.length).toBeGreaterThan(0);
      expect(listed).toEqual(expect.arrayContaining(declared));
      expect(listed).toHaveLength(declared.length);
    }
  });

  test('the Bedrock expectation is what the logging custom resource puts', () => {
    const expectation = JSON.parse(output(withAnthropic.auditData, AUDIT_DATA_OUTPUTS.bedrockInvocationLogging));
    const [[, logging] = []] = resourcesOfType(withAnthropic.auditData, 'Custom::BedrockModelInvocationLogging');
    const create = JSON.parse(String(evaluate(logging?.Properties.Create ?? null, withAnthropic.auditData))) as {
      parameters: { loggingConfig: { s3Config: { bucketName: string; keyPrefix: string } } & Record<string, boolean> };
    };
    const config = create.parameters.loggingConfig;
    expect(expectation).toEqual({
      bucketName: config.s3Config.bucketName,
      keyPrefix: config.s3Config.keyPrefix,
      textDataDeliveryEnabled: config.textDataDeliveryEnabled,
      imageDataDeliveryEnabled: config.imageDataDeliveryEnabled,
      embeddingDataDeliveryEnabled: config.embeddingDataDeliveryEnabled,
    });
    expect(Object.keys(bedrockOnly.auditData.toJSON().Outputs as object)).not.toContain(
      AUDIT_DATA_OUTPUTS.bedrockInvocationLogging,
    );
  });

  test('retention, trail, topic and VPC outputs name the deployed resources', () => {
    const { auditData, gateway } = withAnthropic;
    expect(output(auditData, AUDIT_DATA_OUTPUTS.auditObjectLockMode)).toBe('COMPLIANCE');
    expect(output(auditData, AUDIT_DATA_OUTPUTS.auditRetentionDays)).toBe('365');
    const [[, trail] = []] = resourcesOfType(auditData, 'AWS::CloudTrail::Trail');
    expect(output(auditData, AUDIT_DATA_OUTPUTS.trailName)).toBe(trail?.Properties.TrailName);
    const [[topicId] = []] = resourcesOfType(gateway, 'AWS::SNS::Topic');
    expect(output(gateway, GATEWAY_OUTPUTS.alarmTopicArn)).toBe(`ref:${topicId}`);
    const [[vpcId] = []] = resourcesOfType(gateway, 'AWS::EC2::VPC');
    expect(output(gateway, GATEWAY_OUTPUTS.vpcId)).toBe(`ref:${vpcId}`);
  });
});
