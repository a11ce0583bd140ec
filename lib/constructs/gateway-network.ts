/**
 * The gateway's network: a VPC whose Lambdas reach AWS only through VPC endpoints and, when the Anthropic
 * provider is on, reach the internet only through NAT and only to Anthropic's published range on 443.
 */
import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Direct egress to the Anthropic API (api.anthropic.com). */
export interface AnthropicEgressProps {
  /** Whether the Lambdas call the Anthropic API directly (adds public subnets, NAT gateways and egress rules). */
  readonly enabled: boolean;
  /** IPv4 ranges the Lambda security group may reach on 443 when enabled (Anthropic's published range). */
  readonly cidrs: readonly string[];
  /**
   * IPv6 ranges for the same purpose. Not used yet: the VPC is IPv4-only, so an IPv6 rule could never match
   * traffic. Kept so that config and construct do not change when the VPC becomes dual-stack.
   * @default - none
   */
  readonly ipv6Cidrs?: readonly string[];
}

export interface GatewayNetworkProps {
  /**
   * Number of availability zones. The zones come from `Fn::GetAZs`, so synth needs no account or lookup.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * IPv4 CIDR of the VPC.
   * @default '10.42.0.0/16'
   */
  readonly cidr?: string;
  /**
   * NAT gateways when Anthropic egress is enabled (one per AZ survives an AZ outage). Ignored when disabled:
   * then the VPC has no NAT gateway and no internet gateway.
   * @default - one per AZ (`maxAzs`)
   */
  readonly natGateways?: number;
  /**
   * Direct egress to the Anthropic API.
   * @default - disabled: isolated subnets, no NAT, no internet gateway
   */
  readonly anthropicEgress?: AnthropicEgressProps;
  /**
   * Encrypts the flow-log log group (and the log group of the deploy-time S3 prefix-list lookup). Its key policy
   * must allow `logs.<region>.amazonaws.com`.
   */
  readonly flowLogKey: kms.IKey;
  /**
   * Retention of the flow-log log group (and of the lookup's log group).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Subnet group that holds the Lambdas (isolated, or private-with-egress when NAT exists). */
const LAMBDA_SUBNET_GROUP = 'lambda';
const HTTPS = ec2.Port.tcp(443);

/** Interface endpoints the request path needs; all other AWS traffic has no route out of the VPC. */
const INTERFACE_ENDPOINTS: ReadonlyArray<readonly [id: string, service: ec2.InterfaceVpcEndpointAwsService]> = [
  ['BedrockRuntime', ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME],
  ['Kms', ec2.InterfaceVpcEndpointAwsService.KMS],
  ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
  ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
  ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
];

/** What the bedrock-runtime endpoint policy lets through: the proxy's three Bedrock operations. */
export const BEDROCK_RUNTIME_ENDPOINT_ACTIONS = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
  'bedrock:CountTokens',
] as const;

/**
 * VPC, endpoints, flow logs and the Lambda security group of the gateway.
 *
 * The Lambda security group has no "allow all" egress: 443 to the endpoint security group, 443 to the S3
 * gateway endpoint's managed prefix list, and (Anthropic enabled only) 443 to each configured Anthropic IPv4
 * range. The VPC is IPv4-only, so no IPv6 rules are created.
 */
