/**
 * The audit records of the request path and how each is written: `denied` (a refusal stands even if its record is
 * lost), PRE-CALL (fail closed: no acknowledged record, no upstream call) and POST-CALL (dead letter when the sink
 * rejects it). Metrics are recorded from the records themselves.
 */
import {
  type AuditRequestContext,
  buildDeniedRecord,
  buildPostCallRecord,
  buildPreCallRecord,
  sha256Hex,
} from '../shared/audit/builder';
import type { AuditRecord, ReidEnvelope } from '../shared/audit/record';
import { type PermissionError, ServiceUnavailableError } from '../shared/errors';
import { type Replacement, restore, seal } from '../shared/pii';
import { type PolicyDecision, policyVersion, residencyPolicyLabel } from '../shared/policy/evaluate';
import type { RequestFacts } from '../shared/policy/request-facts';
import type { RedactionMode, TenantConfig } from '../shared/policy/tenant-config';
import { priceCall } from '../shared/pricing';
import type { Operation, UpstreamOutcome } from './forward-call';
import type { HandlerServices } from './handler-services';
import { describeFailure } from './proxy-errors';
import type { RedactedPrompt, TenantRedactor } from './redaction';

/** Writes the `denied` record of a policy refusal from the request's facts; a failure to write it is logged. */
export async function deny(
  services: HandlerServices,
  facts: RequestFacts,
  tenant: TenantConfig | undefined,
  error: PermissionError,
  startedMs: number,
): Promise<void> {
  const { clock, metrics, logger } = services;
  try {
    const record = buildDeniedRecord(
      facts,
      {
        reason: error.reason,
        httpStatus: error.status,
        errorType: error.type,
        policyVersion: tenant ? policyVersion(tenant) : 'unknown',
        provider: tenant?.provider ?? null,
        modelRequested: facts.modelRequested,
        residencyPolicy: tenant ? residencyPolicyLabel(tenant) : null,
        dataClassification: facts.dataClassification ?? tenant?.dataClassifications.default ?? null,
        useCase: facts.useCase,
        // End-user ids may be e-mail addresses: the denied record keeps only whether one was sent.
        endUser: facts.endUser !== null ? '[provided]' : null,
        redactionMode: tenant?.redaction.mode ?? null,
        promptSha256: facts.promptSha256,
        latencyMs: clock.monotonicMs() - startedMs,
        features: facts.features,
        betas: facts.betas,
        refusedFeature: facts.refusedFeature,
      },
      clock.now(),
    );
    metrics.recordCall(record);
    await services.auditSink.put(record);
  } catch (recordError) {
    metrics.recordAuditWriteFailure(facts.tenantId);
    // The refusal stands even when its record cannot be written; the log names the request only.
    logger.error('denied audit record not written', {
      request_id: facts.requestId,
      tenant: facts.tenantId,
      failure: describeFailure(recordError),
    });
  }
}

/**
 * Seals the prompt's replacements (unless metadata-only), builds the pre-call record and waits for the sink to
 * acknowledge it. Throws ServiceUnavailableError (503) when it cannot: the caller must not call upstream then.
 */
export async function writePreCall(
  services: HandlerServices,
  ctx: AuditRequestContext,
  tenant: TenantConfig,
  decision: PolicyDecision,
  prompt: RedactedPrompt,
  promptSha256: string,
): Promise<AuditRecord> {
  const { clock, metrics, logger } = services;
  const mode = decision.redactionMode;
  let envelope: ReidEnvelope | null = null;
  let preRecord: AuditRecord | undefined;
  try {
    if (mode !== 'metadata-only' && prompt.replacements.length > 0) {
      envelope = await seal(prompt.replacements, services.dataKeys, {
        tenantId: tenant.id,
        requestId: ctx.requestId,
      });
    }
    preRecord = buildPreCallRecord(
      ctx,
      decision,
      {
        promptSha256,
        promptChars: prompt.promptChars,
        promptRedacted: mode === 'metadata-only' ? null : prompt.redactedText,
        piiCounts: prompt.counts,
        reidEnvelope: envelope,
      },
      clock.now(),
    );
    await services.auditSink.put(preRecord);
  } catch (error) {
    // Fail closed: no acknowledged pre-call record, no upstream call.
    metrics.recordAuditWriteFailure(ctx.tenantId);
    logger.error('pre-call audit record not written; refusing the call', {
      request_id: ctx.requestId,
      tenant: ctx.tenantId,
      failure: describeFailure(error),
    });
    if (preRecord) await closeRefusedCall(services, preRecord, error);
    throw new ServiceUnavailableError('The audit store is unavailable; the request was not sent to the model.');
  }
  return preRecord;
}

/**
 * A pre-call write that failed may still have landed (S3 stored it, then the connection reset or the deadline
 * passed before the answer came): so the refusal gets its post-call record (`gateway_error`, 503, no upstream
 * attempt) through the dead letter, and no pre-call record is left without one. Never throws.
 */
async function closeRefusedCall(services: HandlerServices, preRecord: AuditRecord, failure: unknown): Promise<void> {
  try {
    const closing = buildPostCallRecord(
      preRecord,
      {
        status: 'gateway_error',
        httpStatus: 503,
        errorType: 'api_error',
        latencyMs: 0,
        ttftMs: null,
        modelId: null,
        fallbackFromModel: null,
        upstreamAttempts: 0,
        inferenceGeoActual: null,
        upstreamRequestId: null,
        usage: null,
        costUsd: null,
        pricingVersion: null,
        completionSha256: null,
        completionRedacted: null,
        reidEnvelope: null,
      },
      services.clock.now(),
    );
    await services.deadLetter.send(closing, `pre-call write failed; call refused: ${describeFailure(failure)}`);
  } catch (error) {
    services.logger.error('post-call record of a refused call not dead-lettered', {
      request_id: preRecord.request_id,
      tenant: preRecord.tenant_id,
      failure: describeFailure(error),
    });
  }
}

