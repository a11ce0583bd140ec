/**
 * The upstream leg of a message call: sends the call with retries and fallback under the whole-call time limit,
 * relays the response to the client (JSON, or SSE as Anthropic emits it) and reports what happened, for the
 * post-call record. Errors before the first byte become a response; errors mid-stream become an SSE error event.
 */
import type { CallOutcome } from '../shared/audit/builder';
import { asGatewayError, UpstreamTimeoutError } from '../shared/errors';
import type { PolicyDecision } from '../shared/policy/evaluate';
import type { ModelRoute } from '../shared/policy/model-catalog';
import type { Provider } from '../shared/policy/tenant-config';
import { UpstreamError, type UpstreamRequest, type UpstreamStreamEvent } from '../shared/ports';
import type { HandlerServices } from './handler-services';
import { errorTypeForUpstream } from './proxy-errors';
import { restoreMessage } from './redaction';
import { messageCompletionText, StreamAccumulator, sseFrame } from './sse';
import type { TrackedResponse } from './tracked-response';
import { callUpstream, raceAbort, UpstreamExhaustedError } from './upstream-call';

export type Operation = 'messages' | 'count_tokens';

/** What happened upstream and to the response. */
export interface UpstreamOutcome {
  status: CallOutcome['status'];
  httpStatus: number | null;
  errorType: string | null;
  ttftMs: number | null;
  route: ModelRoute;
  attempts: number;
  fallbackFrom: string | null;
  upstreamRequestId: string | null;
  usage: Record<string, unknown> | null;
}

/** The call to forward, as the policy decided it. */
export interface ForwardedCall {
  readonly operation: Operation;
  readonly stream: boolean;
  readonly provider: Provider;
  readonly decision: PolicyDecision;
  /** The body sent upstream (tokenised in `upstream` mode). */
  readonly upstreamBody: Record<string, unknown>;
  /** token -> value in `upstream` mode, to restore what the client gets back; else null. */
  readonly mapping: Map<string, string> | null;
  /** Client headers (`anthropic-version`, `anthropic-beta`) and query string forwarded as sent. */
  readonly clientHeaders: Readonly<Record<string, string>>;
  readonly query: string;
  readonly startedMs: number;
}

/** Calls upstream and writes the response; failures become the response and the outcome. The response is ended. */
export async function forwardCall(
  services: HandlerServices,
  res: TrackedResponse,
  call: ForwardedCall,
): Promise<{ outcome: UpstreamOutcome; completionText: string | null }> {
  const { clock, limits, retry, sleep, random } = services;
  const { operation, stream, decision, upstreamBody, mapping, startedMs } = call;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limits.upstreamTimeoutMs);
  void res.inner.disconnected.then(() => controller.abort());
  const routes: ModelRoute[] = operation === 'messages' ? [decision.route, ...decision.fallbacks] : [decision.route];
  const toUpstream = (route: ModelRoute): UpstreamRequest => ({
    modelId: route.modelId,
    body: upstreamBody,
    betas: decision.clientBetas,
    clientHeaders: call.clientHeaders,
    query: call.query,
    ...(route.provider === 'anthropic' && route.sendInferenceGeo && operation === 'messages'
      ? { inferenceGeo: route.inferenceGeo }
      : {}),
    signal: controller.signal,
  });
  const callOptions = { retry, signal: controller.signal, sleep, random };

  let completionText: string | null = null;
  const outcome: UpstreamOutcome = {
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
    const client = await services.clientFor(call.provider);
    if (operation === 'count_tokens') {
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
  return { outcome, completionText };
}
