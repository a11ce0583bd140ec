/**
 * ModelClient over the official `@anthropic-ai/sdk`. The SDK never retries here (`maxRetries: 0`): the request
 * path owns retries before the first byte and the fallback chain. Streams are read with the SDK's own SSE parser
 * (`Stream.rawEvents`) rather than the typed iterator, because the typed iterator drops `ping` events, which the
 * gateway passes through to clients exactly as Anthropic emits them.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import {
  type ModelClient,
  UpstreamError,
  type UpstreamMessage,
  type UpstreamRequest,
  type UpstreamStream,
  type UpstreamStreamEvent,
} from '../ports';

/** Options for {@link createAnthropicModelClient}. */
export interface AnthropicModelClientOptions {
  readonly apiKey: string;
  /** @default Anthropic's public API */
  readonly baseURL?: string;
  /** Per-attempt timeout in milliseconds. @default 600000 */
  readonly timeoutMs?: number;
  /**
   * The fetch the SDK uses. @default {@link createNodeHttpFetch}: node:http(s) with keep-alive agents, which costs
   * a fraction of Node's built-in fetch per call on the request path (measured by `npm run bench:gateway`).
   */
  readonly fetch?: typeof fetch;
}

function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}

/** The request headers the SDK passes (a Headers instance on this path) as a plain object for node:http. */
function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  if (init === undefined) return headers;
  // Already normalised (lower-case names, validated values) when it is a Headers instance: no copy needed.
  const source = init instanceof Headers ? init : new Headers(init);
  for (const [key, value] of source) headers[key] = value;
  return headers;
}

/** The response headers of node:http as a standard Headers object. */
function webHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const key in res.headers) {
    const value = res.headers[key];
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * A whole, buffered response as the SDK reads one: status, headers and the body through `json()` / `text()` /
 * `arrayBuffer()`. The standard Response wraps every body in a web ReadableStream (and its transfer machinery),
 * which is most of its cost per call; this answers the same reads from the buffer. `body` is null: the SDK only
 * touches it to cancel or track a stream, and this one has nothing left to read.
 */
class BufferedResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly type = 'basic';
  readonly url = '';
  readonly redirected = false;
  private used = false;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly payload: Buffer,
  ) {
    this.ok = status >= 200 && status <= 299;
  }
  get bodyUsed(): boolean {
    return this.used;
  }
  private consume(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.payload;
  }
  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8')) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(this.consume());
  }
  async blob(): Promise<Blob> {
    return new Blob([this.consume()], { type: this.headers.get('content-type') ?? '' });
  }
  clone(): BufferedResponse {
    if (this.used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.status, this.statusText, this.headers, this.payload);
  }
}

/**
 * A streamed response (SSE) whose `body` is the node:http response, an async iterable of byte chunks, which is
 * how the SDK's stream parser reads a body that has `Symbol.asyncIterator` (returning from the iteration destroys
 * the node stream, as cancelling a web stream would). Whole-body reads are answered from the same stream.
 */
class StreamedResponse {
  readonly ok: boolean;
  readonly type = 'basic';
  readonly url = '';
  readonly redirected = false;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly body: IncomingMessage,
  ) {
    this.ok = status >= 200 && status <= 299;
  }
  get bodyUsed(): boolean {
    return this.body.readableDidRead;
  }
  private async read(): Promise<Buffer> {
    if (this.body.readableDidRead) throw new TypeError('Body is unusable: Body has already been read');
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  async text(): Promise<string> {
    return (await this.read()).toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.read();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
}

/**
 * A `fetch` for the SDK over node:http(s) with keep-alive agents. Supports what the SDK sends on this path (string
 * or byte bodies, headers, abort signals) and returns what the SDK reads of a Response: status, standard Headers, and
 * the body (a BufferedResponse for whole JSON bodies; for SSE a StreamedResponse whose body streams as bytes arrive,
 * read by the SDK's own SSE parser). Other request body types go to the built-in fetch.
 */
export function createNodeHttpFetch(maxSockets = 256): typeof fetch {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  const nodeFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    if (
      input instanceof Request ||
      (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array))
    ) {
      return fetch(input, init);
    }
    const url = typeof input === 'string' ? new URL(input) : input;
    const headers = plainHeaders(init?.headers);
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = url.protocol === 'https:' ? httpsAgent : httpAgent;
      let response: IncomingMessage | null = null;
      const onAbort = (): void => {
        const error = abortError();
        req.destroy(error);
        response?.destroy(error);
        reject(error);
      };
      const req = send(url, { method: init?.method ?? 'GET', headers, agent }, (res) => {
        response = res;
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        const status = res.statusCode ?? 502;
        const statusText = res.statusMessage ?? '';
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream') && status !== 204) {
          // The SDK's SSE parser reads any async-iterable body: the node stream itself, without a web-stream
          // bridge (and its per-chunk promise and transfer machinery) in between.
          return resolve(new StreamedResponse(status, statusText, webHeaders(res), res) as unknown as Response);
        }
        // JSON bodies are small and read whole by the SDK: buffered, and answered by a BufferedResponse that
        // skips the web-stream body, the Headers validation and the body mixin of a standard Response per call.
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => {
          const bytes = status === 204 || status === 304 ? Buffer.alloc(0) : Buffer.concat(chunks);
          resolve(new BufferedResponse(status, statusText, webHeaders(res), bytes) as unknown as Response);
        });
        res.once('error', reject);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      req.end(body ?? undefined);
    });
  };
  return nodeFetch as typeof fetch;
}

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504, 529]);

