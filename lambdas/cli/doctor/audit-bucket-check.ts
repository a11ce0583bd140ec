/**
 * The audit bucket is versioned with Object Lock on and the default retention config asked for, so every
 * gateway record and CloudTrail file is write-once for that long.
 */
import { GetBucketVersioningCommand, GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DoctorCheck, fail, pass } from './check';
import { expectedRetention, ruleDays } from './object-lock';
import { AUDIT_DATA_OUTPUTS } from './stack-outputs';

export function auditBucketCheck(s3: S3Client): DoctorCheck {
  return {
    id: 'audit-bucket-object-lock',
    title: 'Audit bucket: Object Lock default retention',
    async run({ outputs }) {
      const bucket = outputs.auditData.get(AUDIT_DATA_OUTPUTS.auditBucketName);
      const expected = expectedRetention(outputs.auditData);
      const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      const lock = await readObjectLock(s3, bucket);
      const rule = lock?.Rule?.DefaultRetention;
      const days = rule ? ruleDays(rule) : undefined;
      const found = rule ? `${rule.Mode ?? 'no mode'}, ${days ?? '?'} days` : 'no default retention';
      const details = [`bucket ${bucket}`, `versioning ${versioning.Status ?? 'never enabled'}`, `found: ${found}`];
      const fixRedeploy =
        'Object Lock can only be enabled at bucket creation: the AuditData stack must create the bucket with ' +
        'objectLockEnabled; redeploy it (a retained bucket without lock must be replaced, see README)';
      if (lock?.ObjectLockEnabled !== 'Enabled') {
        return fail(`Object Lock is not enabled on ${bucket}`, fixRedeploy, details);
      }
      if (versioning.Status !== 'Enabled') {
        return fail(`versioning is ${versioning.Status ?? 'off'} on ${bucket}`, fixRedeploy, details);
      }
      if (!rule || rule.Mode !== expected.mode || days === undefined || days < expected.days) {
        return fail(
          `default retention is ${found}; expected ${expected.mode}, at least ${expected.days} days`,
          'set audit.retentionDays / audit.objectLockMode in cdk.json and redeploy AuditData; a COMPLIANCE rule ' +
            'can only be lengthened, and the bucket policy lets only audit.breakGlassPrincipalArns change it',
          details,
        );
      }
      return pass(`${bucket}: ${expected.mode} default retention, ${days} days`, details);
    },
  };
}

/** The bucket's Object Lock configuration, or undefined when it has none (S3 answers with an error then). */
export async function readObjectLock(s3: S3Client, bucket: string) {
  try {
    const response = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return response.ObjectLockConfiguration;
  } catch (error) {
    if (error instanceof Error && error.name === 'ObjectLockConfigurationNotFoundError') return undefined;
    throw error;
  }
}
