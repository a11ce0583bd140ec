/**
 * Step 4, pre-call: the PRE-CALL record is built and must be acknowledged by the audit sink before any upstream
 * call (fail closed: 503 and no call otherwise). The prompt's replacements are sealed under the customer key unless
 * the mode is metadata-only.
 */
import { buildPostCallRecord, buildPreCallRecord } from '../../shared/audit/builder';
import type { AuditRecord, ReidEnvelope } from '../../shared/audit/record';
import { ServiceUnavailableError } from '../../shared/errors';
import { seal } from '../../shared/pii';
import type { PolicyDecision } from '../../shared/policy/evaluate';
import type { RequestFacts } from '../../shared/policy/request-facts';
import type { TenantConfig } from '../../shared/policy/tenant-config';
import type { HandlerServices } from '../handler-services';
import { describeFailure } from '../proxy-errors';
import type { RedactedPrompt } from '../redaction';

/**
 * Seals the prompt's replacements (unless metadata-only), builds the pre-call record and waits for the sink to
 * acknowledge it. Throws ServiceUnavailableError (503) when it cannot: the caller must not call upstream then.
 */
export async function writePreCall(
  services: HandlerServices,
  ctx: RequestFacts,
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
