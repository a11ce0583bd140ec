/**
 * Retries and the fallback chain, owned by the request path (adapters never retry). A call is retried only before
 * its first byte: `attempt` resolves once the upstream accepted the request and, for streams, delivered the first
 * event. Retryable failures (429, 5xx, 529, network) back off exponentially with full jitter; when a route's
 * attempts are exhausted, the next fallback route (already residency-checked by the policy) is tried.
 */
import type { ModelRoute } from '../shared/policy/model-catalog';
import { UpstreamError } from '../shared/ports';

/** Retry settings. */
export interface RetrySettings {
  /** Attempts per route, the first included. @default 3 */
  readonly maxAttemptsPerRoute: number;
  /** First backoff ceiling in ms; doubles per retry. @default 250 */
  readonly baseDelayMs: number;
  /** Backoff ceiling in ms. @default 4000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { maxAttemptsPerRoute: 3, baseDelayMs: 250, maxDelayMs: 4000 };

/** Outcome bookkeeping shared by success and failure. */
export interface AttemptLog {
  attempts: number;
  /** The route of the last attempt. */
  lastRoute: ModelRoute;
}

export interface UpstreamSuccess<T> {
  readonly value: T;
  readonly route: ModelRoute;
  readonly attempts: number;
  /** The primary model id when a fallback served the call. */
  readonly fallbackFrom: string | null;
}

/** Thrown when every attempt failed; carries the last error and the bookkeeping. */
export class UpstreamExhaustedError extends Error {
  override readonly name = 'UpstreamExhaustedError';
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly lastRoute: ModelRoute,
  ) {
    super('upstream attempts exhausted');
  }
}

export interface CallOptions {
  readonly retry: RetrySettings;
  readonly signal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
}

/** Sleeps unless aborted first (then resolves early). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The abort error raised when a call is given up on (timeout, client gone). */
export class CallAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('The upstream call was aborted.');
  }
}

/**
 * Settles with `promise`, or rejects with CallAbortedError as soon as `signal` aborts: the request path never waits
 * on an adapter that ignores its abort signal.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new CallAbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CallAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamError && error.retryable;
}

/** Runs `attempt` over the routes with retries and fallback. */
export async function callUpstream<T>(
  routes: readonly ModelRoute[],
  attempt: (route: ModelRoute) => Promise<T>,
  options: CallOptions,
): Promise<UpstreamSuccess<T>> {
  const primary = routes[0];
  if (!primary) throw new Error('no upstream route');
  let attempts = 0;
  let lastRoute = primary;
  let lastError: unknown = null;
  for (const route of routes) {
    for (let n = 1; n <= options.retry.maxAttemptsPerRoute; n++) {
      if (options.signal.aborted) throw new UpstreamExhaustedError(lastError, attempts, lastRoute);
      attempts++;
      lastRoute = route;
      try {
        const value = await raceAbort(attempt(route), options.signal);
        return { value, route, attempts, fallbackFrom: route === primary ? null : primary.modelId };
      } catch (error) {
        lastError = error;
        if (!isRetryable(error) || options.signal.aborted) throw new UpstreamExhaustedError(error, attempts, route);
        if (n < options.retry.maxAttemptsPerRoute) {
          const ceiling = Math.min(options.retry.maxDelayMs, options.retry.baseDelayMs * 2 ** (n - 1));
          await options.sleep(Math.floor(ceiling * options.random()), options.signal);
        }
      }
    }
  }
  throw new UpstreamExhaustedError(lastError, attempts, lastRoute);
}
