/**
 * The request path's metrics: a port (`GatewayMetrics`) and the pure mapping from an audit record to the
 * metric documents it produces. The Powertools adapter (`adapters/powertools-metrics.ts`) writes them as EMF;
 * tests and local mode can use {@link InMemoryGatewayMetrics}. Nothing here may import an SDK or Powertools.
 */
import type { AuditRecord } from '../audit/record';
import { catalogIdForProviderModel } from '../policy/model-catalog';
import { isUnknownFeatureMarker } from '../policy/zdr-feature-table';
import { type BusinessHours, isOutsideBusinessHours } from './business-hours';
import {
  CALL_DIMENSION_SETS,
  DENY_REASON_VALUES,
  DIMENSION_OTHER,
  DIMENSIONS,
  type DimensionName,
  METRICS,
  type MetricName,
  type MetricUnitName,
  MODEL_NONE,
  MODEL_OUTSIDE_CATALOG,
  TENANT_DIMENSION_SETS,
  UPSTREAM_ERROR_TYPES,
} from './metric-names';

/**
 * What the request path reports. Every method is synchronous and does no I/O: data points are buffered and
 * written (EMF to stdout) by {@link GatewayMetrics.flush}.
 */
export interface GatewayMetrics {
  /**
   * Records one finished call from its `post_call` or `denied` audit record (whether or not the record was
   * written). `pre_call` records are ignored: the matching post-call record counts the call.
   */
  recordCall(record: AuditRecord): void;
  /** The audit sink rejected a record of this tenant (pre-call: the call was refused; post-call: dead-lettered). */
  recordAuditWriteFailure(tenantId: string): void;
  /** A post-call record of this tenant was sent to the dead-letter queue. */
  recordDeadLettered(tenantId: string): void;
  /** Writes everything recorded since the last flush. Call once per request, after the response is complete. */
  flush(): void;
}

/** The configuration the mapping needs; built once at cold start from the tenant policies. */
export interface MetricsContext {
  /** Every model id of the configured catalog (the pinned ids tenants' aliases resolve to). */
  readonly catalogModelIds: ReadonlySet<string>;
  /** Business hours of the tenants that set them. */
  readonly businessHours: ReadonlyMap<string, BusinessHours>;
}

/** One data point. */
export interface MetricDatum {
  readonly name: MetricName;
  readonly unit: MetricUnitName;
  readonly value: number;
}

/**
 * One EMF document: dimension values, the dimension sets they are published under, and the data points.
 * `service` is implicit (Powertools adds it to every set), so `[]` is the deployment-wide total.
 */
export interface MetricDocument {
  readonly dimensions: Readonly<Partial<Record<DimensionName, string>>>;
  readonly dimensionSets: ReadonlyArray<readonly DimensionName[]>;
  readonly metrics: readonly MetricDatum[];
}

const PII_TYPE_NAME = /^[A-Z][A-Z0-9_]{1,39}$/;
const UPSTREAM_ERROR_TYPE_SET: ReadonlySet<string> = new Set(UPSTREAM_ERROR_TYPES);
const DENY_REASON_SET: ReadonlySet<string> = new Set(DENY_REASON_VALUES);

function withoutService(sets: ReadonlyArray<readonly DimensionName[]>): DimensionName[][] {
  return sets.map((set) => set.filter((name) => name !== DIMENSIONS.service));
}

const CALL_SETS = withoutService(CALL_DIMENSION_SETS);
const TENANT_SETS = withoutService(TENANT_DIMENSION_SETS);

function datum(metric: { name: MetricName; unit: MetricUnitName }, value: number): MetricDatum {
  return { name: metric.name, unit: metric.unit, value };
}

/** The `Model` dimension value: the catalog id, or a fixed placeholder so the dimension stays bounded. */
export function modelDimension(modelId: string | null, catalogModelIds: ReadonlySet<string>): string {
  if (modelId === null) return MODEL_NONE;
  return catalogModelIds.has(modelId) ? modelId : MODEL_OUTSIDE_CATALOG;
}

/**
 * The catalog id of the model a record's call went to (null when none was called). On Bedrock `model_id` is the inference-profile id
 * (`global.anthropic.…`), so the record's `catalog_model_id` is used, or, for records written before that field
 * existed, the catalog id behind the profile id; an id no catalog knows is returned as it is.
 */
