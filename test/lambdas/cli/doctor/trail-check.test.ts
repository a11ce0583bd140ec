import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  type GetTrailStatusCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { trailCheck } from '../../../../lambdas/cli/doctor/trail-check';
import { AUDIT_BUCKET, contextFixture, TRAIL_NAME } from './fixtures';

const cloudTrail = mockClient(CloudTrailClient);
const trailArn = `arn:aws:cloudtrail:ap-south-1:111122223333:trail/${TRAIL_NAME}`;
const delivered: Partial<GetTrailStatusCommandOutput> = {
  IsLogging: true,
  LatestDeliveryTime: new Date('2026-12-04T11:55:00Z'),
  LatestDigestDeliveryTime: new Date('2026-12-04T11:10:00Z'),
};

beforeEach(() => {
  cloudTrail.reset();
  cloudTrail.on(DescribeTrailsCommand).resolves({
    trailList: [
      {
        Name: TRAIL_NAME,
        TrailARN: trailArn,
        S3BucketName: AUDIT_BUCKET,
        LogFileValidationEnabled: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
      },
    ],
  });
  cloudTrail.on(GetTrailStatusCommand).resolves(delivered);
});

const run = () => runCheck(trailCheck(new CloudTrailClient({})), contextFixture(), Date.now);

describe('trailCheck', () => {
  it('passes when the trail logs, validates and has delivered a log file and a digest into the audit bucket', async () => {
    const result = await run();

    expect(result.status).toBe('pass');
    expect(cloudTrail.commandCalls(DescribeTrailsCommand)[0]?.args[0].input).toEqual({ trailNameList: [TRAIL_NAME] });
    expect(cloudTrail.commandCalls(GetTrailStatusCommand)[0]?.args[0].input).toEqual({ Name: trailArn });
  });

  it('fails when logging was stopped, with the command that restarts it', async () => {
    cloudTrail.on(GetTrailStatusCommand).resolves({ ...delivered, IsLogging: false });

    const result = await run();

    expect(result.summary).toContain('logging is stopped');
    expect(result.fix).toContain(`aws cloudtrail start-logging --name ${TRAIL_NAME}`);
  });

  it('fails on a delivery error, pointing at the bucket and key policies and the checksum requirement', async () => {
    cloudTrail.on(GetTrailStatusCommand).resolves({ ...delivered, LatestDeliveryError: 'AccessDenied' });

    const result = await run();

    expect(result.summary).toContain('latest delivery error: AccessDenied');
    expect(result.fix).toContain('checksum');
  });

  it('fails until the first digest file is delivered', async () => {
    cloudTrail.on(GetTrailStatusCommand).resolves({ ...delivered, LatestDigestDeliveryTime: undefined });

    const result = await run();

    expect(result.summary).toBe(`trail ${TRAIL_NAME} has not delivered a digest file yet`);
    expect(result.fix).toContain('hourly');
  });

  it('fails when validation is off or the trail writes elsewhere', async () => {
    cloudTrail.on(DescribeTrailsCommand).resolves({
      trailList: [
        {
          Name: TRAIL_NAME,
          S3BucketName: 'other',
          LogFileValidationEnabled: false,
          IsMultiRegionTrail: true,
          IncludeGlobalServiceEvents: true,
        },
      ],
    });

    const result = await run();

    expect(result.summary).toContain('log file validation is off');
    expect(result.summary).toContain(`delivers to other, not ${AUDIT_BUCKET}`);
  });

  it('fails when the trail does not exist', async () => {
    cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
    expect((await run()).summary).toBe(`trail ${TRAIL_NAME} not found`);
  });
});
