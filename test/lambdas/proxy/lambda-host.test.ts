import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { GatewayRequest, ResponseWriter } from '../../../lambdas/proxy/gateway-http';
import {
  createResponseWriter,
  type HttpResponseStreamFactory,
  makeLambdaStreamingHandler,
  toGatewayRequest,
} from '../../../lambdas/proxy/lambda-host';
import { ServiceUnavailableError } from '../../../lambdas/shared/errors';

/** A response stream that records what reaches it, like the runtime's stream would send it. */
class FakeResponseStream extends Writable {
  readonly chunks: string[] = [];
  finished = false;
  constructor() {
    super({ decodeStrings: false });
    this.on('finish', () => {
      this.finished = true;
    });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    callback();
  }
}

/** Stands in for awslambda.HttpResponseStream: records the metadata and passes the stream through. */
function fakeHttp(): HttpResponseStreamFactory & { metadata: Array<{ statusCode: number; headers?: object }> } {
  const metadata: Array<{ statusCode: number; headers?: object }> = [];
  return {
    metadata,
    from(stream, meta) {
      metadata.push(meta);
      return stream;
    },
  };
}

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/v1/messages',
    resource: '/{proxy+}',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'secret-key' },
    multiValueHeaders: { 'Content-Type': ['application/json'], 'X-Api-Key': ['secret-key'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: 'v1/messages' },
    stageVariables: null,
    body: '{"model":"sonnet"}',
    isBase64Encoded: false,
    requestContext: {
      accountId: '111122223333',
      apiId: 'abc123',
      authorizer: { tenantId: 'acme-support', principal: 'acme-support/key-1', principalId: 'acme-support' },
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: '/prod/v1/messages',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 0,
      resourceId: 'r1',
      resourcePath: '/{proxy+}',
    },
    ...overrides,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('toGatewayRequest', () => {
  it('lower-cases headers, keeps the path without stage and the body as received', () => {
    const request = toGatewayRequest(event());
    expect(request).toEqual<GatewayRequest>({
      method: 'POST',
      path: '/v1/messages',
      query: '',
      headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key' },
      body: '{"model":"sonnet"}',
      identity: { tenantId: 'acme-support', principal: 'acme-support/key-1' },
    });
  });

  it('keeps the query string (Claude Code sends ?beta=true)', () => {
    const request = toGatewayRequest(
      event({ queryStringParameters: { beta: 'true' }, multiValueQueryStringParameters: { beta: ['true'] } }),
    );
    expect(request.query).toBe('beta=true');
    expect(toGatewayRequest(event({ queryStringParameters: { a: 'x y' } })).query).toBe('a=x+y');
  });

  it('decodes a base64 body', () => {
    const body = Buffer.from('{"text":"नमस्ते"}', 'utf8').toString('base64');
    expect(toGatewayRequest(event({ body, isBase64Encoded: true })).body).toBe('{"text":"नमस्ते"}');
  });

  it('treats a missing body as empty and missing headers as none', () => {
    const request = toGatewayRequest(event({ body: null, headers: {}, multiValueHeaders: {} }));
    expect(request.body).toBe('');
    expect(request.headers).toEqual({});
  });

  it('joins repeated headers', () => {
    const request = toGatewayRequest(event({ headers: {}, multiValueHeaders: { 'Anthropic-Beta': ['a', 'b'] } }));
    expect(request.headers['anthropic-beta']).toBe('a, b');
  });

  it('strips a stage prefix if the path carries one', () => {
    expect(toGatewayRequest(event({ path: '/prod/v1/models' })).path).toBe('/v1/models');
    expect(toGatewayRequest(event({ path: '/production/v1' })).path).toBe('/production/v1');
  });

  it('takes identity from the authorizer context only: a client x-tenant-id header is ignored', () => {
    const spoofed = event({ headers: { 'x-tenant-id': 'other-tenant', 'x-principal': 'admin' } });
    expect(toGatewayRequest(spoofed).identity).toEqual({ tenantId: 'acme-support', principal: 'acme-support/key-1' });
    expect(toGatewayRequest(spoofed).headers['x-tenant-id']).toBe('other-tenant');

    const base = event();
    const noAuthorizer = event({
      headers: { 'x-tenant-id': 'other-tenant' },
      requestContext: { ...base.requestContext, authorizer: null },
    });
    expect(toGatewayRequest(noAuthorizer).identity).toBeNull();
  });

  it.each([
    [{ tenantId: 'acme-support' }],
    [{ principal: 'p' }],
    [{ tenantId: 'Bad Tenant', principal: 'p' }],
    [{ tenantId: 42, principal: 'p' }],
    [{ tenantId: 'acme-support', principal: '' }],
  ])('rejects an incomplete or invalid authorizer context %p', (authorizer) => {
    const base = event();
    expect(toGatewayRequest(event({ requestContext: { ...base.requestContext, authorizer } })).identity).toBeNull();
  });
});

describe('createResponseWriter', () => {
  it('sends status and headers first, then chunks in order, then ends', async () => {
    // Prepare
    const stream = new FakeResponseStream();
    const http = fakeHttp();
    const writer = createResponseWriter(stream, http);

    // Act
    writer.start(200, { 'content-type': 'text/event-stream', 'request-id': 'req_12345678' });
    writer.write('event: message_start\ndata: {}\n\n');
    writer.write('event: message_stop\ndata: {}\n\n');
    writer.end();
    await tick();

    // Assess
    expect(http.metadata).toEqual([
      { statusCode: 200, headers: { 'content-type': 'text/event-stream', 'request-id': 'req_12345678' } },
    ]);
    expect(stream.chunks).toEqual(['event: message_start\ndata: {}\n\n', 'event: message_stop\ndata: {}\n\n']);
    expect(stream.finished).toBe(true);
    expect(writer.closed).toBe(false);
  });

  it('refuses a write before start and a second start', () => {
    const writer = createResponseWriter(new FakeResponseStream(), fakeHttp());
    expect(() => writer.write('x')).toThrow(/before start/);
    writer.start(200, {});
    expect(() => writer.start(200, {})).toThrow(/twice/);
  });

  it('reports a disconnect when the stream closes before end, and drops later writes', async () => {
    const stream = new FakeResponseStream();
    const writer = createResponseWriter(stream, fakeHttp());
    writer.start(200, {});
    writer.write('a');
    stream.destroy();
    await writer.disconnected;
    writer.write('b');
    writer.end();
    expect(writer.closed).toBe(true);
    expect(stream.chunks).toEqual(['a']);
  });

  it('reports a disconnect on a stream error without crashing', async () => {
    const stream = new FakeResponseStream();
    const writer = createResponseWriter(stream, fakeHttp());
    writer.start(200, {});
    stream.destroy(new Error('EPIPE'));
    await writer.disconnected;
    expect(writer.closed).toBe(true);
  });

  it('does not report a disconnect for its own end', async () => {
    const stream = new FakeResponseStream();
    const writer = createResponseWriter(stream, fakeHttp());
    writer.start(200, {});
    writer.end();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(writer.closed).toBe(false);
  });
});

describe('makeLambdaStreamingHandler', () => {
  it('passes the converted request and a writer to the gateway handler', async () => {
    const stream = new FakeResponseStream();
    const http = fakeHttp();
    const seen: GatewayRequest[] = [];
    const handler = makeLambdaStreamingHandler(
      async (request, response: ResponseWriter) => {
        seen.push(request);
        response.start(200, { 'content-type': 'application/json' });
        response.write('{"ok":true}');
        response.end();
      },
      { http: () => http },
    );

    await handler(event(), stream);
    await tick();

    expect(seen[0]?.identity?.tenantId).toBe('acme-support');
    expect(http.metadata[0]?.statusCode).toBe(200);
    expect(stream.chunks.join('')).toBe('{"ok":true}');
    expect(stream.finished).toBe(true);
  });

  it('answers an Anthropic-shaped 500 and ends the stream when the handler throws before responding', async () => {
    const stream = new FakeResponseStream();
    const http = fakeHttp();
    const errors: unknown[] = [];
    const handler = makeLambdaStreamingHandler(
      async () => {
        throw new Error('secret internals');
      },
      { http: () => http, onUnhandledError: (error) => errors.push(error) },
    );

    await handler(event(), stream);
    await tick();

    expect(http.metadata[0]?.statusCode).toBe(500);
    const body = JSON.parse(stream.chunks.join('')) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).not.toContain('secret internals');
    expect(errors).toHaveLength(1);
    expect(stream.finished).toBe(true);
  });

  it('keeps the status of a thrown GatewayError (503 when the gateway cannot start)', async () => {
    const stream = new FakeResponseStream();
    const http = fakeHttp();
    await makeLambdaStreamingHandler(
      async () => {
        throw new ServiceUnavailableError('retry shortly');
      },
      { http: () => http },
    )(event(), stream);
    expect(http.metadata[0]?.statusCode).toBe(503);
    expect(JSON.parse(stream.chunks.join(''))).toMatchObject({
      error: { type: 'api_error', message: 'retry shortly' },
    });
  });

  it('answers 500 when the handler returns without responding', async () => {
    const stream = new FakeResponseStream();
    const http = fakeHttp();
    await makeLambdaStreamingHandler(async () => undefined, { http: () => http })(event(), stream);
    expect(http.metadata[0]?.statusCode).toBe(500);
    expect(http.metadata[0]?.headers).toEqual({
      'content-type': 'application/json',
      'request-id': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    });
  });

  it('ends the stream when the handler throws mid-response', async () => {
    const stream = new FakeResponseStream();
    const handler = makeLambdaStreamingHandler(
      async (_request, response) => {
        response.start(200, {});
        response.write('partial');
        throw new Error('boom');
      },
      { http: fakeHttp },
    );

    await handler(event(), stream);
    await tick();

    expect(stream.chunks).toEqual(['partial']);
    expect(stream.finished).toBe(true);
  });
});
