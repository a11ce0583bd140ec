import fc from 'fast-check';
import { InvalidRequestError, RequestTooLargeError } from '../../../../lambdas/shared/errors';
import {
  detectFeatures,
  extractPromptText,
  jsonNestingExceeds,
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

  it('accepts typed tools without a name (SDK 1.17 mcp_toolset and toolsets), and refuses a nameless custom tool', () => {
    const typed = [
      { type: 'mcp_toolset', mcp_server_name: 's' },
      { type: 'browser_toolset_20260801' },
      { type: 'computer_toolset_20260801', configs: {} },
    ];
    expect(parseMessagesRequest(body({ tools: typed })).tools).toHaveLength(3);
    for (const tool of [{ input_schema: { type: 'object' } }, { type: ' Custom ', input_schema: {} }]) {
      expect(() => parseMessagesRequest(body({ tools: [tool] }))).toThrow(/tools\.0\.name/);
    }
  });

  it('accepts role system inside messages and unknown fields of messages and sources (SDK 1.17 types)', () => {
    const request = parseMessagesRequest(
      body({
        messages: [
          { role: 'user', content: 'hello' },
          { role: 'system', content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
          { role: 'system', content: 'as a string', future_message_field: 1 },
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'future_source', ref: 'r' } }, { type: 'compaction' }],
          },
        ],
        thinking: { type: 'adaptive', display: 'omitted' },
        context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
        output_config: { effort: 'medium' },
        service_tier: 'priority_future',
        speed: 'fast',
      }),
    );
    expect(request.messages.map((message) => message.role)).toEqual(['user', 'system', 'system', 'user']);
    expect(request.messages[2]).toMatchObject({ future_message_field: 1 });
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
    ['bad role', body({ messages: [{ role: 'robot', content: 'x' }] }), InvalidRequestError, /messages\.0\.role/],
    ['empty messages', body({ messages: [] }), InvalidRequestError, /messages/],
    [
      'bad text block',
      body({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }),
      InvalidRequestError,
      /messages/,
    ],
    ['temperature', body({ temperature: 3 }), InvalidRequestError, /temperature/],
    ['negative max_tokens', body({ max_tokens: -1 }), InvalidRequestError, /max_tokens/],
  ])('refuses %s', (_name, raw, type, message) => {
    expect(() => parseMessagesRequest(raw)).toThrow(type);
    expect(() => parseMessagesRequest(raw)).toThrow(message);
  });

  it('accepts max_tokens 0 (cache pre-warming) and a long metadata.user_id (Claude Code sends JSON there)', () => {
    expect(parseMessagesRequest(body({ max_tokens: 0 })).max_tokens).toBe(0);
    const userId = JSON.stringify({
      device_id: 'd'.repeat(64),
      account_uuid: 'a'.repeat(36),
      session_id: 's'.repeat(200),
    });
    expect(parseMessagesRequest(body({ metadata: { user_id: userId } })).metadata?.user_id).toBe(userId);
  });

  it('refuses a body nested deeper than the readers can walk with 400, not a stack overflow', () => {
    const nested = (depth: number) => {
      const open = '{"type":"tool_result","tool_use_id":"t","content":['.repeat(depth);
      return `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[${open}{"type":"text","text":"x"}${']}'.repeat(depth)}]}]}`;
    };
    expect(() => parseMessagesRequest(nested(10_000))).toThrow(InvalidRequestError);
    expect(() => parseMessagesRequest(nested(10_000))).toThrow(/nests deeper than 128/);
    // Brackets inside strings do not count.
    const text = JSON.stringify({ ...valid, messages: [{ role: 'user', content: `${'['.repeat(500)}\\"{` }] });
    expect(parseMessagesRequest(text).messages).toHaveLength(1);
    const request = parseMessagesRequest(nested(60));
    expect(detectFeatures(request).features).toEqual(['tool_result']);
  });

  it('refuses oversized bodies and too many messages with 413', () => {
    const limits = { maxNestingDepth: 128, maxContentBlocks: 100 };
    expect(() => parseMessagesRequest(body({}), { ...limits, maxBodyBytes: 10, maxMessages: 10 })).toThrow(
      RequestTooLargeError,
    );
    expect(() => parseMessagesRequest(body({}), { ...limits, maxBodyBytes: 1e6, maxMessages: 0 })).toThrow(
      RequestTooLargeError,
    );
  });

  it('measures nesting exactly as the parsed value nests, strings with quotes, backslashes and brackets included', () => {
    const depthOf = (value: unknown): number => {
      if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
      if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
      return 0;
    };
    const text = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', 'é') });
    fc.assert(
      fc.property(
        fc.letrec((tie) => ({
          node: fc.oneof(
            { depthSize: 'small' },
            text,
            fc.array(tie('node'), { maxLength: 3 }),
            fc.dictionary(text, tie('node'), { maxKeys: 3 }),
          ),
        })).node,
        (value) => {
          const json = JSON.stringify(value);
          const depth = depthOf(value);
          expect(jsonNestingExceeds(json, depth)).toBe(false);
          if (depth > 0) expect(jsonNestingExceeds(json, depth - 1)).toBe(true);
        },
      ),
    );
  });

  it('refuses an unpaired surrogate escape (a record holding one is unreadable) and accepts escaped pairs', () => {
    const body = (text: string, key = 'x') =>
      `{"model":"sonnet","max_tokens":1,"metadata":{"${key}":1},"messages":[{"role":"user","content":"${text}"}]}`;
    for (const lone of ['lone \\ud800 x', 'tail \\udfff', '\\uDBFF\\u0041', '\\ude00\\ud83d']) {
      expect(() => parseMessagesRequest(body(lone))).toThrow(/unpaired UTF-16 surrogate/);
    }
    expect(() => parseMessagesRequest(body('x', '\\ud800'))).toThrow(InvalidRequestError);
    expect(parseMessagesRequest(body('smile \\ud83d\\ude00 and 😀')).messages).toHaveLength(1);
    // An escaped backslash followed by "ud800" is plain text, not an escape.
    expect(parseMessagesRequest(body('path C:\\\\ud800')).messages).toHaveLength(1);
  });

  it('refuses JSON nested deeper than the limit with 400 before parsing it, counting brackets outside strings only', () => {
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    expect(jsonNestingExceeds(deep(128), 128)).toBe(false);
    expect(jsonNestingExceeds(deep(129), 128)).toBe(true);
    expect(jsonNestingExceeds(`{"a":"${'['.repeat(10_000)}\\"["}`, 2)).toBe(false);
    const tooDeep = `{"model":"sonnet","max_tokens":1,"metadata":${deep(100_000)},"messages":[{"role":"user","content":"x"}]}`;
    expect(() => parseMessagesRequest(tooDeep)).toThrow(InvalidRequestError);
    expect(() => parseMessagesRequest(tooDeep)).toThrow('deeper than 128 levels');
  });

  it('refuses more content blocks than the limit with 413', () => {
    const blocks = Array.from({ length: 101 }, () => ({ type: 'text', text: 'x' }));
    const raw = JSON.stringify({ model: 'sonnet', max_tokens: 1, messages: [{ role: 'user', content: blocks }] });
    expect(() =>
      parseMessagesRequest(raw, { maxBodyBytes: 1e6, maxMessages: 10, maxNestingDepth: 128, maxContentBlocks: 100 }),
    ).toThrow('At most 100 content blocks');
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
  it.each(['file', 'FILE', ' File ', 'fi le'])('source type %j is the Files API, judged not ZDR-eligible', (type) => {
    const document = { type: 'document', source: { type, file_id: 'file_1' } };
    const report = detectFeatures({ messages: [{ content: [document] }] });
    expect(report.features).toEqual(['documents', 'files_api']);
    expect(report.zdrEligible).toBe(false);
  });

  it('compares other selecting values case- and whitespace-insensitively', () => {
    const nested = { type: 'Tool_Result', content: [{ type: 'document', source: { type: 'CONTENT', content: [] } }] };
    expect(detectFeatures({ messages: [{ content: [nested] }], speed: 'FAST' }).features).toEqual(
      expect.arrayContaining(['documents', 'fast_mode', 'tool_result']),
    );
    expect(detectFeatures({ ...base, thinking: { type: 'Adaptive' } }).features).toEqual(['adaptive_thinking']);
    expect(detectFeatures({ ...base, thinking: { type: ' DISABLED' } }).features).toEqual([]);
  });

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
    [
      'memory tool (eligible since the table)',
      { ...base, tools: [{ name: 'm', type: 'memory_20250818' }] },
      '',
      [],
      true,
    ],
    ['context management beta', base, 'context-management-2025-06-27', [], true],
    [
      'case and whitespace variants',
      base,
      ' Context-Management-2025-06-27 , FILES-API-2025-04-14',
      ['files_api'],
      false,
    ],
    ['a later version of a non-eligible family', base, 'mcp-client-2027-01-01', ['mcp_servers'], false],
    [
      'web search with dynamic filtering',
      { ...base, tools: [{ name: 'w', type: 'web_search_20260209' }] },
      undefined,
      ['web_search_dynamic_filtering'],
      false,
    ],
    ['a field named in another case', { ...base, MCP_Servers: [{ type: 'url' }] }, undefined, ['mcp_servers'], false],
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
    ['skills beta', base, 'skills-2025-10-02, code-execution-2025-08-25', ['code_execution', 'container'], false],
  ] as const)('%s', (_name, request, beta, nonZdr, eligible) => {
    const report = detectFeatures(request, beta);
    expect(report.nonZdr).toEqual(nonZdr);
    expect(report.zdrEligible).toBe(eligible);
  });

  it('records unknown fields, betas, tools, blocks and edits and marks them not ZDR-eligible', () => {
    const report = detectFeatures(
      {
        messages: [{ content: [{ type: 'hologram' }] }],
        shiny_new: true,
        tools: [{ name: 't', type: 'teleport_20270101' }],
        context_management: { edits: [{ type: 'clear_everything_20270101' }] },
      },
      'brand-new-2027-01-01',
    );
    expect(report.unknown).toEqual([
      'unknown_beta:brand-new-2027-01-01',
      'unknown_block:hologram',
      'unknown_context_edit:clear_everything_20270101',
      'unknown_field:shiny_new',
      'unknown_tool:teleport_20270101',
    ]);
    expect(report.features).toEqual(expect.arrayContaining(report.unknown));
    expect(report.zdrEligible).toBe(false);
    expect(report.betas).toEqual(['brand-new-2027-01-01']);
  });

  it('bounds unknown key names to a safe alphabet and length (they may carry PII)', () => {
    const report = detectFeatures(
      { ...base, 'alice.sharma@example.com': 1, '9876543210_phone': 2, ['x'.repeat(200)]: 3 },
      'alice@example.com',
    );
    expect(report.unknown).toEqual(['unknown_beta:[unsafe-name]', 'unknown_field:[unsafe-name]']);
    expect(report.betas).toEqual(['[unsafe-name]']);
    expect(JSON.stringify(report)).not.toMatch(/alice|9876543210/);
  });

  it('judges what Claude Code 2.1.332 sends by the table', () => {
    const report = detectFeatures(
      {
        model: 'claude-opus-5-5',
        messages: [
          { content: [{ type: 'text', text: 'hello' }] },
          { content: [{ type: 'text', text: '# Environment', cache_control: { type: 'ephemeral' } }] },
        ],
        system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }],
        tools: [
          { name: 'Bash', input_schema: {} },
          { name: 'DeferredToolPlaceholder', input_schema: {}, defer_loading: true },
        ],
        metadata: { user_id: '{}' },
        max_tokens: 128000,
        thinking: { type: 'adaptive', display: 'omitted' },
        context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
        output_config: { effort: 'medium' },
        stream: true,
      },
      'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,effort-2025-11-24',
      '/v1/messages',
    );
    expect(report.nonZdr).toEqual([]);
    expect(report.features).toEqual([
      'adaptive_thinking',
      'claude_code',
      'context_editing',
      'effort',
      'stream',
      'thinking',
      'tool_search',
      'tools',
    ]);
    expect(report.zdrEligible).toBe(true);
    expect(report.betas).toHaveLength(8);
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
