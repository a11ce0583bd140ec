/**
 * The named compliance queries, as data. Each renders for Athena and DuckDB (see `render.ts`); every
 * `gateway_audit` scan filters the `dt` partition (and `tenant` when given) so Athena prunes partitions.
 *
 * Conventions: output columns are text, integers, doubles or booleans (never engine-specific types);
 * timestamps are output as the ISO text stored in the record or CloudTrail event; money is rounded to 6
 * decimals and ratios to 4 so both engines print the same numbers.
 */
import { METRICS } from '../observability/metric-names';
import { auditTrailReadsOutsideAuditors, reidentificationEvents, residencyEvidence } from './evidence-queries';
import type { NamedQuery, SqlContext } from './render';
import {
  AUDIT_TRAIL_READ_COLUMNS,
  auditTrailReadsSql,
  BEDROCK_INVOKE_EVENTS,
  CALLER_ARN,
  cloudTrailRange,
} from './sql-fragments';

const auditRange = (alias: string, { tenantFilter }: SqlContext, from = ':from', to = ':to'): string =>
  `${alias}.dt BETWEEN ${from} AND ${to} ${tenantFilter(alias)}`;

const requestsByTenant: NamedQuery = {
  name: 'requests-by-tenant',
  description:
    'How many requests did each tenant send? Counts distinct gateway request ids with any audit record ' +
    '(pre-call, post-call or denied) dated in the range.',
  columns: ['tenant_id', 'requests'],
  requires: [],
  sql: (ctx) => `
SELECT a.tenant_id AS tenant_id, COUNT(DISTINCT a.request_id) AS requests
FROM gateway_audit a
WHERE ${auditRange('a', ctx)}
GROUP BY a.tenant_id
ORDER BY tenant_id`,
};

const requestsByPrincipalAndModel: NamedQuery = {
  name: 'requests-by-principal-and-model',
  description:
    'Who called which model? Per tenant, principal (API key id or OAuth2 client) and model (the pinned model id, ' +
    'or the requested name when the request was denied before pinning): requests, how many succeeded, failed ' +
    'upstream or were denied, and the tokens billed. Based on post-call and denied records.',
  columns: [
    'tenant_id',
    'principal',
    'model',
    'requests',
    'succeeded',
    'failed',
    'denied',
    'input_tokens',
    'output_tokens',
  ],
  requires: [],
  sql: (ctx) => `
SELECT a.tenant_id AS tenant_id, a.principal AS principal, coalesce(a.model_id, a.model_requested) AS model,
  COUNT(DISTINCT a.request_id) AS requests,
  count_if(a.event = 'post_call' AND a.status = 'ok') AS succeeded,
  count_if(a.event = 'post_call' AND a.status <> 'ok') AS failed,
  count_if(a.event = 'denied') AS denied,
  coalesce(SUM(a.input_tokens), 0) AS input_tokens,
  coalesce(SUM(a.output_tokens), 0) AS output_tokens
FROM gateway_audit a
WHERE ${auditRange('a', ctx)}
  AND a.event IN ('post_call', 'denied')
GROUP BY a.tenant_id, a.principal, coalesce(a.model_id, a.model_requested)
ORDER BY tenant_id, principal, model NULLS LAST`,
};

const piiByType: NamedQuery = {
  name: 'pii-by-type',
  description:
    'Which kinds of personal data reached the gateway in prompts sent upstream? Per tenant and PII type: total ' +
    'detections and the number of requests with at least one, from pre-call records (values were replaced by ' +
    'tokens before the call).',
  columns: ['tenant_id', 'pii_type', 'detections', 'requests'],
  requires: [],
  sql: (ctx) => `
SELECT a.tenant_id AS tenant_id, p.pii_type AS pii_type, SUM(p.detections) AS detections,
  COUNT(DISTINCT a.request_id) AS requests
FROM gateway_audit a
${ctx.d.unnestMap('a.pii_counts', 'p', 'pii_type', 'detections')}
WHERE ${auditRange('a', ctx)}
  AND a.event = 'pre_call'
  AND p.detections > 0
GROUP BY a.tenant_id, p.pii_type
ORDER BY tenant_id, pii_type`,
};

