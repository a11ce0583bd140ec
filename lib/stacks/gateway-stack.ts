/**
 * Stateless stack: network, the streaming proxy function, tenant identity (keys, OAuth2 clients, usage plans),
 * the API with its authorizer and WAF, the audit replay and daily-check functions, the dashboard and alarms.
 * Stateful resources (keys, audit bucket, token secret, Athena) come from AuditDataStack through props.
 */
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { GATEWAY_OUTPUTS } from '../../lambdas/cli/doctor/stack-outputs';
import { tenantKeySecretName } from '../../lambdas/shared/auth/auth-directory';
import type { GatewayConfig } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { anthropicApiKeySecretNameFor } from '../constructs/anthropic-api-key-secret';
import { AuditProcessor } from '../constructs/audit-processor';
import { GatewayApi, gatewayApiSettings } from '../constructs/gateway-api';
import { GatewayNetwork } from '../constructs/gateway-network';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { ProxyFunction, proxyRoleNameFor } from '../constructs/proxy-function';
import { TenantIdentity } from '../constructs/tenant-identity';
import type { TenantSecrets } from '../constructs/tenant-secrets';
import { addFunctionRuntimesOutput } from './doctor-outputs';

export interface GatewayStackProps extends StackProps {
  readonly config: GatewayConfig;
  /** Encrypts log groups (flow logs included); its key policy must allow CloudWatch Logs. */
  readonly auditKey: kms.IKey;
  /** The customer-held key: the gateway may only GenerateDataKey/Encrypt with it. */
  readonly reidentificationKey: kms.IKey;
  readonly auditBucket: s3.IBucket;
  /** HMAC key behind stable PII tokens. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Tenant key and usage-identifier secrets (AuditDataStack.tenantSecrets). */
  readonly tenantSecrets: Pick<TenantSecrets, 'secretNamePrefix' | 'tenants'>;
  /** Post-call records the audit sink rejected (AuditDataStack.auditDeadLetterQueue). */
  readonly auditDeadLetterQueue: sqs.IQueue;
  /** AuditDataStack.anthropicApiKeySecret; required when `providers.anthropic.enabled`. */
  readonly anthropicApiKeySecret?: secretsmanager.ISecret;
  /** Where the daily checks write query results. */
  readonly athenaResultsBucket: s3.IBucket;
  readonly athenaWorkgroupName: string;
  readonly glueDatabaseName: string;
}

/** What the Gateway stack takes from the stateful stack: every prop but the config and the stack's own settings. */
export type StatefulResources = Omit<GatewayStackProps, keyof StackProps | 'config'>;

/**
 * The stateful stack's resources as Gateway stack props: the one place the two stacks are wired, for the app,
 * the tests and the benchmarks, so a new stateful resource cannot be passed in some of them and forgotten in others.
 */
export function statefulResourcesOf(auditData: StatefulResources): StatefulResources {
  return {
    auditKey: auditData.auditKey,
    reidentificationKey: auditData.reidentificationKey,
    auditBucket: auditData.auditBucket,
    tokenSecret: auditData.tokenSecret,
    auditDeadLetterQueue: auditData.auditDeadLetterQueue,
    tenantSecrets: auditData.tenantSecrets,
    anthropicApiKeySecret: auditData.anthropicApiKeySecret,
    athenaResultsBucket: auditData.athenaResultsBucket,
    athenaWorkgroupName: auditData.athenaWorkgroupName,
    glueDatabaseName: auditData.glueDatabaseName,
  };
}

export class GatewayStack extends Stack {
  readonly network: GatewayNetwork;
  readonly proxy: ProxyFunction;
  readonly identity: TenantIdentity;
  readonly api: GatewayApi;
  readonly auditProcessor: AuditProcessor;
  readonly operations: OperationsDashboard;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    const { config } = props;
    const anthropic = config.providers.anthropic;
    if (anthropic.enabled && props.anthropicApiKeySecret === undefined) {
      // The key is state (an engineer pastes it after deploying): it belongs to the stateful stack, never to this one.
      throw new Error('GatewayStack: providers.anthropic.enabled needs anthropicApiKeySecret from the AuditData stack');
    }
    const logRetention = toRetentionDays(config.logRetentionDays);

    this.network = new GatewayNetwork(this, 'Network', {
      maxAzs: config.network.maxAzs,
      cidr: config.network.cidr,
      natGateways: config.network.natGateways,
      anthropicEgress: {
        enabled: anthropic.enabled,
        cidrs: anthropic.egressCidrs,
        ipv6Cidrs: anthropic.egressIpv6Cidrs,
      },
      flowLogKey: props.auditKey,
      logRetention,
    });

    this.proxy = new ProxyFunction(this, 'Proxy', {
      tenants: config.tenants,
      modelCatalog: config.modelCatalog,
      anthropicEnabled: anthropic.enabled,
      anthropicApiKeySecret: props.anthropicApiKeySecret,
      vpc: this.network.vpc,
      vpcSubnets: this.network.lambdaSubnets,
      securityGroup: this.network.lambdaSecurityGroup,
      auditBucket: props.auditBucket,
      auditKey: props.auditKey,
      auditDeadLetterQueue: props.auditDeadLetterQueue,
      reidentificationKey: props.reidentificationKey,
      tokenSecret: props.tokenSecret,
      logRetention,
      logLevel: config.operations.logLevel,
      roleName: proxyRoleNameFor(config),
      reservedConcurrentExecutions: config.operations.reservedConcurrency.proxy,
      provisionedConcurrentExecutions: config.operations.proxyProvisionedConcurrency,
    });

