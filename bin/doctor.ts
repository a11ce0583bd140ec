#!/usr/bin/env -S npx tsx
/**
 * `npm run doctor`: composition root of the deployment doctor (logic in lambdas/cli/doctor/). AWS clients use the
 * caller's default credential chain; the region and stack prefix default to cdk.json's `gateway` config.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { fetchProbe } from '../lambdas/cli/doctor/bedrock-endpoint-check';
import { doctorChecks } from '../lambdas/cli/doctor/checks';
import { runDoctor } from '../lambdas/cli/doctor/doctor-cli';
import { readStackOutputs } from '../lambdas/cli/doctor/stack-outputs';

/** cdk.json's `gateway.stackNamePrefix` and `gateway.region`, or the config defaults when absent. */
function cdkJsonDefaults(): { stackNamePrefix: string; region: string } {
  const fallback = { stackNamePrefix: 'ClaudeGateway', region: 'ap-south-1' };
  try {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as {
      context?: { gateway?: { stackNamePrefix?: unknown; region?: unknown } };
    };
    const gateway = cdkJson.context?.gateway;
    return {
      stackNamePrefix:
        typeof gateway?.stackNamePrefix === 'string' ? gateway.stackNamePrefix : fallback.stackNamePrefix,
      region: typeof gateway?.region === 'string' ? gateway.region : fallback.region,
    };
  } catch {
    return fallback;
  }
}

async function main(): Promise<number> {
  return runDoctor(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    clock: () => Date.now(),
    defaults: cdkJsonDefaults(),
    readOutputs: ({ region, stackNamePrefix }) =>
      readStackOutputs(new CloudFormationClient({ region }), stackNamePrefix),
    checks: (options) => {
      const config = { region: options.region };
      return doctorChecks(
        {
          s3: new S3Client(config),
          bedrock: new BedrockClient(config),
          cloudTrail: new CloudTrailClient(config),
          sns: new SNSClient(config),
          lambda: new LambdaClient(config),
          ec2: new EC2Client(config),
          secrets: new SecretsManagerClient(config),
          probe: fetchProbe(10_000),
          now: () => new Date(),
          sleep: (ms) => sleep(ms),
        },
        {
          ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
          ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
          ...(options.model !== undefined ? { model: options.model } : {}),
          recordWaitMs: 60_000,
          cloudTrailWaitMs: options.cloudTrailWaitSeconds * 1000,
          pollIntervalMs: 15_000,
        },
      );
    },
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