const costByTenantDaily: NamedQuery = {
  name: 'cost-by-tenant-daily',
  description:
    'What did each tenant spend per day, and how does it compare with the same weekday a week earlier? ' +
    'Sums cost_usd of post-call records per tenant and UTC day; cost_usd_week_before is the same tenant seven ' +
    'days earlier (null when there was no traffic) and wow_change_pct the change in percent (null when the ' +
    'earlier day cost nothing).',
  columns: ['tenant_id', 'day', 'requests', 'cost_usd', 'cost_usd_week_before', 'wow_change_pct'],
  requires: [],
  sql: (ctx) => `
WITH daily AS (
  SELECT a.tenant_id AS tenant_id, a.dt AS day, COUNT(*) AS requests, SUM(coalesce(a.cost_usd, 0)) AS cost_usd
  FROM gateway_audit a
  WHERE ${auditRange('a', ctx, ':from_minus_7')}
    AND a.event = 'post_call'
  GROUP BY a.tenant_id, a.dt
)
SELECT d.tenant_id AS tenant_id, d.day AS day, d.requests AS requests, round(d.cost_usd, 6) AS cost_usd,
  round(w.cost_usd, 6) AS cost_usd_week_before,
  round(100 * (d.cost_usd - w.cost_usd) / NULLIF(w.cost_usd, 0), 2) AS wow_change_pct
FROM daily d
LEFT JOIN daily w
  ON w.tenant_id = d.tenant_id AND CAST(w.day AS DATE) = ${ctx.d.addDays('CAST(d.day AS DATE)', -7)}
WHERE d.day BETWEEN :from AND :to
ORDER BY tenant_id, day`,
};

const cacheHitRateWeekly: NamedQuery = {
  name: 'cache-hit-rate-weekly',
  description:
    "How much of each tenant's input is served from the prompt cache? Per tenant and ISO week (Monday start, " +
    'clipped to the range): cache_hit_rate = cache_read / (cache_read + cache_creation + uncached input) tokens ' +
    'of post-call records; below_target is true under 50 %.',
  columns: [
    'tenant_id',
    'week_start',
    'input_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'cache_hit_rate',
    'below_target',
  ],
  requires: [],
  sql: (ctx) => `
WITH weekly AS (
  SELECT a.tenant_id AS tenant_id, ${ctx.d.weekStart('CAST(a.dt AS DATE)')} AS week_start,
    SUM(coalesce(a.input_tokens, 0)) AS input_tokens,
    SUM(coalesce(a.cache_read_input_tokens, 0)) AS cache_read_input_tokens,
    SUM(coalesce(a.cache_creation_input_tokens, 0)) AS cache_creation_input_tokens
  FROM gateway_audit a
  WHERE ${auditRange('a', ctx)}
    AND a.event = 'post_call'
  GROUP BY a.tenant_id, ${ctx.d.weekStart('CAST(a.dt AS DATE)')}
), rated AS (
  SELECT weekly.*,
    CAST(cache_read_input_tokens AS DOUBLE)
      / NULLIF(cache_read_input_tokens + cache_creation_input_tokens + input_tokens, 0) AS rate
  FROM weekly
)
SELECT tenant_id, week_start, input_tokens, cache_read_input_tokens, cache_creation_input_tokens,
  round(rate, 4) AS cache_hit_rate, rate < 0.5 AS below_target
FROM rated
ORDER BY tenant_id, week_start`,
};

const deniedRequests: NamedQuery = {
  name: 'denied-requests',
  description:
    'Which requests did tenant policy refuse, and why? One row per denied record: who asked, for which model ' +
    'and data classification, the machine-readable deny reason and the HTTP status returned.',
  columns: [
    'ts',
    'tenant_id',
    'request_id',
    'principal',
    'model_requested',
    'data_classification',
    'deny_reason',
    'http_status',
  ],
  requires: [],
  sql: (ctx) => `
SELECT a.ts AS ts, a.tenant_id AS tenant_id, a.request_id AS request_id, a.principal AS principal,
  a.model_requested AS model_requested, a.data_classification AS data_classification,
  a.deny_reason AS deny_reason, a.http_status AS http_status
FROM gateway_audit a
WHERE ${auditRange('a', ctx)}
  AND a.event = 'denied'
ORDER BY ts, request_id`,
};

