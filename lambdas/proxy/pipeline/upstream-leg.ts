/**
 * One upstream leg: its deadline, abort signal, routes and outcome, shared by the forwarder of the operation
 * (`forward-*.ts`), which fills the bookkeeping of the attempts, and the relay, which completes the outcome.
 */
import type { CallOutcome } from '../../shared/audit/builder';
import type { PolicyDecision } from '../../shared/policy/evaluate';
import type { ModelRoute } from '../../shared/policy/model-catalog';
import type { Provider } from '../../shared/policy/tenant-config';
import type { UpstreamRequest, UpstreamStreamEvent } from '../../shared/ports';
import type { HandlerServices } from '../handler-services';
import type { TrackedResponse } from '../tracked-response';
import type { CallOptions } from '../upstream-call';
import type { CallOperation } from './parse';

/** A stream whose first event has arrived. */
export interface StartedStream {
  readonly iterator: AsyncIterator<UpstreamStreamEvent>;
  readonly first: UpstreamStreamEvent;
  readonly upstreamRequestId: string | null;
}

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

/** The call to forward, as the policy decided it and redaction shaped it. */
export interface UpstreamCall {
  readonly operation: CallOperation;
  readonly stream: boolean;
  readonly provider: Provider;
  readonly decision: PolicyDecision;
  /** The body sent upstream (tokenised in `upstream` mode). */
  readonly upstreamBody: Record<string, unknown>;
  /** Client headers (`anthropic-version`, `anthropic-beta`, `user-agent`) forwarded as sent. */
  readonly clientHeaders: Readonly<Record<string, string>>;
  /** The client's query string, forwarded as sent. */
  readonly query: string;
  readonly startedMs: number;
}

/** What the forwarder of an operation got before the first byte reached the client. */
export type UpstreamResult =
  | { readonly kind: 'count_tokens'; readonly inputTokens: number }
  | { readonly kind: 'message'; readonly message: { readonly type: string } & Readonly<Record<string, unknown>> }
  | { readonly kind: 'stream'; readonly started: StartedStream }
  | { readonly kind: 'failed'; readonly error: unknown };

/** One upstream leg: its deadline, abort signal, routes and outcome, shared by the forwarder and the relay. */
export class UpstreamLeg {
  readonly controller = new AbortController();
  timedOut = false;
  readonly routes: readonly ModelRoute[];
  readonly outcome: UpstreamOutcome;
  readonly callOptions: CallOptions;
  private readonly timer: NodeJS.Timeout;

  constructor(
    services: HandlerServices,
    res: TrackedResponse,
    readonly call: UpstreamCall,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, services.limits.upstreamTimeoutMs);
    void res.inner.disconnected.then(() => this.controller.abort());
    const { decision } = call;
    this.routes = call.operation === 'messages' ? [decision.route, ...decision.fallbacks] : [decision.route];
    this.callOptions = {
      retry: services.retry,
      signal: this.controller.signal,
      sleep: services.sleep,
      random: services.random,
    };
    this.outcome = {
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
  }

  /** The provider request for one route. */
  request(route: ModelRoute): UpstreamRequest {
    const { call } = this;
    return {
      modelId: route.modelId,
      body: call.upstreamBody,
      betas: call.decision.clientBetas,
      clientHeaders: call.clientHeaders,
      query: call.query,
      ...(route.provider === 'anthropic' && route.sendInferenceGeo && call.operation === 'messages'
        ? { inferenceGeo: route.inferenceGeo }
        : {}),
      signal: this.controller.signal,
    };
  }

  /** Stops the deadline; called once the relay is done. */
  finish(): void {
    clearTimeout(this.timer);
  }
}
