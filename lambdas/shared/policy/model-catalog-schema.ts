/**
 * The shape of a model catalog entry, shared by the built-in data table (model-catalog-data.ts) and by the
 * `gateway.modelCatalog` config section (validated at synth and again when a Lambda loads its policy document).
 * Pure zod; nothing here may import an SDK.
 */
import * as z from 'zod';

/** Catalog ids are what tenants pin and what the `Model` metric dimension carries: keep them boring. */
export const CATALOG_ID_PATTERN = /^[a-z0-9][a-z0-9.\-_:@]{0,99}$/;
const providerModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.\-_:@/]{0,199}$/, 'a provider model id');

export const MODEL_FAMILIES = ['opus', 'sonnet', 'haiku', 'fable'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

const usdPerMTok = z.number().min(0).max(10_000);

/** One price band, USD per million tokens. Cache prices left out follow Anthropic's multipliers of `input`. */
const priceBandSchema = z
  .object({
    inputPerMTok: usdPerMTok,
    outputPerMTok: usdPerMTok,
    /** @default 1.25 x input */
    cacheWrite5mPerMTok: usdPerMTok.optional(),
    /** @default 2 x input */
    cacheWrite1hPerMTok: usdPerMTok.optional(),
    /** @default 0.1 x input */
    cacheReadPerMTok: usdPerMTok.optional(),
  })
  .strict();

/** List prices of a model; `longContext` applies to the whole call when its prompt is above the threshold. */
export const modelPriceSchema = priceBandSchema
  .extend({
    longContext: priceBandSchema
      .extend({
        /** Prompt size (input + cache reads + cache writes) above which this band applies. */
        aboveInputTokens: z.number().int().positive(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ModelPrice = z.output<typeof modelPriceSchema>;

/** Bedrock ids by routing scope: inference-profile ids for `global`/`apac`, a model id for `in-region`. */
const bedrockRoutesSchema = z
  .object({
    global: providerModelId.optional(),
    apac: providerModelId.optional(),
    'in-region': providerModelId.optional(),
  })
  .strict();

/** A complete catalog entry as written (defaults not yet applied). */
export const catalogEntrySchema = z
  .object({
    /** Id sent to the Anthropic API. @default the catalog id */
    anthropicModelId: providerModelId.optional(),
    displayName: z.string().min(1).max(128),
    family: z.enum(MODEL_FAMILIES),
    /** Release date (RFC 3339), reported by `GET /v1/models`. */
    createdAt: z.iso.datetime(),
    /** Bedrock foundation-model id (informational: calls go through `bedrock` routes). */
    bedrockModelId: providerModelId.optional(),
    bedrock: bedrockRoutesSchema.default({}),
    /** Whether Anthropic accepts `inference_geo` (and so `us`) for this model. */
    supportsUsInferenceGeo: z.boolean(),
    /** List prices; null means unknown, so calls are recorded with `cost_usd` null. */
    price: modelPriceSchema.nullable(),
    /** Pages the entry was checked against. */
    sources: z.array(z.url()).default([]),
    /** Facts no source settled: shown in docs so a reviewer knows what to check. */
    unverified: z.array(z.string().max(300)).default([]),
  })
  .strict();
export type CatalogEntryInput = z.input<typeof catalogEntrySchema>;

/**
 * A config entry: for a model already in the catalog every key is optional and replaces the built-in value
 * (`bedrock` merges per scope, `null` removes a scope; `price` replaces the whole price); a new model needs the
 * keys a complete entry requires. That rule is checked by {@link catalogOverrideIssues}.
 */
export const catalogOverrideSchema = z
  .object({
    anthropicModelId: providerModelId.optional(),
    displayName: z.string().min(1).max(128).optional(),
    family: z.enum(MODEL_FAMILIES).optional(),
    createdAt: z.iso.datetime().optional(),
    bedrockModelId: providerModelId.optional(),
    bedrock: z
      .object({
        global: providerModelId.nullable().optional(),
        apac: providerModelId.nullable().optional(),
        'in-region': providerModelId.nullable().optional(),
      })
      .strict()
      .optional(),
    supportsUsInferenceGeo: z.boolean().optional(),
    price: modelPriceSchema.nullable().optional(),
    sources: z.array(z.url()).optional(),
    unverified: z.array(z.string().max(300)).optional(),
  })
  .strict();
export type CatalogOverrideInput = z.input<typeof catalogOverrideSchema>;

/** `gateway.modelCatalog`: catalog id -> entry or override. */
export const catalogOverridesSchema = z.record(
  z.string().regex(CATALOG_ID_PATTERN, 'a catalog id: lower-case letters, digits and . - _ : @'),
  catalogOverrideSchema,
);
export type CatalogOverrides = z.output<typeof catalogOverridesSchema>;

/** Keys a model that is not in the built-in catalog must set. */
export const REQUIRED_FOR_NEW_MODEL = [
  'displayName',
  'family',
  'createdAt',
  'supportsUsInferenceGeo',
  'price',
] as const;