const nonZdrFeatureUse: NamedQuery = {
  name: 'non-zdr-feature-use',
  description:
    'Which requests used features that are not zero-data-retention eligible, and under which approved opt-in? ' +
    'One row per pre-call record with zdr_eligible = false: the features detected and the opt-ins ' +
    '(feature:review-reference) that allowed them.',
  columns: ['ts', 'tenant_id', 'request_id', 'principal', 'model_id', 'features', 'zdr_opt_ins'],
  requires: [],
  sql: (ctx) => `
SELECT a.ts AS ts, a.tenant_id AS tenant_id, a.request_id AS request_id, a.principal AS principal,
  a.model_id AS model_id, ${ctx.d.joinArray('a.features', ',')} AS features,
  ${ctx.d.joinArray('a.zdr_opt_ins', ',')} AS zdr_opt_ins
FROM gateway_audit a
WHERE ${auditRange('a', ctx)}
  AND a.event = 'pre_call'
  AND a.zdr_eligible = false
ORDER BY ts, request_id`,
};

const orphanedPreCall: NamedQuery = {
  name: 'orphaned-pre-call',
  description:
    'Which calls went upstream without a post-call record? A pre-call record dated in the range is orphaned ' +
    'when, 15 minutes after it, no post-call record with the same request_id exists (post_call_ts shows a ' +
    'later one, if any, up to the day after the range). Pre-call records younger than 15 minutes are not judged.',
  columns: ['tenant_id', 'request_id', 'pre_call_ts', 'principal', 'model_id', 'post_call_ts'],
  requires: [],
  check: { metricName: METRICS.orphanedPreCallRecords.name },
  sql: (ctx) => `
WITH pre AS (
  SELECT a.tenant_id, a.request_id, a.ts, a.principal, a.model_id
  FROM gateway_audit a
  WHERE ${auditRange('a', ctx)}
    AND a.event = 'pre_call'
), post AS (
  SELECT a.request_id, MIN(a.ts) AS ts
  FROM gateway_audit a
  WHERE ${auditRange('a', ctx, ':from', ':to_plus_1')}
    AND a.event = 'post_call'
  GROUP BY a.request_id
)
SELECT pre.tenant_id AS tenant_id, pre.request_id AS request_id, pre.ts AS pre_call_ts,
  pre.principal AS principal, pre.model_id AS model_id, post.ts AS post_call_ts
FROM pre
LEFT JOIN post ON post.request_id = pre.request_id
WHERE ${ctx.d.timestamp('pre.ts')} + INTERVAL '15' MINUTE <= ${ctx.d.timestamp(':as_of')}
  AND (post.ts IS NULL OR ${ctx.d.timestamp('post.ts')} > ${ctx.d.timestamp('pre.ts')} + INTERVAL '15' MINUTE)
ORDER BY pre_call_ts, request_id`,
};

/**
 * A violation, from the record alone: a post-call record whose `inference_geo_actual` is set and is not allowed
 * by its own `residency_policy` (`<provider>:<scope>[,<scope>...]`), i.e. the policy is missing or malformed,
 * names another provider, or does not list the actual scope.
 */
const RESIDENCY_VIOLATION = `CASE
    WHEN a.inference_geo_actual IS NULL THEN false
    WHEN a.residency_policy IS NULL THEN true
    WHEN strpos(a.residency_policy, ':') = 0 THEN true
    WHEN a.provider IS NULL OR split_part(a.residency_policy, ':', 1) <> a.provider THEN true
    WHEN strpos(',' || split_part(a.residency_policy, ':', 2) || ',', ',' || a.inference_geo_actual || ',') = 0
      THEN true
    ELSE false
  END`;

