/**
 * The proxy Lambda: streaming Messages gateway in the VPC, bundled with esbuild (our pinned AWS SDK clients
 * included, so the S3 client's default CRC32 checksum holds for Object Lock), with the policy document inlined
 * into the bundle, and a KMS-encrypted log group (the house GatewayFunction); the post-call dead-letter queue comes
 * from the stateful stack.
 *
 * Its role is written by hand instead of taking Lambda's managed policies: logs on its own log group only,
 * `s3:PutObject` on `audit/v1/*` only, `kms:GenerateDataKey` (never Decrypt) on the customer-held key, and
 * Bedrock invoke on exactly the profiles and models the tenants' policies can route to.
 */
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import { buildModelCatalog } from '../../lambdas/shared/policy/model-catalog';
import type { CatalogOverrides } from '../../lambdas/shared/policy/model-catalog-schema';
import type { TenantConfig } from '../../lambdas/shared/policy/tenant-config';
import { grantAuditRecordPut } from './audit-bucket';
import { type BedrockInvokeTarget, bedrockInvokeTargets, grantBedrockInvoke } from './bedrock-invoke-permissions';
import { GatewayFunction } from './gateway-function';

/** Entry of the proxy bundle (the composition root). */
export const PROXY_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'proxy', 'index.ts');

/**
 * The role as a grant target whose grants land in a customer-managed policy instead of the role's inline default
 * policy, so that `grant*` methods keep working and the role carries no inline policy (HIPAA/NIST
 * IAMNoInlinePolicy). Resource policies (for example a key policy) still name the role.
 */
class ManagedPolicyPrincipal implements iam.IPrincipal {
  readonly grantPrincipal: iam.IPrincipal = this;
  readonly assumeRoleAction: string;
  readonly principalAccount: string | undefined;

  constructor(
    private readonly role: iam.IRole,
    private readonly policy: iam.ManagedPolicy,
  ) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

export interface ProxyFunctionProps {
  /** Validated tenants (`config.tenants`): inlined into the bundle as the policy document and used for IAM. */
  readonly tenants: readonly TenantConfig[];
  /**
   * Model catalog entries from config (`config.modelCatalog`), inlined with the tenants so the proxy serves the
   * merged catalog, and used for the Bedrock grants.
   * @default - none: the built-in catalog
   */
  readonly modelCatalog?: CatalogOverrides;
  /**
   * Whether the Anthropic API provider is enabled (`config.providers.anthropic.enabled`): adds the upstream API
   * key secret and its variable.
   */
  readonly anthropicEnabled: boolean;
  readonly vpc: ec2.IVpc;
  /** Subnets of the function (`GatewayNetwork.lambdaSubnets`). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Security group of the function (`GatewayNetwork.lambdaSecurityGroup`): its egress rules are the only way out. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The Object Lock audit bucket; the function may only put objects under `audit/v1/`. */
  readonly auditBucket: s3.IBucket;
  /** Encrypts the audit bucket (bucket default), the log group and the dead-letter queue. */
  readonly auditKey: kms.IKey;
  /**
   * Where post-call records the audit sink rejected go (`AuditDeadLetterQueues.queue`, in the stateful stack),
   * encrypted with `auditKey`.
   */
  readonly auditDeadLetterQueue: sqs.IQueue;
  /** The customer-held key: the function may only GenerateDataKey with it. */
  readonly reidentificationKey: kms.IKey;
  /** HMAC key material behind PII tokens. */
  readonly tokenSecret: secretsmanager.ISecret;
  /**
   * The upstream Anthropic API key. Ignored when `anthropicEnabled` is false.
   * @default - when `anthropicEnabled`, a secret encrypted with `auditKey` holding `{"apiKey":""}` that the
   * platform engineer fills after the first deploy (the function refuses Anthropic calls until then)
   */
  readonly anthropicApiKeySecret?: secretsmanager.ISecret;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Reserved concurrency of the function (`operations.reservedConcurrency.proxy`).
   * @default - none: per-tenant throttling happens at the API Gateway usage plans
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Provisioned concurrency: warm executions on the `live` alias, which the API then invokes.
   * @default 0 - none; the API invokes the function's latest version
   */
  readonly provisionedConcurrentExecutions?: number;
  /**
   * Memory in MB (CPU scales with it; PII detection and SSE relaying are CPU-bound).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Name of the function's role. A fixed name lets the stateful stack's named queries tell the gateway's own
   * Bedrock calls from shadow use without a cross-stack reference pointing back at this stack.
   * @default a CloudFormation-generated name
   */
  readonly roleName?: string;
}

/**
 * The streaming proxy Lambda with its role, log group and dead-letter queues. Grant further permissions to the
 * construct itself (it is IGrantable): they go to its customer-managed policy, not to an inline one.
 */
export class ProxyFunction extends Construct implements iam.IGrantable {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  /** Grant target: the role, with statements written to {@link policy}. */
  readonly grantPrincipal: iam.IPrincipal;
  /** Customer-managed policy holding every permission of the role except the VPC network-interface actions. */
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  /** Post-call records the audit sink rejected (the queue from props); the audit Lambda replays them. */
  readonly auditDeadLetterQueue: sqs.IQueue;
  /** The upstream Anthropic API key secret, when the provider is enabled. */
  readonly anthropicApiKeySecret?: secretsmanager.ISecret;
  /** What the API invokes: the `live` alias when provisioned concurrency is set, else the function. */
  readonly invokeTarget: lambda.IFunction;
  /** The Bedrock ids the function may invoke (for example to narrow the bedrock-runtime endpoint policy). */
  readonly bedrockTargets: readonly BedrockInvokeTarget[];

