/**
 * The write-once audit bucket (Object Lock, SSE-KMS, deny on deletes and lock changes) and its separate,
 * non-locked server-access-log bucket.
 */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AUDIT_PREFIX } from '../../lambdas/shared/audit/object-key';

/** Prefix of the gateway's audit records (`audit/v1/dt=…/tenant=…/…json`), as the Lambdas write them. */
export const AUDIT_RECORD_PREFIX = AUDIT_PREFIX;

/** Actions nobody but break-glass principals may call on the audit bucket or its objects. */
export const AUDIT_BUCKET_PROTECTED_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectRetention',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutLifecycleConfiguration',
  's3:DeleteBucket',
] as const;

/**
 * Changes the bucket's default retention and mode (never that of stored objects, which COMPLIANCE keeps): allowed
 * to break glass and the `retentionAdministratorArns` (CloudFormation's deploy role by default), so a reviewed
 * change of `audit.retentionDays` deploys instead of failing on the deny.
 */
export const AUDIT_BUCKET_LOCK_CONFIGURATION_ACTIONS = ['s3:PutBucketObjectLockConfiguration'] as const;

const BREAK_GLASS_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@\-/]+|user\/[\w+=,.@\-/]+)$/;
const KEY_PREFIX = /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/;

const REPLICATION_REASON =
  'Audit data stays in the deployment region by design (residency); durability comes from S3, versioning and ' +
  'Object Lock, and cross-region replication would copy tenant data to another jurisdiction';

export interface AuditBucketProps {
  /** Customer-managed key for SSE-KMS (with an S3 bucket key). */
  readonly encryptionKey: kms.IKey;
  /** Object Lock default retention in days. */
  readonly retentionDays: number;
  /** Object Lock mode: COMPLIANCE (nobody can shorten or delete) or GOVERNANCE (break glass can). */
  readonly objectLockMode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Days before server access logs expire in the log bucket. */
  readonly accessLogExpirationDays: number;
  /**
   * Principals exempt from the deny on deletes, retention and lock changes.
   * @default [] - nobody, CloudFormation's role included, can call the protected actions
   */
  readonly breakGlassPrincipalArns?: readonly string[];
  /**
   * Principals besides break glass that may change the bucket's Object Lock configuration
   * ({@link AUDIT_BUCKET_LOCK_CONFIGURATION_ACTIONS}) and nothing else protected; typically the role CloudFormation
   * deploys with, so that a change of retention days or mode in config deploys.
   * @default [] - only break glass: a retention change needs a break-glass principal
   */
  readonly retentionAdministratorArns?: readonly string[];
  /**
   * Key prefix under which Bedrock model invocation logs are delivered; adds the bucket-policy statement for
   * `bedrock.amazonaws.com`.
   * @default - no statement: Bedrock cannot deliver into the bucket
   */
  readonly bedrockInvocationLogPrefix?: string;
}

/**
 * Object Lock audit bucket (versioned, SSE-KMS + bucket key, TLS only, no public access, RETAIN) with server
 * access logs in a separate non-locked bucket (S3 cannot deliver access logs into an Object Lock bucket).
 *
 * Deletes, object retention and legal holds, lifecycle rules and bucket deletion are denied to all but break
 * glass; the Object Lock configuration (default retention days and mode) also to `retentionAdministratorArns`.
 */
