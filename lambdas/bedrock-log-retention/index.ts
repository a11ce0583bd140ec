/**
 * Composition root of the Bedrock log retention function. Environment (names in lambdas/shared/env.ts):
 * GATEWAY_BEDROCK_LOG_BUCKET, GATEWAY_RETENTION_DAYS, GATEWAY_RETENTION_MODE (COMPLIANCE | GOVERNANCE).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV, MissingEnvironmentError, requireEnv } from '../shared/env';
import { makeRetentionHandler, type ObjectCreatedEvent, type RetentionMode } from './handler';
import { S3ObjectRetentionWriter } from './s3-object-retention';

function readMode(): RetentionMode {
  const mode = requireEnv(ENV.retentionMode);
  if (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') {
    throw new MissingEnvironmentError(ENV.retentionMode, 'must be COMPLIANCE or GOVERNANCE');
  }
  return mode;
}

const logger = new Logger({ serviceName: 'claude-gateway-bedrock-log-retention' });
const lock = makeRetentionHandler({
  writer: new S3ObjectRetentionWriter(new S3Client({})),
  bucket: requireEnv(ENV.bedrockLogBucket),
  mode: readMode(),
  retentionDays: Number(requireEnv(ENV.retentionDays)),
  logger: { info: (message, extra) => logger.info(message, extra) },
});

export const handler = async (event: ObjectCreatedEvent): Promise<void> => lock(event);