  constructor(scope: Construct, id: string, props: ProxyFunctionProps) {
    super(scope, id);
    validateProps(props);
    const { partition, region, account } = Stack.of(this);

    // The queues live in the stateful stack: destroying this stack must not lose a dead-lettered record.
    this.auditDeadLetterQueue = props.auditDeadLetterQueue;

    if (props.anthropicEnabled) {
      if (props.anthropicApiKeySecret === undefined) {
        throw new Error('ProxyFunction: anthropicEnabled needs anthropicApiKeySecret (it lives in the stateful stack)');
      }
      this.anthropicApiKeySecret = props.anthropicApiKeySecret;
    }

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Claude gateway proxy: put-only audit writes, GenerateDataKey only, Bedrock invoke on allowed models',
    });
    const networkPolicy = this.addNetworkInterfacePolicy(this.role);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Claude gateway proxy: logs, put-only audit writes, DLQ, secrets, GenerateDataKey, Bedrock invoke',
      roles: [this.role],
    });
    this.grantPrincipal = new ManagedPolicyPrincipal(this.role, this.policy);

    const environment: Record<string, string> = {
      [ENV.auditBucket]: props.auditBucket.bucketName,
      [ENV.auditDeadLetterQueueUrl]: this.auditDeadLetterQueue.queueUrl,
      [ENV.tokenSecretArn]: props.tokenSecret.secretArn,
      [ENV.reidentificationKeyArn]: props.reidentificationKey.keyArn,
    };
    if (this.anthropicApiKeySecret !== undefined) {
      environment[ENV.anthropicApiKeySecretArn] = this.anthropicApiKeySecret.secretArn;
    }

    const runtime = new GatewayFunction(this, 'Runtime', {
      name: 'proxy',
      entry: PROXY_ENTRY,
      description: 'Claude compliance gateway: streaming Messages proxy',
      memorySize: props.memorySize ?? 1024,
      // The longest stream API Gateway's response streaming carries.
      timeout: Duration.minutes(15),
      role: this.role,
      grantee: this,
      logKey: props.auditKey,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment,
      // Bundle our pinned @aws-sdk clients instead of the runtime's: the S3 client's default CRC32 checksum is
      // what Object Lock requires, and the runtime's SDK version is not ours to choose.
      externalModules: [],
      // The policy travels with the code: Lambda variables are capped at 4 KB in total.
      define: {
        [`process.env.${ENV.policyDocument}`]: JSON.stringify(
          JSON.stringify({ tenants: props.tenants, modelCatalog: props.modelCatalog ?? {} }),
        ),
      },
      noDeadLetterQueueReason:
        'Invoked synchronously (API Gateway response streaming); a function DLQ applies to asynchronous ' +
        'invocations only. Failed audit writes go to the audit dead-letter queue instead',
      unreservedConcurrencyReason:
        'Concurrency is bounded per tenant by API Gateway usage plans (rate, burst, quota); reserving concurrency ' +
        'would take it from the account pool. Set operations.reservedConcurrency.proxy to cap it',
    });
    this.function = runtime.function;
    this.logGroup = runtime.logGroup;
    const provisioned = props.provisionedConcurrentExecutions ?? 0;
    this.invokeTarget =
      provisioned > 0
        ? new lambda.Alias(this, 'LiveAlias', {
            aliasName: 'live',
            version: this.function.currentVersion,
            provisionedConcurrentExecutions: provisioned,
          })
        : this.function;
    // Lambda checks the network-interface permissions when it creates the function; the rest is needed at once.
    this.function.node.addDependency(networkPolicy, this.policy);

    grantAuditRecordPut(this, props.auditBucket, props.auditKey);
    props.reidentificationKey.grant(this, 'kms:GenerateDataKey');
    this.grantSecretRead(props.tokenSecret, region);
    if (this.anthropicApiKeySecret) this.grantSecretRead(this.anthropicApiKeySecret, region);
    this.grantDeadLetterSend(props.auditKey, region);

    this.bedrockTargets = bedrockInvokeTargets(props.tenants, buildModelCatalog(props.modelCatalog));
    grantBedrockInvoke(this, this.bedrockTargets, { partition, region, account });

    this.acknowledgePolicyWildcards();
  }

  /**
   * Read a secret and decrypt it through Secrets Manager only. Not `secret.grantRead`: for a secret whose key
   * lives in the audit data stack it writes this role into that key's policy, a reference from the stateful
   * stack back to this one (a cross-stack cycle). The audit key trusts IAM policies, so the role's own policy
   * carries both statements.
   */
  private grantSecretRead(secret: secretsmanager.ISecret, region: string): void {
    this.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secret.secretArn],
      }),
    );
    if (secret.encryptionKey) {
      this.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
        }),
      );
    }
  }

  /**
   * SendMessage on the dead-letter queue. Not `queue.grantSendMessages`: with a customer key it grants
   * `kms:Decrypt` on the audit key for any use; here the key use is bound to SQS and this queue's ARN.
   */
  private grantDeadLetterSend(auditKey: kms.IKey, region: string): void {
    this.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditDeadLetterSend',
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.auditDeadLetterQueue.queueArn],
      }),
    );
    this.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditDeadLetterEncryptViaSqs',
        // SQS needs both to send to a queue encrypted with a customer managed key.
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [auditKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `sqs.${region}.amazonaws.com`,
            'kms:EncryptionContext:aws:sqs:arn': this.auditDeadLetterQueue.queueArn,
          },
        },
      }),
    );
  }

  /**
   * What Lambda needs to attach the function to the VPC (the actions of AWSLambdaVPCAccessExecutionRole), in its
   * own policy so that its acknowledgment covers nothing else.
   */
  private addNetworkInterfacePolicy(role: iam.Role): iam.ManagedPolicy {
    const policy = new iam.ManagedPolicy(this, 'NetworkInterfacePolicy', {
      description: 'Lets Lambda attach the Claude gateway proxy to its VPC subnets',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'LambdaVpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    NagSuppressions.addResourceSuppressions(policy, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Lambda manages the function network interfaces with these actions; ec2:Describe* supports no resource ' +
          'scoping and the interfaces do not exist before Lambda creates them (same actions as AWS managed ' +
          'AWSLambdaVPCAccessExecutionRole, without its logs permissions)',
        appliesTo: ['Resource::*'],
      },
    ]);
    return policy;
  }

  /**
   * The wildcards left in the policy are an object prefix and, for a geographic profile, the destination regions.
   * The acknowledgments match exactly those resource shapes, so any other wildcard is still reported.
   */
  private acknowledgePolicyWildcards(): void {
    const appliesTo: Array<{ regex: string }> = [{ regex: '/^Resource::.+\\/audit\\/v1\\/\\*$/g' }];
    let reason =
      'Audit records are written under per-day, per-tenant, per-request keys below audit/v1/, so the grant is ' +
      's3:PutObject (only) on that prefix';
    if (this.bedrockTargets.some((target) => target.scope === 'apac')) {
      appliesTo.push({ regex: '/^Resource::arn:[^:]+:bedrock:\\*::foundation-model\\/[^*]+$/g' });
      reason +=
        '. Geographic (apac.) inference profiles route to the foundation model in any of their destination ' +
        'regions, so that model ARN has a region wildcard, bound by bedrock:InferenceProfileArn to the profile';
    }
    NagSuppressions.addResourceSuppressions(this.policy, [{ id: 'AwsSolutions-IAM5', reason, appliesTo }]);
  }
}

