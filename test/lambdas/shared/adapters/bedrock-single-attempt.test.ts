/**
 * One retry layer: the Bedrock adapter's SDK client makes exactly one HTTP attempt per call, so the request path's
 * own retries (counted in `upstream_attempts`) are the only ones. A real HTTP/2 server on 127.0.0.1 (the
 * bedrock-runtime client speaks HTTP/2) stands in for bedrock-runtime and counts what arrives.
 */
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  BEDROCK_SDK_MAX_ATTEMPTS,
  BedrockModelClient,
  createBedrockRuntimeClient,
} from '../../../../lambdas/shared/adapters/bedrock-model-client';
import { UpstreamError } from '../../../../lambdas/shared/ports';

let server: Http2Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      // A retryable throttle, as bedrock-runtime sends it (the SDK retries these by default).
      response.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ThrottlingException',
        'x-amzn-requestid': `req-${requests}`,
      });
      response.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = 0;
});

const clientConfig = () => ({
  region: 'ap-south-1',
  endpoint,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
});

const request = {
  modelId: 'global.anthropic.claude-sonnet-4-6',
  body: { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
  betas: [],
  signal: new AbortController().signal,
};

describe('Bedrock SDK attempts under the gateway retry layer', () => {
  it('the adapter client sends one request per call and maps the throttle to a retryable 429', async () => {
    // Prepare
    const adapter = new BedrockModelClient({ client: createBedrockRuntimeClient(clientConfig()) });
    // Act
    const failure = await adapter.createMessage(request).catch((error: unknown) => error);
    // Assess
    expect(BEDROCK_SDK_MAX_ATTEMPTS).toBe(1);
    expect(requests).toBe(1);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ status: 429, retryable: true, upstreamRequestId: 'req-1' });
  });

  it('streams and count_tokens make one request too', async () => {
    const adapter = new BedrockModelClient({ client: createBedrockRuntimeClient(clientConfig()) });
    await expect(adapter.streamMessage(request)).rejects.toBeInstanceOf(UpstreamError);
    await expect(adapter.countTokens(request)).rejects.toBeInstanceOf(UpstreamError);
    expect(requests).toBe(2);
  });

  it('a caller-supplied maxAttempts cannot turn SDK retries back on', async () => {
    const adapter = new BedrockModelClient({
      client: createBedrockRuntimeClient({ ...clientConfig(), maxAttempts: 5 }),
    });
    await adapter.createMessage(request).catch(() => undefined);
    expect(requests).toBe(1);
  });

  it('contrast: a default SDK client would retry under the gateway (3 requests for one call)', async () => {
    const adapter = new BedrockModelClient({ client: new BedrockRuntimeClient(clientConfig()) });
    await adapter.createMessage(request).catch(() => undefined);
    expect(requests).toBe(3);
  });
});
