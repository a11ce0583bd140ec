/**
 * The audit functions: `replay` drains the post-call dead-letter queue into the audit bucket (same object key,
 * write-once, idempotent), and `checks` runs the daily Athena checks for yesterday and publishes one
 * CloudWatch metric per check (names from `metric-names.ts`, `service` dimension). The alarms on those metrics
 * belong to OperationsDashboard (with runbook entries); this construct alarms only when the checks function
 * fails, into the given topic. Permissions are
 * written narrowly: Athena on the workgroup only, Glue read on the audit tables, S3 read on `audit/v1/` and the
 * CloudTrail prefix (not the Bedrock invocation logs, which may hold raw text), and for replay `s3:PutObject`
 * on `audit/v1/*` only.
 */
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AUDIT_PREFIX } from '../../lambdas/shared/audit/object-key';
import { ENV } from '../../lambdas/shared/env';
import { METRIC_NAMESPACE } from '../../lambdas/shared/observability/metric-names';
import { grantAuditRecordPut } from './audit-bucket';
import { AUDIT_TABLES } from './audit-catalog';
import { GatewayFunction } from './gateway-function';

const AUDIT_ENTRY = join(__dirname, '..', '..', 'lambdas', 'audit', 'index.ts');
const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
const GLUE_DATABASE_NAME = /^[a-z0-9_]{1,255}$/;

