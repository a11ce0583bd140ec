/**
 * Composition roots of the audit functions (one bundle, two handlers): `replay` (SQS dead-letter queue ->
 * S3 audit sink) and `checks` (daily Athena checks -> CloudWatch metrics). Each builds its adapters on first
 * use, so each function needs only its own environment variables.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AthenaQueryRunner } from '../shared/adapters/athena-query-runner';
import { S3AuditSink } from '../shared/adapters/s3-audit-sink';
import { ENV, requireEnv } from '../shared/env';
import { type CheckResult, makeChecksHandler } from './checks-handler';
import { CloudWatchCheckMetrics } from './cloudwatch-check-metrics';
import { makeReplayHandler } from './replay-handler';

const powertools = new Logger({ serviceName: 'claude-gateway-audit' });
const logger = {
  info: (message: string, extra: Record<string, unknown> = {}) => powertools.info(message, extra),
  error: (message: string, extra: Record<string, unknown> = {}) => powertools.error(message, extra),
};

let replayHandler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
let checksHandler: (() => Promise<CheckResult[]>) | undefined;

/** SQS handler: replays dead-lettered post-call records (partial batch failures). */
export async function replay(event: SQSEvent): Promise<SQSBatchResponse> {
  replayHandler ??= makeReplayHandler({
    sink: new S3AuditSink({ client: new S3Client({}), bucket: requireEnv(ENV.auditBucket) }),
    logger,
  });
  return replayHandler(event);
}

/** Scheduled handler: runs the daily audit checks for yesterday. */
export async function checks(): Promise<CheckResult[]> {
  checksHandler ??= makeChecksHandler({
    runner: new AthenaQueryRunner({
      client: new AthenaClient({}),
      workgroup: requireEnv(ENV.athenaWorkgroup),
      database: requireEnv(ENV.glueDatabase),
      // Leave a margin inside the function's 10-minute timeout for four queries.
      timeoutMs: 120_000,
    }),
    metrics: new CloudWatchCheckMetrics(new CloudWatchClient({})),
    logger,
    now: () => new Date(),
    gatewayRoleArn: requireEnv(ENV.gatewayRoleArn),
  });
  return checksHandler();
}