    this.identity = new TenantIdentity(this, 'TenantIdentity', {
      tenants: config.tenants,
      tenantSecrets: props.tenantSecrets,
      encryptionKey: props.auditKey,
      // Known tenants refused at the edge (an expired OAuth2 token, say) get a `denied` record too.
      auditBucket: props.auditBucket,
      logRetention,
      logLevel: config.operations.logLevel,
      keyRefresh: Duration.seconds(config.api.authorizerKeyRefreshSeconds),
      reservedConcurrentExecutions: config.operations.reservedConcurrency.authorizer,
    });
    this.api = new GatewayApi(this, 'Api', {
      proxyFunction: this.proxy.invokeTarget,
      tenantIdentity: this.identity,
      logKey: props.auditKey,
      logRetention,
      ...gatewayApiSettings(config.api),
    });

    const alarmTopic = this.createAlarmTopic(config.operations, props.auditKey);
    this.auditProcessor = new AuditProcessor(this, 'AuditProcessor', {
      auditBucket: props.auditBucket,
      auditKey: props.auditKey,
      athenaResultsBucket: props.athenaResultsBucket,
      workgroupName: props.athenaWorkgroupName,
      databaseName: props.glueDatabaseName,
      deadLetterQueue: this.proxy.auditDeadLetterQueue,
      gatewayRoleArn: this.proxy.role.roleArn,
      logRetention,
      logLevel: config.operations.logLevel,
      alarmTopic,
    });
    this.operations = new OperationsDashboard(this, 'Operations', {
      tenantIds: config.tenants.map((tenant) => tenant.id),
      modelIds: [...new Set(config.tenants.flatMap((tenant) => Object.values(tenant.models)))],
      businessHoursTenantIds: config.tenants.filter((tenant) => tenant.businessHours).map((tenant) => tenant.id),
      alarmTopic,
      thresholds: config.operations.thresholds,
      deadLetterQueue: this.proxy.auditDeadLetterQueue,
      proxyFunction: this.proxy.function,
      throttledFunctions: { authorizer: this.identity.authorizerFunction },
      dashboardName: `${config.stackNamePrefix}-operations`,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'ANTHROPIC_BASE_URL for applications' });
    new CfnOutput(this, 'TokenEndpoint', {
      value: this.identity.tokenEndpoint,
      description: 'OAuth2 client-credentials token endpoint (scope gateway/invoke)',
    });
    if (anthropic.enabled) {
      new CfnOutput(this, GATEWAY_OUTPUTS.anthropicApiKeySecretName, {
        // The stable name itself, not a cross-stack import: the secret lives in the AuditData stack.
        value: anthropicApiKeySecretNameFor(config.stackNamePrefix),
        description: 'After the first deploy, put {"apiKey":"sk-ant-..."} into this secret (README: Deploy)',
      });
    }
    // What `npm run doctor` reads: the alarm topic, the VPC of the bedrock-runtime endpoint, the canary's tenant.
    new CfnOutput(this, GATEWAY_OUTPUTS.alarmTopicArn, { value: alarmTopic.topicArn });
    new CfnOutput(this, GATEWAY_OUTPUTS.vpcId, { value: this.network.vpc.vpcId });
    const canaryTenant = config.tenants.find((tenant) => tenant.auth.apiKey);
    if (canaryTenant) {
      new CfnOutput(this, GATEWAY_OUTPUTS.canaryTenantId, { value: canaryTenant.id });
      // The key secret lives in the AuditData stack under a stable name: the name itself, not a cross-stack import.
      new CfnOutput(this, GATEWAY_OUTPUTS.canaryTenantKeySecretName, {
        value: tenantKeySecretName(props.tenantSecrets.secretNamePrefix, canaryTenant.id),
      });
    }
    addFunctionRuntimesOutput(this);
  }

  /**
   * The topic every alarm notifies: the configured existing topic, or a new KMS-encrypted one with the configured
   * e-mail subscriptions (`bin/gateway.ts` refuses a prod synth with neither).
   */
  private createAlarmTopic(operations: GatewayConfig['operations'], key: kms.IKey): sns.ITopic {
    if (operations.alarmTopicArn !== undefined) {
      return sns.Topic.fromTopicArn(this, 'ExistingAlarmTopic', operations.alarmTopicArn);
    }
    const email = operations.alarmEmail;
    const emails = email === undefined ? [] : typeof email === 'string' ? [email] : email;
    return new AlarmTopic(this, 'Alarms', { encryptionKey: key, emails }).topic;
  }

  /**
   * `Fn::GetAZs` tokens even when an account is pinned: the default would be a context lookup, which needs
   * credentials at synth. Three covers every `network.maxAzs` the config accepts.
   */
  override get availabilityZones(): string[] {
    return [0, 1, 2].map((index) => Fn.select(index, Fn.getAzs()));
  }
}

/** The config only accepts CloudWatch Logs' retention values, which are exactly the enum's values. */
function toRetentionDays(days: number): logs.RetentionDays {
  const match = Object.values(logs.RetentionDays).find((value) => value === days);
  if (match === undefined || typeof match === 'string') {
    throw new Error(`logRetentionDays: ${days} is not a CloudWatch Logs retention period`);
  }
  return match;
}
