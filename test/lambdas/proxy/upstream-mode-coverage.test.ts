/**
 * `upstream` redaction mode, property-tested over the Messages API's content types: a PII value placed in any
 * text-bearing field the model reads is tokenised in what goes upstream (and the field's neighbours are left as
 * they were: signed thinking, base64 data), and tokens the model writes back are restored in every text-bearing
 * field of the response, non-streamed and streamed however the deltas are split.
 */
import fc from 'fast-check';
import { createTenantRedactor, redactPrompt, restoreMessage, tokenMapping } from '../../../lambdas/proxy/redaction';
import { StreamAccumulator } from '../../../lambdas/proxy/sse';
import { createTokenizer, TOKEN_PATTERN } from '../../../lambdas/shared/pii';
import { tenantConfigSchema } from '../../../lambdas/shared/policy/tenant-config';
import type { UpstreamStreamEvent } from '../../../lambdas/shared/ports';
import * as g from '../../fixtures/pii/generators';

const tenant = tenantConfigSchema.parse({
  id: 'acme',
  provider: 'anthropic',
  models: { sonnet: 'claude-sonnet-4-6' },
  redaction: { mode: 'upstream' },
});
const tokenizer = createTokenizer({ secret: Buffer.alloc(32, 4), tenantId: 'acme' });
const redactor = createTenantRedactor(tenant, tokenizer);

/** A PII value of a common type, from a seed. */
const piiValue = fc.integer({ min: 1, max: 2 ** 31 - 1 }).chain((seed) => {
  const r = g.createRng(seed);
  return fc.constantFrom(`${g.letters(r, 6, 'abcdefghij')}.${g.letters(r, 5, 'klmnop')}@example.com`, g.pan(r));
});

/** Every place in a request where the model reads text, each as a function from a text to a request body. */
const PLACES: Record<string, (text: string) => Record<string, unknown>> = {
  'system string': (t) => ({ system: `note ${t}` }),
  'system text block': (t) => ({ system: [{ type: 'text', text: `note ${t}` }] }),
  'message string': (t) => ({ messages: [{ role: 'user', content: `hi ${t}` }] }),
  'text block': (t) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: `hi ${t}` }] }] }),
  'assistant text': (t) => ({ messages: [{ role: 'assistant', content: [{ type: 'text', text: t }] }] }),
  'tool_use input, nested': (t) => ({
    messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: { a: [{ b: t }] } }] }],
  }),
  'server_tool_use input': (t) => ({
    messages: [
      { role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: { query: t } }] },
    ],
  }),
  'tool_result string': (t) => ({
    messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: t }] }],
  }),
  'tool_result text block': (t) => ({
    messages: [
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: t }] }] },
    ],
  }),
  'tool_result nested search_result': (t) => ({
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'a',
            content: [{ type: 'search_result', source: 'kb://1', title: t, content: [{ type: 'text', text: t }] }],
          },
        ],
      },
    ],
  }),
  'document text source': (t) => ({
    messages: [
      { role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: t } }] },
    ],
  }),
  'document content source': (t) => ({
    messages: [
      {
        role: 'user',
        content: [{ type: 'document', source: { type: 'content', content: [{ type: 'text', text: t }] } }],
      },
    ],
  }),
  'document title and context': (t) => ({
    messages: [
      {
        role: 'user',
        content: [
          {
            type: 'document',
            title: t,
            context: t,
            source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
          },
        ],
      },
    ],
  }),
  'search_result title and content': (t) => ({
    messages: [
      {
        role: 'user',
        content: [{ type: 'search_result', source: 'kb://2', title: t, content: [{ type: 'text', text: t }] }],
      },
    ],
  }),
  'tool description': (t) => ({
    tools: [{ name: 'lookup', description: `finds ${t}`, input_schema: { type: 'object' } }],
  }),
  'tool input_schema descriptions': (t) => ({
    tools: [
      {
        name: 'lookup',
        input_schema: { type: 'object', properties: { who: { type: 'string', description: t, title: t } } },
      },
    ],
  }),
  'tool input_schema enum, default, examples, const, nested': (t) => ({
    tools: [
      {
        name: 'lookup',
        input_schema: {
          type: 'object',
          properties: {
            who: { type: 'string', enum: ['none', t], default: t, examples: [t] },
            deep: {
              type: 'array',
              items: { anyOf: [{ const: t }, { type: 'object', properties: { x: { default: t } } }] },
            },
          },
          $defs: { other: { type: 'string', description: t } },
        },
      },
    ],
  }),
  'tool input_schema object examples': (t) => ({
    tools: [{ type: 'custom', name: 'lookup', input_schema: { type: 'object', examples: [{ to: t }] } }],
  }),
  'output_config format schema': (t) => ({
    output_config: {
      format: {
        type: 'json_schema',
        schema: { type: 'object', properties: { who: { type: 'string', enum: [t], description: t } } },
      },
    },
  }),
  'case variants of block and source types': (t) => ({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'TEXT', text: t },
          { type: 'Document', source: { type: 'Text', media_type: 'text/plain', data: t } },
        ],
      },
    ],
  }),
  'metadata user_id': (t) => ({ metadata: { user_id: t } }),
  stop_sequences: (t) => ({ stop_sequences: ['END', t] }),
};

