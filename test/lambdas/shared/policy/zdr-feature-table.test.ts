import {
  InvalidZdrFeatureTableError,
  loadZdrFeatureTable,
  NOT_ELIGIBLE_FEATURE_IDS,
  normaliseFeatureName,
  recordableName,
  UNSAFE_NAME,
  ZDR_FEATURE_TABLE,
} from '../../../../lambdas/shared/policy/zdr-feature-table';

const minimal = {
  source: 'https://platform.claude.com/docs/en/build-with-claude/api-and-data-retention',
  sourceTitle: 'API and data retention',
  asOf: '2026-12-04',
  note: '',
  features: [
    { id: 'files_api', zdr: 'not_eligible', row: 'Files API' },
    { id: 'files_plus', zdr: 'eligible', row: 'made up' },
  ],
  names: [
    { kind: 'beta', prefix: 'files-', feature: 'files_plus' },
    { kind: 'beta', prefix: 'files-api-', feature: 'files_api' },
    { kind: 'beta', name: 'files-api-2025-04-14', feature: 'files_api' },
  ],
};

describe('the shipped ZDR feature table', () => {
  it('is dated and sourced from Anthropic’s per-feature data-retention page', () => {
    expect(ZDR_FEATURE_TABLE.source).toBe(
      'https://platform.claude.com/docs/en/build-with-claude/api-and-data-retention',
    );
    expect(ZDR_FEATURE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each([
    ['beta', 'context-management-2025-06-27', 'context_editing', 'eligible'],
    ['beta', 'compact-2026-01-12', 'compaction', 'eligible'],
    ['beta', 'per-turn-control-2026-07-01', 'claude_code', 'eligible'],
    ['beta', 'mid-conversation-tool-changes-2026-07-01', 'claude_code', 'eligible'],
    ['context_edit', 'clear_thinking_20251015', 'context_editing', 'eligible'],
    ['context_edit', 'compact_20260112', 'compaction', 'eligible'],
    ['tool', 'memory_20250818', 'memory', 'eligible'],
    ['field', 'output_format', 'structured_outputs', 'qualified'],
    ['tool', 'tool_search_tool_regex_20251119', 'tool_search', 'qualified'],
    ['field', 'mcp_servers', 'mcp_servers', 'not_eligible'],
    ['beta', 'files-api-2099-01-01', 'files_api', 'not_eligible'],
    ['tool', 'code_execution_20990101', 'code_execution', 'not_eligible'],
    ['tool', 'web_fetch_20260209', 'web_fetch_dynamic_filtering', 'not_eligible'],
    ['endpoint', '/v1/messages/batches', 'batch', 'not_eligible'],
  ] as const)('%s %s is %s (%s)', (kind, name, feature, zdr) => {
    expect(ZDR_FEATURE_TABLE.lookup(kind, name)).toMatchObject({ id: feature, zdr });
  });

  it('knows nothing it was not told', () => {
    expect(ZDR_FEATURE_TABLE.lookup('beta', 'future-feature-2027-01-01')).toBeUndefined();
    expect(ZDR_FEATURE_TABLE.lookup('beta', 'afk-mode-2026-01-31')).toBeUndefined();
    expect(ZDR_FEATURE_TABLE.lookup('field', 'thread')).toBeUndefined();
  });

  it('lists the non-eligible features the opt-ins can name', () => {
    expect([...NOT_ELIGIBLE_FEATURE_IDS].sort()).toEqual(
      [
        'batch',
        'code_execution',
        'container',
        'files_api',
        'mcp_servers',
        'web_fetch_dynamic_filtering',
        'web_search_dynamic_filtering',
      ].sort(),
    );
  });
});

describe('loadZdrFeatureTable', () => {
  it('prefers exact names, then the longest prefix', () => {
    const table = loadZdrFeatureTable(minimal);
    expect(table.lookup('beta', 'files-api-2025-04-14')?.id).toBe('files_api');
    expect(table.lookup('beta', 'files-api-2030-01-01')?.id).toBe('files_api');
    expect(table.lookup('beta', 'files-other')?.id).toBe('files_plus');
  });

  it.each([
    ['a name pointing at no feature', { ...minimal, names: [{ kind: 'beta', name: 'x-1', feature: 'nope' }] }],
    ['a name not in normal form', { ...minimal, names: [{ kind: 'beta', name: 'Files-API', feature: 'files_api' }] }],
    ['name and prefix', { ...minimal, names: [{ kind: 'beta', name: 'a', prefix: 'ab', feature: 'files_api' }] }],
    ['a bad date', { ...minimal, asOf: 'yesterday' }],
    ['an unknown status', { ...minimal, features: [{ id: 'files_api', zdr: 'maybe', row: 'x' }] }],
  ])('refuses %s, naming where', (_name, data) => {
    expect(() => loadZdrFeatureTable(data)).toThrow(InvalidZdrFeatureTableError);
  });
});

describe('names', () => {
  it('normalises case and whitespace', () => {
    expect(normaliseFeatureName(' Context-Management -2025-06-27\t')).toBe('context-management-2025-06-27');
  });

  it.each([
    ['context-management-2025-06-27', 'context-management-2025-06-27'],
    ['web_fetch_20260209', 'web_fetch_20260209'],
    ['Shiny_New', 'shiny_new'],
    ['alice@example.com', UNSAFE_NAME],
    ['call_9876543210', UNSAFE_NAME],
    ['x'.repeat(65), UNSAFE_NAME],
    ['', UNSAFE_NAME],
    ['naïve', UNSAFE_NAME],
    // Lower-casing would hide a PAN from its detector, and hyphens a card number: both are judged as sent.
    ['ABCPS1234K', UNSAFE_NAME],
    ['customer-4111-1111-1111-1111', UNSAFE_NAME],
    ['interleaved-thinking-2025-05-14', 'interleaved-thinking-2025-05-14'],
    ['claude-code-20250219', 'claude-code-20250219'],
  ])('records %j as %j', (name, recorded) => {
    expect(recordableName(name)).toBe(recorded);
  });
});
