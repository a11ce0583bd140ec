/**
 * Where Bedrock delivers model invocation logs: a bucket of its own with Object Lock enabled but NO default
 * retention, and a function that puts each delivered object under retention as it arrives.
 *
 * Why not the audit bucket: S3 refuses a PUT into a bucket with default retention unless the request carries
 * Content-MD5 or an `x-amz-checksum-*` header, and nothing documents that Bedrock's log writer sends one. If it
 * does not, `PutModelInvocationLoggingConfiguration` fails on its permission-check object and the stack rolls
 * back around a bucket nobody can delete. Here the deploy does not depend on that fact: immutability comes from
 * PutObjectRetention (a documented API, https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html)
 * on each new version, which Object Lock allows without a default retention
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). An object is unlocked for the seconds
 * between delivery and the function's call; deletes are denied to everyone but break glass throughout.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import { GatewayFunction, type LogLevel } from './gateway-function';

const RETENTION_ENTRY = join(__dirname, '..', '..', 'lambdas', 'bedrock-log-retention', 'index.ts');
const KEY_PREFIX = /^[a-zA-Z0-9!_.*'()-]+(\/[a-zA-Z0-9!_.*'()-]+)*$/;

/** Denied on the bucket and its objects to everyone but break glass. */
export const BEDROCK_LOG_BUCKET_PROTECTED_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:PutObjectLegalHold',
  's3:BypassGovernanceRetention',
  's3:PutBucketObjectLockConfiguration',
  's3:PutLifecycleConfiguration',
  's3:DeleteBucket',
] as const;

export interface BedrockLogBucketProps {
  /** SSE-KMS key (the audit key; its policy lets `bedrock.amazonaws.com` generate data keys). */
  readonly encryptionKey: kms.IKey;
  /** Server-access-log target (the audit side's non-locked log bucket). */
  readonly accessLogBucket: s3.IBucket;
  /** Key prefix Bedrock writes under. */
  readonly keyPrefix: string;
  /** Days each delivered object stays locked (the audit retention). */
  readonly retentionDays: number;
  /** COMPLIANCE, or GOVERNANCE in dev. */
  readonly retentionMode: 'COMPLIANCE' | 'GOVERNANCE';
  /** @default [] - nobody may delete, or change retention beyond what the function sets */
  readonly breakGlassPrincipalArns?: readonly string[];
  /** Encrypts the function's log group and the dead-letter queue. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
}

export class BedrockLogBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly keyPrefix: string;
  /** Sets retention on each new object. */
  readonly retentionFunction: GatewayFunction;
  /** Object Created events the function could not handle after EventBridge's retries. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BedrockLogBucketProps) {
    super(scope, id);
    if (!KEY_PREFIX.test(props.keyPrefix)) {
      throw new Error(`BedrockLogBucket: keyPrefix must not start or end with "/" (got "${props.keyPrefix}")`);
    }
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1) {
      throw new Error(`BedrockLogBucket: retentionDays must be a positive integer (got ${props.retentionDays})`);
    }
    this.keyPrefix = props.keyPrefix;
    const breakGlass = [...(props.breakGlassPrincipalArns ?? [])];
    const { account, region, partition } = Stack.of(this);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // Enabled, with no default retention: each object gets its own from the function below.
      objectLockEnabled: true,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'bedrock-log-bucket/',
    });
    // EventBridge delivery set on the CloudFormation resource itself (the L2's `eventBridgeEnabled` deploys it
    // through a notifications custom resource); a rule can then retry and dead-letter.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    const replicationReason =
      'Invocation logs stay in the deployment region by design (residency); durability from S3, versioning and Object Lock';
    NagSuppressions.addResourceSuppressions(this.bucket, [
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: replicationReason },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: replicationReason },
    ]);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.logKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the dead-letter queue of the EventBridge target that invokes the retention function',
      },
    ]);

    this.retentionFunction = new GatewayFunction(this, 'Retention', {
      name: 'bedrock-log-retention',
      entry: RETENTION_ENTRY,
      description: 'Puts each delivered Bedrock invocation log object under Object Lock retention',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logKey: props.logKey,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      environment: {
        [ENV.bedrockLogBucket]: this.bucket.bucketName,
        [ENV.retentionDays]: String(props.retentionDays),
        [ENV.retentionMode]: props.retentionMode,
      },
      noDeadLetterQueueReason:
        'Invoked by an EventBridge rule whose target has its own dead-letter queue (with retries); an event that ' +
        'fails there is kept in that queue',
      unreservedConcurrencyReason:
        'One short call per delivered log object; Bedrock delivers in batches, far below any account limit',
      outsideVpcReason: 'Calls only the S3 API on its own bucket; the stateful stack has no VPC',
    });
    const role = this.retentionFunction.role;
    const objects = this.bucket.arnForObjects(`${props.keyPrefix}/*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SetRetentionOnDeliveredLogs',
        actions: ['s3:PutObjectRetention', 's3:GetObjectRetention'],
        resources: [objects],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: `Log objects are delivered under per-hour keys below ${props.keyPrefix}/; the grant is retention (only) on that prefix`,
          appliesTo: [{ regex: '/^Resource::.+\\/\\*$/g' }],
        },
      ],
      true,
    );

    new events.Rule(this, 'ObjectCreated', {
      description: 'Bedrock invocation log delivered: set its Object Lock retention',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.bucket.bucketName] } },
      },
      targets: [
        new targets.LambdaFunction(this.retentionFunction.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeleteAndLockChangesExceptBreakGlass',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...BEDROCK_LOG_BUCKET_PROTECTED_ACTIONS],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
        ...(breakGlass.length > 0 ? { conditions: { ArnNotEquals: { 'aws:PrincipalArn': breakGlass } } } : {}),
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyRetentionChangesExceptRetentionFunction',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObjectRetention'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...breakGlass, role.roleArn] } },
      }),
    );
    // https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html (S3 destination)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBedrockInvocationLogDelivery',
        principals: [new iam.ServicePrincipal('bedrock.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${props.keyPrefix}/AWSLogs/${account}/BedrockModelInvocationLogs/*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:bedrock:${region}:${account}:*` },
        },
      }),
    );
  }
}
