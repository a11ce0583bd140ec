import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { GatewayNetwork, type GatewayNetworkProps } from '../../../lib/constructs/gateway-network';
import { testApp } from '../../helpers/cdk';

interface Synthesized {
  readonly stack: Stack;
  readonly network: GatewayNetwork;
  readonly template: Template;
  readonly ids: { readonly key: string; readonly vpc: string; readonly lambdaSg: string; readonly endpointSg: string };
}

type CfnResource = { Type: string; Properties?: Record<string, unknown> };

function synthesize(props: Omit<GatewayNetworkProps, 'flowLogKey'>): Synthesized {
  const app = testApp();
  const stack = new Stack(app, 'NetworkTest', { env: { region: 'ap-south-1' } });
  const key = new kms.Key(stack, 'FlowLogKey', { enableKeyRotation: true });
  const network = new GatewayNetwork(stack, 'Network', { ...props, flowLogKey: key });
  const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
    stack.getLogicalId(construct.node.defaultChild as ec2.CfnSecurityGroup);
  return {
    stack,
    network,
    template: Template.fromStack(stack),
    ids: {
      key: stack.getLogicalId(key.node.defaultChild as kms.CfnKey),
      vpc: stack.getLogicalId(network.vpc.node.defaultChild as ec2.CfnVPC),
      lambdaSg: logicalId(network.lambdaSecurityGroup as ec2.SecurityGroup),
      endpointSg: logicalId(network.endpointSecurityGroup as ec2.SecurityGroup),
    },
  };
}

function resourcesOfType(template: Template, type: string): CfnResource[] {
  return Object.values(template.toJSON().Resources as Record<string, CfnResource>).filter((r) => r.Type === type);
}

const groupId = (sg: string) => ({ 'Fn::GetAtt': [sg, 'GroupId'] });

/** Every egress rule of a security group, inline and standalone, without descriptions. */
function egressRules(template: Template, sg: string): Array<Record<string, unknown>> {
  const strip = ({ Description: _d, GroupId: _g, ...rule }: Record<string, unknown>) => rule;
  const inline = (template.toJSON().Resources[sg].Properties.SecurityGroupEgress ?? []) as Array<
    Record<string, unknown>
  >;
  const standalone = resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')
    .map((r) => r.Properties ?? {})
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(groupId(sg)));
  return [...inline, ...standalone].map(strip);
}

const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
const s3PrefixList = {
  'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkS3PrefixListLookup'), 'PrefixLists.0.PrefixListId'],
};
const INTERFACE_SERVICES = ['bedrock-runtime', 'kms', 'sts', 'logs', 'secretsmanager', 'sqs'];

