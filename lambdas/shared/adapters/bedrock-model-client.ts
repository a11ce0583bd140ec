/**
 * ModelClient over Amazon Bedrock (`@aws-sdk/client-bedrock-runtime`): InvokeModel for messages,
 * InvokeModelWithResponseStream for streams, CountTokens for `count_tokens`.
 *
 * Body rules (AWS-NOTES.md): the model goes in the path, never in the body; `anthropic_version` is
 * `bedrock-2023-05-31`; there is no `stream` field (the operation decides); beta flags travel as
 * `anthropic_beta` in the body; Anthropic's `inference_geo` does not exist on Bedrock and is dropped.
 * The upstream request id is the SDK's `$metadata.requestId` (`x-amzn-requestid`), which equals CloudTrail's
 * `requestID` and the invocation log's `requestId`, so a gateway record reconciles with both.
 */
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type InvokeModelWithResponseStreamCommandOutput,
  type ResponseStream,
} from '@aws-sdk/client-bedrock-runtime';
import {
  type ModelClient,
  UpstreamError,
  type UpstreamMessage,
  type UpstreamRequest,
  type UpstreamStream,
  type UpstreamStreamEvent,
} from '../ports';

/** The Messages API version Bedrock expects in every Anthropic body. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Key Bedrock appends to the `message_stop` event of a stream. */
export const BEDROCK_INVOCATION_METRICS_KEY = 'amazon-bedrock-invocationMetrics';

/** Body fields that belong to the Anthropic API only and must not reach Bedrock. */
const ANTHROPIC_ONLY_FIELDS: ReadonlySet<string> = new Set(['model', 'stream', 'inference_geo']);

/** Cross-region inference-profile prefixes (`global.`, `apac.`, ...) in front of a foundation-model id. */
const PROFILE_PREFIX = /^(global|us|us-gov|eu|apac|jp|au|ca)\./;

/** Longest upstream validation message passed on to the client. */
const MAX_CLIENT_MESSAGE = 500;

/** Bedrock's per-invocation figures from `message_stop` (names as Bedrock sends them). */
export interface BedrockInvocationMetrics {
  readonly inputTokenCount?: number;
  readonly outputTokenCount?: number;
  readonly invocationLatency?: number;
  readonly firstByteLatency?: number;
  readonly cacheReadInputTokenCount?: number;
  readonly cacheWriteInputTokenCount?: number;
  readonly [key: string]: unknown;
}

/** A Bedrock stream: an UpstreamStream whose invocation metrics are readable once `message_stop` was seen. */
export interface BedrockUpstreamStream extends UpstreamStream {
  /** Bedrock's `amazon-bedrock-invocationMetrics`, stripped from the yielded `message_stop`; null until then. */
  readonly invocationMetrics: BedrockInvocationMetrics | null;
}

/**
 * The InvokeModel body for an UpstreamRequest: Anthropic-only fields removed, `anthropic_version` set,
 * `anthropic_beta` from `betas` (replacing any in the body, so the request's betas are the single source).
 */
export function bedrockRequestBody(request: Pick<UpstreamRequest, 'body' | 'betas'>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.body)) {
    if (!ANTHROPIC_ONLY_FIELDS.has(key) && key !== 'anthropic_beta') body[key] = value;
  }
  body.anthropic_version = BEDROCK_ANTHROPIC_VERSION;
  if (request.betas.length > 0) body.anthropic_beta = [...request.betas];
  return body;
}

/**
 * The foundation-model id behind an inference-profile id (`global.anthropic.x` -> `anthropic.x`). CountTokens
 * accepts only foundation-model ids; ARNs are returned unchanged.
 */
export function foundationModelId(modelId: string): string {
  return modelId.startsWith('arn:') ? modelId : modelId.replace(PROFILE_PREFIX, '');
}

/** The shape of an AWS SDK v3 service or transport error, as far as mapping needs it. */
interface SdkErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly requestId?: unknown; readonly httpStatusCode?: unknown };
}

function requestIdOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const id = (value as SdkErrorLike).$metadata?.requestId;
  return typeof id === 'string' && id !== '' ? id : null;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Maps a Bedrock exception (thrown, or delivered as a stream member) to Anthropic's error types.
 * Messages from Bedrock are passed on only for validation errors (they explain the client's mistake); others
 * get a fixed message because Bedrock's text can name the gateway's role, account or resources.
 */
export function toUpstreamError(error: unknown, fallbackRequestId: string | null = null): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const sdk: SdkErrorLike = error !== null && typeof error === 'object' ? (error as SdkErrorLike) : {};
  const name = typeof sdk.name === 'string' ? sdk.name : '';
  const requestId = requestIdOf(error) ?? fallbackRequestId;
  const make = (status: number, type: string, message: string, retryable: boolean): UpstreamError =>
    new UpstreamError(status, type, message, retryable, requestId);
  switch (name) {
    case 'ThrottlingException':
      return make(429, 'rate_limit_error', 'Bedrock throttled the request; retry after a short wait.', true);
    case 'ServiceQuotaExceededException':
      return make(429, 'rate_limit_error', 'The Bedrock service quota for this model is exhausted.', false);
    case 'ModelNotReadyException':
      return make(529, 'overloaded_error', 'The Bedrock model is not ready to serve requests yet.', true);
    case 'ServiceUnavailableException':
      return make(503, 'api_error', 'Bedrock is temporarily unavailable.', true);
    case 'InternalServerException':
      return make(500, 'api_error', 'Bedrock hit an internal error.', true);
    case 'ModelTimeoutException':
      return make(504, 'api_error', 'The Bedrock model timed out.', true);
    case 'ModelErrorException':
      return make(502, 'api_error', 'The Bedrock model failed to process the request.', false);
    case 'ModelStreamErrorException':
      return make(502, 'api_error', 'The Bedrock model stream failed.', false);
    case 'ValidationException': {
      const detail = typeof sdk.message === 'string' ? sdk.message.slice(0, MAX_CLIENT_MESSAGE) : '';
      return make(400, 'invalid_request_error', detail === '' ? 'Bedrock rejected the request.' : detail, false);
    }
    case 'AccessDeniedException':
      return make(403, 'permission_error', 'The gateway is not allowed to invoke this model on Bedrock.', false);
    case 'ResourceNotFoundException':
      return make(404, 'not_found_error', 'The model was not found on Bedrock.', false);
    case 'ConflictException':
      return make(400, 'invalid_request_error', 'Bedrock reported a conflicting request.', false);
    default:
      break;
  }
  if (sdk.$fault === 'client') return make(400, 'invalid_request_error', 'Bedrock rejected the request.', false);
  if (sdk.$fault === 'server') return make(500, 'api_error', 'Bedrock hit an internal error.', true);
  // No service response at all: a network or transport failure, retryable before the first byte.
  return make(503, 'api_error', 'Bedrock could not be reached.', true);
}

const decoder = new TextDecoder();

function parseJsonObject(bytes: Uint8Array | undefined, what: string, requestId: string | null): UpstreamStreamEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes ?? new Uint8Array()));
  } catch {
    throw new UpstreamError(502, 'api_error', `Bedrock returned a malformed ${what}.`, false, requestId);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UpstreamError(502, 'api_error', `Bedrock returned a malformed ${what}.`, false, requestId);
  }
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new UpstreamError(502, 'api_error', `Bedrock returned a ${what} without a type.`, false, requestId);
  }
  return parsed as UpstreamStreamEvent;
}

/** An exception delivered as a member of the event stream instead of being thrown by the SDK. */
function streamMemberError(part: ResponseStream): unknown {
  const members: ReadonlyArray<[string, unknown]> = [
    ['InternalServerException', part.internalServerException],
    ['ModelStreamErrorException', part.modelStreamErrorException],
    ['ValidationException', part.validationException],
    ['ThrottlingException', part.throttlingException],
    ['ModelTimeoutException', part.modelTimeoutException],
    ['ServiceUnavailableException', part.serviceUnavailableException],
  ];
  for (const [name, value] of members) {
    if (value !== undefined) {
      const message = (value as { message?: unknown }).message;
      return { name, message: typeof message === 'string' ? message : '' };
    }
  }
  return undefined;
}

/**
 * One HTTP attempt per SDK call. The request path (`lambdas/proxy/upstream-call.ts`) owns retries, backoff and
 * fallback, and counts every attempt in the record's `upstream_attempts`; the SDK's default of 3 attempts under
 * its 3 per route would make up to 9 calls per model, 6 of them uncounted.
 */
export const BEDROCK_SDK_MAX_ATTEMPTS = 1;

/**
 * The bedrock-runtime client the adapter is meant to run on: `config` (region, endpoint, credentials, handler)
 * with the SDK's own retries off ({@link BEDROCK_SDK_MAX_ATTEMPTS}).
 */
export function createBedrockRuntimeClient(config: BedrockRuntimeClientConfig = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ ...config, maxAttempts: BEDROCK_SDK_MAX_ATTEMPTS });
}

