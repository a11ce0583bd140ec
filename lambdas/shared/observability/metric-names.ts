/**
 * The single list of the gateway's CloudWatch metrics: names, units and dimension sets, shared by the Lambdas
 * that emit them (request path, audit checks) and the CDK dashboard and alarms that read them. A rename here
 * breaks a test, not production. Pure data: no SDK, no Powertools import.
 *
 * Cardinality: every dimension value comes from config (tenant ids, catalog model ids) or from a closed list
 * in this file (deny reasons, error types, PII types). Request ids, principals and end users are never
 * dimensions; they live in the audit records and logs.
 */
import { REJECTION_REASONS } from '../errors';
import { DENY_REASONS } from '../policy/evaluate';

/** CloudWatch namespace of every gateway metric. */
export const METRIC_NAMESPACE = 'ClaudeComplianceGateway';

/**
 * Value of the `service` dimension. Powertools Metrics adds `service` to every dimension set it writes, so
 * emitters set `serviceName: METRIC_SERVICE` and readers include it in every metric's dimensions.
 */
export const METRIC_SERVICE = 'claude-compliance-gateway';

/** Dimension names. */
export const DIMENSIONS = {
  /** Powertools' default dimension; always present, value {@link METRIC_SERVICE}. */
  service: 'service',
  /** Tenant id from config. */
  tenant: 'Tenant',
  /** Pinned catalog model id, {@link MODEL_NONE} or {@link MODEL_OUTSIDE_CATALOG}. */
  model: 'Model',
  /** Deny reason code ({@link DENY_REASON_VALUES} or `other`). */
  reason: 'Reason',
  /** Anthropic error type of an upstream failure ({@link UPSTREAM_ERROR_TYPES} or `other`). */
  errorType: 'ErrorType',
  /** PII type (built-in or a custom UPPER_SNAKE name from config). */
  piiType: 'PiiType',
} as const;
export type DimensionName = (typeof DIMENSIONS)[keyof typeof DIMENSIONS];

/** `Model` value when no model was pinned (a denial before policy resolved one). */
export const MODEL_NONE = 'none';
/** `Model` value for a model id outside the configured catalog: keeps the dimension bounded. */
export const MODEL_OUTSIDE_CATALOG = 'outside-catalog';
/** Value of a closed-list dimension (`Reason`, `ErrorType`, `PiiType`) that was not on its list. */
export const DIMENSION_OTHER = 'other';

/** Deny and rejection reasons allowed as `Reason` values. */
export const DENY_REASON_VALUES: readonly string[] = [
  ...Object.values(DENY_REASONS),
  ...Object.values(REJECTION_REASONS),
];

/** Upstream failure types allowed as `ErrorType` values (Anthropic error types plus `timeout`). */
export const UPSTREAM_ERROR_TYPES = [
  'api_error',
  'overloaded_error',
  'rate_limit_error',
  'timeout',
  'network_error',
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
] as const;

/** CloudWatch units used by the gateway (the strings Powertools `MetricUnit` and CDK `Unit` both use). */
export type MetricUnitName = 'Count' | 'Milliseconds' | 'None';

/** One metric: its name, unit and the dimension sets (lists of dimension names) it is published with. */
export interface MetricSpec {
  readonly name: string;
  readonly unit: MetricUnitName;
  /** Each set includes `service`. */
  readonly dimensionSets: ReadonlyArray<readonly DimensionName[]>;
  /** What one data point means. */
  readonly description: string;
}

const S = DIMENSIONS.service;
const T = DIMENSIONS.tenant;
const M = DIMENSIONS.model;

/** Dimension sets of the per-call document: totals, per tenant, per tenant and model. */
export const CALL_DIMENSION_SETS: ReadonlyArray<readonly DimensionName[]> = [[S], [S, T], [S, T, M]];
/** Dimension sets of per-tenant events outside a call document, and of per-tenant daily checks. */
export const TENANT_DIMENSION_SETS: ReadonlyArray<readonly DimensionName[]> = [[S], [S, T]];
/** Deployment-wide daily checks. */
export const TOTAL_DIMENSION_SETS: ReadonlyArray<readonly DimensionName[]> = [[S]];

function spec(
  name: string,
  unit: MetricUnitName,
  dimensionSets: ReadonlyArray<readonly DimensionName[]>,
  description: string,
): MetricSpec {
  return { name, unit, dimensionSets, description };
}

