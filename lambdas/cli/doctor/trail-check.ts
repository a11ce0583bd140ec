/**
 * The trail is logging, validating (digest files), multi-region, delivering into the audit bucket, and has
 * delivered without error. A delivered log file and digest also prove that CloudTrail's writer is accepted by
 * the Object Lock bucket (S3 wants Content-MD5 or an `x-amz-checksum-*` header there; undocumented for CloudTrail).
 */
import { type CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { type DoctorCheck, fail, pass } from './check';
import { AUDIT_DATA_OUTPUTS } from './stack-outputs';

export function trailCheck(cloudTrail: CloudTrailClient): DoctorCheck {
  return {
    id: 'cloudtrail',
    title: 'CloudTrail: logging, validating, delivering',
    async run({ outputs }) {
      const name = outputs.auditData.get(AUDIT_DATA_OUTPUTS.trailName);
      const bucket = outputs.auditData.get(AUDIT_DATA_OUTPUTS.auditBucketName);
      const described = await cloudTrail.send(new DescribeTrailsCommand({ trailNameList: [name] }));
      const trail = described.trailList?.find((candidate) => candidate.Name === name);
      if (!trail) return fail(`trail ${name} not found`, 'redeploy the AuditData stack');
      const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: trail.TrailARN ?? name }));
      const problems: string[] = [];
      let fix = 'redeploy the AuditData stack to restore the trail settings';
      if (status.IsLogging !== true) {
        problems.push('logging is stopped');
        fix = `start it: aws cloudtrail start-logging --name ${name} (and find out who stopped it: StopLogging events)`;
      }
      if (trail.LogFileValidationEnabled !== true) problems.push('log file validation is off');
      if (trail.IsMultiRegionTrail !== true) problems.push('not multi-region');
      if (trail.IncludeGlobalServiceEvents !== true) problems.push('global service events excluded');
      if (trail.S3BucketName !== bucket)
        problems.push(`delivers to ${trail.S3BucketName ?? 'no bucket'}, not ${bucket}`);
      if (status.LatestDeliveryError) problems.push(`latest delivery error: ${status.LatestDeliveryError}`);
      if (status.LatestDigestDeliveryError) problems.push(`latest digest error: ${status.LatestDigestDeliveryError}`);
      if (status.LatestDeliveryError || status.LatestDigestDeliveryError) {
        fix =
          'CloudTrail cannot write into the audit bucket: check the bucket policy, the audit key policy and the ' +
          'Object Lock checksum requirement (AWS-NOTES: unverified for CloudTrail)';
      }
      const details = [
        `last log file ${status.LatestDeliveryTime?.toISOString() ?? 'never'}`,
        `last digest ${status.LatestDigestDeliveryTime?.toISOString() ?? 'never'}`,
      ];
      if (problems.length > 0) return fail(`trail ${name}: ${problems.join('; ')}`, fix, details);
      if (!status.LatestDeliveryTime || !status.LatestDigestDeliveryTime) {
        return fail(
          `trail ${name} has not delivered a ${status.LatestDeliveryTime ? 'digest file' : 'log file'} yet`,
          'log files arrive within about 5 minutes of activity and digest files hourly: run the doctor again later',
          details,
        );
      }
      return pass(`trail ${name} is logging and validating into ${bucket}`, details);
    },
  };
}
