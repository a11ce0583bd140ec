/**
 * The stateful side: keys, the write-once audit bucket, CloudTrail, Bedrock invocation logging, the Athena
 * workgroup and the Glue database. Termination-protected; every data-holding resource is RETAIN.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AUDIT_DATA_OUTPUTS } from '../../lambdas/cli/doctor/stack-outputs';
import type { GatewayConfig } from '../config';
import { AnthropicApiKeySecret, anthropicApiKeySecretNameFor } from '../constructs/anthropic-api-key-secret';
import { AthenaWorkgroup, athenaWorkgroupNameFor, glueDatabaseNameFor } from '../constructs/athena-workgroup';
import { AuditBucket } from '../constructs/audit-bucket';
import { AuditCatalog } from '../constructs/audit-catalog';
import { AuditDeadLetterQueues } from '../constructs/audit-dead-letter-queues';
import { AuditKeys } from '../constructs/audit-keys';
import { AuditTrail } from '../constructs/audit-trail';
import { BedrockInvocationLogging } from '../constructs/bedrock-invocation-logging';
import { BedrockLogBucket } from '../constructs/bedrock-log-bucket';
import { proxyRoleNameFor } from '../constructs/proxy-function';
import { TenantSecrets } from '../constructs/tenant-secrets';
import { addFunctionRuntimesOutput } from './doctor-outputs';

export interface AuditDataStackProps extends StackProps {
  readonly config: GatewayConfig;
}

/** Key prefix of Bedrock model invocation logs in their own bucket (BedrockLogBucket). */
export const BEDROCK_INVOCATION_LOG_PREFIX = 'bedrock-invocations';
/** Key prefix of CloudTrail log files in the audit bucket. */
export const CLOUDTRAIL_PREFIX = 'cloudtrail';

export class AuditDataStack extends Stack {
  readonly auditKey: kms.IKey;
  readonly reidentificationKey: kms.IKey;
  readonly auditBucket: s3.IBucket;
  readonly accessLogBucket: s3.IBucket;
  readonly tokenSecret: secretsmanager.ISecret;
  readonly athenaResultsBucket: s3.IBucket;
  /** `<stackNamePrefix>-compliance`: workgroup names are unique per account and region. */
  readonly athenaWorkgroupName: string;
  readonly glueDatabaseName: string;
  readonly trail: cloudtrail.Trail;
  /** The constructs, for their grant helpers (`grantAuditPut`, `grantAuditRead`, `grantReidentificationEncrypt`). */
  readonly keys: AuditKeys;
  readonly audit: AuditBucket;
  readonly athena: AthenaWorkgroup;
  readonly bedrockInvocationLogging?: BedrockInvocationLogging;
  /** Tenant keys and usage identifiers: credentials that must outlive the Gateway stack. */
  readonly tenantSecrets: TenantSecrets;
  /** The upstream Anthropic key to fill after deploy; only with `providers.anthropic.enabled`. */
  readonly anthropicApiKeySecret?: secretsmanager.ISecret;
  /** Where Bedrock delivers its invocation logs (when logging is enabled), locked object by object. */
  readonly bedrockLogBucket?: BedrockLogBucket;
  /** Glue tables and the named compliance queries. */
  readonly catalog: AuditCatalog;
  /** Post-call records the audit sink rejected, waiting for the replay (retained with the other audit data). */
  readonly auditDeadLetterQueue: sqs.IQueue;
  readonly deadLetterQueues: AuditDeadLetterQueues;

