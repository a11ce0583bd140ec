/**
 * The records of refusals, written from the request's facts: `denied` for a policy refusal (403) and `rejected` for
 * any other 4xx refusal of an authenticated caller (malformed or oversized body, bad header, unknown path or
 * method), so an auditor sees every attempt. A refusal stands even when its record is lost: a failure to write is
 * counted and logged by request id, never thrown. Neither record holds body text or the error message.
 */
import { buildDeniedRecord, buildRejectedRecord, type DeniedDetails } from '../shared/audit/builder';
import type { AuditRecord } from '../shared/audit/record';
import { type GatewayError, type PermissionError, rejectionReason } from '../shared/errors';
import { policyVersion, residencyPolicyLabel } from '../shared/policy/evaluate';
import type { RequestFacts } from '../shared/policy/request-facts';
import type { TenantConfig } from '../shared/policy/tenant-config';
import type { HandlerServices } from './handler-services';
import { describeFailure } from './proxy-errors';

/** What a refusal record says about the request, from the facts and the tenant policy. */
function refusalDetails(
  facts: RequestFacts,
  tenant: TenantConfig | undefined,
  error: GatewayError,
  reason: string,
  latencyMs: number,
): DeniedDetails {
  return {
    reason,
    httpStatus: error.status,
    errorType: error.type,
    policyVersion: tenant ? policyVersion(tenant) : 'unknown',
    provider: tenant?.provider ?? null,
    modelRequested: facts.modelRequested,
    residencyPolicy: tenant ? residencyPolicyLabel(tenant) : null,
    dataClassification: facts.dataClassification ?? tenant?.dataClassifications.default ?? null,
    useCase: facts.useCase,
    // End-user ids may be e-mail addresses: a refusal record keeps only whether one was sent.
    endUser: facts.endUser !== null ? '[provided]' : null,
    redactionMode: tenant?.redaction.mode ?? null,
    promptSha256: facts.promptSha256,
    latencyMs,
    features: facts.features,
    betas: facts.betas,
    refusedFeature: facts.refusedFeature,
  };
}

async function writeRefusal(
  services: HandlerServices,
  facts: RequestFacts,
  event: 'denied' | 'rejected',
  build: () => AuditRecord,
): Promise<void> {
  const { metrics, logger } = services;
  let record: AuditRecord | undefined;
  try {
    record = build();
    metrics.recordCall(record);
    await services.auditSink.put(record);
  } catch (recordError) {
    metrics.recordAuditWriteFailure(facts.tenantId);
    logger.error(`${event} audit record not written`, {
      request_id: facts.requestId,
      tenant: facts.tenantId,
      failure: describeFailure(recordError),
    });
    // The refusal stands either way; its record goes where a rejected post-call record goes (never lost).
    if (record) {
      try {
        await services.deadLetter.send(record, describeFailure(recordError));
        metrics.recordDeadLettered(facts.tenantId);
      } catch (deadLetterError) {
        logger.error(`${event} audit record not dead-lettered`, {
          request_id: facts.requestId,
          tenant: facts.tenantId,
          failure: describeFailure(deadLetterError),
        });
      }
    }
  }
}

/** Writes the `denied` record of a policy refusal. */
export async function writeDenied(
  services: HandlerServices,
  facts: RequestFacts,
  tenant: TenantConfig | undefined,
  error: PermissionError,
  startedMs: number,
): Promise<void> {
  const { clock } = services;
  await writeRefusal(services, facts, 'denied', () =>
    buildDeniedRecord(
      facts,
      refusalDetails(facts, tenant, error, error.reason, clock.monotonicMs() - startedMs),
      clock.now(),
    ),
  );
}

/** Writes the `rejected` record of a 4xx refusal that is not a policy decision. */
export async function writeRejected(
  services: HandlerServices,
  facts: RequestFacts,
  tenant: TenantConfig | undefined,
  error: GatewayError,
  startedMs: number,
): Promise<void> {
  const { clock } = services;
  await writeRefusal(services, facts, 'rejected', () =>
    buildRejectedRecord(
      facts,
      refusalDetails(facts, tenant, error, rejectionReason(error), clock.monotonicMs() - startedMs),
      clock.now(),
    ),
  );
}
