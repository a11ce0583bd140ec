/**
 * Athena for auditors: an enforced workgroup (engine v3, SSE-KMS results in their own expiring bucket, a
 * per-query scan limit) and the Glue database the audit tables are added to.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const GLUE_DATABASE_NAME = /^[a-z0-9_]{1,255}$/;
/** Athena's lower bound for `bytesScannedCutoffPerQuery` (10 MB). */
export const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/** The Athena workgroup name for a deployment prefix (`ClaudeGateway` -> `ClaudeGateway-compliance`). */
export function athenaWorkgroupNameFor(prefix: string): string {
  return `${prefix}-compliance`;
}

/** The Glue database name for a deployment prefix (`ClaudeGateway` -> `claude_gateway_audit`). */
export function glueDatabaseNameFor(prefix: string): string {
  const snake = prefix
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
  return `${snake}_audit`;
}

export interface AthenaWorkgroupProps {
  /** Workgroup name (unique per account and region). */
  readonly workgroupName: string;
  /** Glue database name: lower-case letters, digits, underscores. */
  readonly databaseName: string;
  /** Key for query results (SSE_KMS) and the results bucket. */
  readonly encryptionKey: kms.IKey;
  /** Server-access-log target for the results bucket. */
  readonly accessLogBucket: s3.IBucket;
  /** Days before query results expire. */
  readonly resultsExpirationDays: number;
  /** Per-query scan limit in bytes (at least 10 MB). */
  readonly bytesScannedCutoffPerQuery: number;
}

/** Results bucket, enforced Athena workgroup and Glue database (tables are added by later constructs). */
export class AthenaWorkgroup extends Construct {
  readonly resultsBucket: s3.Bucket;
  readonly workgroup: athena.CfnWorkGroup;
  readonly workgroupName: string;
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  /** Glue catalog id (the account). */
  readonly catalogId: string;
  /** `arn:<partition>:glue:<region>:<account>:catalog`. */
  readonly catalogArn: string;
  /** `arn:<partition>:glue:<region>:<account>:database/<databaseName>`. */
  readonly databaseArn: string;

  constructor(scope: Construct, id: string, props: AthenaWorkgroupProps) {
    super(scope, id);
    if (!WORKGROUP_NAME.test(props.workgroupName)) {
      throw new Error(`AthenaWorkgroup: workgroupName must match ${WORKGROUP_NAME} (got "${props.workgroupName}")`);
    }
    if (!GLUE_DATABASE_NAME.test(props.databaseName)) {
      throw new Error(`AthenaWorkgroup: databaseName must match ${GLUE_DATABASE_NAME} (got "${props.databaseName}")`);
    }
    if (
      !Number.isInteger(props.bytesScannedCutoffPerQuery) ||
      props.bytesScannedCutoffPerQuery < MIN_BYTES_SCANNED_CUTOFF
    ) {
      throw new Error(
        `AthenaWorkgroup: bytesScannedCutoffPerQuery must be an integer >= ${MIN_BYTES_SCANNED_CUTOFF} (got ${props.bytesScannedCutoffPerQuery})`,
      );
    }
    if (!Number.isInteger(props.resultsExpirationDays) || props.resultsExpirationDays < 1) {
      throw new Error(
        `AthenaWorkgroup: resultsExpirationDays must be a positive integer (got ${props.resultsExpirationDays})`,
      );
    }
    const { account, region, partition } = Stack.of(this);
    this.workgroupName = props.workgroupName;
    this.databaseName = props.databaseName;
    this.catalogId = account;
    this.catalogArn = `arn:${partition}:glue:${region}:${account}:catalog`;
    this.databaseArn = `arn:${partition}:glue:${region}:${account}:database/${props.databaseName}`;

    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(props.resultsExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    NagSuppressions.addResourceSuppressions(this.resultsBucket, [
      {
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason: 'Query results are transient (expire per config) and stay in the deployment region by design',
      },
      {
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason: 'Query results are transient (expire per config) and stay in the deployment region by design',
      },
    ]);

    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workgroupName,
      description: 'Compliance queries over the gateway audit records, CloudTrail and Bedrock invocation logs',
      state: 'ENABLED',
      // Without it, deleting the workgroup fails once it holds named queries or query history (every
      // deployment's does): https://docs.aws.amazon.com/athena/latest/APIReference/API_DeleteWorkGroup.html
      // Results live in the results bucket (retained), so nothing of the audit trail goes with the workgroup.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          expectedBucketOwner: account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: props.databaseName,
        description: 'Gateway audit records, CloudTrail events and Bedrock invocation logs',
      },
    });
  }

  /** ARN of a table in this database (for grants on tables added later). */
  tableArn(tableName: string): string {
    const { account, region, partition } = Stack.of(this);
    return `arn:${partition}:glue:${region}:${account}:table/${this.databaseName}/${tableName}`;
  }
}
