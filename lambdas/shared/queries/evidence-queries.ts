/**
 * Evidence queries: answers that come from sources the gateway does not write (Bedrock invocation logs, CloudTrail),
 * so an auditor does not have to take the gateway's word for them.
 *
 * Join key (residency-evidence). The gateway records the Bedrock response header `x-amzn-requestid` as
 * `upstream_request_id`. CloudTrail's `requestID` is the request id the called service generated and returned
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html;
 * https://http.dev/x-amzn-requestid: the same id is recorded in CloudTrail entries). Bedrock invocation logs carry
 * it as `requestId` (a UUID, same shape as the header; real log lines in
 * github.com/ZainZia0341/Lambda-Artillery-loadTest monitoring-logs/2025-08-22_14-48-41Z/bedrock-insights.md, with
 * `inferenceRegion`). No AWS page states that the log's `requestId` equals the header, so each source is joined on
 * its own: a call found in only one of them still gets its Region, and one found in neither is reported as
 * `no_evidence`, never as compliant.
 * Serving Region: CloudTrail `additionalEventData.inferenceRegion` "records where each request was processed"
 * (https://aws.amazon.com/blogs/machine-learning/run-generative-ai-inference-with-amazon-bedrock-in-asia-pacific-new-zealand);
 * the invocation log's `inferenceRegion` (https://docs.panther.com/data-onboarding/supported-logs/aws/bedrock-model-invocation).
 */
import { METRICS } from '../observability/metric-names';
import scopeRegions from './bedrock-scope-regions.json';
import type { NamedQuery } from './render';
import {
  AUDIT_TRAIL_READ_COLUMNS,
  auditTrailReadsSql,
  BEDROCK_INVOKE_EVENTS,
  CALLER_ARN,
  cloudTrailRange,
} from './sql-fragments';

interface ScopeRule {
  readonly anyRegion?: boolean;
  readonly regionPrefixes?: readonly string[];
  readonly sourceRegion?: boolean;
}

const SCOPE_NAME = /^[a-z][a-z-]{0,31}$/;
const REGION_PREFIX = /^[a-z]{2,3}-([a-z]+-)?$/;

/**
 * SQL that is true when `region` is allowed by any scope in `scopes` (the policy's scope list as `,a,b,`), from
 * the dated table in bedrock-scope-regions.json. Names and prefixes are checked before they reach SQL.
 */
export function regionAllowedSql(region: string, sourceRegion: string, scopes: string): string {
  const rules = scopeRegions.scopes as Readonly<Record<string, ScopeRule>>;
  const parts = Object.entries(rules).map(([scope, rule]) => {
    if (!SCOPE_NAME.test(scope)) throw new Error(`bedrock-scope-regions.json: bad scope name ${scope}`);
    const listed = `strpos(${scopes}, ',${scope},') > 0`;
    if (rule.anyRegion === true) return listed;
    if (rule.sourceRegion === true) return `(${listed} AND ${region} = ${sourceRegion})`;
    const prefixes = rule.regionPrefixes ?? [];
    for (const prefix of prefixes) {
      if (!REGION_PREFIX.test(prefix)) throw new Error(`bedrock-scope-regions.json: bad prefix ${prefix}`);
    }
    if (prefixes.length === 0) return 'false';
    return `(${listed} AND (${prefixes.map((prefix) => `${region} LIKE '${prefix}%'`).join(' OR ')}))`;
  });
  return `(${parts.join('\n      OR ')})`;
}

/** True when a known Region is not allowed (a NULL Region is never a violation by itself). */
const outside = (region: string, sourceRegion: string): string =>
  `(${region} IS NOT NULL AND NOT coalesce(${regionAllowedSql(region, sourceRegion, 'policy_scopes')}, false))`;

