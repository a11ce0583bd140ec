/**
 * What the routes and the pipeline steps share: the request path's ports and settings with their defaults resolved,
 * built once per handler by `makeGatewayHandler` and passed to each step, plus the per-provider and per-tenant
 * caches. Steps import this module, never the router.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_MESSAGES_LIMITS, type MessagesLimits } from '../shared/messages';
import type { GatewayMetrics } from '../shared/observability/gateway-metrics';
import type { Tokenizer } from '../shared/pii';
import type { Provider, TenantConfig } from '../shared/policy/tenant-config';
import type { AuditDeadLetter, AuditSink, Clock, DataKeyProvider, ModelClient } from '../shared/ports';
import { createTenantRedactor, type TenantRedactor } from './redaction';
import type { RetrySettings } from './upstream-call';

/** Limits of the request path. */
export interface GatewayLimits extends MessagesLimits {
  /** Whole upstream call, streaming included; then the call is aborted and recorded as `timeout`. @default 600000 */
  readonly upstreamTimeoutMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = { ...DEFAULT_MESSAGES_LIMITS, upstreamTimeoutMs: 600_000 };

/** The dependencies of the routes, defaults applied. */
export interface HandlerServices {
  readonly auditSink: AuditSink;
  readonly deadLetter: AuditDeadLetter;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: GatewayMetrics;
  /** The data key provider, behind the data key cache unless it is disabled. */
  readonly dataKeys: DataKeyProvider;
  readonly limits: GatewayLimits;
  readonly retry: RetrySettings;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** The model client of a provider, constructed on first use. */
  readonly clientFor: (provider: Provider) => Promise<ModelClient>;
  /** The redactor of a tenant, built once per tenant config. */
  readonly redactorFor: (tenant: TenantConfig) => TenantRedactor;
}

/** Caches the model client of each provider, constructed on first use. */
export function modelClientCache(
  modelClient: (provider: Provider) => ModelClient | Promise<ModelClient>,
): (provider: Provider) => Promise<ModelClient> {
  const clients = new Map<Provider, Promise<ModelClient>>();
  return (provider: Provider): Promise<ModelClient> => {
    let client = clients.get(provider);
    if (!client) {
      client = Promise.resolve().then(() => modelClient(provider));
      // A failed construction is retried on the next request rather than cached forever.
      client.catch(() => clients.delete(provider));
      clients.set(provider, client);
    }
    return client;
  };
}

/** Caches the redactor of each tenant config. */
export function redactorCache(tokenizerFor: (tenantId: string) => Tokenizer): (tenant: TenantConfig) => TenantRedactor {
  const redactors = new WeakMap<TenantConfig, TenantRedactor>();
  return (tenant: TenantConfig): TenantRedactor => {
    let redactor = redactors.get(tenant);
    if (!redactor) {
      redactor = createTenantRedactor(tenant, tokenizerFor(tenant.id));
      redactors.set(tenant, redactor);
    }
    return redactor;
  };
}
