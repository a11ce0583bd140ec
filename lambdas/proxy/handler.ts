/**
 * The request path, transport-neutral: `makeGatewayHandler(deps)` returns the GatewayHandler that both hosts
 * (the Lambda composition root and the local dev server) serve. No AWS SDK import: every side effect goes through
 * the ports in `deps`.
 *
 * This module is the public contract and the router. Model calls run the pipeline of `call-pipeline.ts` (parse ->
 * policy -> redact -> pre-call -> upstream -> relay -> post-call, one step per file in `pipeline/`); the models
 * list is `models-route.ts`. The router creates the request's facts once the caller is authenticated, and any
 * other 4xx refusal of that caller is written as a `rejected` record from them (`refusal-records.ts`).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { newRequestId } from '../shared/audit/request-id';
import {
  type AnthropicErrorType,
  asGatewayError,
  AuthenticationError as GatewayAuthenticationError,
  GatewayError,
  MethodNotAllowedError,
  NotFoundError,
  PermissionError,
} from '../shared/errors';
import type { GatewayMetrics } from '../shared/observability/gateway-metrics';
import type { Tokenizer } from '../shared/pii';
import { DENY_REASONS } from '../shared/policy/evaluate';
import { type GatewayOperation, newRequestFacts, type RequestFacts } from '../shared/policy/request-facts';
import type { Provider, TenantConfig } from '../shared/policy/tenant-config';
import {
  type AuditDeadLetter,
  type AuditSink,
  type Clock,
  type DataKeyProvider,
  type ModelClient,
  systemClock,
} from '../shared/ports';
import { handleCall } from './call-pipeline';
import type { GatewayHandler, GatewayRequest, ResponseWriter } from './gateway-http';
import {
  DEFAULT_GATEWAY_LIMITS,
  type GatewayLimits,
  type HandlerServices,
  modelClientCache,
  redactorCache,
} from './handler-services';
import { handleModels } from './models-route';
import { writeRejected } from './refusal-records';
import { TrackedResponse } from './tracked-response';
import { abortableSleep, DEFAULT_RETRY_SETTINGS, type RetrySettings } from './upstream-call';

export { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from './handler-services';
export type { RetrySettings } from './upstream-call';

/**
 * Everything the request path needs from the outside. Stable contract: the Lambda composition root
 * (`lambdas/proxy/index.ts`) and the local dev server both build one of these.
 */
export interface GatewayHandlerDeps {
  /** The tenant's validated policy, or undefined for an unknown tenant (e.g. `PolicyDocument.tenant`). */
  readonly tenantPolicy: (tenantId: string) => TenantConfig | undefined;
  /**
   * The model client of a provider. Called on first use of that provider, and the result is cached, so a host can
   * lazy-import the adapter of a provider it may never use (cold start). May return a promise.
   */
  readonly modelClient: (provider: Provider) => ModelClient | Promise<ModelClient>;
  /** Where audit records go; `put` resolves only when the record is durable. */
  readonly auditSink: AuditSink;
  /** Where post-call records go when the sink rejected them. */
  readonly deadLetter: AuditDeadLetter;
  /** The PII tokenizer of a tenant (`createTokenizer({ secret, tenantId })`); called once per tenant. */
  readonly tokenizerFor: (tenantId: string) => Tokenizer;
  /**
   * Issues data keys for re-identification envelopes (KMS GenerateDataKey in AWS). Reuse of a data key across
   * envelopes, bounded by age and uses, is the provider's business (`KmsDataKeyProvider` caches per tenant).
   */
  readonly dataKeyProvider: DataKeyProvider;
  /** Powertools logger. The handler logs request id, tenant, status and timings; never bodies or PII. */
  readonly logger: Logger;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default DEFAULT_GATEWAY_LIMITS (20 MB body, 100,000 messages, 10 min upstream) */
  readonly limits?: Partial<GatewayLimits>;
  /** @default DEFAULT_RETRY_SETTINGS (3 attempts per route, 250 ms base, 4 s cap, full jitter) */
  readonly retry?: Partial<RetrySettings>;
  /** Backoff sleep; tests inject a fast one. @default an abortable setTimeout */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Request metrics (EMF in AWS). Recorded from the audit records themselves, buffered, and flushed once per
   * request after the response is complete, so they add no I/O before the client has its answer.
   * @default no metrics
   */
  readonly metrics?: GatewayMetrics;
}

const NO_METRICS: GatewayMetrics = {
  recordCall: () => undefined,
  recordAuditWriteFailure: () => undefined,
  recordDeadLettered: () => undefined,
  flush: () => undefined,
};

