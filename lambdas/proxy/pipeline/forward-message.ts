/** The upstream leg of a non-streamed `POST /v1/messages`: retries, then the fallback routes. */
import type { Clock, ModelClient } from '../../shared/ports';
import { callUpstream as withRetries } from '../upstream-call';
import type { UpstreamLeg, UpstreamResult } from './upstream-leg';

export async function forwardMessage(client: ModelClient, leg: UpstreamLeg, clock: Clock): Promise<UpstreamResult> {
  try {
    const result = await withRetries(leg.routes, (route) => client.createMessage(leg.request(route)), leg.callOptions);
    Object.assign(leg.outcome, { route: result.route, attempts: result.attempts, fallbackFrom: result.fallbackFrom });
    leg.outcome.ttftMs = clock.monotonicMs() - leg.call.startedMs;
    leg.outcome.upstreamRequestId = result.value.upstreamRequestId;
    return { kind: 'message', message: result.value.message };
  } catch (error) {
    return { kind: 'failed', error };
  }
}