export interface AuditProcessorProps {
  readonly auditBucket: s3.IBucket;
  /** Encrypts the audit bucket, the DLQ, the Athena results and the log groups. */
  readonly auditKey: kms.IKey;
  readonly athenaResultsBucket: s3.IBucket;
  readonly workgroupName: string;
  readonly databaseName: string;
  /** The post-call dead-letter queue (ProxyFunction.auditDeadLetterQueue). */
  readonly deadLetterQueue: sqs.IQueue;
  /** The gateway proxy's role ARN: shadow-usage excludes it, reconciliation matches it. */
  readonly gatewayRoleArn: string;
  readonly logRetention: logs.RetentionDays;
  /**
   * Run the functions in this VPC (they need the S3 gateway endpoint and Athena/Glue/SQS/CloudWatch/KMS/Logs
   * interface endpoints, or NAT).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group when `vpc` is set */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * Topic the `checks-failed` alarm notifies (e.g. OperationsDashboard.alarmTopic). If it is KMS-encrypted, its
   * key must let `cloudwatch.amazonaws.com` use it (AlarmTopic adds that statement).
   */
  readonly alarmTopic: sns.ITopic;
  /**
   * CloudTrail key prefix in the audit bucket.
   * @default 'cloudtrail'
   */
  readonly cloudTrailPrefix?: string;
  /**
   * When the daily checks run (they cover the previous UTC day).
   * @default 02:00 UTC daily
   */
  readonly schedule?: events.Schedule;
  /**
   * Powertools log level of the function(s).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * The replay and checks functions, their schedule and the `checks-failed` alarm. The per-check alarms (value > 0)
 * are OperationsDashboard's, not this construct's.
 */
export class AuditProcessor extends Construct {
  readonly replayFunction: nodejs.NodejsFunction;
  readonly checksFunction: nodejs.NodejsFunction;
  /** The topic given in props. */
  readonly alarmTopic: sns.ITopic;
  readonly scheduleRule: events.Rule;
  /** `checks-failed`: the checks function's errors (a check that could not run, or a crash). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: AuditProcessorProps) {
    super(scope, id);
    if (!WORKGROUP_NAME.test(props.workgroupName)) {
      throw new Error(`AuditProcessor: workgroupName must match ${WORKGROUP_NAME} (got "${props.workgroupName}")`);
    }
    if (!GLUE_DATABASE_NAME.test(props.databaseName)) {
      throw new Error(`AuditProcessor: databaseName must match ${GLUE_DATABASE_NAME} (got "${props.databaseName}")`);
    }
    const { partition, region, account } = Stack.of(this);
    const trailPrefix = props.cloudTrailPrefix ?? 'cloudtrail';

    this.replayFunction = this.createFunction('Replay', 'replay', props, {
      timeout: Duration.minutes(1),
      description: 'Replays dead-lettered post-call audit records into the audit bucket (same key, write-once)',
      environment: { [ENV.auditBucket]: props.auditBucket.bucketName },
    });
    this.replayFunction.addEventSource(
      new SqsEventSource(props.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    // Put-only: not grantPut/grantWrite, which add retention, legal-hold and abort actions.
    grantAuditRecordPut(this.replayFunction, props.auditBucket, props.auditKey);

    this.checksFunction = this.createFunction('Checks', 'checks', props, {
      timeout: Duration.minutes(10),
      description: 'Daily audit checks in Athena (orphans, residency, shadow Bedrock use, reconciliation)',
      environment: {
        [ENV.athenaWorkgroup]: props.workgroupName,
        [ENV.glueDatabase]: props.databaseName,
        [ENV.gatewayRoleArn]: props.gatewayRoleArn,
      },
    });
    this.grantChecks(props, { partition, region, account, trailPrefix });

    this.scheduleRule = new events.Rule(this, 'DailyChecks', {
      description: 'Runs the daily audit checks for the previous UTC day',
      schedule: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '2' }),
      targets: [new targets.LambdaFunction(this.checksFunction, { retryAttempts: 2 })],
    });

    this.alarmTopic = props.alarmTopic;
    const failed = new cloudwatch.Alarm(this, 'Alarm-checks-failed', {
      alarmDescription: 'The daily audit checks did not run to completion (see the function logs)',
      metric: this.checksFunction.metricErrors({ period: Duration.days(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failed.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    this.alarms = { 'checks-failed': failed };
  }

  private createFunction(
    id: string,
    handler: 'replay' | 'checks',
    props: AuditProcessorProps,
    options: { timeout: Duration; description: string; environment: Record<string, string> },
  ): nodejs.NodejsFunction {
    const inVpc = props.vpc !== undefined;
    const runtime = new GatewayFunction(this, id, {
      name: `audit-${handler}`,
      entry: AUDIT_ENTRY,
      handler,
      description: options.description,
      memorySize: 512,
      timeout: options.timeout,
      logKey: props.auditKey,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroup ? [props.securityGroup] : undefined,
      environment: options.environment,
      noDeadLetterQueueReason:
        handler === 'replay'
          ? 'Invoked by an SQS event source: failed messages return to the queue and move to its redrive queue'
          : 'A failed daily run raises the checks-failed alarm; EventBridge retries twice; the next day re-runs',
      unreservedConcurrencyReason:
        handler === 'replay'
          ? 'Concurrency is capped by the SQS event source (maxConcurrency 2) without reserving account capacity'
          : 'Invoked once a day by one EventBridge rule; reserving concurrency would take it from the account pool',
      outsideVpcReason: 'Calls only AWS APIs; pass vpc to run it in the gateway VPC with endpoints',
    });
    if (inVpc) {
      runtime.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'VpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    this.acknowledgeRoleFindings(runtime.role);
    return runtime.function;
  }

  private grantChecks(
    props: AuditProcessorProps,
    at: { partition: string; region: string; account: string; trailPrefix: string },
  ): void {
    const fn = this.checksFunction;
    const { partition, region, account, trailPrefix } = at;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AthenaInWorkgroup',
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
        ],
        resources: [`arn:${partition}:athena:${region}:${account}:workgroup/${props.workgroupName}`],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'GlueReadAuditTables',
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          `arn:${partition}:glue:${region}:${account}:catalog`,
          `arn:${partition}:glue:${region}:${account}:database/${props.databaseName}`,
          ...Object.values(AUDIT_TABLES).map(
            (table) => `arn:${partition}:glue:${region}:${account}:table/${props.databaseName}/${table}`,
          ),
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadAuditRecordsAndCloudTrail',
        actions: ['s3:GetObject'],
        resources: [
          props.auditBucket.arnForObjects(`${AUDIT_PREFIX}*`),
          props.auditBucket.arnForObjects(`${trailPrefix}/*`),
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListAuditRecordsAndCloudTrail',
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [props.auditBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${AUDIT_PREFIX}*`, `${trailPrefix}/*`] } },
      }),
    );
    // Not athenaResultsBucket.grantReadWrite: that adds s3:DeleteObject*, legal-hold and retention actions.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AthenaResultsReadWrite',
        actions: [
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:GetObject',
          's3:PutObject',
          's3:ListMultipartUploadParts',
          's3:AbortMultipartUpload',
        ],
        resources: [props.athenaResultsBucket.bucketArn, props.athenaResultsBucket.arnForObjects('*')],
      }),
    );
    // Decrypt the SSE-KMS audit objects and CloudTrail files; encrypt the query results.
    props.auditKey.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    // Not cloudwatch.Metric.grantPutMetricData: that allows any namespace.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PublishCheckMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
      }),
    );
  }

  private acknowledgeRoleFindings(role: iam.IRole): void {
    const policyReason =
      'Statements are narrow (see AuditProcessor): wildcards are object keys under one prefix, CloudWatch ' +
      'PutMetricData (no resource-level permissions; bound to the namespace by condition), VPC network interfaces';
    NagSuppressions.addResourceSuppressions(
      role,
      [
        { id: 'AwsSolutions-IAM5', reason: policyReason },
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: 'One role per function; its policy lives with it' },
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: 'One role per function; its policy lives with it' },
      ],
      true,
    );
  }
}
