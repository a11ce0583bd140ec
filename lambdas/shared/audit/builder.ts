/**
 * Builds the audit records of the request path (pre-call, post-call, denied, rejected) from what the handler knows, and validates each one with
 * `validateAuditRecord` before it goes anywhere. Records never hold raw prompt or completion text: only the
 * redacted copies (tokens), and nothing at all in `metadata-only` mode.
 */
import { createHash } from 'node:crypto';
import type { PolicyDecision } from '../policy/evaluate';
import { catalogIdForProviderModel } from '../policy/model-catalog';
import type { DataClassification, Provider, RedactionMode } from '../policy/tenant-config';
import {
  AUDIT_SCHEMA_VERSION,
  type AuditRecord,
  type AuditStatus,
  auditRecordSchema,
  InvalidAuditRecordError,
  type ReidEnvelope,
  validateAuditRecord,
} from './record';

/** SHA-256 hex of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Who asked for what, known from the moment the request is authenticated. */
export interface AuditRequestContext {
  readonly requestId: string;
  readonly tenantId: string;
  readonly principal: string;
  readonly operation: AuditRecord['operation'];
  readonly stream: boolean;
}

/** The prompt as the audit sees it (already redacted by the caller according to the mode). */
export interface PromptAudit {
  /** SHA-256 of the request body as received. */
  readonly promptSha256: string | null;
  readonly promptChars: number | null;
  /** Redacted prompt text; null in metadata-only mode. */
  readonly promptRedacted: string | null;
  readonly piiCounts: Readonly<Record<string, number>>;
  /** Token -> value map sealed under the customer key; null without replacements or in metadata-only mode. */
  readonly reidEnvelope: ReidEnvelope | null;
}

/** Returns the prompt text for the audit according to the redaction mode. */
export function promptTextForMode(mode: RedactionMode, redactedText: string): string | null {
  return mode === 'metadata-only' ? null : redactedText;
}

/** The pre-call record: written and acknowledged before the upstream is called. */
export function buildPreCallRecord(
  context: AuditRequestContext,
  decision: PolicyDecision,
  prompt: PromptAudit,
  now: Date,
): AuditRecord {
  return validateAuditRecord({
    schema_version: AUDIT_SCHEMA_VERSION,
    event: 'pre_call',
    request_id: context.requestId,
    ts: now.toISOString(),
    tenant_id: context.tenantId,
    principal: context.principal,
    end_user: decision.endUser,
    use_case: decision.useCase,
    data_classification: decision.dataClassification,
    operation: context.operation,
    stream: context.stream,
    provider: decision.provider,
    model_requested: decision.modelRequested,
    model_id: decision.route.modelId,
    catalog_model_id: decision.route.catalogId,
    residency_policy: decision.residencyPolicy,
    inference_geo_requested: decision.inferenceGeoRequested,
    inference_geo_actual: null,
    zdr_eligible: decision.zdrEligible,
    features: [...decision.features],
    betas: [...decision.betas],
    zdr_opt_ins: [...decision.zdrOptIns],
    policy_version: decision.policyVersion,
    redaction_mode: decision.redactionMode,
    prompt_sha256: prompt.promptSha256,
    prompt_chars: prompt.promptChars,
    prompt_redacted: decision.redactionMode === 'metadata-only' ? null : prompt.promptRedacted,
    pii_counts: { ...prompt.piiCounts },
    reid_envelope: decision.redactionMode === 'metadata-only' ? null : prompt.reidEnvelope,
    status: 'pending',
    deny_reason: null,
    refused_feature: null,
    error_type: null,
    http_status: null,
    latency_ms: null,
    ttft_ms: null,
    input_tokens: null,
    output_tokens: null,
    cache_read_input_tokens: null,
    cache_creation_input_tokens: null,
    cost_usd: null,
    pricing_version: null,
    completion_sha256: null,
    completion_redacted: null,
    upstream_request_id: null,
    fallback_from_model: null,
    upstream_attempts: null,
  });
}

/** What is known about a refused request (whatever was resolved before the refusal). */
export interface DeniedDetails {
  readonly reason: string;
  readonly httpStatus: number;
  readonly errorType: string;
  readonly policyVersion: string;
  readonly provider: Provider | null;
  readonly modelRequested: string | null;
  readonly residencyPolicy: string | null;
  readonly dataClassification: DataClassification | null;
  readonly useCase: string | null;
  readonly endUser: string | null;
  readonly redactionMode: RedactionMode | null;
  readonly promptSha256: string | null;
  readonly latencyMs: number;
  /** Features known when the request was refused. @default [] */
  readonly features?: readonly string[];
  /** `anthropic-beta` values known when the request was refused. @default [] */
  readonly betas?: readonly string[];
  /** The feature the refusal names. @default null */
  readonly refusedFeature?: string | null;
}

/** The `denied` record of a policy refusal. No prompt text: a refused prompt is not processed further. */
export function buildDeniedRecord(context: AuditRequestContext, details: DeniedDetails, now: Date): AuditRecord {
  return buildRefusalRecord('denied', context, details, now);
}

/**
 * The `rejected` record of any other 4xx refusal of an authenticated caller (malformed or oversized body, bad
 * header, unknown path). It holds the reason code and what was known, never body text or the error message.
 */
export function buildRejectedRecord(context: AuditRequestContext, details: DeniedDetails, now: Date): AuditRecord {
  return buildRefusalRecord('rejected', context, details, now);
}