export interface BedrockModelClientOptions {
  /**
   * The SDK client (region, endpoint and credentials are its concern). Build it with
   * {@link createBedrockRuntimeClient} so that the request path stays the only retry layer.
   * @default createBedrockRuntimeClient()
   */
  readonly client?: BedrockRuntimeClient;
}

/** Claude on Amazon Bedrock behind the ModelClient port. Does not retry: the request path owns retries. */
export class BedrockModelClient implements ModelClient {
  readonly provider = 'bedrock' as const;
  private readonly client: BedrockRuntimeClient;

  constructor(options: BedrockModelClientOptions = {}) {
    this.client = options.client ?? createBedrockRuntimeClient();
  }

  async createMessage(request: UpstreamRequest): Promise<UpstreamMessage> {
    const command = new InvokeModelCommand({
      modelId: request.modelId,
      contentType: 'application/json',
      accept: 'application/json',
      body: encodeBody(bedrockRequestBody(request)),
    });
    try {
      const output = await this.client.send(command, { abortSignal: request.signal });
      const requestId = requestIdOf(output);
      const message = parseJsonObject(output.body, 'response body', requestId);
      return { message, upstreamRequestId: requestId };
    } catch (error) {
      if (isAbort(error)) throw error;
      throw toUpstreamError(error);
    }
  }

  async streamMessage(request: UpstreamRequest): Promise<BedrockUpstreamStream> {
    const command = new InvokeModelWithResponseStreamCommand({
      modelId: request.modelId,
      contentType: 'application/json',
      accept: 'application/json',
      body: encodeBody(bedrockRequestBody(request)),
    });
    let output: InvokeModelWithResponseStreamCommandOutput;
    try {
      output = await this.client.send(command, { abortSignal: request.signal });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw toUpstreamError(error);
    }
    const requestId = requestIdOf(output);
    const body = output.body;
    if (body === undefined) {
      throw new UpstreamError(502, 'api_error', 'Bedrock returned a stream without a body.', false, requestId);
    }
    const parts: AsyncIterable<ResponseStream> = body;
    const state: { metrics: BedrockInvocationMetrics | null } = { metrics: null };
    async function* events(): AsyncGenerator<UpstreamStreamEvent> {
      try {
        for await (const part of parts) {
          const failure = streamMemberError(part);
          if (failure !== undefined) throw toUpstreamError(failure, requestId);
          if (part.chunk === undefined) continue; // an event type this SDK does not know: skip it
          const event = parseJsonObject(part.chunk.bytes, 'stream event', requestId);
          if (BEDROCK_INVOCATION_METRICS_KEY in event) {
            const { [BEDROCK_INVOCATION_METRICS_KEY]: metrics, ...rest } = event;
            if (metrics !== null && typeof metrics === 'object') state.metrics = metrics as BedrockInvocationMetrics;
            yield rest as UpstreamStreamEvent;
          } else {
            yield event;
          }
        }
      } catch (error) {
        if (isAbort(error)) throw error;
        throw toUpstreamError(error, requestId);
      }
    }
    return {
      events: events(),
      upstreamRequestId: requestId,
      get invocationMetrics(): BedrockInvocationMetrics | null {
        return state.metrics;
      },
    };
  }

  /**
   * CountTokens with the foundation-model id behind the profile (the API rejects profile ids). Some Claude
   * models launched CRIS-only do not support it on bedrock-runtime: Bedrock's ValidationException then becomes
   * a 400 that says so.
   */
  async countTokens(request: UpstreamRequest): Promise<{ readonly input_tokens: number }> {
    const body = bedrockRequestBody(request);
    // InvokeModel bodies require max_tokens; count_tokens requests do not carry one and it does not change the count.
    if (body.max_tokens === undefined) body.max_tokens = 1;
    const command = new CountTokensCommand({
      modelId: foundationModelId(request.modelId),
      input: { invokeModel: { body: encodeBody(body) } },
    });
    try {
      const output = await this.client.send(command, { abortSignal: request.signal });
      if (typeof output.inputTokens !== 'number') {
        throw new UpstreamError(502, 'api_error', 'Bedrock returned no token count.', false, requestIdOf(output));
      }
      return { input_tokens: output.inputTokens };
    } catch (error) {
      if (isAbort(error)) throw error;
      const mapped = toUpstreamError(error);
      if (mapped.status === 400 && mapped.errorType === 'invalid_request_error') {
        throw new UpstreamError(
          400,
          'invalid_request_error',
          `count_tokens is not available on Bedrock for this model: ${mapped.message}`,
          false,
          mapped.upstreamRequestId,
        );
      }
      throw mapped;
    }
  }
}

function encodeBody(body: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(body));
}
