/**
 * Step 3, redact: the prompt is tokenised for the audit copy (always) and for the upstream body (`upstream` mode
 * only); the end-user id is redacted before any record holds it.
 */
import type { PolicyDecision } from '../../shared/policy/evaluate';
import type { TenantConfig } from '../../shared/policy/tenant-config';
import type { HandlerServices } from '../handler-services';
import { type RedactedPrompt, redactPrompt, type TenantRedactor, tokenMapping } from '../redaction';
import type { ParsedCall } from './parse';

/** The call after redaction. */
export interface RedactedCall {
  readonly redactor: TenantRedactor;
  /** The decision with its end-user id redacted. */
  readonly decision: PolicyDecision;
  readonly prompt: RedactedPrompt;
  /** The body sent upstream: tokenised in `upstream` mode, else as the client sent it (without model/stream/geo). */
  readonly upstreamBody: Record<string, unknown>;
  /** token -> value in `upstream` mode (to restore what the client gets back), else null. */
  readonly mapping: Map<string, string> | null;
}

/** Redacts the prompt and the end-user id according to the tenant's mode. */
export function redactCall(
  services: HandlerServices,
  tenant: TenantConfig,
  call: ParsedCall,
  decision: PolicyDecision,
): RedactedCall {
  const redactor = services.redactorFor(tenant);
  // model, stream and inference_geo are decided by the policy; each adapter writes them as its API needs.
  const { model: _model, stream: _stream, inference_geo: _geo, ...body } = call.request as Record<string, unknown>;
  const prompt = redactPrompt(body, redactor);
  const endUser = decision.endUser === null ? null : redactor.redact(decision.endUser).text.slice(0, 256);
  const upstreamMode = decision.redactionMode === 'upstream';
  return {
    redactor,
    decision: { ...decision, endUser },
    prompt,
    upstreamBody: upstreamMode ? prompt.tokenisedBody : body,
    mapping: upstreamMode ? tokenMapping(prompt.replacements) : null,
  };
}