export function recordCatalogModelId(record: AuditRecord): string | null {
  if (record.model_id === null) return null;
  if (record.catalog_model_id) return record.catalog_model_id;
  return catalogIdForProviderModel(record.model_id) ?? record.model_id;
}

/** True when the record names a model that is not in the configured catalog. */
export function isModelOutsideCatalog(record: AuditRecord, catalogModelIds: ReadonlySet<string>): boolean {
  const modelId = recordCatalogModelId(record);
  return modelId !== null && !catalogModelIds.has(modelId);
}

/**
 * True for the failures the upstream error-rate alarm watches: a timeout, or an upstream error answered with a
 * 5xx (including 529 overloaded) or with no status at all (network failure). Upstream 4xx (rate limits,
 * invalid requests) are the caller's or the quota's business, not an upstream outage.
 */
export function isUpstreamServerFailure(record: AuditRecord): boolean {
  if (record.status === 'timeout') return true;
  return record.status === 'upstream_error' && (record.http_status === null || record.http_status >= 500);
}

/** `ErrorType` value of an upstream failure, from a closed list. */
export function upstreamErrorType(record: AuditRecord): string {
  if (record.status === 'timeout') return 'timeout';
  if (record.error_type !== null && UPSTREAM_ERROR_TYPE_SET.has(record.error_type)) return record.error_type;
  return DIMENSION_OTHER;
}

/** True when the record's features include a name the ZDR feature table does not know. */
export function usesUnknownFeature(record: AuditRecord): boolean {
  return record.features.some(isUnknownFeatureMarker);
}

/** `Reason` value of a denial or rejection, from the closed lists of reason codes. */
export function denyReason(record: AuditRecord): string {
  return record.deny_reason !== null && DENY_REASON_SET.has(record.deny_reason) ? record.deny_reason : DIMENSION_OTHER;
}

function piiTypeDimension(type: string): string {
  return PII_TYPE_NAME.test(type) ? type : DIMENSION_OTHER;
}

/**
 * The EMF documents for one finished call: one call document (totals, per tenant, per tenant and model) plus
 * one per breakdown value (denial reason, upstream error type, each PII type found), because an EMF
 * document carries one value per dimension. `pre_call` records yield nothing.
 */
