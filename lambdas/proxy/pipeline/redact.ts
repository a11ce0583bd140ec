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
  const bodyPrompt = redactPrompt(body, redactor);
  const redactedEndUser = decision.endUser === null ? null : redactor.redact(decision.endUser);
  const endUser = redactedEndUser === null ? null : redactedEndUser.text.slice(0, 256);
  // PII in the attribution headers is PII the client sent in this call: `pii_counts` counts it with the prompt's.
  const counts = { ...bodyPrompt.counts };
  for (const found of [decision.useCasePiiCounts, redactedEndUser?.counts ?? {}]) {
    for (const [type, n] of Object.entries(found)) counts[type] = (counts[type] ?? 0) + n;
  }
  const prompt: RedactedPrompt = { ...bodyPrompt, counts };
  const upstreamMode = decision.redactionMode === 'upstream';
  return {
    redactor,
    decision: { ...decision, endUser },
    prompt,
    upstreamBody: upstreamMode ? prompt.tokenisedBody : body,
    mapping: upstreamMode ? tokenMapping(prompt.replacements) : null,
  };
}
