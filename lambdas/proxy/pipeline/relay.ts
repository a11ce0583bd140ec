/**
 * Step 6, relay: what the upstream leg got goes to the client: the token count or the message as JSON (tokens
 * restored in `upstream` mode), or the stream as SSE frames as Anthropic emits them. A failure before the first
 * byte becomes an Anthropic-shaped error response; a failure mid-stream becomes an SSE `error` event. The outcome
 * of the leg is completed, the deadline stopped and the response ended.
 */
import { asGatewayError, UpstreamTimeoutError } from '../../shared/errors';
import { UpstreamError, type UpstreamStreamEvent } from '../../shared/ports';
import { errorTypeForUpstream } from '../proxy-errors';
import { restoreMessage } from '../redaction';
import { messageCompletionText, StreamAccumulator, sseFrame } from '../sse';
import type { TrackedResponse } from '../tracked-response';
import { raceAbort, UpstreamExhaustedError } from '../upstream-call';
import type { StartedStream, UpstreamLeg, UpstreamOutcome, UpstreamResult } from './upstream-leg';

/** Writes the error a failure before the first byte gets, and records it in the outcome. */
function relayFailure(res: TrackedResponse, leg: UpstreamLeg, failure: unknown): void {
  const { outcome } = leg;
  const exhausted = failure instanceof UpstreamExhaustedError ? failure : null;
  if (exhausted !== null) {
    outcome.attempts = exhausted.attempts;
    outcome.route = exhausted.lastRoute;
  }
  const error: unknown = exhausted !== null ? exhausted.lastError : failure;
  if (res.inner.closed) {
    outcome.status = 'client_disconnected';
    outcome.httpStatus = null;
    outcome.errorType = null;
    return;
  }
  if (leg.timedOut) {
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
}

/** Relays a started stream frame by frame; returns the completion text. */
async function relayStream(
  res: TrackedResponse,
  leg: UpstreamLeg,
  started: StartedStream,
  mapping: ReadonlyMap<string, string> | null,
): Promise<string> {
  const { outcome } = leg;
  const accumulator = new StreamAccumulator(mapping);
  res.start(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  try {
    let next: IteratorResult<UpstreamStreamEvent> = { done: false, value: started.first };
    while (!next.done) {
      for (const frame of accumulator.accept(next.value)) res.write(frame);
      if (res.inner.closed) break;
      next = await raceAbort(started.iterator.next(), leg.controller.signal);
    }
    if (res.inner.closed) {
      outcome.status = 'client_disconnected';
      leg.controller.abort();
      await started.iterator.return?.();
    }
  } catch (error) {
    if (res.inner.closed) outcome.status = 'client_disconnected';
    else if (leg.timedOut) {
      outcome.status = 'timeout';
      outcome.errorType = 'api_error';
      res.write(sseFrame({ type: 'error', error: { type: 'api_error', message: 'The upstream call timed out.' } }));
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
  return accumulator.completionText();
}

/**
 * Sends the leg's result to the client and ends the response.
 * @param mapping token -> value to restore in what the client gets (`upstream` mode), else null
 */
export async function relay(
  res: TrackedResponse,
  leg: UpstreamLeg,
  result: UpstreamResult,
  mapping: ReadonlyMap<string, string> | null,
): Promise<{ outcome: UpstreamOutcome; completionText: string | null }> {
  let completionText: string | null = null;
  try {
    switch (result.kind) {
      case 'count_tokens':
        res.json(200, { input_tokens: result.inputTokens });
        break;
      case 'message': {
        const { message } = result;
        leg.outcome.usage = (message.usage as Record<string, unknown> | undefined) ?? null;
        completionText = messageCompletionText(message);
        res.json(200, mapping && mapping.size > 0 ? restoreMessage(message, mapping) : message);
        break;
      }
      case 'stream':
        completionText = await relayStream(res, leg, result.started, mapping);
        break;
      case 'failed':
        relayFailure(res, leg, result.error);
        break;
    }
  } catch (error) {
    relayFailure(res, leg, error);
  } finally {
    leg.finish();
    res.end();
  }
  return { outcome: leg.outcome, completionText };
}