export const residencyEvidence: NamedQuery = {
  name: 'residency-evidence',
  description:
    'Where did each call really run, by evidence the gateway does not write? Per post-call record: for Bedrock, ' +
    'the Region from the invocation log (inferenceRegion) and from CloudTrail (additionalEventData.inferenceRegion), ' +
    'joined on upstream_request_id (x-amzn-requestid) = requestId / requestID; for Anthropic, usage.inference_geo ' +
    '(inference_geo_actual). verdict: within_policy, outside_policy (a Region or geo the tenant policy does not ' +
    'allow: global any Region, apac ap-*, in-region the Region that received the call, see ' +
    'bedrock-scope-regions.json) or no_evidence (found in neither source). violation counts outside_policy; ' +
    'it must be zero. The daily check publishes it.',
  columns: [
    'ts',
    'tenant_id',
    'request_id',
    'provider',
    'model_id',
    'residency_policy',
    'recorded_scope',
    'upstream_request_id',
    'source_region',
    'log_inference_region',
    'cloudtrail_inference_region',
    'inference_region',
    'evidence',
    'verdict',
    'violation',
  ],
  requires: [],
  check: { metricName: METRICS.residencyViolations.name, whereColumn: 'violation' },
  sql: ({ d, tenantFilter }) => `
WITH g AS (
  SELECT a.ts, a.tenant_id, a.request_id, a.provider, a.model_id, a.residency_policy, a.inference_geo_actual,
    a.upstream_request_id,
    split_part(coalesce(a.residency_policy, ''), ':', 1) AS policy_provider,
    ',' || split_part(coalesce(a.residency_policy, ''), ':', 2) || ',' AS policy_scopes
  FROM gateway_audit a
  WHERE a.dt BETWEEN :from AND :to ${tenantFilter('a')}
    AND a.event = 'post_call'
    AND (a.upstream_request_id IS NOT NULL OR a.inference_geo_actual IS NOT NULL)
), bl AS (
  SELECT b.requestid, MAX(b.region) AS source_region, MAX(b.inferenceregion) AS inference_region
  FROM bedrock_invocations b
  WHERE b.date_hour BETWEEN :ct_from AND :ct_to_plus_2
  GROUP BY b.requestid
), ct AS (
  SELECT c.requestid, MAX(c.awsregion) AS source_region,
    MAX(${d.jsonText('c.additionaleventdata', '$.inferenceRegion')}) AS inference_region
  FROM cloudtrail_events c
  WHERE c."timestamp" BETWEEN :ct_from AND :ct_to_plus_1
    AND c.eventsource = 'bedrock.amazonaws.com'
    AND c.eventname IN ${BEDROCK_INVOKE_EVENTS}
  GROUP BY c.requestid
), joined AS (
  SELECT g.*, bl.source_region AS log_source_region, bl.inference_region AS log_inference_region,
    ct.source_region AS ct_source_region, ct.inference_region AS cloudtrail_inference_region,
    coalesce(bl.source_region, ct.source_region) AS source_region,
    bl.requestid IS NOT NULL OR ct.requestid IS NOT NULL AS found
  FROM g
  LEFT JOIN bl ON g.provider = 'bedrock' AND bl.requestid = g.upstream_request_id
  LEFT JOIN ct ON g.provider = 'bedrock' AND ct.requestid = g.upstream_request_id
), evidenced AS (
  SELECT joined.*,
    CASE
      WHEN provider = 'bedrock' THEN coalesce(log_inference_region, cloudtrail_inference_region,
        -- A plain (in-region) model id runs where it was received; only when a source saw the call.
        CASE WHEN found AND inference_geo_actual = 'in-region' THEN source_region END)
      ELSE inference_geo_actual
    END AS inference_region
  FROM joined
), judged AS (
  SELECT evidenced.*,
    CASE
      WHEN inference_region IS NULL THEN false
      WHEN policy_provider <> coalesce(provider, '') THEN true
      WHEN provider = 'bedrock' THEN
        ${outside('log_inference_region', 'log_source_region')}
        OR ${outside('cloudtrail_inference_region', 'ct_source_region')}
        OR ${outside('inference_region', 'source_region')}
      ELSE strpos(policy_scopes, ',' || inference_region || ',') = 0
    END AS violation
  FROM evidenced
)
SELECT ts, tenant_id, request_id, provider, model_id, residency_policy, inference_geo_actual AS recorded_scope,
  upstream_request_id, source_region, log_inference_region, cloudtrail_inference_region, inference_region,
  CASE
    WHEN provider <> 'bedrock' THEN CASE WHEN inference_region IS NULL THEN 'none' ELSE 'anthropic_usage' END
    WHEN log_inference_region IS NOT NULL AND cloudtrail_inference_region IS NOT NULL THEN 'invocation_log,cloudtrail'
    WHEN log_inference_region IS NOT NULL THEN 'invocation_log'
    WHEN cloudtrail_inference_region IS NOT NULL THEN 'cloudtrail'
    WHEN inference_region IS NOT NULL THEN 'source_region'
    ELSE 'none'
  END AS evidence,
  CASE WHEN violation THEN 'outside_policy' WHEN inference_region IS NULL THEN 'no_evidence' ELSE 'within_policy' END
    AS verdict,
  violation
FROM judged
ORDER BY ts, request_id`,
};