export class AuditBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Target of server access logs (SSE-S3, versioned, expiring); shared with the Athena results bucket. */
  readonly accessLogBucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  /** Prefix of Bedrock invocation logs, when delivery is allowed. */
  readonly bedrockInvocationLogPrefix?: string;

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new Error(`AuditBucket: retentionDays must be a positive integer (got ${props.retentionDays})`);
    }
    if (!Number.isInteger(props.accessLogExpirationDays) || props.accessLogExpirationDays < 1) {
      throw new Error(
        `AuditBucket: accessLogExpirationDays must be a positive integer (got ${props.accessLogExpirationDays})`,
      );
    }
    const breakGlass = props.breakGlassPrincipalArns ?? [];
    const retentionAdministrators = [...breakGlass, ...(props.retentionAdministratorArns ?? [])];
    for (const arn of retentionAdministrators) {
      if (!Token.isUnresolved(arn) && !BREAK_GLASS_ARN.test(arn)) {
        throw new Error(`AuditBucket: breakGlassPrincipalArns must hold IAM role, user or root ARNs (got "${arn}")`);
      }
    }
    const bedrockPrefix = props.bedrockInvocationLogPrefix;
    if (bedrockPrefix !== undefined && !KEY_PREFIX.test(bedrockPrefix)) {
      throw new Error(
        `AuditBucket: bedrockInvocationLogPrefix must be a key prefix without leading/trailing "/" (got "${bedrockPrefix}")`,
      );
    }
    this.encryptionKey = props.encryptionKey;
    this.bedrockInvocationLogPrefix = bedrockPrefix;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      // Server access log delivery supports only SSE-S3 on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    NagSuppressions.addResourceSuppressions(this.accessLogBucket, [
      { id: 'AwsSolutions-S1', reason: 'This bucket is the server-access-log target; logging it into itself loops' },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: 'This bucket is the server-access-log target' },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'This bucket is the server-access-log target' },
      {
        id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
        reason: 'S3 server access log delivery supports only SSE-S3 (S3_MANAGED) on the target bucket',
      },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery supports only SSE-S3' },
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
    ]);

    const retention = Duration.days(props.retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention:
        props.objectLockMode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(retention)
          : s3.ObjectLockRetention.governance(retention),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Never autoDeleteObjects: COMPLIANCE-mode objects cannot be deleted before their retention ends.
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'audit-bucket/',
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
    ]);

    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeleteAndLockChangesExceptBreakGlass',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...AUDIT_BUCKET_PROTECTED_ACTIONS],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
        ...(breakGlass.length > 0 ? { conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...breakGlass] } } } : {}),
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyLockConfigurationChangesExceptRetentionAdministrators',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...AUDIT_BUCKET_LOCK_CONFIGURATION_ACTIONS],
        resources: [this.bucket.bucketArn],
        ...(retentionAdministrators.length > 0
          ? { conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...new Set(retentionAdministrators)] } } }
          : {}),
      }),
    );

    if (bedrockPrefix !== undefined) {
      const { account, region, partition } = Stack.of(this);
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowBedrockInvocationLogDelivery',
          principals: [new iam.ServicePrincipal('bedrock.amazonaws.com')],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects(`${bedrockPrefix}/AWSLogs/${account}/BedrockModelInvocationLogs/*`)],
          conditions: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:bedrock:${region}:${account}:*` },
          },
        }),
      );
    }
  }

  /** Put-only access to `audit/v1/*` for an audit writer; see {@link grantAuditRecordPut}. */
  grantAuditPut(grantee: iam.IGrantable): void {
    grantAuditRecordPut(grantee, this.bucket, this.encryptionKey);
  }

  /**
   * Read access for auditors: list and get objects (all prefixes: audit records, CloudTrail, Bedrock logs)
   * and Decrypt on the bucket key. Reads are recorded by the trail's S3 data events.
   */
  grantAuditRead(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee);
  }
}

/**
 * Put-only access to the audit records: `s3:PutObject` on `audit/v1/*` of `bucket` (sid `AuditRecordPutOnly`) and
 * `kms:GenerateDataKey` on `key` through S3 in the bucket's region only (sid `AuditRecordEncryptViaS3`). Both
 * statements go to the grantee's own policy. Not `grantPut`/`grantWrite`: those add `s3:PutObjectLegalHold`,
 * `s3:PutObjectRetention`, `s3:Abort*` and more; and not `key.grantEncrypt`, which adds `kms:Encrypt` and
 * `kms:ReEncrypt*` for any use of the key.
 *
 * Takes `IBucket`/`IKey` so that a writer in another stack can be granted without a construct reference.
 */
export function grantAuditRecordPut(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AuditRecordPutOnly',
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${AUDIT_RECORD_PREFIX}*`)],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AuditRecordEncryptViaS3',
      actions: ['kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${bucket.env.region}.amazonaws.com` } },
    }),
  );
}
