/**
 * A fake Anthropic Messages API on 127.0.0.1: real HTTP and SSE, scripted per call. Records every call (headers and
 * parsed body) so tests can assert what the upstream saw — or that it saw nothing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly path: string;
  /** The request target as received, query string included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Record<string, unknown>;
}

export type Script =
  | {
      readonly kind: 'message';
      readonly text?: string;
      readonly content?: unknown[];
      readonly usage?: Record<string, unknown>;
      readonly stopReason?: string;
    }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message?: string }
  | {
      readonly kind: 'stream';
      /** Text deltas, one SSE event each (split a token across two to test restoring). */
      readonly deltas?: readonly string[];
      readonly usage?: Record<string, unknown>;
      /** Emit a ping after message_start. @default true */
      readonly ping?: boolean;
      /** Stop after this many deltas and keep the connection open (client disconnect tests). */
      readonly stallAfter?: number;
      /** Send an `event: error` after this many deltas. */
      readonly errorAfter?: number;
      readonly toolUse?: { readonly name: string; readonly input: Record<string, unknown> };
    };

export const DEFAULT_USAGE = {
  input_tokens: 25,
  output_tokens: 12,
  cache_read_input_tokens: 100,
  cache_creation_input_tokens: 40,
  cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 0 },
  inference_geo: 'global',
};

export interface FakeAnthropic {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Scripts consumed in order, one per call; when empty, the default for the request kind is used. */
  enqueue(...scripts: Script[]): void;
  /** Streams left open by `stallAfter` that the client closed. */
  readonly abortedStreams: () => number;
  reset(): void;
  close(): Promise<void>;
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}_${String(++counter).padStart(12, '0')}`;

function messageObject(model: string, content: unknown[], usage: Record<string, unknown>, stopReason = 'end_turn') {
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

function sse(res: ServerResponse, event: Record<string, unknown> & { type: string }): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const calls: RecordedCall[] = [];
  const queue: Script[] = [];
  let aborted = 0;

  const server = createServer({ noDelay: true }, (req, res) => {
    void (async () => {
      const body = await readJson(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      calls.push({ path, url: req.url ?? '', headers: req.headers, body });
      const requestId = nextId('req_fake');
      if (path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
        res.end(JSON.stringify({ input_tokens: 42 }));
        return;
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      const script: Script = queue.shift() ?? (body.stream === true ? { kind: 'stream' } : { kind: 'message' });
      if (script.kind === 'error') {
        res.writeHead(script.status, { 'content-type': 'application/json', 'request-id': requestId });
        res.end(
          JSON.stringify({ type: 'error', error: { type: script.type, message: script.message ?? script.type } }),
        );
        return;
      }
      if (script.kind === 'message') {
        const content = script.content ?? [{ type: 'text', text: script.text ?? 'Hello from the fake upstream.' }];
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
        res.end(JSON.stringify(messageObject(model, content, script.usage ?? DEFAULT_USAGE, script.stopReason)));
        return;
      }
      const usage = script.usage ?? DEFAULT_USAGE;
      const deltas = script.deltas ?? ['Hello', ' from', ' the stream.'];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId });
      res.on('close', () => {
        if (!res.writableFinished) aborted++;
      });
      const start = messageObject(model, [], { ...usage, output_tokens: 1 }, undefined);
      sse(res, { type: 'message_start', message: { ...start, stop_reason: null } });
      if (script.ping !== false) sse(res, { type: 'ping' });
      sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      for (const [i, text] of deltas.entries()) {
        if (script.stallAfter === i) return; // leave the stream open
        if (script.errorAfter === i) {
          res.end(
            `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
          );
          return;
        }
        sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
      }
      sse(res, { type: 'content_block_stop', index: 0 });
      let stopReason = 'end_turn';
      if (script.toolUse) {
        stopReason = 'tool_use';
        sse(res, {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_01', name: script.toolUse.name, input: {} },
        });
        const json = JSON.stringify(script.toolUse.input);
        const mid = Math.floor(json.length / 2);
        for (const part of [json.slice(0, mid), json.slice(mid)]) {
          sse(res, { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: part } });
        }
        sse(res, { type: 'content_block_stop', index: 1 });
      }
      sse(res, {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage.output_tokens },
      });
      sse(res, { type: 'message_stop' });
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    enqueue: (...scripts) => queue.push(...scripts),
    abortedStreams: () => aborted,
    reset: () => {
      calls.length = 0;
      queue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
