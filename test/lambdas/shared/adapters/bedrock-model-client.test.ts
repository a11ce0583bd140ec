import {
  AccessDeniedException,
  BedrockRuntimeClient,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelNotReadyException,
  ModelStreamErrorException,
  type ResponseStream,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BedrockModelClient,
  bedrockRequestBody,
  foundationModelId,
  toUpstreamError,
} from '../../../../lambdas/shared/adapters/bedrock-model-client';
import { UpstreamError, type UpstreamRequest, type UpstreamStreamEvent } from '../../../../lambdas/shared/ports';

const bedrock = mockClient(BedrockRuntimeClient);
const MODEL = 'global.anthropic.claude-sonnet-4-6';
const meta = (requestId: string) => ({ $metadata: { requestId, httpStatusCode: 200 } });
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const decode = (value: unknown): unknown => {
  if (!(value instanceof Uint8Array)) throw new TypeError('expected a Uint8Array body');
  return JSON.parse(new TextDecoder().decode(value));
};

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    modelId: MODEL,
    body: {
      model: 'sonnet',
      stream: true,
      inference_geo: 'us',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hello' }],
    },
    betas: [],
    ...overrides,
  };
}

async function* streamOf(parts: ResponseStream[], failAfter?: Error): AsyncGenerator<ResponseStream> {
  for (const part of parts) yield part;
  if (failAfter) throw failAfter;
}

const chunk = (event: unknown): ResponseStream => ({ chunk: { bytes: bytes(event) } });

async function collect(events: AsyncIterable<UpstreamStreamEvent>): Promise<UpstreamStreamEvent[]> {
  const out: UpstreamStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const client = () => new BedrockModelClient({ client: new BedrockRuntimeClient({ region: 'ap-south-1' }) });

beforeEach(() => bedrock.reset());

describe('bedrockRequestBody', () => {
  it('drops model, stream and inference_geo and sets anthropic_version', () => {
    const body = bedrockRequestBody(request());
    expect(body).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hello' }],
    });
  });

  it('passes betas as anthropic_beta, replacing any in the body', () => {
    const body = bedrockRequestBody(request({ betas: ['context-1m-2025-08-07'], body: { anthropic_beta: ['x'] } }));
    expect(body.anthropic_beta).toEqual(['context-1m-2025-08-07']);
  });

  it('omits anthropic_beta without betas', () => {
    expect(bedrockRequestBody(request())).not.toHaveProperty('anthropic_beta');
  });
});

describe('foundationModelId', () => {
  it.each([
    ['global.anthropic.claude-sonnet-4-6', 'anthropic.claude-sonnet-4-6'],
    ['apac.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0'],
    ['anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['arn:aws:bedrock:ap-south-1::foundation-model/x', 'arn:aws:bedrock:ap-south-1::foundation-model/x'],
  ])('%s -> %s', (input, expected) => {
    expect(foundationModelId(input)).toBe(expected);
  });
});

describe('createMessage', () => {
  it('invokes the model in the path with the Bedrock body and returns the message and request id', async () => {
    // Prepare
    const message = { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 3 } };
    bedrock.on(InvokeModelCommand).resolves({ body: bytes(message) as never, ...meta('req-123') });

    // Act
    const result = await client().createMessage(request({ betas: ['b1'] }));

    // Assess
    expect(result).toEqual({ message, upstreamRequestId: 'req-123' });
    const input = bedrock.commandCalls(InvokeModelCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe(MODEL);
    expect(input?.contentType).toBe('application/json');
    expect(decode(input?.body)).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['b1'],
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hello' }],
    });
  });

  it('rejects a malformed response body as a 502', async () => {
    bedrock.on(InvokeModelCommand).resolves({ body: new TextEncoder().encode('not json') as never, ...meta('r') });
    await expect(client().createMessage(request())).rejects.toMatchObject({ status: 502, errorType: 'api_error' });
  });

  it.each([
    [new ThrottlingException({ message: 'slow down', $metadata: {} }), 429, 'rate_limit_error', true],
    [new ServiceUnavailableException({ message: 'x', $metadata: {} }), 503, 'api_error', true],
    [new ModelNotReadyException({ message: 'x', $metadata: {} }), 529, 'overloaded_error', true],
    [new ValidationException({ message: 'max_tokens: required', $metadata: {} }), 400, 'invalid_request_error', false],
    [new AccessDeniedException({ message: 'arn:aws:iam::1:role/x', $metadata: {} }), 403, 'permission_error', false],
  ])('maps %p to %i %s', async (error, status, type, retryable) => {
    (error as { $metadata: { requestId?: string } }).$metadata.requestId = 'req-err';
    bedrock.on(InvokeModelCommand).rejects(error);

    const failure = await client()
      .createMessage(request())
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ status, errorType: type, retryable, upstreamRequestId: 'req-err' });
  });

  it('never echoes an access-denied message (it names the gateway role)', async () => {
    bedrock.on(InvokeModelCommand).rejects(
      new AccessDeniedException({
        message: 'User arn:aws:iam::123456789012:role/gw is not authorized',
        $metadata: {},
      }),
    );
    const failure = (await client()
      .createMessage(request())
      .catch((e: unknown) => e)) as UpstreamError;
    expect(failure.message).not.toContain('123456789012');
  });

  it('passes the validation message on, truncated', async () => {
    bedrock.on(InvokeModelCommand).rejects(new ValidationException({ message: 'x'.repeat(900), $metadata: {} }));
    const failure = (await client()
      .createMessage(request())
      .catch((e: unknown) => e)) as UpstreamError;
    expect(failure.message).toHaveLength(500);
  });

  it('rethrows an abort unchanged', async () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    bedrock.on(InvokeModelCommand).rejects(abort);
    await expect(client().createMessage(request())).rejects.toBe(abort);
  });
});

