/** The upstream leg of `POST /v1/messages/count_tokens`: the primary route only, with retries. */
import type { Clock, ModelClient } from '../../shared/ports';
import { callUpstream as withRetries } from '../upstream-call';
import type { UpstreamLeg, UpstreamResult } from './upstream-leg';

export async function forwardCountTokens(client: ModelClient, leg: UpstreamLeg, clock: Clock): Promise<UpstreamResult> {
  try {
    const result = await withRetries(leg.routes, (route) => client.countTokens(leg.request(route)), leg.callOptions);
    Object.assign(leg.outcome, { route: result.route, attempts: result.attempts });
    leg.outcome.ttftMs = clock.monotonicMs() - leg.call.startedMs;
    return { kind: 'count_tokens', inputTokens: result.value.input_tokens };
  } catch (error) {
    return { kind: 'failed', error };
  }
}