/** The fields of a sent SSE event these assertions read. */
interface SentEvent {
  readonly type: string;
  readonly index?: number;
  readonly delta?: {
    readonly type?: string;
    readonly text?: string;
    readonly partial_json?: string;
    readonly citation?: { readonly cited_text?: string };
  };
  readonly content_block?: { readonly input?: unknown };
}

const base = { model: 'sonnet', max_tokens: 16, messages: [{ role: 'user', content: 'hello' }] };

describe('upstream mode covers every text-bearing request field', () => {
  it.each(Object.keys(PLACES))('%s: no raw value goes upstream, and the audit copy holds its token', (place) => {
    fc.assert(
      fc.property(piiValue, (value) => {
        const body = { ...base, ...(PLACES[place] as (t: string) => Record<string, unknown>)(value) };
        const prompt = redactPrompt(body, redactor);
        const upstream = JSON.stringify(prompt.tokenisedBody);
        expect(upstream).not.toContain(value);
        expect(prompt.replacements.map((r) => r.value)).toContain(value);
        expect(prompt.redactedText).not.toContain(value);
        // The client's body is not changed.
        expect(JSON.stringify(body)).toContain(value);
      }),
      { numRuns: 25 },
    );
  });

  it('leaves the structure of a schema alone: type, pattern, format, $ref, required and property names', () => {
    const schema = {
      type: 'object',
      required: ['ravi.kumar@example.org'],
      properties: {
        'ravi.kumar@example.org': { type: 'string', pattern: '^ravi\\.kumar@example\\.org$', format: 'email' },
        ref: { $ref: '#/$defs/x' },
      },
    };
    const body = { ...base, tools: [{ name: 'f', input_schema: schema }] };
    const { tokenisedBody } = redactPrompt(body, redactor);
    expect((tokenisedBody.tools as Array<{ input_schema: unknown }>)[0]?.input_schema).toEqual(schema);
  });

  it('round-trips a tokenised enum value and stop sequence in the reply', () => {
    const email = 'ravi.kumar@example.org';
    const body = {
      ...base,
      stop_sequences: [email],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: { to: { enum: [email] } } } }],
    };
    const prompt = redactPrompt(body, redactor);
    const token = (prompt.tokenisedBody.stop_sequences as string[])[0] as string;
    expect(token).toMatch(TOKEN_PATTERN);
    const reply = restoreMessage(
      {
        type: 'message',
        stop_reason: 'stop_sequence',
        stop_sequence: token,
        content: [{ type: 'tool_use', id: 't', name: 'f', input: { to: token } }],
      },
      tokenMapping(prompt.replacements),
    );
    expect(reply.stop_sequence).toBe(email);
    expect(reply.content).toEqual([{ type: 'tool_use', id: 't', name: 'f', input: { to: email } }]);
  });

  it('restores a tokenised stop sequence in a streamed message_delta', () => {
    const email = 'ravi.kumar@example.org';
    const prompt = redactPrompt({ ...base, stop_sequences: [email] }, redactor);
    const token = (prompt.tokenisedBody.stop_sequences as string[])[0] as string;
    const accumulator = new StreamAccumulator(tokenMapping(prompt.replacements));
    const [frame] = accumulator.accept({
      type: 'message_delta',
      delta: { stop_reason: 'stop_sequence', stop_sequence: token },
      usage: { output_tokens: 2 },
    });
    const sent = JSON.parse(frame?.split('data: ')[1] ?? '{}') as { delta?: { stop_sequence?: string } };
    expect(sent.delta?.stop_sequence).toBe(email);
  });

  it('leaves signed thinking and base64 data exactly as sent', () => {
    const thinking = { type: 'thinking', thinking: 'mail a.b@example.com', signature: 'sig' };
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    const body = { ...base, messages: [{ role: 'assistant', content: [thinking, image] }] };
    const { tokenisedBody } = redactPrompt(body, redactor);
    expect((tokenisedBody.messages as Array<{ content: unknown }>)[0]?.content).toEqual([thinking, image]);
  });
});

