/**
 * The built-in model catalog as dated data: every model the gateway can pin, its ids on each provider, whether
 * Anthropic accepts `inference_geo` for it, and its list prices. Code reads this table (model-catalog.ts,
 * pricing/); `cdk.json` (`gateway.modelCatalog`) adds or overrides entries without a code change.
 *
 * How to update: check the sources below, edit the entries, move `asOf`. A price change changes the pricing
 * version recorded on every post-call record, so old records keep the prices they were costed with.
 *
 * Bedrock profiles are listed for a deployment in ap-south-1 (Mumbai): a `global.` profile is reachable from
 * every commercial region; an `apac.` profile is listed only where a source shows one that includes Mumbai;
 * `in-region` only where the model runs on demand in Mumbai (none today). Facts no source settled are listed
 * in `unverified` on the entry and reported in the README, so a reviewer sees what to check before relying on it.
 */
import type { CatalogEntryInput } from './model-catalog-schema';

/** The day the table was last checked against its sources. */
export const CATALOG_AS_OF = '2026-12-04';

/** Where the facts come from (stored copies read on {@link CATALOG_AS_OF}). */
export const CATALOG_SOURCES = {
  modelsOverview: 'https://platform.claude.com/docs/en/about-claude/models/overview',
  opus55: 'https://platform.claude.com/docs/en/models/opus-5-5/overview',
  sonnet55: 'https://platform.claude.com/docs/en/models/sonnet-5-5/overview',
  haiku55: 'https://platform.claude.com/docs/en/models/haiku-5-5/overview',
  fable52: 'https://platform.claude.com/docs/en/models/fable-5-2/overview',
  pricing: 'https://platform.claude.com/docs/en/about-claude/pricing',
  dataResidency: 'https://platform.claude.com/docs/en/build-with-claude/data-residency',
  bedrockOpus55Card: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-opus-5-5.html',
  bedrockHaiku45Card: 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-haiku-4-5.html',
  bedrockInferenceProfiles: 'https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html',
  /** Third-party observation (list-inference-profiles from ap-northeast-1, 2026-09-23): Opus 5.5 profiles. */
  classmethodOpus55: 'https://dev.classmethod.jp/en/articles/bedrock-claude-opus-5-5/',
} as const;

/**
 * `inference_geo` is accepted on Claude Opus 4.6 and every later model; older models answer 400
 * ({@link CATALOG_SOURCES.dataResidency}).
 */
