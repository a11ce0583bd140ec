/**
 * Step 2, policy: the tenant policy decides the model, route, residency, ZDR features and classification, filling
 * the request facts as it goes. A refusal (403) writes the `denied` record from those facts, then propagates.
 */
import { PermissionError } from '../../shared/errors';
import { DENY_REASONS, evaluatePolicy, type PolicyDecision } from '../../shared/policy/evaluate';
import type { RequestFacts } from '../../shared/policy/request-facts';
import type { TenantConfig } from '../../shared/policy/tenant-config';
import type { GatewayRequest } from '../gateway-http';
import type { HandlerServices } from '../handler-services';
import { writeDenied } from '../refusal-records';
import type { ParsedCall } from './parse';

/** Evaluates the tenant policy; on a refusal writes the `denied` record and rethrows. */
export async function applyPolicy(
  services: HandlerServices,
  tenant: TenantConfig | undefined,
  call: ParsedCall,
  headers: GatewayRequest['headers'],
  facts: RequestFacts,
  startedMs: number,
): Promise<{ tenant: TenantConfig; decision: PolicyDecision }> {
  try {
    if (!tenant) throw new PermissionError('This tenant has no policy in this gateway.', DENY_REASONS.unknownTenant);
    return { tenant, decision: evaluatePolicy(tenant, call.request, headers, facts) };
  } catch (error) {
    if (error instanceof PermissionError) await writeDenied(services, facts, tenant, error, startedMs);
    throw error;
  }
}