/** The operation a path names (what a `rejected` record of it says). */
function operationOf(path: string): GatewayOperation {
  if (path === '/v1/messages') return 'messages';
  if (path === '/v1/messages/count_tokens') return 'count_tokens';
  if (path === '/v1/models' || path.startsWith('/v1/models/')) return 'models';
  return 'other';
}

/** 4xx refusals other than policy denials (written by the policy step) and authentication (no caller to record). */
function isRejection(error: unknown): error is GatewayError {
  return (
    error instanceof GatewayError &&
    error.status >= 400 &&
    error.status < 500 &&
    !(error instanceof PermissionError) &&
    !(error instanceof GatewayAuthenticationError)
  );
}

function normalisePath(path: string): string {
  const withoutQuery = path.split('?')[0] ?? '';
  return withoutQuery.length > 1 && withoutQuery.endsWith('/') ? withoutQuery.slice(0, -1) : withoutQuery;
}

/** A host may leave the query on the path: it is split off once, here. */
function withQuery(req: GatewayRequest): GatewayRequest {
  const mark = req.path.indexOf('?');
  if (mark < 0) return req;
  return { ...req, path: req.path.slice(0, mark), query: req.query ?? req.path.slice(mark + 1) };
}

/** A model id from the path; a malformed percent escape (`%`, `%zz`, a cut UTF-8 sequence) is a 404, not a crash. */
function decodeModelId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new NotFoundError('Not found: the model id in the path is not a valid percent-encoded name.');
  }
}

/** Builds the request-path handler. */
export function makeGatewayHandler(deps: GatewayHandlerDeps): GatewayHandler {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const metrics = deps.metrics ?? NO_METRICS;
  const services: HandlerServices = {
    auditSink: deps.auditSink,
    deadLetter: deps.deadLetter,
    logger,
    clock,
    metrics,
    dataKeys: deps.dataKeyProvider,
    limits: { ...DEFAULT_GATEWAY_LIMITS, ...deps.limits },
    retry: { ...DEFAULT_RETRY_SETTINGS, ...deps.retry },
    sleep: deps.sleep ?? abortableSleep,
    random: deps.random ?? Math.random,
    clientFor: modelClientCache((provider) => deps.modelClient(provider)),
    redactorFor: redactorCache((tenantId) => deps.tokenizerFor(tenantId)),
  };

  return async (received: GatewayRequest, response: ResponseWriter): Promise<void> => {
    const req = withQuery(received);
    const startedMs = clock.monotonicMs();
    const requestId = newRequestId();
    const res = new TrackedResponse(response, requestId);
    let tenantId: string | null = null;
    let facts: RequestFacts | null = null;
    let tenant: TenantConfig | undefined;
    try {
      const path = normalisePath(req.path);
      const method = req.method.toUpperCase();
      if (!req.identity) {
        throw new GatewayAuthenticationError('Missing or invalid API key (x-api-key or Authorization: Bearer).');
      }
      tenantId = req.identity.tenantId;
      tenant = deps.tenantPolicy(tenantId);
      const operation = operationOf(path);
      facts = newRequestFacts(req.identity, requestId, operation);
      const allow = (expected: string): void => {
        // Neither the method nor the path is echoed: no raw request value reappears in an error.
        if (method !== expected) throw new MethodNotAllowedError(`This path accepts ${expected} only.`);
      };
      if (operation === 'messages' || operation === 'count_tokens') {
        allow('POST');
        await handleCall(services, req, res, operation, facts, tenant, startedMs);
      } else if (operation === 'models') {
        allow('GET');
        if (!tenant)
          throw new PermissionError('This tenant has no policy in this gateway.', DENY_REASONS.unknownTenant);
        const id = path === '/v1/models' ? null : decodeModelId(path.slice('/v1/models/'.length));
        await handleModels(res, tenant, id);
      } else {
        throw new NotFoundError(
          'Not found: the gateway serves POST /v1/messages, POST /v1/messages/count_tokens and GET /v1/models.',
        );
      }
    } catch (error) {
      const gatewayError = asGatewayError(error);
      if (!(error instanceof GatewayError)) {
        logger.error('unhandled error in the request path', {
          request_id: requestId,
          tenant: tenantId,
          failure: error instanceof Error ? error.name : 'unknown',
        });
      }
      if (!res.started) res.error(gatewayError);
      else res.end();
      if (error instanceof GatewayError) {
        logger.info('request refused', {
          request_id: requestId,
          tenant: tenantId,
          http_status: gatewayError.status,
          error_type: gatewayError.type as AnthropicErrorType,
          reason: error instanceof PermissionError ? error.reason : undefined,
        });
      }
      // After the response: the caller does not wait for the record of its own refusal.
      if (facts !== null && isRejection(error)) await writeRejected(services, facts, tenant, error, startedMs);
    } finally {
      metrics.flush();
    }
  };
}
