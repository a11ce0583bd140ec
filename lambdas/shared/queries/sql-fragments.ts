/** SQL fragments shared by the query definitions (both engines accept them unchanged). */

/** The Bedrock runtime APIs that run a model (CloudTrail management events). */
export const BEDROCK_INVOKE_EVENTS = "('InvokeModel', 'InvokeModelWithResponseStream', 'Converse', 'ConverseStream')";

/** The IAM identity behind a CloudTrail event: the role for assumed-role sessions, else the caller's ARN. */
export const CALLER_ARN = 'coalesce(c.useridentity.sessioncontext.sessionissuer.arn, c.useridentity.arn)';

/** CloudTrail files delivered in the range (plus a day) and events that happened in the range. */
export const cloudTrailRange = (from = ':ct_from', to = ':ct_to_plus_1'): string =>
  `c."timestamp" BETWEEN ${from} AND ${to}
  AND substr(c.eventtime, 1, 10) BETWEEN :from AND :to`;