  constructor(scope: Construct, id: string, props: AuditDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { config } = props;
    const prefix = config.stackNamePrefix;
    const trailName = `${prefix}-audit-trail`;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const bedrockLogging = config.bedrockInvocationLogging;

    this.keys = new AuditKeys(this, 'Keys', {
      aliasPrefix: prefix.toLowerCase(),
      trailName,
      decryptPrincipalArns: config.reidentification.decryptPrincipalArns,
      allowBedrockLogDelivery: bedrockLogging.enabled,
    });
    this.audit = new AuditBucket(this, 'AuditBucket', {
      encryptionKey: this.keys.auditKey,
      retentionDays: config.audit.retentionDays,
      objectLockMode: config.audit.objectLockMode,
      accessLogExpirationDays: config.audit.accessLogExpirationDays,
      breakGlassPrincipalArns: config.audit.breakGlassPrincipalArns,
      retentionAdministratorArns: config.audit.retentionChangeBy === 'deploy-role' ? [this.deployRoleArn(config)] : [],
    });
    if (bedrockLogging.enabled) {
      this.bedrockLogBucket = new BedrockLogBucket(this, 'BedrockLogBucket', {
        encryptionKey: this.keys.auditKey,
        accessLogBucket: this.audit.accessLogBucket,
        keyPrefix: BEDROCK_INVOCATION_LOG_PREFIX,
        retentionDays: config.audit.retentionDays,
        retentionMode: config.audit.objectLockMode,
        breakGlassPrincipalArns: config.audit.breakGlassPrincipalArns,
        logKey: this.keys.auditKey,
        logRetention,
        logLevel: config.operations.logLevel,
      });
    }
    const auditTrail = new AuditTrail(this, 'Trail', {
      trailName,
      bucket: this.audit.bucket,
      s3KeyPrefix: CLOUDTRAIL_PREFIX,
      encryptionKey: this.keys.auditKey,
      logRetention,
      // Reads of the raw-text Bedrock logs are recorded like reads of the audit records.
      dataEventBuckets: [this.audit.bucket, ...(this.bedrockLogBucket ? [this.bedrockLogBucket.bucket] : [])],
    });
    if (this.bedrockLogBucket) {
      this.bedrockInvocationLogging = new BedrockInvocationLogging(this, 'BedrockInvocationLogging', {
        bucket: this.bedrockLogBucket.bucket,
        encryptionKey: this.keys.auditKey,
        keyPrefix: BEDROCK_INVOCATION_LOG_PREFIX,
        textDataDelivery: bedrockLogging.textDelivery,
        imageDataDelivery: bedrockLogging.imageDelivery,
        embeddingDataDelivery: bedrockLogging.embeddingDelivery,
        logGroupEncryptionKey: this.keys.auditKey,
        logRetention,
        unredactedTextOverrideReason: bedrockLogging.unredactedTextOverrideReason,
      });
    }
    this.athena = new AthenaWorkgroup(this, 'Athena', {
      workgroupName: athenaWorkgroupNameFor(prefix),
      databaseName: glueDatabaseNameFor(prefix),
      encryptionKey: this.keys.auditKey,
      accessLogBucket: this.audit.accessLogBucket,
      resultsExpirationDays: config.athena.resultsExpirationDays,
      bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQuery,
    });

    this.catalog = new AuditCatalog(this, 'Catalog', {
      databaseName: this.athena.databaseName,
      workgroupName: this.athena.workgroupName,
      auditBucket: this.audit.bucket,
      tenantIds: config.tenants.map((tenant) => tenant.id),
      cloudTrailPrefix: CLOUDTRAIL_PREFIX,
      bedrockInvocationLogPrefix: BEDROCK_INVOCATION_LOG_PREFIX,
      bedrockInvocationBucket: this.bedrockLogBucket?.bucket,
      gatewayRoleArn: this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: proxyRoleNameFor(config),
      }),
      dependsOn: [this.athena.database, this.athena.workgroup],
    });

    if (config.providers.anthropic.enabled) {
      this.anthropicApiKeySecret = new AnthropicApiKeySecret(this, 'AnthropicApiKey', {
        encryptionKey: this.keys.auditKey,
        secretName: anthropicApiKeySecretNameFor(prefix),
      }).secret;
    }
    this.tenantSecrets = new TenantSecrets(this, 'TenantSecrets', {
      tenants: config.tenants,
      encryptionKey: this.keys.auditKey,
      secretNamePrefix: tenantSecretNamePrefixFor(prefix),
    });
    this.deadLetterQueues = new AuditDeadLetterQueues(this, 'AuditDeadLetterQueues', {
      encryptionKey: this.keys.auditKey,
    });
    this.auditDeadLetterQueue = this.deadLetterQueues.queue;

    this.auditKey = this.keys.auditKey;
    this.reidentificationKey = this.keys.reidentificationKey;
    this.tokenSecret = this.keys.tokenSecret;
    this.auditBucket = this.audit.bucket;
    this.accessLogBucket = this.audit.accessLogBucket;
    this.trail = auditTrail.trail;
    this.athenaResultsBucket = this.athena.resultsBucket;
    this.athenaWorkgroupName = this.athena.workgroupName;
    this.glueDatabaseName = this.athena.databaseName;

    new CfnOutput(this, AUDIT_DATA_OUTPUTS.auditBucketName, { value: this.auditBucket.bucketName });
    new CfnOutput(this, 'AthenaWorkgroupName', { value: this.athenaWorkgroupName });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.glueDatabaseName });
    // What `npm run doctor` compares the account against.
    new CfnOutput(this, AUDIT_DATA_OUTPUTS.auditObjectLockMode, { value: config.audit.objectLockMode });
    new CfnOutput(this, AUDIT_DATA_OUTPUTS.auditRetentionDays, { value: String(config.audit.retentionDays) });
    new CfnOutput(this, AUDIT_DATA_OUTPUTS.trailName, { value: trailName });
    if (this.bedrockLogBucket) {
      new CfnOutput(this, AUDIT_DATA_OUTPUTS.bedrockInvocationLogging, {
        value: this.toJsonString({
          bucketName: this.bedrockLogBucket.bucket.bucketName,
          keyPrefix: BEDROCK_INVOCATION_LOG_PREFIX,
          textDataDeliveryEnabled: bedrockLogging.textDelivery,
          imageDataDeliveryEnabled: bedrockLogging.imageDelivery,
          embeddingDataDeliveryEnabled: bedrockLogging.embeddingDelivery,
        }),
      });
    }
    addFunctionRuntimesOutput(this);
  }

  /**
   * The role CloudFormation deploys this stack with: `audit.deployRoleArn`, or the CDK bootstrap's execution role
   * under the default qualifier (`cdk deploy` passes it to CloudFormation). A condition on `aws:PrincipalArn` sees
   * the role ARN of an assumed-role session.
   */
  private deployRoleArn(config: GatewayConfig): string {
    if (config.audit.deployRoleArn !== undefined) return config.audit.deployRoleArn;
    return this.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: `cdk-${DEFAULT_BOOTSTRAP_QUALIFIER}-cfn-exec-role-${this.account}-${this.region}`,
    });
  }
}

/** `cdk bootstrap`'s default qualifier, part of its role names. */
const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** `<stackNamePrefix>/tenants/`: tenant secrets are `ClaudeGateway/tenants/<tenant>/api-key` and `.../usage-identifier`. */
export function tenantSecretNamePrefixFor(stackNamePrefix: string): string {
  return `${stackNamePrefix}/tenants/`;
}
