/**
 * End to end on the Bedrock provider: the official SDK -> local gateway -> BedrockModelClient over a mocked
 * BedrockRuntimeClient (aws-sdk-client-mock). Checks the residency route (apac profile first), the body rules and
 * that the Bedrock event stream reaches the client as Anthropic SSE.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type ResponseStream,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { type DevServer, startDevServer } from '../../lambdas/local/dev-server';
import { BedrockModelClient } from '../../lambdas/shared/adapters/bedrock-model-client';
import { InMemoryGatewayMetrics, metricsContextFromTenants } from '../../lambdas/shared/observability/gateway-metrics';
import { waitForRecord } from './audit-files';

const bedrock = mockClient(BedrockRuntimeClient);
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const meta = { $metadata: { requestId: 'bedrock-req-1', httpStatusCode: 200 } };
const usage = { input_tokens: 20, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

async function* streamOf(parts: ResponseStream[]): AsyncGenerator<ResponseStream> {
  yield* parts;
}

let gateway: DevServer;
let stateDir: string;
const mumbaiModels = { sonnet4: 'claude-sonnet-4-20250514', sonnet: 'claude-sonnet-4-6' };
// The production metrics context: the catalog ids the tenants pin.
const metrics = new InMemoryGatewayMetrics(metricsContextFromTenants([{ id: 'mumbai', models: mumbaiModels }]));

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'gateway-bedrock-'));
  gateway = await startDevServer({
    port: 0,
    stateDir,
    upstream: 'bedrock',
    tokenSecret: Buffer.alloc(32, 5),
    logLevel: 'CRITICAL',
    modelClient: () => new BedrockModelClient({ client: new BedrockRuntimeClient({ region: 'ap-south-1' }) }),
    metrics,
    tenants: [
      {
        key: 'bedrock-key',
        config: {
          id: 'mumbai',
          provider: 'bedrock',
          models: mumbaiModels,
          residency: { bedrockRoutingScopes: ['apac', 'global'] },
        },
      },
    ],
  });
});
afterAll(async () => {
  await gateway.close();
  rmSync(stateDir, { recursive: true, force: true });
  bedrock.restore();
});
beforeEach(() => bedrock.reset());

const client = () => new Anthropic({ apiKey: 'bedrock-key', baseURL: gateway.url, maxRetries: 0 });
const request = (model: string) => ({ model, max_tokens: 32, messages: [{ role: 'user' as const, content: 'hello' }] });

describe('Bedrock provider through the gateway', () => {
  it('uses the apac profile for Sonnet 4 and records the scope and Bedrock request id', async () => {
    const message = {
      id: 'msg_b',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      content: [{ type: 'text', text: 'namaste' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    };
    bedrock.on(InvokeModelCommand).resolves({ body: bytes(message) as never, ...meta });
    const { data, response } = await client().messages.create(request('sonnet4')).withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'namaste' });
    const input = bedrock.commandCalls(InvokeModelCommand)[0]?.args[0].input;
    expect(input?.modelId).toBe('apac.anthropic.claude-sonnet-4-20250514-v1:0');
    const sent = JSON.parse(new TextDecoder().decode(input?.body as Uint8Array)) as Record<string, unknown>;
    expect(sent.anthropic_version).toBe('bedrock-2023-05-31');
    expect(sent).not.toHaveProperty('model');
    const post = await waitForRecord(gateway.auditDir, response.headers.get('request-id') ?? '', 'post_call');
    expect(post).toMatchObject({
      provider: 'bedrock',
      model_id: 'apac.anthropic.claude-sonnet-4-20250514-v1:0',
      catalog_model_id: 'claude-sonnet-4-20250514',
      residency_policy: 'bedrock:apac,global',
      inference_geo_requested: 'apac',
      inference_geo_actual: 'apac',
      upstream_request_id: 'bedrock-req-1',
      input_tokens: 20,
    });
    expect(post.cost_usd).toBeGreaterThan(0);
    // The call counts under its catalog model, not as a model outside the catalog.
    const call = metrics.documents.find((document) => document.dimensions.Model !== undefined);
    expect(call?.dimensions.Model).toBe('claude-sonnet-4-20250514');
    expect(call?.metrics.find((metric) => metric.name === 'ModelOutsideCatalog')?.value).toBe(0);
  });

  it('streams the Bedrock event stream as Anthropic SSE on the global profile for Sonnet 4.6', async () => {
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_s',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-6',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage,
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 8 } },
      { type: 'message_stop' },
    ];
    bedrock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: streamOf(events.map((event) => ({ chunk: { bytes: bytes(event) } }))) as never,
      ...meta,
    });
    const final = await client().messages.stream(request('sonnet')).finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'hi there' }]);
    expect(bedrock.commandCalls(InvokeModelWithResponseStreamCommand)[0]?.args[0].input.modelId).toBe(
      'global.anthropic.claude-sonnet-4-6',
    );
  });

  it('refuses inference_geo on Bedrock (residency is the tenant policy)', async () => {
    await expect(
      client().messages.create({
        ...request('sonnet'),
        inference_geo: 'us',
      } as Anthropic.MessageCreateParamsNonStreaming),
    ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(bedrock.calls()).toHaveLength(0);
  });
});
