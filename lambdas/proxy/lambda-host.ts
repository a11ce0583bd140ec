/**
 * The Lambda host of the gateway handler: turns an API Gateway REST proxy event into a GatewayRequest and
 * implements ResponseWriter over Lambda's response stream (`awslambda.HttpResponseStream.from`), behind an
 * integration with response transfer mode STREAM.
 *
 * Identity comes only from the Lambda authorizer's context (`tenantId`, `principal`): a client header such as
 * `x-tenant-id` is passed through as a header and never becomes identity.
 */
import type { Writable } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ApiError, asGatewayError, errorBody, type GatewayError } from '../shared/errors';
import { TENANT_ID_PATTERN } from '../shared/policy/tenant-config';
import type { CallerIdentity, GatewayHandler, GatewayRequest, ResponseWriter } from './gateway-http';

/** Authorizer context keys set by the Lambda REQUEST authorizer. */
export const AUTHORIZER_CONTEXT_KEYS = { tenantId: 'tenantId', principal: 'principal' } as const;

/** What the runtime's `awslambda.HttpResponseStream` offers; injectable so tests run without the runtime. */
export interface HttpResponseStreamFactory {
  from(responseStream: Writable, metadata: { statusCode: number; headers?: Record<string, string> }): Writable;
}

/** The identity the authorizer established, or null when its context lacks a valid tenant and principal. */
export function identityFromAuthorizer(event: Pick<APIGatewayProxyEvent, 'requestContext'>): CallerIdentity | null {
  const context: Record<string, unknown> | null | undefined = event.requestContext.authorizer;
  if (context === null || context === undefined) return null;
  const tenantId = context[AUTHORIZER_CONTEXT_KEYS.tenantId];
  const principal = context[AUTHORIZER_CONTEXT_KEYS.principal];
  if (typeof tenantId !== 'string' || !TENANT_ID_PATTERN.test(tenantId)) return null;
  if (typeof principal !== 'string' || principal === '') return null;
  return { tenantId, principal };
}

function lowerCaseHeaders(event: Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values !== undefined && values.length > 0) headers[name.toLowerCase()] = values.join(', ');
  }
  // Single-value headers win: API Gateway puts the last value there, the one a plain proxy would see.
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** The resource path without a stage prefix (present when the event comes through some custom setups). */
function pathWithoutStage(event: Pick<APIGatewayProxyEvent, 'path' | 'requestContext'>): string {
  const path = event.path === '' ? '/' : event.path;
  const stage = event.requestContext.stage;
  if (stage !== undefined && stage !== '' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    const rest = path.slice(stage.length + 1);
    return rest === '' ? '/' : rest;
  }
  return path;
}

/** The query string of the event, rebuilt from API Gateway's parsed parameters (it keeps no raw query). */
function queryString(
  event: Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'>,
): string {
  const params = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters ?? {};
  for (const [name, values] of Object.entries(multi)) for (const value of values ?? []) params.append(name, value);
  if (Object.keys(multi).length === 0) {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) params.append(name, value);
    }
  }
  return params.toString();
}

/** Converts an API Gateway REST proxy event into the transport-neutral request. */
export function toGatewayRequest(event: APIGatewayProxyEvent): GatewayRequest {
  const raw = event.body ?? '';
  return {
    method: event.httpMethod.toUpperCase(),
    path: pathWithoutStage(event),
    query: queryString(event),
    headers: lowerCaseHeaders(event),
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    identity: identityFromAuthorizer(event),
  };
}

/** A ResponseWriter over a Lambda response stream, plus what the host needs to finish the invocation. */
export interface LambdaResponseWriter extends ResponseWriter {
  readonly started: boolean;
  readonly ended: boolean;
}

/**
 * Implements ResponseWriter over Lambda's response stream. Disconnect detection is best effort: the stream's
 * `close` or `error` before `end()` is taken as the client going away. Writes after that are dropped.
 */
