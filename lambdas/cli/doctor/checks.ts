/** The doctor's checks in the order they run, each given its own client (the canary last: it waits on CloudTrail). */
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { alarmSubscriptionCheck } from './alarm-subscription-check';
import { anthropicKeyCheck } from './anthropic-key-check';
import { auditBucketCheck } from './audit-bucket-check';
import { bedrockEndpointCheck, type HttpProbe } from './bedrock-endpoint-check';
import { bedrockLogBucketCheck } from './bedrock-log-bucket-check';
import { bedrockLoggingCheck } from './bedrock-logging-check';
import { type CanaryOptions, canaryCheck } from './canary-check';
import type { DoctorCheck } from './check';
import { lambdaRuntimeCheck } from './lambda-runtime-check';
import { trailCheck } from './trail-check';

export interface DoctorClients {
  readonly s3: S3Client;
  readonly bedrock: BedrockClient;
  readonly cloudTrail: CloudTrailClient;
  readonly sns: SNSClient;
  readonly lambda: LambdaClient;
  readonly ec2: EC2Client;
  readonly secrets: SecretsManagerClient;
  readonly probe: HttpProbe;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

export function doctorChecks(clients: DoctorClients, canary: CanaryOptions): DoctorCheck[] {
  return [
    auditBucketCheck(clients.s3),
    bedrockLoggingCheck(clients.bedrock),
    bedrockLogBucketCheck(clients.s3, clients.now),
    trailCheck(clients.cloudTrail),
    alarmSubscriptionCheck(clients.sns),
    anthropicKeyCheck(clients.secrets),
    lambdaRuntimeCheck(clients.lambda),
    bedrockEndpointCheck({ ec2: clients.ec2, probe: clients.probe }),
    canaryCheck({
      s3: clients.s3,
      secrets: clients.secrets,
      cloudTrail: clients.cloudTrail,
      now: clients.now,
      sleep: clients.sleep,
      options: canary,
    }),
  ];
}