describe('upstream mode restores every text-bearing response field', () => {
  const tokensFor = (values: readonly string[]) => {
    const prompt = redactPrompt({ ...base, messages: [{ role: 'user', content: values.join(' ') }] }, redactor);
    return { mapping: tokenMapping(prompt.replacements), tokens: prompt.replacements.map((r) => r.token) };
  };

  it('non-streamed: text, citations, tool_use and server_tool_use inputs', () => {
    fc.assert(
      fc.property(piiValue, (value) => {
        const { mapping, tokens } = tokensFor([value]);
        const token = tokens[0] as string;
        const message = {
          type: 'message',
          content: [
            {
              type: 'text',
              text: `to ${token}`,
              citations: [{ type: 'search_result_location', cited_text: token, title: token }],
            },
            { type: 'tool_use', id: 't', name: 'send', input: { to: token, cc: [token] } },
            { type: 'server_tool_use', id: 's', name: 'web_search', input: { query: token } },
            { type: 'thinking', thinking: token, signature: 'sig' },
          ],
        };
        const restored = restoreMessage(message, mapping);
        const content = restored.content as Array<Record<string, unknown>>;
        expect(JSON.stringify(content.slice(0, 3))).not.toMatch(new RegExp(TOKEN_PATTERN.source));
        expect(JSON.stringify(content.slice(0, 3)).split(value).length - 1).toBe(6);
        // Thinking stays signed text: unchanged.
        expect(content[3]).toEqual(message.content[3]);
      }),
      { numRuns: 50 },
    );
  });

  it('streamed: text deltas, tool input deltas, block starts and citation deltas, split anywhere', () => {
    fc.assert(
      fc.property(
        piiValue,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        (value, cuts) => {
          const { mapping, tokens } = tokensFor([value]);
          const token = tokens[0] as string;
          const text = `dear ${token}, done`;
          const json = JSON.stringify({ to: token });
          const split = (s: string): string[] => {
            const parts: string[] = [];
            let at = 0;
            for (let i = 0; at < s.length; i++) {
              const n = cuts[i % cuts.length] as number;
              parts.push(s.slice(at, at + n));
              at += n;
            }
            return parts;
          };
          const events: UpstreamStreamEvent[] = [
            { type: 'message_start', message: { usage: { input_tokens: 1 } } },
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
            ...split(text).map((t) => ({
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'text_delta', text: t },
            })),
            {
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: token } },
            },
            { type: 'content_block_stop', index: 0 },
            {
              type: 'content_block_start',
              index: 1,
              content_block: { type: 'tool_use', id: 't', name: 'send', input: {} },
            },
            ...split(json).map((p) => ({
              type: 'content_block_delta',
              index: 1,
              delta: { type: 'input_json_delta', partial_json: p },
            })),
            { type: 'content_block_stop', index: 1 },
            {
              type: 'content_block_start',
              index: 2,
              content_block: { type: 'server_tool_use', id: 's', name: 'web_search', input: { query: token } },
            },
            { type: 'content_block_stop', index: 2 },
            { type: 'message_stop' },
          ];
          const accumulator = new StreamAccumulator(mapping);
          const frames = events.flatMap((event) => accumulator.accept(event));
          const sent = frames.map((frame) => JSON.parse(frame.split('data: ')[1] ?? '{}') as SentEvent);
          const deltas = (index: number, key: 'text' | 'partial_json') =>
            sent
              .filter(
                (e) => e.type === 'content_block_delta' && e.index === index && typeof e.delta?.[key] === 'string',
              )
              .map((e) => e.delta?.[key] ?? '')
              .join('');
          expect(deltas(0, 'text')).toBe(`dear ${value}, done`);
          expect(JSON.parse(deltas(1, 'partial_json'))).toEqual({ to: value });
          const citation = sent.find((e) => e.delta?.type === 'citations_delta');
          expect(citation?.delta?.citation?.cited_text).toBe(value);
          const serverTool = sent.find((e) => e.type === 'content_block_start' && e.index === 2);
          expect(serverTool?.content_block?.input).toEqual({ query: value });
        },
      ),
      { numRuns: 100 },
    );
  });
});