describe('toUpstreamError', () => {
  it('treats a transport failure without a service response as retryable 503', () => {
    expect(toUpstreamError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({
      status: 503,
      retryable: true,
    });
  });

  it('uses $fault for unknown service errors', () => {
    expect(toUpstreamError({ name: 'Weird', $fault: 'client' })).toMatchObject({ status: 400, retryable: false });
    expect(toUpstreamError({ name: 'Weird', $fault: 'server' })).toMatchObject({ status: 500, retryable: true });
  });
});

describe('streamMessage', () => {
  const anthropicEvents = [
    { type: 'message_start', message: { id: 'msg_1', type: 'message', usage: { input_tokens: 5 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } },
  ];
  const metrics = { inputTokenCount: 5, outputTokenCount: 1, invocationLatency: 321, firstByteLatency: 120 };

  it('decodes chunks into Anthropic events in order and strips invocation metrics from message_stop', async () => {
    // Prepare
    bedrock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: streamOf([
        ...anthropicEvents.map(chunk),
        chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': metrics }),
      ]),
      ...meta('req-stream'),
    });

    // Act
    const stream = await client().streamMessage(request({ betas: ['b1'] }));
    expect(stream.invocationMetrics).toBeNull();
    const events = await collect(stream.events);

    // Assess
    expect(stream.upstreamRequestId).toBe('req-stream');
    expect(events).toEqual([...anthropicEvents, { type: 'message_stop' }]);
    expect(stream.invocationMetrics).toEqual(metrics);
    const input = bedrock.commandCalls(InvokeModelWithResponseStreamCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe(MODEL);
    const body = decode(input?.body) as Record<string, unknown>;
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('model');
    expect(body.anthropic_version).toBe('bedrock-2023-05-31');
    expect(body.anthropic_beta).toEqual(['b1']);
  });

  it('maps an error thrown mid-stream after the events already yielded', async () => {
    bedrock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: streamOf(
        anthropicEvents.slice(0, 2).map(chunk),
        new ModelStreamErrorException({ message: 'boom', $metadata: {} }),
      ),
      ...meta('req-mid'),
    });
    const stream = await client().streamMessage(request());
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const event of stream.events) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['message_start', 'content_block_start']);
    expect(failure).toMatchObject({ status: 502, errorType: 'api_error', upstreamRequestId: 'req-mid' });
  });

  it('maps an exception delivered as a stream member', async () => {
    bedrock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: streamOf([
        chunk(anthropicEvents[0]),
        { throttlingException: new ThrottlingException({ message: 't', $metadata: {} }) },
      ]),
      ...meta('req-member'),
    });
    const stream = await client().streamMessage(request());
    await expect(collect(stream.events)).rejects.toMatchObject({ status: 429, upstreamRequestId: 'req-member' });
  });

  it('maps a rejected start (before any byte) as retryable', async () => {
    bedrock
      .on(InvokeModelWithResponseStreamCommand)
      .rejects(new ThrottlingException({ message: 'slow', $metadata: { requestId: 'r0' } }));
    await expect(client().streamMessage(request())).rejects.toMatchObject({
      status: 429,
      retryable: true,
      upstreamRequestId: 'r0',
    });
  });

  it('rejects a malformed chunk as a 502', async () => {
    bedrock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: streamOf([{ chunk: { bytes: new TextEncoder().encode('{') } }]),
      ...meta('r'),
    });
    const stream = await client().streamMessage(request());
    await expect(collect(stream.events)).rejects.toMatchObject({ status: 502 });
  });
});

describe('countTokens', () => {
  it('counts with the foundation-model id and an InvokeModel body', async () => {
    bedrock.on(CountTokensCommand).resolves({ inputTokens: 42, ...meta('r') });

    const result = await client().countTokens(request({ body: { messages: [{ role: 'user', content: 'Hi' }] } }));

    expect(result).toEqual({ input_tokens: 42 });
    const input = bedrock.commandCalls(CountTokensCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe('anthropic.claude-sonnet-4-6');
    expect(decode(input?.input?.invokeModel?.body)).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  it('says count_tokens is not available when Bedrock rejects the model', async () => {
    bedrock
      .on(CountTokensCommand)
      .rejects(
        new ValidationException({ message: "The provided model doesn't support counting tokens", $metadata: {} }),
      );
    await expect(client().countTokens(request())).rejects.toMatchObject({
      status: 400,
      errorType: 'invalid_request_error',
      message: expect.stringContaining('count_tokens is not available on Bedrock'),
    });
  });
});
