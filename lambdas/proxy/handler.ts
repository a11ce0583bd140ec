/**
 * The request path, transport-neutral: `makeGatewayHandler(deps)` returns the GatewayHandler that both hosts
 * (the Lambda composition root and the local dev server) serve. No AWS SDK import: every side effect goes through
 * the ports in `deps`.
 *
 * POST /v1/messages: parse + validate (400/413) -> tenant policy (403 + `denied` record) -> redact -> PRE-CALL
 * record acknowledged (503 and no upstream call otherwise) -> upstream with retries and fallback -> response
 * (JSON or SSE as Anthropic emits it) -> POST-CALL record (dead letter if the sink rejects it).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AuditRequestContext,
  buildDeniedRecord,
  buildPostCallRecord,
  buildPreCallRecord,
  type CallOutcome,
  sha256Hex,
} from '../shared/audit/builder';
import type { AuditRecord, ReidEnvelope } from '../shared/audit/record';
import { newRequestId } from '../shared/audit/request-id';
import {
  type AnthropicErrorType,
  asGatewayError,
  errorBody,
  AuthenticationError as GatewayAuthenticationError,
  GatewayError,
  NotFoundError,
  PermissionError,
  ServiceUnavailableError,
} from '../shared/errors';
import {
  type CountTokensRequest,
  DEFAULT_MESSAGES_LIMITS,
  type MessagesLimits,
  type MessagesRequest,
  parseCountTokensRequest,
  parseMessagesRequest,
} from '../shared/messages';
import type { GatewayMetrics } from '../shared/observability/gateway-metrics';
import { restore, seal, type Tokenizer } from '../shared/pii';
import {
  DENY_REASONS,
  evaluatePolicy,
  type PolicyDecision,
  policyVersion,
  residencyPolicyLabel,
} from '../shared/policy/evaluate';
import { allowedRoutes, catalogModel, type ModelRoute } from '../shared/policy/model-catalog';
import type { Provider, TenantConfig } from '../shared/policy/tenant-config';
import {
  type AuditDeadLetter,
  type AuditSink,
  type Clock,
  type DataKeyProvider,
  type ModelClient,
  systemClock,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamStreamEvent,
} from '../shared/ports';
import { priceCall } from '../shared/pricing';
import { cachingDataKeyProvider, type DataKeyCacheSettings, DEFAULT_DATA_KEY_CACHE } from './data-key-cache';
import type { GatewayHandler, GatewayRequest, ResponseWriter } from './gateway-http';
import { createTenantRedactor, redactPrompt, type TenantRedactor, tokenMapping } from './redaction';
import { messageCompletionText, StreamAccumulator, sseFrame } from './sse';
import {
  abortableSleep,
  callUpstream,
  DEFAULT_RETRY_SETTINGS,
  type RetrySettings,
  raceAbort,
  UpstreamExhaustedError,
} from './upstream-call';

export type { DataKeyCacheSettings } from './data-key-cache';
export type { RetrySettings } from './upstream-call';

/** Limits of the request path. */
export interface GatewayLimits extends MessagesLimits {
  /** Whole upstream call, streaming included; then the call is aborted and recorded as `timeout`. @default 600000 */
  readonly upstreamTimeoutMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = { ...DEFAULT_MESSAGES_LIMITS, upstreamTimeoutMs: 600_000 };

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
  /** Issues data keys for re-identification envelopes (KMS GenerateDataKey in AWS). */
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
   * Reuse of data keys across envelopes of the same tenant (bounded by age and uses), so KMS is not called on the
   * critical path of every request with PII. `false` asks for a data key per envelope.
   * @default DEFAULT_DATA_KEY_CACHE (5 minutes, 10,000 envelopes)
   */
  readonly dataKeyCache?: DataKeyCacheSettings | false;
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

/** 405 for a known path with the wrong method (Anthropic-shaped body). */
class MethodNotAllowedError extends GatewayError {
  readonly type = 'invalid_request_error';
  readonly status = 405;
  override readonly name = 'MethodNotAllowedError';
}

/** The whole upstream call exceeded its time limit before the first byte. */
class UpstreamTimeoutError extends GatewayError {
  readonly type = 'api_error';
  readonly status = 504;
  override readonly name = 'UpstreamTimeoutError';
}

/** Tracks whether the response was started/ended, so that failures never write twice. */
class TrackedResponse {
  started = false;
  ended = false;
  constructor(
    readonly inner: ResponseWriter,
    readonly requestId: string,
  ) {}
  start(status: number, headers: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.inner.start(status, { ...headers, 'request-id': this.requestId });
  }
  write(chunk: string): void {
    if (!this.ended && !this.inner.closed) this.inner.write(chunk);
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.inner.end();
  }
  json(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    // A known length lets the host send headers and body together, without chunked framing.
    this.start(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    this.write(text);
    this.end();
  }
  error(error: GatewayError): void {
    this.json(error.status, errorBody(error, this.requestId));
  }
  /** An error with an arbitrary Anthropic type and status (upstream errors passed through). */
  rawError(status: number, type: string, message: string): void {
    this.json(status, { type: 'error', error: { type, message }, request_id: this.requestId });
  }
}

type Operation = 'messages' | 'count_tokens';

function normalisePath(path: string): string {
  const withoutQuery = path.split('?')[0] ?? '';
  return withoutQuery.length > 1 && withoutQuery.endsWith('/') ? withoutQuery.slice(0, -1) : withoutQuery;
}

function errorTypeForUpstream(error: UpstreamError): { status: number; type: string; message: string } {
  if (error.status === 429) return { status: 429, type: 'rate_limit_error', message: error.message };
  if (error.status === 529) return { status: 529, type: 'overloaded_error', message: error.message };
  if (error.status >= 500) return { status: error.status, type: 'api_error', message: error.message };
  if (error.status >= 400) return { status: error.status, type: error.errorType, message: error.message };
  return { status: 502, type: 'api_error', message: error.message };
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return 'unknown failure';
}

/** Builds the request-path handler. */
export function makeGatewayHandler(deps: GatewayHandlerDeps): GatewayHandler {
  const clock = deps.clock ?? systemClock;
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...deps.limits };
  const retry: RetrySettings = { ...DEFAULT_RETRY_SETTINGS, ...deps.retry };
  const sleep = deps.sleep ?? abortableSleep;
  const random = deps.random ?? Math.random;
  const logger = deps.logger;
  const metrics = deps.metrics ?? NO_METRICS;
  const dataKeys =
    deps.dataKeyCache === false
      ? deps.dataKeyProvider
      : cachingDataKeyProvider(deps.dataKeyProvider, deps.dataKeyCache ?? DEFAULT_DATA_KEY_CACHE);

