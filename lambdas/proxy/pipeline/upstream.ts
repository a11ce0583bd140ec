/**
 * Step 5, upstream: the call goes to the provider with retries and fallback (`upstream-call.ts`) under the whole-call
 * time limit, through the forwarder of its operation (count_tokens, JSON message, stream). The leg's deadline and
 * abort signal span this step and the relay, which a stream keeps reading until its end.
 */
import type { HandlerServices } from '../handler-services';
import type { TrackedResponse } from '../tracked-response';
import { forwardCountTokens } from './forward-count-tokens';
import { forwardMessage } from './forward-message';
import { forwardStream } from './forward-stream';
import { type UpstreamCall, UpstreamLeg, type UpstreamResult } from './upstream-leg';

/** Starts the leg and runs the forwarder of the call's operation; failures become a `failed` result. */
export async function callUpstream(
  services: HandlerServices,
  res: TrackedResponse,
  call: UpstreamCall,
): Promise<{ leg: UpstreamLeg; result: UpstreamResult }> {
  const leg = new UpstreamLeg(services, res, call);
  try {
    const client = await services.clientFor(call.provider);
    const forward =
      call.operation === 'count_tokens' ? forwardCountTokens : call.stream ? forwardStream : forwardMessage;
    return { leg, result: await forward(client, leg, services.clock) };
  } catch (error) {
    return { leg, result: { kind: 'failed', error } };
  }
}
