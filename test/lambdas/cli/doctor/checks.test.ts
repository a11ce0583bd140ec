import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { doctorChecks } from '../../../../lambdas/cli/doctor/checks';

const region = 'ap-south-1';
const checks = doctorChecks(
  {
    s3: new S3Client({ region }),
    bedrock: new BedrockClient({ region }),
    cloudTrail: new CloudTrailClient({ region }),
    sns: new SNSClient({ region }),
    lambda: new LambdaClient({ region }),
    ec2: new EC2Client({ region }),
    secrets: new SecretsManagerClient({ region }),
    probe: async () => 404,
    now: () => new Date(),
    sleep: async () => undefined,
  },
  { recordWaitMs: 0, cloudTrailWaitMs: 0, pollIntervalMs: 0 },
);

describe('doctorChecks', () => {
  it('has unique ids and runs the canary last (it waits on CloudTrail)', () => {
    const ids = checks.map((check) => check.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)).toBe('canary');
  });

  it('is documented check by check in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    expect(checks.map((check) => check.id).filter((id) => !readme.includes(`| \`${id}\` |`))).toEqual([]);
  });
});
