/**
 * A capturing Anthropic-shaped server on 127.0.0.1, for finding out exactly what a client (Claude Code, an SDK)
 * sends. Every request is appended to a JSON-lines log (secrets masked); answers are Anthropic-shaped: SSE for
 * `stream: true`, JSON otherwise, `count_tokens`, `models`. A user turn containing `USE_TOOL` is answered with a
 * `tool_use` of the harmless `Read` tool on this file; a turn that carries a `tool_result` gets a final answer.
 *
 *   npx tsx scripts/e2e-capture-server.ts <log.jsonl> [errorStatus [errorMessage]]
 * prints `listening http://127.0.0.1:<port>` on stdout. With errorStatus 400|403|404 every /v1/messages call
 * is refused with that status and the matching Anthropic error type.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SECRET_HEADERS = new Set(['x-api-key', 'authorization']);
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
};

const [logPath, errorArg, errorMessage] = process.argv.slice(2);
if (!logPath) throw new Error('usage: e2e-capture-server.ts <log.jsonl> [errorStatus]');
const errorStatus = errorArg && errorArg !== '-' ? Number(errorArg) : undefined;

let counter = 0;
const nextId = (prefix: string): string => `${prefix}_${String(++counter).padStart(8, '0')}`;

type Json = Record<string, unknown>;

function maskedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
    out[name] = SECRET_HEADERS.has(name) ? `<${text.length} chars, starts ${text.slice(0, 7)}>` : text;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function lastUserTurn(body: Json): unknown[] {
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return [];
  return typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : (last.content as unknown[]);
}

function answerContent(body: Json): { content: Json[]; stopReason: string } {
  const turn = lastUserTurn(body) as Json[];
  const hasToolResult = turn.some((block) => block.type === 'tool_result');
  const asksForTool = turn.some((block) => typeof block.text === 'string' && block.text.includes('USE_TOOL'));
  if (asksForTool && !hasToolResult) {
    return {
      content: [
        { type: 'text', text: 'Reading the file.' },
        { type: 'tool_use', id: nextId('toolu'), name: 'Read', input: { file_path: __filename } },
      ],
      stopReason: 'tool_use',
    };
  }
  const text = hasToolResult ? 'The tool said its piece. Done.' : 'Hello from the capture server.';
  return { content: [{ type: 'text', text }], stopReason: 'end_turn' };
}

const usage = { input_tokens: 20, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

function sse(res: ServerResponse, event: Json & { type: string }): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

function stream(res: ServerResponse, model: string, content: Json[], stopReason: string, requestId: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId });
  const message = { id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null };
  sse(res, {
    type: 'message_start',
    message: { ...message, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  for (const [index, block] of content.entries()) {
    if (block.type === 'tool_use') {
      sse(res, { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      const delta = { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
      sse(res, { type: 'content_block_delta', index, delta });
    } else {
      sse(res, { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sse(res, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    }
    sse(res, { type: 'content_block_stop', index });
  }
  sse(res, { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage });
  sse(res, { type: 'message_stop' });
  res.end();
}

const server = createServer((req, res) => {
  void (async () => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://capture');
    let body: Json = {};
    try {
      body = raw ? (JSON.parse(raw) as Json) : {};
    } catch {
      body = { unparsed: raw.slice(0, 200) };
    }
    appendFileSync(
      logPath,
      `${JSON.stringify({ method: req.method, path: url.pathname, query: url.search, headers: maskedHeaders(req), body })}\n`,
    );
    const requestId = nextId('req_capture');
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId });
      res.end(JSON.stringify(value));
    };
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    if (url.pathname === '/v1/messages/count_tokens') return json(200, { input_tokens: 42 });
    if (url.pathname.startsWith('/v1/models')) {
      return json(200, { data: [], has_more: false, first_id: null, last_id: null });
    }
    if (url.pathname !== '/v1/messages') {
      return json(404, { type: 'error', error: { type: 'not_found_error', message: `No route ${url.pathname}` } });
    }
    if (errorStatus) {
      const type = ERROR_TYPES[errorStatus] ?? 'api_error';
      return json(errorStatus, {
        type: 'error',
        error: { type, message: errorMessage || `capture: ${type} for model ${model}` },
      });
    }
    const { content, stopReason } = answerContent(body);
    if (body.stream === true) return stream(res, model, content, stopReason, requestId);
    return json(200, {
      id: nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  })();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
});
