/**
 * POST /v1/messages and /v1/messages/count_tokens as one straight pipeline, one step per file under `pipeline/`:
 *
 *   parse -> policy -> redact -> pre-call -> upstream -> relay -> post-call
 *
 * parse (400/413) fills the request facts from the body; policy (403 + `denied` record) fills them from the tenant
 * policy, also when it refuses; redact tokenises the prompt; pre-call writes the PRE-CALL record and must have it
 * acknowledged (503 and no upstream call otherwise); upstream calls the provider with retries and fallback; relay
 * sends JSON or SSE as Anthropic emits it; post-call writes the POST-CALL record (dead letter if the sink rejects
 * it). Other refusals are recorded by the router from the same facts (`rejected`).
 */
import type { RequestFacts } from '../shared/policy/request-facts';
import type { TenantConfig } from '../shared/policy/tenant-config';
import type { GatewayRequest } from './gateway-http';
import type { HandlerServices } from './handler-services';
import { type CallOperation, parseCall } from './pipeline/parse';
import { applyPolicy } from './pipeline/policy';
import { recordPostCall } from './pipeline/post-call';
import { writePreCall } from './pipeline/pre-call';
import { redactCall } from './pipeline/redact';
import { relay } from './pipeline/relay';
import { callUpstream } from './pipeline/upstream';
import type { TrackedResponse } from './tracked-response';

/** Runs a model call through the pipeline; the response is always ended when this returns or throws. */
export async function handleCall(
  services: HandlerServices,
  req: GatewayRequest,
  res: TrackedResponse,
  operation: CallOperation,
  facts: RequestFacts,
  tenantPolicy: TenantConfig | undefined,
  startedMs: number,
): Promise<void> {
  const { clock, logger } = services;
  const call = parseCall(req, operation, facts, services.limits);
  const { tenant, decision } = await applyPolicy(services, tenantPolicy, call, req.headers, facts, startedMs);
  const redacted = redactCall(services, tenant, call, decision);
  const preRecord = await writePreCall(services, facts, tenant, redacted.decision, redacted.prompt, call.promptSha256);
  const { leg, result } = await callUpstream(services, res, {
    operation,
    stream: call.stream,
    provider: tenant.provider,
    decision: redacted.decision,
    upstreamBody: redacted.upstreamBody,
    clientHeaders: call.clientHeaders,
    query: call.query,
    startedMs,
  });
  const { outcome, completionText } = await relay(res, leg, result, redacted.mapping);
  await recordPostCall(services, preRecord, {
    ctx: facts,
    operation,
    tenant,
    mode: redacted.decision.redactionMode,
    redactor: redacted.redactor,
    promptReplacements: redacted.prompt.replacements,
    mapping: redacted.mapping,
    outcome,
    completionText,
    startedMs,
  });
  logger.info('request completed', {
    request_id: facts.requestId,
    tenant: facts.tenantId,
    status: outcome.status,
    http_status: outcome.httpStatus,
    upstream_attempts: outcome.attempts,
    latency_ms: Math.round(clock.monotonicMs() - startedMs),
  });
}