function errorTypeForStatus(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status === 413) return 'request_too_large';
  if (status === 404) return 'not_found_error';
  if (status === 403) return 'permission_error';
  if (status === 401) return 'authentication_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Maps anything the SDK throws to an UpstreamError; abort errors are rethrown unchanged. */
export function toUpstreamError(error: unknown): Error {
  if (error instanceof UpstreamError || error instanceof APIUserAbortError) return error;
  if (error instanceof APIConnectionError) {
    return new UpstreamError(502, 'api_error', 'The upstream API could not be reached.', true);
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : 500;
    const body = error.error as { error?: { type?: unknown; message?: unknown } } | undefined;
    const type = typeof body?.error?.type === 'string' ? body.error.type : errorTypeForStatus(status);
    const message = typeof body?.error?.message === 'string' ? body.error.message : `Upstream returned ${status}.`;
    return new UpstreamError(status, type, message, RETRYABLE_STATUSES.has(status), error.requestID ?? null);
  }
  if (error instanceof Error && error.name === 'AbortError') return error;
  return new UpstreamError(502, 'api_error', 'The upstream call failed.', true);
}

/** Maps a mid-stream `event: error` body to an UpstreamError (status from the error type). */
function streamError(data: string, requestId: string | null): UpstreamError {
  let type = 'api_error';
  let message = 'The upstream stream failed.';
  try {
    const parsed = JSON.parse(data) as { error?: { type?: unknown; message?: unknown } };
    if (typeof parsed.error?.type === 'string') type = parsed.error.type;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // keep the generic description
  }
  const status = type === 'overloaded_error' ? 529 : type === 'rate_limit_error' ? 429 : 500;
  return new UpstreamError(status, type, message, false, requestId);
}

export class AnthropicModelClient implements ModelClient {
  readonly provider = 'anthropic' as const;

  /** @param client an SDK client constructed with `maxRetries: 0` */
  constructor(private readonly client: Anthropic) {}

  private params(request: UpstreamRequest, stream: boolean): Record<string, unknown> {
    const params: Record<string, unknown> = { ...request.body, model: request.modelId };
    if (stream) params.stream = true;
    else delete params.stream;
    if (request.inferenceGeo) params.inference_geo = request.inferenceGeo;
    return params;
  }

  private options(request: UpstreamRequest): Anthropic.RequestOptions {
    // The client's anthropic-version and anthropic-beta go upstream as sent, replacing the SDK's defaults.
    const headers: Record<string, string> = { ...request.clientHeaders };
    if (headers['anthropic-beta'] === undefined && request.betas.length > 0) {
      headers['anthropic-beta'] = request.betas.join(',');
    }
    const options: Anthropic.RequestOptions = { headers, signal: request.signal ?? null, maxRetries: 0 };
    if (request.query) options.query = Object.fromEntries(new URLSearchParams(request.query));
    return options;
  }

  async createMessage(request: UpstreamRequest): Promise<UpstreamMessage> {
    try {
      // The body is the client's validated request (unknown fields included), so it is passed as-is.
      const params = this.params(request, false) as unknown as Anthropic.MessageCreateParamsNonStreaming;
      const { data, request_id } = await this.client.messages.create(params, this.options(request)).withResponse();
      return { message: data as unknown as UpstreamMessage['message'], upstreamRequestId: request_id ?? null };
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  async streamMessage(request: UpstreamRequest): Promise<UpstreamStream> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let response: Response;
    try {
      const params = this.params(request, true) as unknown as Anthropic.MessageCreateParamsStreaming;
      response = await this.client.messages
        .create(params, { ...this.options(request), signal: controller.signal })
        .asResponse();
    } catch (error) {
      request.signal?.removeEventListener('abort', onAbort);
      throw toUpstreamError(error);
    }
    const upstreamRequestId = response.headers.get('request-id');
    async function* events(): AsyncGenerator<UpstreamStreamEvent> {
      let finished = false;
      try {
        for await (const sse of Stream.rawEvents(response, controller)) {
          if (sse.event === 'error') throw streamError(sse.data, upstreamRequestId);
          if (!sse.data) continue;
          const parsed = JSON.parse(sse.data) as unknown;
          if (
            parsed !== null &&
            typeof parsed === 'object' &&
            typeof (parsed as { type?: unknown }).type === 'string'
          ) {
            yield parsed as UpstreamStreamEvent;
          }
        }
        finished = true;
      } catch (error) {
        throw toUpstreamError(error);
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        // Stopped early (consumer returned or failed): release the upstream connection.
        if (!finished) controller.abort();
      }
    }
    return { events: events(), upstreamRequestId };
  }

  async countTokens(request: UpstreamRequest): Promise<{ readonly input_tokens: number }> {
    try {
      const { stream: _ignored, ...body } = request.body;
      const params = { ...body, model: request.modelId } as unknown as Anthropic.MessageCountTokensParams;
      const result = await this.client.messages.countTokens(params, this.options(request));
      return { input_tokens: result.input_tokens };
    } catch (error) {
      throw toUpstreamError(error);
    }
  }
}

/** Builds the adapter with its SDK client (no SDK retries). */
export function createAnthropicModelClient(options: AnthropicModelClientOptions): AnthropicModelClient {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 600_000,
    fetch: options.fetch ?? createNodeHttpFetch(),
  });
  return new AnthropicModelClient(client);
}