  const clients = new Map<Provider, Promise<ModelClient>>();
  const clientFor = (provider: Provider): Promise<ModelClient> => {
    let client = clients.get(provider);
    if (!client) {
      client = Promise.resolve().then(() => deps.modelClient(provider));
      // A failed construction is retried on the next request rather than cached forever.
      client.catch(() => clients.delete(provider));
      clients.set(provider, client);
    }
    return client;
  };

  const redactors = new WeakMap<TenantConfig, TenantRedactor>();
  const redactorFor = (tenant: TenantConfig): TenantRedactor => {
    let redactor = redactors.get(tenant);
    if (!redactor) {
      redactor = createTenantRedactor(tenant, deps.tokenizerFor(tenant.id));
      redactors.set(tenant, redactor);
    }
    return redactor;
  };

  /** Writes a post-call record; on rejection sends it to the dead letter; if that fails too, logs the id only. */
  async function writePostCall(record: AuditRecord): Promise<void> {
    metrics.recordCall(record);
    try {
      await deps.auditSink.put(record);
    } catch (sinkError) {
      metrics.recordAuditWriteFailure(record.tenant_id);
      logger.warn('post-call audit record rejected by the sink; sending to dead letter', {
        request_id: record.request_id,
        tenant: record.tenant_id,
        failure: describeFailure(sinkError),
      });
      try {
        await deps.deadLetter.send(record, describeFailure(sinkError));
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

  async function deny(
    context: AuditRequestContext,
    tenant: TenantConfig | undefined,
    error: PermissionError,
    partial: { modelRequested: string | null; promptSha256: string | null; headers: GatewayRequest['headers'] },
    startedMs: number,
  ): Promise<void> {
    try {
      const classification = partial.headers['x-data-classification']?.trim().toUpperCase();
      const record = buildDeniedRecord(
        context,
        {
          reason: error.reason,
          httpStatus: error.status,
          errorType: error.type,
          policyVersion: tenant ? policyVersion(tenant) : 'unknown',
          provider: tenant?.provider ?? null,
          modelRequested: partial.modelRequested?.slice(0, 256) ?? null,
          residencyPolicy: tenant ? residencyPolicyLabel(tenant) : null,
          dataClassification:
            classification === 'PUBLIC' ||
            classification === 'INTERNAL' ||
            classification === 'CONFIDENTIAL' ||
            classification === 'RESTRICTED'
              ? classification
              : (tenant?.dataClassifications.default ?? null),
          useCase: partial.headers['x-use-case']?.trim().slice(0, 128) || null,
          // End-user ids may be e-mail addresses: the denied record keeps only whether one was sent.
          endUser: partial.headers['x-end-user'] ? '[provided]' : null,
          redactionMode: tenant?.redaction.mode ?? null,
          promptSha256: partial.promptSha256,
          latencyMs: clock.monotonicMs() - startedMs,
        },
        clock.now(),
      );
      metrics.recordCall(record);
      await deps.auditSink.put(record);
    } catch (recordError) {
      metrics.recordAuditWriteFailure(context.tenantId);
      // The refusal stands even when its record cannot be written; the log names the request only.
      logger.error('denied audit record not written', {
        request_id: context.requestId,
        tenant: context.tenantId,
        failure: describeFailure(recordError),
      });
    }
  }

  async function handleModels(res: TrackedResponse, tenant: TenantConfig, modelId: string | null): Promise<void> {
    const data: Array<{ type: 'model'; id: string; display_name: string; created_at: string }> = [];
    const seen = new Set<string>();
    const add = (id: string, catalogId: string): void => {
      const model = catalogModel(catalogId);
      if (!model || seen.has(id) || allowedRoutes(model, tenant.provider, tenant.residency).length === 0) return;
      seen.add(id);
      data.push({ type: 'model', id, display_name: model.displayName, created_at: model.createdAt });
    };
    for (const [alias, catalogId] of Object.entries(tenant.models)) add(alias, catalogId);
    for (const catalogId of Object.values(tenant.models)) add(catalogId, catalogId);
    if (modelId !== null) {
      const found = data.find((model) => model.id === modelId);
      if (!found) throw new NotFoundError(`model: ${modelId.slice(0, 256)}`);
      res.json(200, found);
      return;
    }
    res.json(200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }

  async function handleCall(
    req: GatewayRequest,
    res: TrackedResponse,
    context: AuditRequestContext & { operation: Operation },
    tenant: TenantConfig | undefined,
    startedMs: number,
  ): Promise<void> {
    const request: MessagesRequest | CountTokensRequest =
      context.operation === 'messages'
        ? parseMessagesRequest(req.body, limits)
        : parseCountTokensRequest(req.body, limits);
    const stream = context.operation === 'messages' && request.stream === true;
    const ctx: AuditRequestContext = { ...context, stream };
    const promptSha256 = sha256Hex(req.body);

    let decision: PolicyDecision;
    try {
      if (!tenant) throw new PermissionError('This tenant has no policy in this gateway.', DENY_REASONS.unknownTenant);
      decision = evaluatePolicy(tenant, request, req.headers);
    } catch (error) {
      if (error instanceof PermissionError) {
        await deny(
          ctx,
          tenant,
          error,
          { modelRequested: request.model, promptSha256, headers: req.headers },
          startedMs,
        );
      }
      throw error;
    }

    // Redact. The audit always gets the tokenised copy; the upstream gets it only in `upstream` mode.
    const redactor = redactorFor(tenant);
    const { model: _model, stream: _stream, inference_geo: _geo, ...body } = request as Record<string, unknown>;
    const prompt = redactPrompt(body, redactor);
    const mode = decision.redactionMode;
    const endUser = decision.endUser === null ? null : redactor.redact(decision.endUser).text.slice(0, 256);
    decision = { ...decision, endUser };

    let envelope: ReidEnvelope | null = null;
    let preRecord: AuditRecord;
    try {
      if (mode !== 'metadata-only' && prompt.replacements.length > 0) {
        envelope = await seal(prompt.replacements, dataKeys, {
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
      await deps.auditSink.put(preRecord);
    } catch (error) {
      // Fail closed: no acknowledged pre-call record, no upstream call.
      metrics.recordAuditWriteFailure(ctx.tenantId);
      logger.error('pre-call audit record not written; refusing the call', {
        request_id: ctx.requestId,
        tenant: ctx.tenantId,
        failure: describeFailure(error),
      });
      throw new ServiceUnavailableError('The audit store is unavailable; the request was not sent to the model.');
    }

    const mapping = mode === 'upstream' ? tokenMapping(prompt.replacements) : null;
    const upstreamBody = mode === 'upstream' ? prompt.tokenisedBody : body;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limits.upstreamTimeoutMs);
    void res.inner.disconnected.then(() => controller.abort());
    const routes: ModelRoute[] =
      context.operation === 'messages' ? [decision.route, ...decision.fallbacks] : [decision.route];
    const toUpstream = (route: ModelRoute): UpstreamRequest => ({
      modelId: route.modelId,
      body: upstreamBody,
      betas: decision.betas,
      ...(route.provider === 'anthropic' && route.sendInferenceGeo && context.operation === 'messages'
        ? { inferenceGeo: route.inferenceGeo }
        : {}),
      signal: controller.signal,
    });
    const callOptions = { retry, signal: controller.signal, sleep, random };

    let completionText: string | null = null;
    const outcome: {
      status: CallOutcome['status'];
      httpStatus: number | null;
      errorType: string | null;
      ttftMs: number | null;
      route: ModelRoute;
      attempts: number;
      fallbackFrom: string | null;
      upstreamRequestId: string | null;
      usage: Record<string, unknown> | null;
    } = {
      status: 'ok',
      httpStatus: 200,
      errorType: null,
      ttftMs: null,
      route: decision.route,
      attempts: 0,
      fallbackFrom: null,
      upstreamRequestId: null,
      usage: null,
    };

    const failBeforeFirstByte = (error: unknown): void => {
      if (error instanceof UpstreamExhaustedError) {
        outcome.attempts = error.attempts;
        outcome.route = error.lastRoute;
        error = error.lastError;
      }
      if (res.inner.closed) {
        outcome.status = 'client_disconnected';
        outcome.httpStatus = null;
        outcome.errorType = null;
        return;
      }
      if (timedOut) {
        const timeout = new UpstreamTimeoutError('The upstream call timed out.');
        outcome.status = 'timeout';
        outcome.httpStatus = timeout.status;
        outcome.errorType = timeout.type;
        res.error(timeout);
        return;
      }
      outcome.status = 'upstream_error';
      if (error instanceof UpstreamError) {
        const mapped = errorTypeForUpstream(error);
        outcome.httpStatus = mapped.status;
        outcome.errorType = mapped.type;
        outcome.upstreamRequestId = error.upstreamRequestId;
        res.rawError(mapped.status, mapped.type, mapped.message);
        return;
      }
      const gatewayError = asGatewayError(error);
      outcome.status = 'gateway_error';
      outcome.httpStatus = gatewayError.status;
      outcome.errorType = gatewayError.type;
      res.error(gatewayError);
    };

    try {
      const client = await clientFor(tenant.provider);
      if (context.operation === 'count_tokens') {
        try {
          const result = await callUpstream(routes, (route) => client.countTokens(toUpstream(route)), callOptions);
          Object.assign(outcome, { route: result.route, attempts: result.attempts });
          outcome.ttftMs = clock.monotonicMs() - startedMs;
          res.json(200, { input_tokens: result.value.input_tokens });
        } catch (error) {
          failBeforeFirstByte(error);
        }
      } else if (!stream) {
        try {
          const result = await callUpstream(routes, (route) => client.createMessage(toUpstream(route)), callOptions);
          Object.assign(outcome, { route: result.route, attempts: result.attempts, fallbackFrom: result.fallbackFrom });
          outcome.ttftMs = clock.monotonicMs() - startedMs;
          outcome.upstreamRequestId = result.value.upstreamRequestId;
          const message = result.value.message;
          outcome.usage = (message.usage as Record<string, unknown> | undefined) ?? null;
          completionText = messageCompletionText(message);
          res.json(200, mapping && mapping.size > 0 ? restoreMessage(message, mapping) : message);
        } catch (error) {
          failBeforeFirstByte(error);
        }
      } else {
        let started: {
          iterator: AsyncIterator<UpstreamStreamEvent>;
          first: UpstreamStreamEvent;
          upstreamRequestId: string | null;
        } | null = null;
        try {
          const result = await callUpstream(
            routes,
            async (route) => {
              const upstream = await client.streamMessage(toUpstream(route));
              const iterator = upstream.events[Symbol.asyncIterator]();
              const first = await iterator.next();
              if (first.done) throw new UpstreamError(502, 'api_error', 'The upstream stream ended empty.', true);
              return { iterator, first: first.value, upstreamRequestId: upstream.upstreamRequestId };
            },
            callOptions,
          );
          Object.assign(outcome, { route: result.route, attempts: result.attempts, fallbackFrom: result.fallbackFrom });
          outcome.upstreamRequestId = result.value.upstreamRequestId;
          outcome.ttftMs = clock.monotonicMs() - startedMs;
          started = result.value;
        } catch (error) {
          failBeforeFirstByte(error);
        }
        if (started) {
          const accumulator = new StreamAccumulator(mapping);
          res.start(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
          try {
            let next: IteratorResult<UpstreamStreamEvent> = { done: false, value: started.first };
            while (!next.done) {
              for (const frame of accumulator.accept(next.value)) res.write(frame);
              if (res.inner.closed) break;
              next = await raceAbort(started.iterator.next(), controller.signal);
            }
            if (res.inner.closed) {
              outcome.status = 'client_disconnected';
              controller.abort();
              await started.iterator.return?.();
            }
          } catch (error) {
            if (res.inner.closed) outcome.status = 'client_disconnected';
            else if (timedOut) {
              outcome.status = 'timeout';
              outcome.errorType = 'api_error';
              res.write(
                sseFrame({ type: 'error', error: { type: 'api_error', message: 'The upstream call timed out.' } }),
              );
            } else {
              const upstream = error instanceof UpstreamError ? error : null;
              outcome.status = 'upstream_error';
              outcome.errorType = upstream?.errorType ?? 'api_error';
              res.write(
                sseFrame({
                  type: 'error',
                  error: { type: outcome.errorType, message: upstream?.message ?? 'The upstream stream failed.' },
                }),
              );
            }
          }
          outcome.usage = { ...accumulator.usage };
          completionText = accumulator.completionText();
        }
      }
    } catch (error) {
      failBeforeFirstByte(error);
    } finally {
      clearTimeout(timer);
      res.end();
    }

    // Post-call record, after the client has its response.
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
        context.operation === 'count_tokens'
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
            postEnvelope = await seal([...prompt.replacements, ...redacted.replacements], dataKeys, {
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
      await writePostCall(record);
    } catch (error) {
      logger.error('post-call audit record could not be built', {
        request_id: ctx.requestId,
        tenant: ctx.tenantId,
        failure: describeFailure(error),
      });
    }
    logger.info('request completed', {
      request_id: ctx.requestId,
      tenant: ctx.tenantId,
      status: outcome.status,
      http_status: outcome.httpStatus,
      upstream_attempts: outcome.attempts,
      latency_ms: Math.round(clock.monotonicMs() - startedMs),
    });
  }

  return async (req: GatewayRequest, response: ResponseWriter): Promise<void> => {
    const startedMs = clock.monotonicMs();
    const requestId = newRequestId();
    const res = new TrackedResponse(response, requestId);
    let tenantId: string | null = null;
    try {
      const path = normalisePath(req.path);
      const method = req.method.toUpperCase();
      if (!req.identity) {
        throw new GatewayAuthenticationError('Missing or invalid API key (x-api-key or Authorization: Bearer).');
      }
      tenantId = req.identity.tenantId;
      const tenant = deps.tenantPolicy(tenantId);
      const context = { requestId, tenantId, principal: req.identity.principal, stream: false };
      const allow = (expected: string): void => {
        if (method !== expected) throw new MethodNotAllowedError(`Method ${method} is not allowed on ${path}.`);
      };
      if (path === '/v1/messages') {
        allow('POST');
        await handleCall(req, res, { ...context, operation: 'messages' }, tenant, startedMs);
      } else if (path === '/v1/messages/count_tokens') {
        allow('POST');
        await handleCall(req, res, { ...context, operation: 'count_tokens' }, tenant, startedMs);
      } else if (path === '/v1/models' || path.startsWith('/v1/models/')) {
        allow('GET');
        if (!tenant)
          throw new PermissionError('This tenant has no policy in this gateway.', DENY_REASONS.unknownTenant);
        const id = path === '/v1/models' ? null : decodeURIComponent(path.slice('/v1/models/'.length));
        await handleModels(res, tenant, id);
      } else {
        throw new NotFoundError(`Not found: ${method} ${path.slice(0, 200)}`);
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
    } finally {
      metrics.flush();
    }
  };
}

/** Restores tokens in text blocks and tool inputs of a non-streamed message (upstream mode). */
function restoreMessage(
  message: Readonly<Record<string, unknown>>,
  mapping: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const restoreLeaves = (value: unknown): unknown => {
    if (typeof value === 'string') return restore(value, mapping);
    if (Array.isArray(value)) return value.map(restoreLeaves);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, restoreLeaves(v)]),
      );
    }
    return value;
  };
  const content = Array.isArray(message.content) ? message.content : [];
  return {
    ...message,
    content: content.map((block: unknown) => {
      if (block === null || typeof block !== 'object') return block;
      const b = block as Record<string, unknown>;
      if (b.type === 'text' && typeof b.text === 'string') return { ...b, text: restore(b.text, mapping) };
      if (b.type === 'tool_use') return { ...b, input: restoreLeaves(b.input) };
      return b;
    }),
  };
}