function validateProps(props: ProxyFunctionProps): void {
  const memory = props.memorySize;
  if (memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10_240)) {
    throw new Error(`ProxyFunction: memorySize must be an integer between 128 and 10240 (got ${memory})`);
  }
  const provisioned = props.provisionedConcurrentExecutions;
  if (provisioned !== undefined && (!Number.isInteger(provisioned) || provisioned < 0)) {
    throw new Error(
      `ProxyFunction: provisionedConcurrentExecutions must be a non-negative integer (got ${provisioned})`,
    );
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`ProxyFunction: reservedConcurrentExecutions must be a positive integer (got ${reserved})`);
  }
  if (props.tenants.length === 0) throw new Error('ProxyFunction: tenants must not be empty');
  if (!props.anthropicEnabled && props.tenants.some((tenant) => tenant.provider === 'anthropic')) {
    throw new Error('ProxyFunction: a tenant uses provider "anthropic" but anthropicEnabled is false');
  }
}

/**
 * The proxy role's fixed name for a deployment (IAM names are global, so the region is part of it). Both stacks
 * derive the role ARN from it: the gateway stack names the role, the audit data stack's queries look for it.
 */
export function proxyRoleNameFor(config: { readonly stackNamePrefix: string; readonly region: string }): string {
  return `${config.stackNamePrefix}-proxy-${config.region}`.slice(0, 64);
}
