import { costUsd, PRICING_VERSION, priceCall } from '../../../../lambdas/shared/pricing';

describe('costUsd', () => {
  it.each([
    ['input and output', 'claude-sonnet-4-6', { input_tokens: 1_000_000, output_tokens: 1_000_000 }, null, 18],
    ['haiku', 'claude-haiku-4-5-20251001', { input_tokens: 1000, output_tokens: 500 }, null, 0.0035],
    ['5m cache writes 1.25x', 'claude-sonnet-4-6', { cache_creation_input_tokens: 1_000_000 }, null, 3.75],
    [
      '1h cache writes 2x',
      'claude-sonnet-4-6',
      { cache_creation_input_tokens: 1_000_000, cache_creation: { ephemeral_1h_input_tokens: 1_000_000 } },
      null,
      6,
    ],
    ['cache reads 0.1x', 'claude-opus-4-6', { cache_read_input_tokens: 1_000_000 }, null, 0.5],
    ['us geo 1.1x', 'claude-opus-4-6', { input_tokens: 1_000_000 }, 'us', 5.5],
    [
      'bedrock profile id',
      'global.anthropic.claude-haiku-4-5-20251001-v1:0',
      { output_tokens: 1_000_000 },
      'global',
      5,
    ],
    ['sonnet 5.5 states its cache-read price', 'claude-sonnet-5-5', { cache_read_input_tokens: 1_000_000 }, null, 0.1],
    [
      'opus 5.5 through its global profile',
      'global.anthropic.claude-opus-5-5',
      { input_tokens: 1_000_000, output_tokens: 1_000_000 },
      'global',
      24,
    ],
    [
      'haiku 5.5 up to 100K prompt tokens',
      'claude-haiku-5-5',
      { input_tokens: 60_000, cache_read_input_tokens: 40_000, output_tokens: 1_000 },
      null,
      0.0069,
    ],
    [
      'haiku 5.5 above 100K prompt tokens: the whole call at the higher band',
      'claude-haiku-5-5',
      { input_tokens: 60_000, cache_read_input_tokens: 40_001, output_tokens: 1_000 },
      null,
      0.03450005,
    ],
  ] as const)('%s', (_name, model, usage, geo, expected) => {
    expect(costUsd(model, usage, geo)).toBeCloseTo(expected, 9);
  });

  it('returns null for an unknown model and records the version', () => {
    expect(costUsd('gpt-4', { input_tokens: 1 })).toBeNull();
    expect(priceCall('claude-sonnet-4-6', { input_tokens: 1 }).pricing_version).toBe(PRICING_VERSION);
  });

  it('treats missing and null counts as zero', () => {
    expect(costUsd('claude-sonnet-4-6', { input_tokens: null, output_tokens: 0 })).toBe(0);
  });
});