const residencyReport: NamedQuery = {
  name: 'residency-report',
  description:
    'Where did inference actually run, compared with what was requested and allowed? Post-call records grouped ' +
    'by tenant, provider, residency policy, requested and actual geo/routing scope. violation is true when the ' +
    'actual scope is set and not allowed by the recorded policy (<provider>:<scope>[,<scope>]): policy missing ' +
    'or malformed, another provider, or scope not listed. It shows what the gateway chose; ' +
    'residency-evidence checks each call against Bedrock invocation logs and CloudTrail (the daily check).',
  columns: [
    'tenant_id',
    'provider',
    'residency_policy',
    'inference_geo_requested',
    'inference_geo_actual',
    'requests',
    'violation',
  ],
  requires: [],
  sql: (ctx) => `
WITH checked AS (
  SELECT a.tenant_id, a.provider, a.residency_policy, a.inference_geo_requested, a.inference_geo_actual,
    ${RESIDENCY_VIOLATION} AS violation
  FROM gateway_audit a
  WHERE ${auditRange('a', ctx)}
    AND a.event = 'post_call'
)
SELECT tenant_id, provider, residency_policy, inference_geo_requested, inference_geo_actual,
  COUNT(*) AS requests, violation
FROM checked
GROUP BY tenant_id, provider, residency_policy, inference_geo_requested, inference_geo_actual, violation
ORDER BY tenant_id, provider NULLS LAST, residency_policy NULLS LAST, inference_geo_requested NULLS LAST,
  inference_geo_actual NULLS LAST, violation`,
};

const shadowBedrockUsage: NamedQuery = {
  name: 'shadow-bedrock-usage',
  description:
    'Who invoked Claude on Bedrock outside the gateway? CloudTrail InvokeModel*/Converse* management events in ' +
    'the range by any IAM identity other than the gateway role (--gateway-role-arn), grouped by caller, API, ' +
    'model and the region that served the call (additionalEventData.inferenceRegion).',
  columns: ['principal_arn', 'event_name', 'model_id', 'inference_region', 'calls', 'first_seen', 'last_seen'],
  requires: ['gatewayRoleArn'],
  check: { metricName: METRICS.shadowBedrockInvocations.name, sumColumn: 'calls' },
  sql: ({ d }) => `
SELECT ${CALLER_ARN} AS principal_arn, c.eventname AS event_name,
  ${d.jsonText('c.requestparameters', '$.modelId')} AS model_id,
  ${d.jsonText('c.additionaleventdata', '$.inferenceRegion')} AS inference_region,
  COUNT(*) AS calls, MIN(c.eventtime) AS first_seen, MAX(c.eventtime) AS last_seen
FROM cloudtrail_events c
WHERE ${cloudTrailRange()}
  AND c.eventsource = 'bedrock.amazonaws.com'
  AND c.eventname IN ${BEDROCK_INVOKE_EVENTS}
  AND coalesce(${CALLER_ARN}, '') <> :gateway_role_arn
GROUP BY ${CALLER_ARN}, c.eventname, ${d.jsonText('c.requestparameters', '$.modelId')},
  ${d.jsonText('c.additionaleventdata', '$.inferenceRegion')}
ORDER BY principal_arn, event_name, model_id NULLS LAST, inference_region NULLS LAST`,
};

const auditTrailReaders: NamedQuery = {
  name: 'audit-trail-readers',
  description:
    'Who read the audit bucket? CloudTrail S3 GetObject data events (the trail logs them for the audit bucket) ' +
    'grouped by caller, whether a service read on their behalf (via, e.g. athena.amazonaws.com), bucket and ' +
    'top-level prefix (audit, cloudtrail, bedrock-invocations): reads, distinct objects, refused reads.',
  columns: AUDIT_TRAIL_READ_COLUMNS,
  requires: [],
  sql: ({ d }) => auditTrailReadsSql(d),
};

