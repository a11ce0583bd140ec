/**
 * The post-call dead-letter queue and its redrive queue. They hold audit records not yet in the bucket, so they
 * live in the stateful stack and are retained: destroying and redeploying the Gateway stack loses no record.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS's longest retention: a record waits up to 14 days for the replay. */
const MAX_RETENTION = Duration.days(14);

export interface AuditDeadLetterQueuesProps {
  /** Encrypts both queues (the audit key). */
  readonly encryptionKey: kms.IKey;
  /**
   * Visibility timeout of the main queue: longer than the replay function's timeout, so a message is not
   * redelivered while it is being replayed.
   * @default 6 minutes
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to the redrive queue (poison records, kept for investigation).
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** KMS-encrypted, TLS-only, retained queues for post-call records the audit sink rejected. */
export class AuditDeadLetterQueues extends Construct {
  /** Post-call records the audit sink rejected; the replay function drains it. */
  readonly queue: sqs.Queue;
  /** Messages the replay could not process after `maxReceiveCount` receives. */
  readonly redriveQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AuditDeadLetterQueuesProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`AuditDeadLetterQueues: maxReceiveCount must be 1-1000 (got ${maxReceiveCount})`);
    }
    // Generated names: a retained queue never blocks the next create.
    this.redriveQueue = new sqs.Queue(this, 'RedriveQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: MAX_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: MAX_RETENTION,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(6),
      deadLetterQueue: { queue: this.redriveQueue, maxReceiveCount },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