describe('GatewayNetwork without the Anthropic provider (defaults)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({});
  });

  test('has only isolated Lambda subnets in two AZs from Fn::GetAZs', () => {
    const subnets = resourcesOfType(synth.template, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(2);
    for (const [index, subnet] of subnets.entries()) {
      expect(subnet.Properties?.AvailabilityZone).toEqual({ 'Fn::Select': [index, { 'Fn::GetAZs': '' }] });
      expect(subnet.Properties?.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'aws-cdk:subnet-type', Value: 'Isolated' },
          { Key: 'aws-cdk:subnet-name', Value: 'lambda' },
        ]),
      );
    }
    synth.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/16' });
    expect(synth.network.natEnabled).toBe(false);
    expect(synth.network.lambdaSubnets).toEqual({ subnetGroupName: 'lambda' });
    expect(synth.network.vpc.selectSubnets(synth.network.lambdaSubnets).subnets).toHaveLength(2);
  });

  test('has no NAT gateway, internet gateway, elastic IP or public subnet', () => {
    for (const type of [
      'AWS::EC2::NatGateway',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::EIP',
    ]) {
      synth.template.resourceCountIs(type, 0);
    }
    expect(synth.network.vpc.publicSubnets).toHaveLength(0);
  });

  test.each(INTERFACE_SERVICES)('has a %s interface endpoint with private DNS in the Lambda subnets', (service) => {
    synth.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: `com.amazonaws.ap-south-1.${service}`,
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [groupId(synth.ids.endpointSg)],
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('^NetworkVpclambdaSubnet1') },
        { Ref: Match.stringLikeRegexp('^NetworkVpclambdaSubnet2') },
      ],
    });
  });

  test('has exactly the six interface endpoints and the S3 gateway endpoint on the Lambda route tables', () => {
    synth.template.resourceCountIs('AWS::EC2::VPCEndpoint', INTERFACE_SERVICES.length + 1);
    synth.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      VpcEndpointType: 'Gateway',
      RouteTableIds: [
        { Ref: Match.stringLikeRegexp('^NetworkVpclambdaSubnet1RouteTable') },
        { Ref: Match.stringLikeRegexp('^NetworkVpclambdaSubnet2RouteTable') },
      ],
    });
  });

  test('limits the bedrock-runtime endpoint policy to InvokeModel, InvokeModelWithResponseStream and CountTokens', () => {
    synth.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.ap-south-1.bedrock-runtime',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: '*' },
            // Without CountTokens the endpoint denies POST /v1/messages/count_tokens on Bedrock.
            Action: ['bedrock:CountTokens', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Resource: '*',
          },
        ].map((statement) => Match.objectLike(statement)),
      },
    });
    expect(synth.network.bedrockRuntimeEndpoint).toBeInstanceOf(ec2.InterfaceVpcEndpoint);
  });

  test('lets only the Lambda security group reach the endpoints, on 443', () => {
    const endpointSg = synth.template.toJSON().Resources[synth.ids.endpointSg].Properties;
    expect(endpointSg.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOfType(synth.template, 'AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({
        ...https,
        GroupId: groupId(synth.ids.endpointSg),
        SourceSecurityGroupId: groupId(synth.ids.lambdaSg),
      }),
    ]);
    expect(egressRules(synth.template, synth.ids.endpointSg)).toEqual([
      { CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 },
    ]);
  });

  test('gives the Lambda security group exactly: 443 to the endpoints and 443 to the S3 prefix list', () => {
    // Both are standalone SecurityGroupEgress resources; CloudFormation drops the default allow-all rule when an
    // egress rule is added, which is why CDK removes its "match no traffic" placeholder here.
    const rules = egressRules(synth.template, synth.ids.lambdaSg);
    expect(rules).toHaveLength(2);
    expect(rules).toEqual(
      expect.arrayContaining([
        { ...https, DestinationSecurityGroupId: groupId(synth.ids.endpointSg) },
        { ...https, DestinationPrefixListId: expect.anything() },
      ]),
    );
    synth.template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: groupId(synth.ids.lambdaSg),
      DestinationPrefixListId: s3PrefixList,
    });
  });

  test('looks up the S3 prefix list id at deploy time with a read-only call', () => {
    synth.template.resourceCountIs('Custom::AWS', 1);
    const lookup = resourcesOfType(synth.template, 'Custom::AWS')[0];
    const create = JSON.stringify(lookup?.Properties?.Create);
    expect(create).toContain('\\"action\\":\\"describeManagedPrefixLists\\"');
    expect(create).toContain('prefix-list-name');
    expect(create).toContain('{"Ref":"AWS::Region"},".s3\\"');
    synth.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'ec2:DescribeManagedPrefixLists', Resource: '*' }]),
      },
    });
  });

  test('opens nothing to the internet and creates no IPv6 rule', () => {
    const text = JSON.stringify(synth.template.toJSON());
    expect(text).not.toContain('0.0.0.0/0');
    expect(text).not.toContain('::/0');
    expect(text).not.toContain('CidrIpv6');
    synth.template.resourceCountIs('AWS::EC2::VPCCidrBlock', 0);
  });

  test('sends ALL traffic flow logs to a KMS-encrypted log group with the default retention', () => {
    synth.template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: { Ref: synth.ids.vpc },
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: Match.stringLikeRegexp('^NetworkFlowLogGroup') },
    });
    synth.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { KmsKeyId: { 'Fn::GetAtt': [synth.ids.key, 'Arn'] }, RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  test('delivers flow logs with a customer-managed policy and no inline policy', () => {
    synth.template.resourceCountIs('AWS::IAM::Policy', 0);
    synth.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    synth.template.hasResource('AWS::EC2::FlowLog', { DependsOn: [Match.stringLikeRegexp('^NetworkFlowLogPolicy')] });
  });

  test('restricts the default security group', () => {
    synth.template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [synth.ids.vpc, 'DefaultSecurityGroup'] },
    });
  });
});