function buildRefusalRecord(
  event: 'denied' | 'rejected',
  context: AuditRequestContext,
  details: DeniedDetails,
  now: Date,
): AuditRecord {
  return validateAuditRecord({
    schema_version: AUDIT_SCHEMA_VERSION,
    event,
    request_id: context.requestId,
    ts: now.toISOString(),
    tenant_id: context.tenantId,
    principal: context.principal,
    end_user: details.endUser,
    use_case: details.useCase,
    data_classification: details.dataClassification,
    operation: context.operation,
    stream: context.stream,
    provider: details.provider,
    model_requested: details.modelRequested,
    model_id: null,
    catalog_model_id: null,
    residency_policy: details.residencyPolicy,
    inference_geo_requested: null,
    inference_geo_actual: null,
    zdr_eligible: false,
    features: [...(details.features ?? [])],
    betas: [...(details.betas ?? [])],
    zdr_opt_ins: [],
    policy_version: details.policyVersion,
    redaction_mode: details.redactionMode,
    prompt_sha256: details.promptSha256,
    prompt_chars: null,
    prompt_redacted: null,
    pii_counts: {},
    reid_envelope: null,
    status: event,
    deny_reason: details.reason,
    refused_feature: details.refusedFeature ?? null,
    error_type: details.errorType,
    http_status: details.httpStatus,
    latency_ms: details.latencyMs,
    ttft_ms: null,
    input_tokens: null,
    output_tokens: null,
    cache_read_input_tokens: null,
    cache_creation_input_tokens: null,
    cost_usd: null,
    pricing_version: null,
    completion_sha256: null,
    completion_redacted: null,
    upstream_request_id: null,
    fallback_from_model: null,
    upstream_attempts: null,
  });
}

/** Token counts as recorded. */
export interface RecordedUsage {
  readonly input_tokens: number | null;
  readonly output_tokens: number | null;
  readonly cache_read_input_tokens: number | null;
  readonly cache_creation_input_tokens: number | null;
}

/** How the call ended. */
export interface CallOutcome {
  readonly status: Exclude<AuditStatus, 'pending' | 'denied' | 'rejected'>;
  readonly httpStatus: number | null;
  readonly errorType: string | null;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  /** The provider model id that served (or last failed) the call. */
  readonly modelId: string | null;
  readonly fallbackFromModel: string | null;
  readonly upstreamAttempts: number;
  readonly inferenceGeoActual: string | null;
  readonly upstreamRequestId: string | null;
  readonly usage: RecordedUsage | null;
  readonly costUsd: number | null;
  readonly pricingVersion: string | null;
  /** SHA-256 of the completion text returned to the client; null when there was none. */
  readonly completionSha256: string | null;
  /** Redacted completion; ignored in metadata-only mode. */
  readonly completionRedacted: string | null;
  /** Envelope covering prompt and completion tokens; null keeps the pre-call one. */
  readonly reidEnvelope: ReidEnvelope | null;
}

/** The fields a post-call record changes in its pre-call record, with the record schema's rules. */
const postCallUpdateSchema = auditRecordSchema
  .pick({
    event: true,
    ts: true,
    model_id: true,
    catalog_model_id: true,
    inference_geo_actual: true,
    reid_envelope: true,
    status: true,
    error_type: true,
    http_status: true,
    latency_ms: true,
    ttft_ms: true,
    input_tokens: true,
    output_tokens: true,
    cache_read_input_tokens: true,
    cache_creation_input_tokens: true,
    cost_usd: true,
    pricing_version: true,
    completion_sha256: true,
    completion_redacted: true,
    upstream_request_id: true,
    fallback_from_model: true,
    upstream_attempts: true,
  })
  .strict();

/**
 * The catalog id of the model that served the call: the pre-call one, unless a fallback served it, in which
 * case the catalog id behind the provider id that did.
 */
function postCallCatalogModelId(pre: AuditRecord, outcome: CallOutcome): string | null {
  const preCatalogId = pre.catalog_model_id;
  if (outcome.modelId === null || outcome.modelId === pre.model_id) return preCatalogId;
  return catalogIdForProviderModel(outcome.modelId) ?? preCatalogId;
}

/** The post-call record: the pre-call record completed with the outcome. */
export function buildPostCallRecord(pre: AuditRecord, outcome: CallOutcome, now: Date): AuditRecord {
  const metadataOnly = pre.redaction_mode === 'metadata-only';
  // The pre-call record was validated when it was built; only the fields set here are validated again.
  const update = postCallUpdateSchema.safeParse({
    event: 'post_call',
    ts: now.toISOString(),
    model_id: outcome.modelId ?? pre.model_id,
    catalog_model_id: postCallCatalogModelId(pre, outcome),
    inference_geo_actual: outcome.inferenceGeoActual,
    reid_envelope: metadataOnly ? null : (outcome.reidEnvelope ?? pre.reid_envelope),
    status: outcome.status,
    error_type: outcome.errorType,
    http_status: outcome.httpStatus,
    latency_ms: Math.max(0, outcome.latencyMs),
    ttft_ms: outcome.ttftMs === null ? null : Math.max(0, outcome.ttftMs),
    input_tokens: outcome.usage?.input_tokens ?? null,
    output_tokens: outcome.usage?.output_tokens ?? null,
    cache_read_input_tokens: outcome.usage?.cache_read_input_tokens ?? null,
    cache_creation_input_tokens: outcome.usage?.cache_creation_input_tokens ?? null,
    cost_usd: outcome.costUsd,
    pricing_version: outcome.pricingVersion,
    completion_sha256: outcome.completionSha256,
    completion_redacted: metadataOnly ? null : outcome.completionRedacted,
    upstream_request_id: outcome.upstreamRequestId,
    fallback_from_model: outcome.fallbackFromModel,
    upstream_attempts: outcome.upstreamAttempts,
  });
  if (!update.success) {
    throw new InvalidAuditRecordError([
      ...new Set(update.error.issues.map((issue) => issue.path.join('.') || '(root)')),
    ]);
  }
  return { ...pre, ...update.data };
}
