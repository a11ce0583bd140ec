/**
 * Step 7, post-call: after the client has its response, the POST-CALL record completes the pre-call one with the
 * outcome (status, tokens, cost, served geo, redacted completion). A record the sink rejects goes to the dead
 * letter; a record that cannot even be built is logged by id. Nothing here can fail the response.
 */
import { buildPostCallRecord, sha256Hex } from '../../shared/audit/builder';
import type { AuditRecord, ReidEnvelope } from '../../shared/audit/record';
import { type Replacement, restore, seal } from '../../shared/pii';
import type { RequestFacts } from '../../shared/policy/request-facts';
import type { RedactionMode, TenantConfig } from '../../shared/policy/tenant-config';
import { priceCall } from '../../shared/pricing';
import type { HandlerServices } from '../handler-services';
import { describeFailure } from '../proxy-errors';
import type { TenantRedactor } from '../redaction';
import type { CallOperation } from './parse';
import type { UpstreamOutcome } from './upstream-leg';

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
  readonly ctx: RequestFacts;
  readonly operation: CallOperation;
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
