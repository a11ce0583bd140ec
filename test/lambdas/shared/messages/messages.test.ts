import { InvalidRequestError, RequestTooLargeError } from '../../../../lambdas/shared/errors';
import {
  detectFeatures,
  extractPromptText,
  mapPromptStrings,
  parseCountTokensRequest,
  parseMessagesRequest,
} from '../../../../lambdas/shared/messages';

const valid = { model: 'sonnet', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const body = (extra: Record<string, unknown>) => JSON.stringify({ ...valid, ...extra });

describe('parseMessagesRequest', () => {
  it('accepts every block type and passes unknown fields through', () => {
    const request = parseMessagesRequest(
      body({
        system: [{ type: 'text', text: 'sys' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } },
              { type: 'search_result', source: 'x', title: 't', content: [] },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { q: 1 } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r' }] },
        ],
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        future_field: { x: 1 },
      }),
    );
    expect(request.future_field).toEqual({ x: 1 });
  });

  it.each([
    ['not json', '{', InvalidRequestError, /not valid JSON/],
    ['array', '[]', InvalidRequestError, /JSON object/],
    ['empty', '', InvalidRequestError, /empty/],
    [
      'missing max_tokens',
      JSON.stringify({ model: 'm', messages: valid.messages }),
      InvalidRequestError,
      /^max_tokens/,
    ],
    ['bad role', body({ messages: [{ role: 'system', content: 'x' }] }), InvalidRequestError, /messages\.0\.role/],
    ['empty messages', body({ messages: [] }), InvalidRequestError, /messages/],
    [
      'bad text block',
      body({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }),
      InvalidRequestError,
      /messages/,
    ],
    ['temperature', body({ temperature: 3 }), InvalidRequestError, /temperature/],
  ])('refuses %s', (_name, raw, type, message) => {
    expect(() => parseMessagesRequest(raw)).toThrow(type);
    expect(() => parseMessagesRequest(raw)).toThrow(message);
  });

  it('refuses oversized bodies and too many messages with 413', () => {
    expect(() => parseMessagesRequest(body({}), { maxBodyBytes: 10, maxMessages: 10 })).toThrow(RequestTooLargeError);
    expect(() => parseMessagesRequest(body({}), { maxBodyBytes: 1e6, maxMessages: 0 })).toThrow(RequestTooLargeError);
  });

  it('never echoes values in errors', () => {
    expect(() => parseMessagesRequest(body({ max_tokens: 'alice@example.com' }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('alice') }),
    );
  });

  it('parses count_tokens without max_tokens', () => {
    expect(parseCountTokensRequest(JSON.stringify({ model: 'm', messages: valid.messages })).model).toBe('m');
  });
});

describe('detectFeatures', () => {
  const base = { messages: [{ content: 'x' }] };
  it.each([
    ['plain', base, undefined, [], true],
    ['mcp_servers', { ...base, mcp_servers: [{ type: 'url', url: 'https://x' }] }, undefined, ['mcp_servers'], false],
    ['container', { ...base, container: 'c1' }, undefined, ['container'], false],
    [
      'code execution tool',
      { ...base, tools: [{ name: 'c', type: 'code_execution_20250825' }] },
      undefined,
      ['code_execution'],
      false,
    ],
    ['web fetch basic', { ...base, tools: [{ name: 'w', type: 'web_fetch_20250910' }] }, undefined, [], true],
    [
      'web fetch dynamic',
      { ...base, tools: [{ name: 'w', type: 'web_fetch_20260209' }] },
      undefined,
      ['web_fetch_dynamic_filtering'],
      false,
    ],
    ['memory tool', { ...base, tools: [{ name: 'm', type: 'memory_20250818' }] }, undefined, ['memory'], false],
    [
      'file source in tool result',
      {
        messages: [
          {
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't',
                content: [{ type: 'document', source: { type: 'file', file_id: 'f' } }],
              },
            ],
          },
        ],
      },
      undefined,
      ['files_api'],
      false,
    ],
    ['files beta', base, 'files-api-2025-04-14', ['files_api'], false],
    ['skills beta', base, 'skills-2025-10-02, code-execution-2025-08-25', ['container', 'code_execution'], false],
  ] as const)('%s', (_name, request, beta, nonZdr, eligible) => {
    const report = detectFeatures(request, beta);
    expect(report.nonZdr).toEqual(nonZdr);
    expect(report.zdrEligible).toBe(eligible);
  });

  it('records unknown top-level params and marks them not ZDR-eligible', () => {
    const report = detectFeatures({ ...base, shiny_new: true });
    expect(report.features).toContain('param:shiny_new');
    expect(report.zdrEligible).toBe(false);
  });

  it('reports images, tools and thinking', () => {
    const report = detectFeatures({
      messages: [{ content: [{ type: 'image', source: { type: 'base64' } }] }],
      tools: [{ name: 'f' }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(report.features).toEqual(['images', 'thinking', 'tools']);
  });
});

describe('prompt text', () => {
  const request = {
    system: 'sys',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'image', source: { type: 'base64', data: 'Z' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { q: 'b' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'c' }] }] },
    ],
  };
  it('extracts system, text, tool input and tool results in order', () => {
    expect(extractPromptText(request)).toBe('sys\na\n{"q":"b"}\nc');
  });
  it('maps every prompt string without touching images', () => {
    const mapped = mapPromptStrings(request, (t) => t.toUpperCase());
    expect(extractPromptText(mapped)).toBe('SYS\nA\n{"q":"B"}\nC');
    expect(JSON.stringify(mapped)).toContain('"data":"Z"');
    expect(request.system).toBe('sys');
  });
});