export function callMetricDocuments(record: AuditRecord, context: MetricsContext): MetricDocument[] {
  if (record.event === 'pre_call') return [];
  const tenant = record.tenant_id;
  const metrics: MetricDatum[] = [datum(METRICS.requests, 1)];
  const denied = record.status === 'denied';
  const rejected = record.status === 'rejected';
  const upstreamFailure = isUpstreamServerFailure(record);
  metrics.push(
    datum(METRICS.denials, denied ? 1 : 0),
    datum(METRICS.rejections, rejected ? 1 : 0),
    datum(METRICS.upstreamErrors, upstreamFailure ? 1 : 0),
    datum(METRICS.unknownFeatures, usesUnknownFeature(record) ? 1 : 0),
  );
  const optional: ReadonlyArray<[{ name: MetricName; unit: MetricUnitName }, number | null]> = [
    [METRICS.latencyMs, record.latency_ms],
    [METRICS.timeToFirstTokenMs, record.ttft_ms],
    [METRICS.inputTokens, record.input_tokens],
    [METRICS.outputTokens, record.output_tokens],
    [METRICS.cacheReadInputTokens, record.cache_read_input_tokens],
    [METRICS.cacheCreationInputTokens, record.cache_creation_input_tokens],
    [METRICS.costUsd, record.cost_usd],
  ];
  for (const [metric, value] of optional) {
    if (value !== null) metrics.push(datum(metric, value));
  }
  const piiEntries = Object.entries(record.pii_counts).filter(([, count]) => count > 0);
  metrics.push(
    datum(
      METRICS.piiDetections,
      piiEntries.reduce((sum, [, count]) => sum + count, 0),
    ),
  );
  metrics.push(datum(METRICS.modelOutsideCatalog, isModelOutsideCatalog(record, context.catalogModelIds) ? 1 : 0));
  const hours = context.businessHours.get(tenant);
  if (hours) {
    const outside = isOutsideBusinessHours(new Date(record.ts), hours);
    metrics.push(datum(METRICS.callsOutsideBusinessHours, outside ? 1 : 0));
  }

  const documents: MetricDocument[] = [
    {
      dimensions: {
        [DIMENSIONS.tenant]: tenant,
        [DIMENSIONS.model]: modelDimension(recordCatalogModelId(record), context.catalogModelIds),
      },
      dimensionSets: CALL_SETS,
      metrics,
    },
  ];
  if (denied || rejected) {
    documents.push({
      dimensions: { [DIMENSIONS.tenant]: tenant, [DIMENSIONS.reason]: denyReason(record) },
      dimensionSets: [[DIMENSIONS.tenant, DIMENSIONS.reason]],
      metrics: [datum(denied ? METRICS.denials : METRICS.rejections, 1)],
    });
  }
  if (upstreamFailure) {
    documents.push({
      dimensions: { [DIMENSIONS.tenant]: tenant, [DIMENSIONS.errorType]: upstreamErrorType(record) },
      dimensionSets: [[DIMENSIONS.tenant, DIMENSIONS.errorType]],
      metrics: [datum(METRICS.upstreamErrors, 1)],
    });
  }
  const byType = new Map<string, number>();
  for (const [type, count] of piiEntries) {
    const dimension = piiTypeDimension(type);
    byType.set(dimension, (byType.get(dimension) ?? 0) + count);
  }
  for (const [type, count] of [...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    documents.push({
      dimensions: { [DIMENSIONS.tenant]: tenant, [DIMENSIONS.piiType]: type },
      dimensionSets: [[DIMENSIONS.tenant, DIMENSIONS.piiType]],
      metrics: [datum(METRICS.piiDetections, count)],
    });
  }
  return documents;
}

/** The document for a per-tenant counter outside a call (audit write failure, dead-lettered record). */
export function tenantCounterDocument(
  metric: typeof METRICS.auditWriteFailures | typeof METRICS.deadLetteredRecords,
  tenantId: string,
): MetricDocument {
  return {
    dimensions: { [DIMENSIONS.tenant]: tenantId },
    dimensionSets: TENANT_SETS,
    metrics: [datum(metric, 1)],
  };
}

/** Builds the {@link MetricsContext} from tenant policies (catalog = every pinned model id they allow). */
export function metricsContextFromTenants(
  tenants: ReadonlyArray<{ id: string; models: Readonly<Record<string, string>>; businessHours?: BusinessHours }>,
  extraCatalogModelIds: readonly string[] = [],
): MetricsContext {
  const catalogModelIds = new Set<string>(extraCatalogModelIds);
  const businessHours = new Map<string, BusinessHours>();
  for (const tenant of tenants) {
    for (const modelId of Object.values(tenant.models)) catalogModelIds.add(modelId);
    if (tenant.businessHours) businessHours.set(tenant.id, tenant.businessHours);
  }
  return { catalogModelIds, businessHours };
}

/**
 * Base of the adapters: maps and buffers documents; subclasses decide how to write them. The buffer is plain
 * data and each document is written whole, so concurrent calls (the dev server) cannot mix dimensions.
 */
export abstract class BufferedGatewayMetrics implements GatewayMetrics {
  private pending: MetricDocument[] = [];

  constructor(protected readonly context: MetricsContext) {}

  recordCall(record: AuditRecord): void {
    this.pending.push(...callMetricDocuments(record, this.context));
  }

  recordAuditWriteFailure(tenantId: string): void {
    this.pending.push(tenantCounterDocument(METRICS.auditWriteFailures, tenantId));
  }

  recordDeadLettered(tenantId: string): void {
    this.pending.push(tenantCounterDocument(METRICS.deadLetteredRecords, tenantId));
  }

  flush(): void {
    const documents = this.pending;
    this.pending = [];
    for (const document of documents) this.write(document);
  }

  protected abstract write(document: MetricDocument): void;
}

/** Keeps written documents in memory: tests and local mode. */
export class InMemoryGatewayMetrics extends BufferedGatewayMetrics {
  readonly documents: MetricDocument[] = [];

  protected write(document: MetricDocument): void {
    this.documents.push(document);
  }
}