export class GatewayNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  /** Attach to every gateway Lambda: its egress rules are the only way out of the VPC. */
  readonly lambdaSecurityGroup: ec2.ISecurityGroup;
  /** Where the Lambdas run: isolated subnets, or private-with-egress subnets when NAT exists. */
  readonly lambdaSubnets: ec2.SubnetSelection;
  /**
   * The bedrock-runtime endpoint. Its policy allows only {@link BEDROCK_RUNTIME_ENDPOINT_ACTIONS}; the request-path construct
   * may narrow it further with `addToPolicy` (for example to the allowed inference-profile ARNs).
   */
  readonly bedrockRuntimeEndpoint: ec2.InterfaceVpcEndpoint;
  /** True when the VPC has NAT gateways (the Anthropic provider is enabled). */
  readonly natEnabled: boolean;
  /** Security group of the interface endpoints: 443 in from the Lambda security group only. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;

  constructor(scope: Construct, id: string, props: GatewayNetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    const anthropic = props.anthropicEgress ?? { enabled: false, cidrs: [] };
    const natGateways = props.natGateways ?? maxAzs;
    validateProps(maxAzs, natGateways, anthropic);
    this.natEnabled = anthropic.enabled;

    const lambdaSubnetType = this.natEnabled ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.42.0.0/16'),
      // Tokens instead of maxAzs: the stack's own AZ list would be a context lookup when an account is pinned.
      availabilityZones: Array.from({ length: maxAzs }, (_, index) => Fn.select(index, Fn.getAzs())),
      natGateways: this.natEnabled ? natGateways : 0,
      // Lambda subnets first: their CIDRs stay the same when the Anthropic provider is switched on or off, so the
      // toggle adds routes and NAT instead of replacing subnets and endpoints.
      subnetConfiguration: [
        { name: LAMBDA_SUBNET_GROUP, subnetType: lambdaSubnetType, cidrMask: 20 },
        ...(this.natEnabled
          ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }]
          : []),
      ],
      restrictDefaultSecurityGroup: true,
    });
    this.vpc = vpc;
    this.lambdaSubnets = { subnetGroupName: LAMBDA_SUBNET_GROUP };
    this.acknowledgePublicSubnetRoutes(vpc);

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: props.flowLogKey,
      retention: logRetention,
      // Flow logs are audit evidence: they outlive the stateless stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const delivery = this.flowLogDelivery(flowLogGroup);
    const flowLog = vpc.addFlowLog('FlowLog', {
      // Immutable: FlowLogDestination would otherwise add the same statement again, as an inline policy.
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, delivery.role.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    // Delivery must not start before the role can write (the policy is a separate resource).
    flowLog.node.addDependency(delivery.policy);

    const lambdaSecurityGroup = new ec2.SecurityGroup(this, 'LambdaSecurityGroup', {
      vpc,
      description: 'Gateway Lambdas: HTTPS egress to VPC endpoints, S3 and (if enabled) the Anthropic API only',
      allowAllOutbound: false,
    });
    this.lambdaSecurityGroup = lambdaSecurityGroup;

    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'Interface VPC endpoints: HTTPS from the gateway Lambdas only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup = endpointSecurityGroup;
    lambdaSecurityGroup.connections.allowTo(endpointSecurityGroup, HTTPS, 'HTTPS to the interface endpoints');

    const endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
    for (const [endpointId, service] of INTERFACE_ENDPOINTS) {
      endpoints.set(
        endpointId,
        vpc.addInterfaceEndpoint(endpointId, {
          service,
          privateDnsEnabled: true,
          subnets: this.lambdaSubnets,
          securityGroups: [endpointSecurityGroup],
          // `open` would add ingress from the whole VPC CIDR; only the Lambda security group may connect.
          open: false,
        }),
      );
    }
    const bedrockRuntimeEndpoint = endpoints.get('BedrockRuntime');
    if (!bedrockRuntimeEndpoint) throw new Error('GatewayNetwork: the bedrock-runtime endpoint was not created');
    bedrockRuntimeEndpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeModelAndCountTokensOnly',
        principals: [new iam.AnyPrincipal()],
        // An endpoint policy filters every call through the endpoint: without CountTokens, POST
        // /v1/messages/count_tokens on Bedrock is denied here even though the proxy role allows it.
        // https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html
        actions: [...BEDROCK_RUNTIME_ENDPOINT_ACTIONS],
        resources: ['*'],
      }),
    );
    this.bedrockRuntimeEndpoint = bedrockRuntimeEndpoint;

    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.lambdaSubnets] });
    lambdaSecurityGroup.addEgressRule(
      ec2.Peer.prefixList(this.lookUpS3PrefixListId(props.flowLogKey, logRetention)),
      HTTPS,
      'HTTPS to S3 through the gateway endpoint',
    );

    if (this.natEnabled) {
      for (const cidr of anthropic.cidrs) {
        lambdaSecurityGroup.addEgressRule(ec2.Peer.ipv4(cidr), HTTPS, `HTTPS to the Anthropic API (${cidr})`);
      }
    }
  }

  /**
   * The id of the region's S3 managed prefix list (`com.amazonaws.<region>.s3`), which the S3 gateway endpoint
   * routes by. The id differs per region and partition, no CloudFormation attribute exposes it, and a context
   * lookup would need credentials at synth; so a read-only `DescribeManagedPrefixLists` call runs at deploy time.
   */
  private lookUpS3PrefixListId(logKey: kms.IKey, logRetention: logs.RetentionDays): string {
    const describeS3PrefixList: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'describeManagedPrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Aws.REGION}.s3`] }] },
      physicalResourceId: cr.PhysicalResourceId.of(`s3-prefix-list-${Aws.REGION}`),
      outputPaths: ['PrefixLists.0.PrefixListId'],
    };
    const logGroup = new logs.LogGroup(this, 'S3PrefixListLookupLogs', {
      encryptionKey: logKey,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role with one customer-managed policy instead of CDK's inline policy and AWSLambdaBasicExecutionRole.
    const role = new iam.Role(this, 'S3PrefixListLookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deploy-time lookup of the S3 managed prefix list id',
    });
    const policy = new iam.ManagedPolicy(this, 'S3PrefixListLookupPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
        // DescribeManagedPrefixLists does not support resource-level permissions.
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ],
    });
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ec2:DescribeManagedPrefixLists is read-only and supports no resource-level permissions',
        appliesTo: ['Resource::*'],
      },
    ]);
    const lookup = new cr.AwsCustomResource(this, 'S3PrefixListLookup', {
      onCreate: describeS3PrefixList,
      onUpdate: describeS3PrefixList,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(1),
      role,
      logGroup,
    });
    lookup.node.addDependency(policy);
    this.acknowledgeCustomResourceProvider();
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }

  /** The flow-log delivery role, with a customer-managed policy (HIPAA/NIST reject inline policies). */
  private flowLogDelivery(logGroup: logs.ILogGroup): { role: iam.Role; policy: iam.ManagedPolicy } {
    const role = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'VPC flow logs delivery to CloudWatch Logs',
    });
    const policy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    return { role, policy };
  }

  /**
   * Findings on the singleton Lambda behind AwsCustomResource (CDK's code, at stack level, shared by every
   * AwsCustomResource in the stack). Its logs, role and policy are ours and pass the packs.
   */
  private acknowledgeCustomResourceProvider(): void {
    const provider = Stack.of(this).node.findChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    const deployTimeOnly = 'CDK AwsCustomResource provider, invoked only by CloudFormation during deployments';
    const noDlq = `${deployTimeOnly}: CloudFormation receives and reports every failure, so a DLQ would stay empty`;
    const noConcurrency = `${deployTimeOnly}: one invocation per stack update, so a reserved concurrency only costs capacity`;
    const outsideVpc = `${deployTimeOnly}: it calls the EC2 API, which has no endpoint in this VPC, and handles no gateway data`;
    NagSuppressions.addResourceSuppressions(provider, [
      { id: 'HIPAA.Security-LambdaDLQ', reason: noDlq },
      { id: 'NIST.800.53.R5-LambdaDLQ', reason: noDlq },
      { id: 'HIPAA.Security-LambdaConcurrency', reason: noConcurrency },
      { id: 'NIST.800.53.R5-LambdaConcurrency', reason: noConcurrency },
      { id: 'HIPAA.Security-LambdaInsideVPC', reason: outsideVpc },
      { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: outsideVpc },
    ]);
  }

  /** The public subnets exist only to hold the NAT gateways, which need a default route to the IGW. */
  private acknowledgePublicSubnetRoutes(vpc: ec2.Vpc): void {
    const reason =
      'Public subnets hold only the NAT gateways (no public IPs on launch, no Lambdas); their 0.0.0.0/0 route to ' +
      'the IGW is what NAT needs. Lambda egress is limited to Anthropic CIDRs on 443 by the Lambda security group';
    for (const subnet of vpc.publicSubnets) {
      NagSuppressions.addResourceSuppressions(subnet.node.findChild('DefaultRoute'), [
        { id: 'HIPAA.Security-VPCNoUnrestrictedRouteToIGW', reason },
        { id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW', reason },
      ]);
    }
  }
}

function validateProps(maxAzs: number, natGateways: number, anthropic: AnthropicEgressProps): void {
  if (!Number.isInteger(maxAzs) || maxAzs < 1 || maxAzs > 6) {
    throw new Error(`GatewayNetwork: maxAzs must be an integer from 1 to 6 (got ${maxAzs})`);
  }
  if (!anthropic.enabled) return;
  if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > maxAzs) {
    throw new Error(`GatewayNetwork: natGateways must be an integer from 1 to maxAzs=${maxAzs} (got ${natGateways})`);
  }
  if (anthropic.cidrs.length === 0) {
    throw new Error('GatewayNetwork: anthropicEgress.cidrs must not be empty when anthropicEgress.enabled is true');
  }
}
