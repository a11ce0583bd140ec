/**
 * The upstream leg of a streamed `POST /v1/messages`: an attempt succeeds once the upstream delivered its first
 * event, so retries and fallback happen only before the client got a byte.
 */
import { type Clock, type ModelClient, UpstreamError } from '../../shared/ports';
import { callUpstream as withRetries } from '../upstream-call';
import type { StartedStream, UpstreamLeg, UpstreamResult } from './upstream-leg';

export async function forwardStream(client: ModelClient, leg: UpstreamLeg, clock: Clock): Promise<UpstreamResult> {
  try {
    const result = await withRetries(
      leg.routes,
      async (route): Promise<StartedStream> => {
        const upstream = await client.streamMessage(leg.request(route));
        const iterator = upstream.events[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done) throw new UpstreamError(502, 'api_error', 'The upstream stream ended empty.', true);
        return { iterator, first: first.value, upstreamRequestId: upstream.upstreamRequestId };
      },
      leg.callOptions,
    );
    Object.assign(leg.outcome, { route: result.route, attempts: result.attempts, fallbackFrom: result.fallbackFrom });
    leg.outcome.upstreamRequestId = result.value.upstreamRequestId;
    leg.outcome.ttftMs = clock.monotonicMs() - leg.call.startedMs;
    return { kind: 'stream', started: result.value };
  } catch (error) {
    return { kind: 'failed', error };
  }
}