const gatewayCloudTrailReconciliation: NamedQuery = {
  name: 'gateway-cloudtrail-reconciliation',
  description:
    "Do the gateway's Bedrock calls and CloudTrail agree? missing_in_cloudtrail: post-call records with provider " +
    'bedrock and an upstream_request_id that no CloudTrail InvokeModel*/Converse* event has as requestID. ' +
    'missing_in_gateway: such CloudTrail events by the gateway role (--gateway-role-arn) with no post-call record. ' +
    'Matches are searched one day beyond the range on both sides; --tenant narrows the first direction only.',
  columns: ['direction', 'tenant_id', 'request_id', 'upstream_request_id', 'event_time', 'model_id', 'event_name'],
  requires: ['gatewayRoleArn'],
  check: { metricName: METRICS.reconciliationMismatches.name },
  sql: ({ d, tenantFilter }) => `
WITH g AS (
  SELECT a.tenant, a.dt, a.tenant_id, a.request_id, a.upstream_request_id, a.ts, a.model_id
  FROM gateway_audit a
  WHERE a.dt BETWEEN :from_minus_1 AND :to_plus_1
    AND a.event = 'post_call'
    AND a.provider = 'bedrock'
    AND a.upstream_request_id IS NOT NULL
), ct AS (
  SELECT c.requestid, c.eventtime, c.eventname, ${d.jsonText('c.requestparameters', '$.modelId')} AS model_id
  FROM cloudtrail_events c
  WHERE c."timestamp" BETWEEN :ct_from_minus_1 AND :ct_to_plus_2
    AND c.eventsource = 'bedrock.amazonaws.com'
    AND c.eventname IN ${BEDROCK_INVOKE_EVENTS}
    AND ${CALLER_ARN} = :gateway_role_arn
)
SELECT 'missing_in_cloudtrail' AS direction, g.tenant_id AS tenant_id, g.request_id AS request_id,
  g.upstream_request_id AS upstream_request_id, g.ts AS event_time, g.model_id AS model_id,
  CAST(NULL AS VARCHAR) AS event_name
FROM g
LEFT JOIN ct ON ct.requestid = g.upstream_request_id
WHERE ct.requestid IS NULL
  AND g.dt BETWEEN :from AND :to ${tenantFilter('g')}
UNION ALL
SELECT 'missing_in_gateway' AS direction, CAST(NULL AS VARCHAR) AS tenant_id, CAST(NULL AS VARCHAR) AS request_id,
  ct.requestid AS upstream_request_id, ct.eventtime AS event_time, ct.model_id AS model_id,
  ct.eventname AS event_name
FROM ct
LEFT JOIN g ON g.upstream_request_id = ct.requestid
WHERE g.upstream_request_id IS NULL
  AND substr(ct.eventtime, 1, 10) BETWEEN :from AND :to
ORDER BY direction, event_time, upstream_request_id`,
};

/** Every named query, in the order the CLI lists them. */
export const NAMED_QUERIES: readonly NamedQuery[] = [
  requestsByTenant,
  requestsByPrincipalAndModel,
  piiByType,
  costByTenantDaily,
  cacheHitRateWeekly,
  deniedRequests,
  nonZdrFeatureUse,
  orphanedPreCall,
  residencyReport,
  shadowBedrockUsage,
  auditTrailReaders,
  gatewayCloudTrailReconciliation,
  residencyEvidence,
  reidentificationEvents,
  auditTrailReadsOutsideAuditors,
];

/** Names of the queries the audit Lambda runs daily. */
export const CHECK_QUERY_NAMES = NAMED_QUERIES.filter((query) => query.check !== undefined).map((q) => q.name);

/** Thrown for a query name that does not exist; lists the known ones. */
export class UnknownQueryError extends Error {
  constructor(readonly queryName: string) {
    super(`unknown query "${queryName}"; known queries: ${NAMED_QUERIES.map((q) => q.name).join(', ')}`);
    this.name = 'UnknownQueryError';
  }
}

/** Looks a query up by name. */
export function findQuery(name: string): NamedQuery {
  const query = NAMED_QUERIES.find((candidate) => candidate.name === name);
  if (!query) throw new UnknownQueryError(name);
  return query;
}
