/**
 * CloudTrail trail into the audit bucket: management events everywhere, plus S3 data events that show who
 * read (or tried to tamper with) the audit bucket's objects.
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

const TRAIL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$/;

/**
 * Object-level write events recorded on the audited buckets. `PutObject` is left out on purpose: it is the
 * gateway's append path (two per call, already reconciled from the audit records) and CloudTrail's own log
 * delivery into `cloudtrail/` would otherwise be logged into the same bucket in an endless feedback loop.
 */
export const TAMPER_EVENT_NAMES = [
  'DeleteObject',
  'DeleteObjects',
  'PutObjectRetention',
  'PutObjectLegalHold',
  'PutObjectAcl',
] as const;

export interface AuditTrailProps {
  /** Trail name; must equal the name the audit key's CloudTrail statement was scoped to. */
  readonly trailName: string;
  /** Bucket that receives the log files (the audit bucket). */
  readonly bucket: s3.IBucket;
  /** Key that encrypts log files and the CloudWatch log group (its policy must allow CloudTrail and Logs). */
  readonly encryptionKey: kms.IKey;
  /** Retention of the trail's CloudWatch log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Key prefix of the log files in `bucket`.
   * @default 'cloudtrail'
   */
  readonly s3KeyPrefix?: string;
  /**
   * Buckets whose object reads (all `readOnly` data events) and tamper attempts (`TAMPER_EVENT_NAMES`) are
   * recorded.
   * @default [bucket]
   */
  readonly dataEventBuckets?: readonly s3.IBucket[];
  /**
   * Record management events from every region (and global services such as IAM).
   * @default true - shadow Bedrock use from another region or a global profile would otherwise go unseen
   */
  readonly isMultiRegionTrail?: boolean;
}

/**
 * Multi-region CloudTrail trail with log-file validation, SSE-KMS, CloudWatch Logs delivery and advanced
 * event selectors (the L2 has none: set through the `CfnTrail` escape hatch).
 */
export class AuditTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    if (!TRAIL_NAME.test(props.trailName)) {
      throw new Error(`AuditTrail: trailName must match ${TRAIL_NAME} (got "${props.trailName}")`);
    }
    const s3KeyPrefix = props.s3KeyPrefix ?? 'cloudtrail';
    if (s3KeyPrefix.startsWith('/') || s3KeyPrefix.endsWith('/') || s3KeyPrefix.length === 0) {
      throw new Error(`AuditTrail: s3KeyPrefix must not be empty or start/end with "/" (got "${s3KeyPrefix}")`);
    }
    const dataEventBuckets = props.dataEventBuckets ?? [props.bucket];

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention,
    });

    const { partition, region, account } = Stack.of(this);
    const trailArn = `arn:${partition}:cloudtrail:${region}:${account}:trail/${props.trailName}`;
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: props.trailName,
      bucket: withSourceArnOnStatements(props.bucket, trailArn),
      s3KeyPrefix,
      encryptionKey: props.encryptionKey,
      enableFileValidation: true,
      isMultiRegionTrail: props.isMultiRegionTrail ?? true,
      includeGlobalServiceEvents: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
    });
    // The key's policy, not this construct, lets CloudTrail encrypt (Trail.encryptionKey does not write it).
    this.trail.node.addDependency(props.encryptionKey);

    const cfnTrail = this.trail.node.defaultChild as cloudtrail.CfnTrail;
    cfnTrail.eventSelectors = undefined;
    cfnTrail.advancedEventSelectors = [
      {
        name: 'Management events (read and write)',
        fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
      },
      {
        name: 'Reads of audit objects',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
          { field: 'readOnly', equalTo: ['true'] },
          { field: 'resources.ARN', startsWith: dataEventBuckets.map((b) => `${b.bucketArn}/`) },
        ],
      },
      {
        name: 'Tamper attempts on audit objects',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
          { field: 'readOnly', equalTo: ['false'] },
          { field: 'eventName', equalTo: [...TAMPER_EVENT_NAMES] },
          { field: 'resources.ARN', startsWith: dataEventBuckets.map((b) => `${b.bucketArn}/`) },
        ],
      },
    ];

    const logsRole = this.trail.node.tryFindChild('LogsRole');
    if (logsRole) {
      const reason =
        "The Trail L2 writes its CloudWatch Logs role's only permission (PutLogEvents/CreateLogStream on this log " +
        'group) as an inline policy on that single-purpose role';
      NagSuppressions.addResourceSuppressions(
        logsRole,
        [
          { id: 'HIPAA.Security-IAMNoInlinePolicy', reason },
          { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason },
        ],
        true,
      );
    }
  }
}

/**
 * The bucket as the Trail L2 sees it: each statement the L2 writes into the bucket policy for
 * `cloudtrail.amazonaws.com` (GetBucketAcl, PutObject) also gets `aws:SourceArn` = this trail, so no other trail
 * (in another account that names this bucket, the confused deputy) can write into the audit bucket. The L2 writes
 * those statements without the condition and has no option for it.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
function withSourceArnOnStatements(bucket: s3.IBucket, trailArn: string): s3.IBucket {
  return new Proxy(bucket, {
    get(target, property) {
      if (property === 'addToResourcePolicy') {
        return (statement: iam.PolicyStatement): iam.AddToResourcePolicyResult => {
          statement.addCondition('StringEquals', { 'aws:SourceArn': trailArn });
          return target.addToResourcePolicy(statement);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