export function createResponseWriter(responseStream: Writable, http: HttpResponseStreamFactory): LambdaResponseWriter {
  let body: Writable | null = null;
  let started = false;
  let ended = false;
  let closed = false;
  let signalDisconnect: () => void = () => undefined;
  const disconnected = new Promise<void>((resolve) => {
    signalDisconnect = resolve;
  });
  const onGone = (): void => {
    if (ended || closed) return;
    closed = true;
    signalDisconnect();
  };
  responseStream.once('close', onGone);
  // Without a listener an 'error' would crash the process; a failed stream means the client is gone.
  responseStream.on('error', onGone);

  return {
    start(status: number, headers: Readonly<Record<string, string>>): void {
      if (started) throw new Error('ResponseWriter.start called twice');
      started = true;
      if (closed) return;
      body = http.from(responseStream, { statusCode: status, headers: { ...headers } });
      if (body !== responseStream) body.on('error', onGone);
    },
    write(chunk: string): void {
      if (!started) throw new Error('ResponseWriter.write called before start');
      if (closed || ended || body === null) return;
      body.write(chunk);
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!closed && body !== null) body.end();
      else if (!closed) responseStream.end();
    },
    get closed(): boolean {
      return closed;
    },
    get started(): boolean {
      return started;
    },
    get ended(): boolean {
      return ended;
    },
    disconnected,
  };
}

/** The runtime's HttpResponseStream, available only inside the Lambda Node.js runtime. */
export function runtimeHttpResponseStream(): HttpResponseStreamFactory {
  if (typeof awslambda === 'undefined') {
    throw new Error('awslambda.HttpResponseStream is only available in the Lambda Node.js runtime');
  }
  return awslambda.HttpResponseStream;
}

/** A request id safe to show when the handler itself failed before assigning one. */
function fallbackRequestId(event: APIGatewayProxyEvent): string {
  const id = event.requestContext.requestId.replace(/[^A-Za-z0-9_-]/g, '');
  return id === '' ? 'unknown' : id;
}

export interface LambdaStreamingHandlerOptions {
  /**
   * Supplies `awslambda.HttpResponseStream` (called per invocation, after the runtime defined the global).
   * @default runtimeHttpResponseStream
   */
  readonly http?: () => HttpResponseStreamFactory;
  /**
   * Told about an error the gateway handler threw (it should answer and record its own failures). Log the error's
   * name only: its message may hold request content.
   * @default - ignored
   */
  readonly onUnhandledError?: (error: unknown) => void;
}

/**
 * The streaming Lambda entry point around a GatewayHandler: event -> request, response stream -> writer.
 * The handler owns every response; if it throws or returns without responding, the client gets an
 * Anthropic-shaped error (when nothing was sent yet: the thrown GatewayError's status, else 500), and the stream is always ended so the invocation finishes.
 */
export function makeLambdaStreamingHandler(
  handler: GatewayHandler,
  options: LambdaStreamingHandlerOptions = {},
): (event: APIGatewayProxyEvent, responseStream: Writable) => Promise<void> {
  const http = options.http ?? runtimeHttpResponseStream;
  return async (event, responseStream) => {
    const writer = createResponseWriter(responseStream, http());
    let failure: GatewayError = new ApiError('The gateway hit an internal error; the request was not completed.');
    try {
      await handler(toGatewayRequest(event), writer);
    } catch (error) {
      options.onUnhandledError?.(error);
      // A GatewayError keeps its status (503 when the gateway cannot start); anything else is a generic 500.
      failure = asGatewayError(error);
    } finally {
      if (!writer.started) {
        const requestId = fallbackRequestId(event);
        const error = failure;
        writer.start(error.status, { 'content-type': 'application/json', 'request-id': requestId });
        writer.write(JSON.stringify(errorBody(error, requestId)));
      }
      writer.end();
    }
  };
}