/** Every gateway metric. Keys are for code; `name` is what CloudWatch shows. */
export const METRICS = {
  // Request path (proxy Lambda, one EMF document per call plus one per breakdown value).
  requests: spec('Requests', 'Count', CALL_DIMENSION_SETS, '1 per post-call or denied record'),
  denials: spec(
    'Denials',
    'Count',
    [...CALL_DIMENSION_SETS, [S, T, DIMENSIONS.reason]],
    '1 per denied record; by Reason in its own document',
  ),
  upstreamErrors: spec(
    'UpstreamErrors',
    'Count',
    [...CALL_DIMENSION_SETS, [S, T, DIMENSIONS.errorType]],
    '1 per call that failed upstream with a 5xx/529, a timeout or a network error; by ErrorType in its own document',
  ),
  rejections: spec(
    'Rejections',
    'Count',
    [...CALL_DIMENSION_SETS, [S, T, DIMENSIONS.reason]],
    '1 per rejected record (a 4xx refusal of an authenticated caller that is not a policy denial); by Reason',
  ),
  unknownFeatures: spec(
    'UnknownFeatures',
    'Count',
    CALL_DIMENSION_SETS,
    '1 per call (post-call, denied or rejected record) using a beta, field or tool type the ZDR feature table does not know',
  ),
  latencyMs: spec('LatencyMs', 'Milliseconds', CALL_DIMENSION_SETS, 'Request received to response complete'),
  timeToFirstTokenMs: spec(
    'TimeToFirstTokenMs',
    'Milliseconds',
    CALL_DIMENSION_SETS,
    'Time to the first upstream byte',
  ),
  inputTokens: spec('InputTokens', 'Count', CALL_DIMENSION_SETS, 'Uncached input tokens billed'),
  outputTokens: spec('OutputTokens', 'Count', CALL_DIMENSION_SETS, 'Output tokens billed'),
  cacheReadInputTokens: spec('CacheReadInputTokens', 'Count', CALL_DIMENSION_SETS, 'Input tokens read from cache'),
  cacheCreationInputTokens: spec(
    'CacheCreationInputTokens',
    'Count',
    CALL_DIMENSION_SETS,
    'Input tokens written to the prompt cache',
  ),
  costUsd: spec('CostUsd', 'None', CALL_DIMENSION_SETS, 'Cost of the call in USD (versioned pricing table)'),
  piiDetections: spec(
    'PiiDetections',
    'Count',
    [...CALL_DIMENSION_SETS, [S, T, DIMENSIONS.piiType]],
    'PII values detected in the prompt; by PiiType in one document per type',
  ),
  modelOutsideCatalog: spec(
    'ModelOutsideCatalog',
    'Count',
    CALL_DIMENSION_SETS,
    '1 per call whose model_id is not in the configured catalog',
  ),
  callsOutsideBusinessHours: spec(
    'CallsOutsideBusinessHours',
    'Count',
    CALL_DIMENSION_SETS,
    '1 per call outside the tenant businessHours (tenants that set them)',
  ),
  auditWriteFailures: spec(
    'AuditWriteFailures',
    'Count',
    TENANT_DIMENSION_SETS,
    '1 per audit record the sink rejected (pre-call: the call was refused; post-call: dead-lettered)',
  ),
  deadLetteredRecords: spec('DeadLetteredRecords', 'Count', TENANT_DIMENSION_SETS, '1 per record sent to the DLQ'),
  auditRecordsLoggedOnly: spec(
    'AuditRecordsLoggedOnly',
    'Count',
    TENANT_DIMENSION_SETS,
    '1 per record neither the sink nor the dead letter took: written to stderr (the log) instead of being lost',
  ),
  // Daily checks (audit Lambda, one data point per day).
  orphanedPreCallRecords: spec(
    'OrphanedPreCallRecords',
    'Count',
    TENANT_DIMENSION_SETS,
    'Pre-call records without a post-call record after the grace period',
  ),
  residencyViolations: spec(
    'ResidencyViolations',
    'Count',
    TENANT_DIMENSION_SETS,
    'Calls whose actual inference geo is outside the tenant residency policy',
  ),
  shadowBedrockInvocations: spec(
    'ShadowBedrockInvocations',
    'Count',
    TOTAL_DIMENSION_SETS,
    'Bedrock InvokeModel* calls in CloudTrail by principals other than the gateway role',
  ),
  reconciliationMismatches: spec(
    'ReconciliationMismatches',
    'Count',
    TOTAL_DIMENSION_SETS,
    'Gateway records and CloudTrail/Bedrock logs that do not pair up',
  ),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;
/** A metric name as CloudWatch shows it. */
export type MetricName = (typeof METRICS)[MetricKey]['name'];

/** The metrics published by the scheduled audit checks Lambda. */
export const DAILY_CHECK_METRICS = [
  METRICS.orphanedPreCallRecords,
  METRICS.residencyViolations,
  METRICS.shadowBedrockInvocations,
  METRICS.reconciliationMismatches,
] as const;

/**
 * CloudWatch dimensions of a metric for readers (dashboard, alarms): `service` plus the given ones.
 * `tenant` omitted means the deployment-wide total.
 */
export function metricDimensions(
  extra: Partial<Record<Exclude<DimensionName, 'service'>, string>> = {},
): Record<string, string> {
  const dimensions: Record<string, string> = { [DIMENSIONS.service]: METRIC_SERVICE };
  for (const [name, value] of Object.entries(extra)) {
    if (value !== undefined) dimensions[name] = value;
  }
  return dimensions;
}