export const reidentificationEvents: NamedQuery = {
  name: 'reidentification-events',
  description:
    'Who re-identified whom? CloudTrail kms:Decrypt events whose encryption context carries tenant_id (the context ' +
    'the gateway binds to every re-identification data key): when, which principal (the role behind a session), ' +
    'through which service, for which tenant, with which key, from where, and whether KMS allowed it (outcome ' +
    'decrypted, or the error code of a refused attempt). --tenant filters on the encryption context.',
  columns: [
    'event_time',
    'principal_arn',
    'via',
    'tenant_id',
    'key_arn',
    'source_ip',
    'outcome',
    'cloudtrail_request_id',
  ],
  requires: [],
  sql: ({ d, hasTenant }) => `
SELECT c.eventtime AS event_time, ${CALLER_ARN} AS principal_arn, coalesce(c.useridentity.invokedby, 'direct') AS via,
  ${d.jsonText('c.requestparameters', '$.encryptionContext.tenant_id')} AS tenant_id,
  coalesce(${d.firstElement('c.resources')}.arn, ${d.jsonText('c.requestparameters', '$.keyId')}) AS key_arn,
  c.sourceipaddress AS source_ip, coalesce(c.errorcode, 'decrypted') AS outcome, c.requestid AS cloudtrail_request_id
FROM cloudtrail_events c
WHERE ${cloudTrailRange()}
  AND c.eventsource = 'kms.amazonaws.com'
  AND c.eventname = 'Decrypt'
  AND ${d.jsonText('c.requestparameters', '$.encryptionContext.tenant_id')} IS NOT NULL
  ${hasTenant ? `AND ${d.jsonText('c.requestparameters', '$.encryptionContext.tenant_id')} = :tenant` : ''}
ORDER BY event_time, principal_arn, cloudtrail_request_id`,
};

export const auditTrailReadsOutsideAuditors: NamedQuery = {
  name: 'audit-trail-reads-outside-auditors',
  description:
    'Who read the audit trail without being a named auditor? CloudTrail S3 GetObject data events on the audit ' +
    'buckets by any principal (the role behind a session, or the user) not in --auditor-arns, grouped by caller, ' +
    'service that read on their behalf, bucket and top-level prefix: reads, distinct objects, refused reads. ' +
    'Include the daily-check role among the auditors (its Athena queries read the trail). Rows must be zero.',
  columns: AUDIT_TRAIL_READ_COLUMNS,
  requires: ['auditorArns'],
  sql: ({ d }) => auditTrailReadsSql(d, `coalesce(${CALLER_ARN}, '') NOT IN :auditor_arns`),
};
