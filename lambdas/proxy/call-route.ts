/**
 * POST /v1/messages and /v1/messages/count_tokens: parse + validate (400/413) -> tenant policy (403 + `denied`
 * record) -> redact -> PRE-CALL record acknowledged (503 and no upstream call otherwise) -> upstream with retries
 * and fallback -> response (JSON or SSE as Anthropic emits it) -> POST-CALL record (dead letter if the sink rejects
 * it).
 */
import { type AuditRequestContext, sha256Hex } from '../shared/audit/builder';
import { PermissionError } from '../shared/errors';
import {
  type CountTokensRequest,
  type MessagesRequest,
  parseCountTokensRequest,
  parseMessagesRequest,
} from '../shared/messages';
import { DENY_REASONS, evaluatePolicy, type PolicyDecision } from '../shared/policy/evaluate';
import { newRequestFacts } from '../shared/policy/request-facts';
import type { TenantConfig } from '../shared/policy/tenant-config';
import { deny, recordPostCall, writePreCall } from './audit-writes';
import { forwardCall, type Operation } from './forward-call';
import type { GatewayRequest } from './gateway-http';
import type { HandlerServices } from './handler-services';
import { redactPrompt, tokenMapping } from './redaction';
import type { TrackedResponse } from './tracked-response';

/** The client headers the Anthropic API sees as sent. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

function forwardedHeaders(headers: GatewayRequest['headers']): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers[name];
    if (value !== undefined && value !== '') forwarded[name] = value;
  }
  return forwarded;
}

export async function handleCall(
  services: HandlerServices,
  req: GatewayRequest,
  res: TrackedResponse,
  context: AuditRequestContext & { operation: Operation },
  tenant: TenantConfig | undefined,
  startedMs: number,
): Promise<void> {
  const { clock, limits, logger } = services;
  const request: MessagesRequest | CountTokensRequest =
    context.operation === 'messages'
      ? parseMessagesRequest(req.body, limits)
      : parseCountTokensRequest(req.body, limits);
  const stream = context.operation === 'messages' && request.stream === true;
  const ctx: AuditRequestContext = { ...context, stream };
  const promptSha256 = sha256Hex(req.body);
  const facts = newRequestFacts(ctx, ctx.requestId, context.operation);
  facts.stream = stream;
  facts.promptSha256 = promptSha256;
  facts.modelRequested = request.model.slice(0, 256);

  let decision: PolicyDecision;
  try {
    if (!tenant) throw new PermissionError('This tenant has no policy in this gateway.', DENY_REASONS.unknownTenant);
    decision = evaluatePolicy(tenant, request, req.headers, facts);
  } catch (error) {
    if (error instanceof PermissionError) {
      await deny(services, facts, tenant, error, startedMs);
    }
    throw error;
  }

  // Redact. The audit always gets the tokenised copy; the upstream gets it only in `upstream` mode.
  const redactor = services.redactorFor(tenant);
  const { model: _model, stream: _stream, inference_geo: _geo, ...body } = request as Record<string, unknown>;
  const prompt = redactPrompt(body, redactor);
  const mode = decision.redactionMode;
  const endUser = decision.endUser === null ? null : redactor.redact(decision.endUser).text.slice(0, 256);
  decision = { ...decision, endUser };

  const preRecord = await writePreCall(services, ctx, tenant, decision, prompt, promptSha256);

  const mapping = mode === 'upstream' ? tokenMapping(prompt.replacements) : null;
  const upstreamBody = mode === 'upstream' ? prompt.tokenisedBody : body;
  const { outcome, completionText } = await forwardCall(services, res, {
    operation: context.operation,
    stream,
    provider: tenant.provider,
    decision,
    upstreamBody,
    mapping,
    clientHeaders: forwardedHeaders(req.headers),
    query: req.query ?? '',
    startedMs,
  });

  // Post-call record, after the client has its response.
  await recordPostCall(services, preRecord, {
    ctx,
    operation: context.operation,
    tenant,
    mode,
    redactor,
    promptReplacements: prompt.replacements,
    mapping,
    outcome,
    completionText,
    startedMs,
  });
  logger.info('request completed', {
    request_id: ctx.requestId,
    tenant: ctx.tenantId,
    status: outcome.status,
    http_status: outcome.httpStatus,
    upstream_attempts: outcome.attempts,
    latency_ms: Math.round(clock.monotonicMs() - startedMs),
  });
}