export const BUILT_IN_MODEL_ENTRIES: Readonly<Record<string, CatalogEntryInput>> = {
  'claude-fable-5-2': {
    displayName: 'Claude Fable 5.2',
    family: 'fable',
    createdAt: '2026-11-09T00:00:00Z',
    bedrockModelId: 'anthropic.claude-fable-5-2',
    // Only `anthropic.` and `us.` ids are documented anywhere we looked: no profile reachable from Mumbai.
    bedrock: {},
    supportsUsInferenceGeo: true,
    price: { inputPerMTok: 8, outputPerMTok: 40, cacheReadPerMTok: 0.2 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.fable52],
    unverified: [
      'Bedrock: no global. or apac. profile confirmed; add one in cdk.json modelCatalog when AWS lists it',
      'cache read $0.20 from a price tracker citing platform.claude.com (2026-12-01); cache writes priced at ' +
        '1.25x/2x input',
    ],
  },
  'claude-opus-5-5': {
    displayName: 'Claude Opus 5.5',
    family: 'opus',
    createdAt: '2026-09-22T00:00:00Z',
    bedrockModelId: 'anthropic.claude-opus-5-5',
    // Inference-profile only (no on-demand in-region); profiles seen: jp. and global.
    bedrock: { global: 'global.anthropic.claude-opus-5-5' },
    supportsUsInferenceGeo: true,
    price: { inputPerMTok: 4, outputPerMTok: 20, cacheReadPerMTok: 0.2 },
    sources: [
      CATALOG_SOURCES.modelsOverview,
      CATALOG_SOURCES.opus55,
      CATALOG_SOURCES.bedrockOpus55Card,
      CATALOG_SOURCES.classmethodOpus55,
    ],
    unverified: [
      'Bedrock: no apac. profile confirmed (jp. exists, which does not include ap-south-1)',
      'cache read $0.20 from a price tracker citing platform.claude.com (2026-12-01); cache writes priced at ' +
        '1.25x/2x input',
    ],
  },
  'claude-sonnet-5-5': {
    displayName: 'Claude Sonnet 5.5',
    family: 'sonnet',
    createdAt: '2026-09-28T00:00:00Z',
    bedrockModelId: 'anthropic.claude-sonnet-5-5',
    bedrock: { global: 'global.anthropic.claude-sonnet-5-5' },
    supportsUsInferenceGeo: true,
    // Cache reads fell from $0.20 to $0.10 per MTok on 2026-10-07.
    price: {
      inputPerMTok: 2,
      outputPerMTok: 10,
      cacheWrite5mPerMTok: 2.5,
      cacheWrite1hPerMTok: 4,
      cacheReadPerMTok: 0.1,
    },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.sonnet55, CATALOG_SOURCES.pricing],
    unverified: [
      'release date taken from SDK release notes (2026-09-28)',
      'cache read $0.10 (cut from $0.20 on 2026-10-07) from two price trackers; the stored model page shows $0.20',
      'Bedrock: global. profile id seen in client code, not in an AWS model card; apac. profile listed only by ' +
        'third-party price tables (1.1x), so it is left out',
    ],
  },
  'claude-haiku-5-5': {
    displayName: 'Claude Haiku 5.5',
    family: 'haiku',
    createdAt: '2026-10-07T00:00:00Z',
    bedrockModelId: 'anthropic.claude-haiku-5-5',
    bedrock: { global: 'global.anthropic.claude-haiku-5-5' },
    supportsUsInferenceGeo: true,
    // Two price bands by prompt size (input + cache reads + cache writes).
    price: {
      inputPerMTok: 0.1,
      outputPerMTok: 0.5,
      cacheWrite5mPerMTok: 0.125,
      cacheWrite1hPerMTok: 0.2,
      cacheReadPerMTok: 0.01,
      longContext: {
        aboveInputTokens: 100_000,
        inputPerMTok: 0.5,
        outputPerMTok: 2.5,
        cacheWrite5mPerMTok: 0.625,
        cacheWrite1hPerMTok: 1,
        cacheReadPerMTok: 0.05,
      },
    },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.haiku55, CATALOG_SOURCES.pricing],
    unverified: [
      'Bedrock: global. profile id seen in client code, not in an AWS model card',
      '1-hour cache write above 100K tokens taken as 5x the lower band',
    ],
  },
  'claude-opus-4-6': {
    displayName: 'Claude Opus 4.6',
    family: 'opus',
    createdAt: '2026-02-05T00:00:00Z',
    bedrockModelId: 'anthropic.claude-opus-4-6-v1',
    bedrock: { global: 'global.anthropic.claude-opus-4-6-v1' },
    supportsUsInferenceGeo: true,
    price: { inputPerMTok: 5, outputPerMTok: 25 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.pricing],
  },
  'claude-opus-4-5-20251101': {
    displayName: 'Claude Opus 4.5',
    family: 'opus',
    createdAt: '2025-11-24T00:00:00Z',
    bedrockModelId: 'anthropic.claude-opus-4-5-20251101-v1:0',
    bedrock: { global: 'global.anthropic.claude-opus-4-5-20251101-v1:0' },
    supportsUsInferenceGeo: false,
    price: { inputPerMTok: 5, outputPerMTok: 25 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.pricing],
  },
  'claude-sonnet-4-6': {
    displayName: 'Claude Sonnet 4.6',
    family: 'sonnet',
    createdAt: '2026-02-17T00:00:00Z',
    bedrockModelId: 'anthropic.claude-sonnet-4-6',
    bedrock: { global: 'global.anthropic.claude-sonnet-4-6' },
    supportsUsInferenceGeo: true,
    price: { inputPerMTok: 3, outputPerMTok: 15 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.pricing],
  },
  'claude-sonnet-4-5-20250929': {
    displayName: 'Claude Sonnet 4.5',
    family: 'sonnet',
    createdAt: '2025-09-29T00:00:00Z',
    bedrockModelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    bedrock: { global: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    supportsUsInferenceGeo: false,
    price: { inputPerMTok: 3, outputPerMTok: 15 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.pricing],
  },
  'claude-haiku-4-5-20251001': {
    displayName: 'Claude Haiku 4.5',
    family: 'haiku',
    createdAt: '2025-10-15T00:00:00Z',
    bedrockModelId: 'anthropic.claude-haiku-4-5-20251001-v1:0',
    bedrock: { global: 'global.anthropic.claude-haiku-4-5-20251001-v1:0' },
    supportsUsInferenceGeo: false,
    price: { inputPerMTok: 1, outputPerMTok: 5 },
    sources: [CATALOG_SOURCES.modelsOverview, CATALOG_SOURCES.bedrockHaiku45Card, CATALOG_SOURCES.pricing],
  },
  'claude-sonnet-4-20250514': {
    displayName: 'Claude Sonnet 4',
    family: 'sonnet',
    createdAt: '2025-05-22T00:00:00Z',
    bedrockModelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    bedrock: {
      apac: 'apac.anthropic.claude-sonnet-4-20250514-v1:0',
      global: 'global.anthropic.claude-sonnet-4-20250514-v1:0',
    },
    supportsUsInferenceGeo: false,
    price: { inputPerMTok: 3, outputPerMTok: 15 },
    sources: [CATALOG_SOURCES.bedrockInferenceProfiles, CATALOG_SOURCES.pricing],
  },
};