describe('GatewayNetwork with the Anthropic provider', () => {
  const anthropicCidrs = ['160.79.104.0/23', '198.51.100.0/24'];
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      maxAzs: 3,
      natGateways: 1,
      cidr: '10.50.0.0/16',
      anthropicEgress: { enabled: true, cidrs: anthropicCidrs, ipv6Cidrs: ['2607:6bc0::/48'] },
      logRetention: logs.RetentionDays.THREE_MONTHS,
    });
  });

  test('has public subnets (no public IP on launch) and private-with-egress Lambda subnets in three AZs', () => {
    const subnets = resourcesOfType(synth.template, 'AWS::EC2::Subnet');
    const typeOf = (subnet: CfnResource) =>
      (subnet.Properties?.Tags as Array<{ Key: string; Value: string }>).find((t) => t.Key === 'aws-cdk:subnet-type')
        ?.Value;
    expect(subnets.map(typeOf).sort()).toEqual(['Private', 'Private', 'Private', 'Public', 'Public', 'Public']);
    for (const subnet of subnets) expect(subnet.Properties?.MapPublicIpOnLaunch).toBe(false);
    expect(synth.network.natEnabled).toBe(true);
    expect(synth.network.vpc.selectSubnets(synth.network.lambdaSubnets).subnets).toEqual(
      synth.network.vpc.privateSubnets,
    );
  });

  test('has the configured number of NAT gateways behind one internet gateway', () => {
    synth.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    synth.template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    synth.template.resourceCountIs('AWS::EC2::EIP', 1);
  });

  test('places the interface endpoints in the three Lambda subnets', () => {
    synth.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.ap-south-1.bedrock-runtime',
      PrivateDnsEnabled: true,
      SubnetIds: [1, 2, 3].map((n) => ({ Ref: Match.stringLikeRegexp(`^NetworkVpclambdaSubnet${n}`) })),
    });
  });

  test('adds 443 egress to each Anthropic IPv4 range and nothing else', () => {
    const rules = egressRules(synth.template, synth.ids.lambdaSg);
    expect(rules).toHaveLength(4);
    expect(rules).toEqual(
      expect.arrayContaining([
        { ...https, DestinationSecurityGroupId: groupId(synth.ids.endpointSg) },
        { ...https, DestinationPrefixListId: expect.anything() },
        ...anthropicCidrs.map((cidr) => ({ ...https, CidrIp: cidr })),
      ]),
    );
  });

  test('keeps the VPC IPv4-only, so no IPv6 egress rule is created', () => {
    expect(JSON.stringify(synth.template.toJSON())).not.toContain('2607:6bc0::/48');
    synth.template.resourceCountIs('AWS::EC2::VPCCidrBlock', 0);
  });

  test('uses the given log retention and CIDR', () => {
    synth.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    synth.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.50.0.0/16' });
  });
});

describe('GatewayNetwork validation', () => {
  const network = (props: Omit<GatewayNetworkProps, 'flowLogKey'>) => () => {
    const stack = new Stack(testApp(), 'Invalid');
    new GatewayNetwork(stack, 'Network', { ...props, flowLogKey: new kms.Key(stack, 'Key') });
  };

  test('rejects more NAT gateways than AZs when Anthropic is enabled', () => {
    expect(
      network({ maxAzs: 2, natGateways: 3, anthropicEgress: { enabled: true, cidrs: ['160.79.104.0/23'] } }),
    ).toThrow(/natGateways must be an integer from 1 to maxAzs=2 \(got 3\)/);
  });

  test('rejects an empty Anthropic range when Anthropic is enabled', () => {
    expect(network({ anthropicEgress: { enabled: true, cidrs: [] } })).toThrow(
      /anthropicEgress.cidrs must not be empty/,
    );
  });

  test('rejects a zero AZ count', () => {
    expect(network({ maxAzs: 0 })).toThrow(/maxAzs must be an integer from 1 to 6 \(got 0\)/);
  });
});

describe('GatewayNetwork subnet addressing', () => {
  test('keeps the Lambda subnet CIDRs when the Anthropic provider is switched on', () => {
    const lambdaCidrs = (synth: Synthesized) =>
      resourcesOfType(synth.template, 'AWS::EC2::Subnet')
        .filter((s) => JSON.stringify(s.Properties?.Tags).includes('"Value":"lambda"'))
        .map((s) => s.Properties?.CidrBlock);
    const off = synthesize({});
    const on = synthesize({ anthropicEgress: { enabled: true, cidrs: ['160.79.104.0/23'] } });
    expect(lambdaCidrs(off)).toEqual(['10.42.0.0/20', '10.42.16.0/20']);
    expect(lambdaCidrs(on)).toEqual(lambdaCidrs(off));
  });
});
