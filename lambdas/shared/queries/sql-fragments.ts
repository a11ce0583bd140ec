/** SQL fragments shared by the query definitions (both engines accept them unchanged). */
import type { Dialect } from './dialect';

/** The Bedrock runtime APIs that run a model (CloudTrail management events). */
export const BEDROCK_INVOKE_EVENTS = "('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')";

/** The IAM identity behind a CloudTrail event: the role for assumed-role sessions, else the caller's ARN. */
export const CALLER_ARN = 'coalesce(c.useridentity.sessioncontext.sessionissuer.arn, c.useridentity.arn)';

/** CloudTrail files delivered in the range (plus a day) and events that happened in the range. */
export const cloudTrailRange = (from = ':ct_from', to = ':ct_to_plus_1'): string =>
  `c."timestamp" BETWEEN ${from} AND ${to}
  AND substr(c.eventtime, 1, 10) BETWEEN :from AND :to`;

/** Columns of the audit-trail read reports. */
export const AUDIT_TRAIL_READ_COLUMNS: readonly string[] = [
  'principal_arn',
  'via',
  'bucket',
  'key_prefix',
  'reads',
  'objects',
  'failed_reads',
  'first_read',
  'last_read',
];

/**
 * CloudTrail S3 GetObject data events grouped by caller, the service that read on their behalf, bucket and
 * top-level prefix; `callerCondition` narrows the callers (e.g. to those outside the auditor list).
 */
export function auditTrailReadsSql(d: Dialect, callerCondition?: string): string {
  return `
SELECT ${CALLER_ARN} AS principal_arn, coalesce(c.useridentity.invokedby, 'direct') AS via,
  ${d.jsonText('c.requestparameters', '$.bucketName')} AS bucket,
  split_part(${d.jsonText('c.requestparameters', '$.key')}, '/', 1) AS key_prefix,
  COUNT(*) AS reads, COUNT(DISTINCT ${d.jsonText('c.requestparameters', '$.key')}) AS objects,
  count_if(c.errorcode IS NOT NULL) AS failed_reads,
  MIN(c.eventtime) AS first_read, MAX(c.eventtime) AS last_read
FROM cloudtrail_events c
WHERE ${cloudTrailRange()}
  AND c.eventsource = 's3.amazonaws.com'
  AND c.eventname = 'GetObject'${callerCondition ? `\n  AND ${callerCondition}` : ''}
GROUP BY ${CALLER_ARN}, coalesce(c.useridentity.invokedby, 'direct'),
  ${d.jsonText('c.requestparameters', '$.bucketName')},
  split_part(${d.jsonText('c.requestparameters', '$.key')}, '/', 1)
ORDER BY principal_arn, via, bucket, key_prefix`;
}
