/**
 * Bedrock's invocation logs are write-once. Two layouts are recognised:
 * - a dedicated bucket with Object Lock on and NO default retention, where an S3-event function (object-created
 *   notification to Lambda, or EventBridge) sets each delivered object's retention (issue 11: nothing documents that Bedrock's writer sends the Content-MD5 or
 *   `x-amz-checksum-*` header S3 requires for puts under default retention);
 * - the audit bucket itself (the earlier layout), locked by its default retention.
 * Either way the proof is on delivered objects: each sampled one must carry the configured mode and days.
 */
import { GetBucketNotificationConfigurationCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { readObjectLock } from './audit-bucket-check';
import { bedrockLoggingExpectation } from './bedrock-logging-expectation';
import { type DoctorCheck, fail, pass, skip } from './check';
import { expectedRetention, headRetention, retentionShortfall } from './object-lock';
import { AUDIT_DATA_OUTPUTS } from './stack-outputs';

/** Bedrock writes this object when logging is switched on, to prove it may write. */
export const PERMISSION_CHECK_OBJECT = 'amazon-bedrock-logs-permission-check';
/** Delivered objects sampled besides the permission-check object. */
const SAMPLE_SIZE = 3;

export function bedrockLogBucketCheck(s3: S3Client, now: () => Date): DoctorCheck {
  return {
    id: 'bedrock-log-bucket-object-lock',
    title: 'Bedrock log bucket: delivered logs are locked',
    async run({ outputs }) {
      const expectation = bedrockLoggingExpectation(outputs);
      if (!expectation) return skip('Bedrock invocation logging is disabled in config');
      const { bucketName: bucket, keyPrefix } = expectation;
      const retention = expectedRetention(outputs.auditData);
      const dedicated = bucket !== outputs.auditData.get(AUDIT_DATA_OUTPUTS.auditBucketName);
      const lock = await readObjectLock(s3, bucket);
      const details = [`bucket ${bucket} (${dedicated ? 'dedicated' : 'shared with the audit records'})`];
      if (lock?.ObjectLockEnabled !== 'Enabled') {
        return fail(
          `Object Lock is not enabled on ${bucket}`,
          'Object Lock can only be enabled when a bucket is created: the AuditData stack must create it with ' +
            'objectLockEnabled; redeploy',
          details,
        );
      }
      const defaultRule = lock.Rule?.DefaultRetention;
      if (dedicated && defaultRule) {
        return fail(
          `${bucket} has a default retention rule (${defaultRule.Mode ?? '?'}); the design has none`,
          "remove the default rule from the Bedrock log bucket (S3 rejects Bedrock's puts if its writer sends no " +
            'checksum); retention comes from the per-object retention function',
          details,
        );
      }
      if (dedicated) {
        const notifications = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
        const invokesOnCreate = (notifications.LambdaFunctionConfigurations ?? []).some((target) =>
          (target.Events ?? []).some((event) => event.startsWith('s3:ObjectCreated:')),
        );
        if (!invokesOnCreate && !notifications.EventBridgeConfiguration) {
          return fail(
            `no object-created notification on ${bucket}: nothing sets retention on delivered logs`,
            'redeploy the AuditData stack (it wires the per-object retention function to the bucket)',
            details,
          );
        }
        details.push(
          invokesOnCreate ? 'object-created events invoke a function' : 'object-created events go to EventBridge',
        );
      }
      const listing = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${keyPrefix}/`, MaxKeys: 1000 }),
      );
      const keys = (listing.Contents ?? []).map((object) => object.Key).filter((key): key is string => !!key);
      if (keys.length === 0) {
        return fail(
          `nothing delivered under s3://${bucket}/${keyPrefix}/ (not even ${PERMISSION_CHECK_OBJECT})`,
          'make one Bedrock call (the canary check does) and run the doctor again after a few minutes; if still ' +
            'empty, Bedrock cannot write: check the bedrock-invocation-logging check and the bucket and key policies',
          details,
        );
      }
      const permissionCheck = keys.find((key) => key.endsWith(PERMISSION_CHECK_OBJECT));
      const sample = [
        ...(permissionCheck ? [permissionCheck] : []),
        ...keys.filter((key) => key !== permissionCheck).slice(-SAMPLE_SIZE),
      ];
      const at = now();
      const shortfalls: string[] = [];
      for (const key of sample) {
        const shortfall = retentionShortfall(await headRetention(s3, bucket, key), retention, at);
        if (shortfall) shortfalls.push(shortfall);
      }
      details.push(`${keys.length}${listing.IsTruncated ? '+' : ''} objects listed, ${sample.length} checked`);
      if (!permissionCheck) details.push(`${PERMISSION_CHECK_OBJECT} not among the first ${keys.length} keys`);
      if (shortfalls.length > 0) {
        return fail(
          `${shortfalls.length} of ${sample.length} delivered objects are not locked as configured`,
          dedicated
            ? 'the per-object retention function did not lock them: read its log group and check the bucket event ' +
                'notification; lock the listed objects with s3api put-object-retention'
            : 'default retention should lock every new object: check the audit-bucket-object-lock check',
          [...details, ...shortfalls],
        );
      }
      return pass(
        `${sample.length} delivered objects locked ${retention.mode} for at least ${retention.days} days`,
        details,
      );
    },
  };
}
