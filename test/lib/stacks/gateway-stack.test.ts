import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App, CfnElement, Environment } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { GatewayConfig } from '../../../lib/config';
import { AuditDataStack } from '../../../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../../../lib/stacks/gateway-stack';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';

const region = 'ap-south-1';

/** The real AuditDataStack in the same app, so cross-stack key policies and grants are exercised too. */
function auditDataProps(app: App, env: Environment, config: GatewayConfig) {
  return statefulResourcesOf(new AuditDataStack(app, 'AuditData', { env, config }));
}

interface Variant {
  readonly app: App;
  readonly stack: GatewayStack;
  readonly template: Template;
}

function synthesize(gateway: Record<string, unknown>, env: Environment = { region }): Variant {
  const app = testApp();
  const config = testConfig(gateway);
  const stack = new GatewayStack(app, 'Gateway', { env, config, ...auditDataProps(app, env, config) });
  addNagPacks(stack);
  return { app, stack, template: Template.fromStack(stack) };
}

/** The AuditData stack synthesized next to a Gateway stack in the same app. */
function auditDataTemplate(variant: Variant): Template {
  const auditData = variant.app.node.findChild('AuditData') as AuditDataStack;
  return Template.fromStack(auditData);
}

describe('GatewayStack', () => {
  let bedrockOnly: Variant;
  let withAnthropic: Variant;
  beforeAll(() => {
    bedrockOnly = synthesize({});
    withAnthropic = synthesize({
      providers: { anthropic: { enabled: true } },
      network: { maxAzs: 3, natGateways: 2 },
      logRetentionDays: 90,
      operations: { logLevel: 'DEBUG' },
    });
  });

  test('has zero unacknowledged cdk-nag findings with the Anthropic provider off', () => {
    expect(nagFindings(bedrockOnly.stack)).toEqual([]);
  });

  test('has zero unacknowledged cdk-nag findings with the Anthropic provider on', () => {
    expect(nagFindings(withAnthropic.stack)).toEqual([]);
  });

  test('composes the network from the config: isolated subnets and no NAT by default', () => {
    expect(bedrockOnly.stack.network.natEnabled).toBe(false);
    bedrockOnly.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    bedrockOnly.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    bedrockOnly.template.resourceCountIs('AWS::EC2::Subnet', 2);
    bedrockOnly.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/16' });
  });

  test('maps network.maxAzs, network.natGateways and the Anthropic range from the config', () => {
    expect(withAnthropic.stack.network.natEnabled).toBe(true);
    withAnthropic.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    withAnthropic.template.resourceCountIs('AWS::EC2::Subnet', 6);
    withAnthropic.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Gateway Lambdas'),
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '160.79.104.0/23', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  test('encrypts the flow-log group with the audit key from the other stack, with the configured retention', () => {
    const importedAuditKeyArn = { 'Fn::ImportValue': Match.stringLikeRegexp('^AuditData:.*AuditKey') };
    bedrockOnly.template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: importedAuditKeyArn,
      RetentionInDays: 365,
    });
    withAnthropic.template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: importedAuditKeyArn,
      RetentionInDays: 90,
    });
    for (const group of Object.values(bedrockOnly.template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/AuditKey/) });
    }
  });

  test('restricts the default security group (feature flag on in cdk.json)', () => {
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };
    expect(cdkJson.context['@aws-cdk/aws-ec2:restrictDefaultSecurityGroup']).toBe(true);
    bedrockOnly.template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('synthesizes without context lookups even when the account is pinned', () => {
    const pinned = synthesize({}, { account: '123456789012', region });
    const assembly = pinned.app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    const subnets = Object.values(pinned.template.findResources('AWS::EC2::Subnet'));
    expect(subnets.map((s) => s.Properties.AvailabilityZone)).toEqual([
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] },
    ]);
  });

  test('the API streams /v1/messages to the proxy function, behind the authorizer', () => {
    const proxyFunctionId = bedrockOnly.stack.getLogicalId(
      bedrockOnly.stack.proxy.function.node.defaultChild as CfnElement,
    );
    bedrockOnly.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'CUSTOM',
      ApiKeyRequired: true,
      Integration: Match.objectLike({
        ResponseTransferMode: 'STREAM',
        Uri: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([Match.objectLike({ 'Fn::GetAtt': [proxyFunctionId, 'Arn'] })]),
          ]),
        }),
      }),
    });
  });

  test('every alarm notifies the one alarm topic', () => {
    bedrockOnly.template.resourceCountIs('AWS::SNS::Topic', 1);
    const topicId = Object.keys(bedrockOnly.template.findResources('AWS::SNS::Topic'))[0];
    const alarms = Object.values(bedrockOnly.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  test('names the proxy role so the audit data stack can tell gateway calls from shadow Bedrock use', () => {
    bedrockOnly.template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'ClaudeGateway-proxy-ap-south-1' });
    // The query string is an Fn::Join around the account id, so look at the serialized resource.
    const queries = auditDataTemplate(bedrockOnly).findResources('AWS::Athena::NamedQuery', {
      Properties: { Name: 'shadow-bedrock-usage' },
    });
    expect(Object.keys(queries)).toHaveLength(1);
    expect(JSON.stringify(queries)).toContain(':role/ClaudeGateway-proxy-ap-south-1');
  });

  test('outputs the base URL for applications and the OAuth2 token endpoint', () => {
    bedrockOnly.template.hasOutput('ApiUrl', {});
    bedrockOnly.template.hasOutput('TokenEndpoint', {});
  });

  test('every gateway function logs at the configured level', () => {
    const functions = Object.values(withAnthropic.template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_LOG_LEVEL !== undefined,
    );
    // proxy, authorizer, audit replay, daily checks
    expect(functions).toHaveLength(4);
    for (const fn of functions) expect(fn.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });
});