/** Writes a post-call record; on rejection sends it to the dead letter; if that fails too, logs the id only. */
async function writePostCall(services: HandlerServices, record: AuditRecord): Promise<void> {
  const { metrics, logger } = services;
  metrics.recordCall(record);
  try {
    await services.auditSink.put(record);
  } catch (sinkError) {
    metrics.recordAuditWriteFailure(record.tenant_id);
    logger.warn('post-call audit record rejected by the sink; sending to dead letter', {
      request_id: record.request_id,
      tenant: record.tenant_id,
      failure: describeFailure(sinkError),
    });
    try {
      await services.deadLetter.send(record, describeFailure(sinkError));
      metrics.recordDeadLettered(record.tenant_id);
    } catch (deadLetterError) {
      logger.error('post-call audit record lost: sink and dead letter both failed', {
        request_id: record.request_id,
        tenant: record.tenant_id,
        failure: describeFailure(deadLetterError),
      });
    }
  }
}

/** What the post-call record is built from, besides the pre-call record it completes. */
export interface PostCallInput {
  readonly ctx: AuditRequestContext;
  readonly operation: Operation;
  readonly tenant: TenantConfig;
  readonly mode: RedactionMode;
  readonly redactor: TenantRedactor;
  /** Replacements of the prompt, sealed together with the completion's into the post-call envelope. */
  readonly promptReplacements: readonly Replacement[];
  /** token -> value in `upstream` mode, else null. */
  readonly mapping: ReadonlyMap<string, string> | null;
  readonly outcome: UpstreamOutcome;
  /** The completion as the upstream sent it (tokens included in `upstream` mode), or null when there is none. */
  readonly completionText: string | null;
  readonly startedMs: number;
}

/** Builds and writes the post-call record, after the client has its response; a failure to build it is logged. */
export async function recordPostCall(
  services: HandlerServices,
  preRecord: AuditRecord,
  input: PostCallInput,
): Promise<void> {
  const { clock, logger } = services;
  const { ctx, tenant, mode, redactor, mapping, outcome, completionText, startedMs } = input;
  try {
    const usage = outcome.usage;
    const num = (key: string): number | null => {
      const value = usage?.[key];
      return typeof value === 'number' ? value : null;
    };
    // Anthropic reports the geo that served the call in usage.inference_geo; when it does not (older models,
    // errors), the record carries the requested geo. On Bedrock the routing scope of the profile used is the fact.
    const reportedGeo = typeof usage?.inference_geo === 'string' ? usage.inference_geo : null;
    const route = outcome.route;
    const actualGeo = route.provider === 'bedrock' ? route.scope : (reportedGeo ?? route.inferenceGeo);
    const recordedUsage = usage
      ? {
          input_tokens: num('input_tokens'),
          output_tokens: num('output_tokens'),
          cache_read_input_tokens: num('cache_read_input_tokens'),
          cache_creation_input_tokens: num('cache_creation_input_tokens'),
        }
      : null;
    const price =
      input.operation === 'count_tokens'
        ? { cost_usd: 0, pricing_version: null }
        : usage
          ? priceCall(route.catalogId, usage, route.provider === 'anthropic' ? actualGeo : null)
          : { cost_usd: null, pricing_version: null };
    let completionRedacted: string | null = null;
    let completionSha: string | null = null;
    let postEnvelope: ReidEnvelope | null = null;
    if (completionText !== null) {
      const returned = mapping && mapping.size > 0 ? restore(completionText, mapping) : completionText;
      completionSha = sha256Hex(returned);
      if (mode !== 'metadata-only') {
        const redacted = redactor.redact(completionText);
        completionRedacted = redacted.text;
        if (redacted.replacements.length > 0) {
          postEnvelope = await seal([...input.promptReplacements, ...redacted.replacements], services.dataKeys, {
            tenantId: tenant.id,
            requestId: ctx.requestId,
          });
        }
      }
    }
    const record = buildPostCallRecord(
      preRecord,
      {
        status: outcome.status,
        httpStatus: outcome.httpStatus,
        errorType: outcome.errorType,
        latencyMs: clock.monotonicMs() - startedMs,
        ttftMs: outcome.ttftMs,
        modelId: route.modelId,
        fallbackFromModel: outcome.fallbackFrom,
        upstreamAttempts: outcome.attempts,
        inferenceGeoActual: outcome.attempts > 0 && outcome.status !== 'upstream_error' ? actualGeo : null,
        upstreamRequestId: outcome.upstreamRequestId,
        usage: recordedUsage,
        costUsd: price.cost_usd,
        pricingVersion: price.pricing_version,
        completionSha256: completionSha,
        completionRedacted,
        reidEnvelope: postEnvelope,
      },
      clock.now(),
    );
    await writePostCall(services, record);
  } catch (error) {
    logger.error('post-call audit record could not be built', {
      request_id: ctx.requestId,
      tenant: ctx.tenantId,
      failure: describeFailure(error),
    });
  }
}
