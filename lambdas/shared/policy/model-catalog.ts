/**
 * The pinned model catalog: the only model ids a tenant alias may point at, with the provider-specific ids that
 * serve each one. Pure data plus lookups; the policy uses it to pick a route that the tenant's residency allows.
 *
 * Facts (AWS-NOTES.md, Anthropic model pages): from ap-south-1 current models are reachable on Bedrock only
 * through `global.` profiles; only Sonnet 4 has an `apac.` profile; none runs in-region. Anthropic's `us`
 * inference geo exists only for Opus/Sonnet 4.6 and newer. A new model or profile is one entry here.
 */
import type { AnthropicInferenceGeo, BedrockRoutingScope, Provider } from './tenant-config';

export type ModelFamily = 'opus' | 'sonnet' | 'haiku';

/** One pinned model. The catalog id is the Anthropic model id (dated where Anthropic dates it). */
export interface CatalogModel {
  readonly id: string;
  readonly anthropicModelId: string;
  readonly displayName: string;
  readonly family: ModelFamily;
  /** Release date (RFC 3339), reported by `GET /v1/models`. */
  readonly createdAt: string;
  /** Bedrock ids by routing scope: inference-profile ids for `global`/`apac`, a model id for in-region. */
  readonly bedrock: Readonly<Partial<Record<BedrockRoutingScope, string>>>;
  /** Whether Anthropic accepts `inference_geo` (and so `us`) for this model. */
  readonly supportsUsInferenceGeo: boolean;
}

const entries: readonly CatalogModel[] = [
  {
    id: 'claude-opus-4-6',
    anthropicModelId: 'claude-opus-4-6',
    displayName: 'Claude Opus 4.6',
    family: 'opus',
    createdAt: '2026-02-05T00:00:00Z',
    // Bedrock id follows the 4.6 naming (no date, `-v1`); verify against ListInferenceProfiles when enabling.
    bedrock: { global: 'global.anthropic.claude-opus-4-6-v1' },
    supportsUsInferenceGeo: true,
  },
  {
    id: 'claude-opus-4-5-20251101',
    anthropicModelId: 'claude-opus-4-5-20251101',
    displayName: 'Claude Opus 4.5',
    family: 'opus',
    createdAt: '2025-11-24T00:00:00Z',
    bedrock: { global: 'global.anthropic.claude-opus-4-5-20251101-v1:0' },
    supportsUsInferenceGeo: false,
  },
  {
    id: 'claude-sonnet-4-6',
    anthropicModelId: 'claude-sonnet-4-6',
    displayName: 'Claude Sonnet 4.6',
    family: 'sonnet',
    createdAt: '2026-02-17T00:00:00Z',
    bedrock: { global: 'global.anthropic.claude-sonnet-4-6' },
    supportsUsInferenceGeo: true,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    anthropicModelId: 'claude-sonnet-4-5-20250929',
    displayName: 'Claude Sonnet 4.5',
    family: 'sonnet',
    createdAt: '2025-09-29T00:00:00Z',
    bedrock: { global: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' },
    supportsUsInferenceGeo: false,
  },
  {
    id: 'claude-haiku-4-5-20251001',
    anthropicModelId: 'claude-haiku-4-5-20251001',
    displayName: 'Claude Haiku 4.5',
    family: 'haiku',
    createdAt: '2025-10-15T00:00:00Z',
    bedrock: { global: 'global.anthropic.claude-haiku-4-5-20251001-v1:0' },
    supportsUsInferenceGeo: false,
  },
  {
    id: 'claude-sonnet-4-20250514',
    anthropicModelId: 'claude-sonnet-4-20250514',
    displayName: 'Claude Sonnet 4',
    family: 'sonnet',
    createdAt: '2025-05-22T00:00:00Z',
    bedrock: {
      apac: 'apac.anthropic.claude-sonnet-4-20250514-v1:0',
      global: 'global.anthropic.claude-sonnet-4-20250514-v1:0',
    },
    supportsUsInferenceGeo: false,
  },
];

/** Catalog by id. */
export const MODEL_CATALOG: ReadonlyMap<string, CatalogModel> = new Map(entries.map((entry) => [entry.id, entry]));

/** Catalog ids, newest first within a family (the order of the list above). */
export const CATALOG_MODEL_IDS: readonly string[] = entries.map((entry) => entry.id);

/** The catalog entry for an id, or undefined. */
export function catalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.get(id);
}

/** Scopes are tried most-local first: in-region, then the APAC profile, then global. */
export const BEDROCK_SCOPE_PREFERENCE: readonly BedrockRoutingScope[] = ['in-region', 'apac', 'global'];

/** A concrete way to call a model: which provider, which provider id, and where inference runs. */
export type ModelRoute =
  | {
      readonly provider: 'anthropic';
      readonly catalogId: string;
      readonly modelId: string;
      /** Sent as `inference_geo` only when the model supports it (older models reject the field). */
      readonly inferenceGeo: AnthropicInferenceGeo;
      readonly sendInferenceGeo: boolean;
    }
  | {
      readonly provider: 'bedrock';
      readonly catalogId: string;
      readonly modelId: string;
      readonly scope: BedrockRoutingScope;
    };

/** The residency part of a tenant policy. */
export interface ResidencyPolicy {
  readonly anthropicInferenceGeo: readonly AnthropicInferenceGeo[];
  readonly bedrockRoutingScopes: readonly BedrockRoutingScope[];
}

/** Anthropic geos a model can run in: `us` only where the model supports `inference_geo`. */
export function anthropicGeosFor(model: CatalogModel): readonly AnthropicInferenceGeo[] {
  return model.supportsUsInferenceGeo ? ['global', 'us'] : ['global'];
}

/**
 * Every route the residency policy allows for a model on a provider, preferred first. Anthropic: the tenant's
 * geos in the tenant's order, restricted to what the model supports. Bedrock: in-region, apac, global, restricted
 * to the scopes the tenant allows and the profiles that exist. Empty means the model cannot be served.
 */
export function allowedRoutes(model: CatalogModel, provider: Provider, residency: ResidencyPolicy): ModelRoute[] {
  if (provider === 'anthropic') {
    const supported = anthropicGeosFor(model);
    return residency.anthropicInferenceGeo
      .filter((geo) => supported.includes(geo))
      .map((geo) => ({
        provider: 'anthropic' as const,
        catalogId: model.id,
        modelId: model.anthropicModelId,
        inferenceGeo: geo,
        sendInferenceGeo: model.supportsUsInferenceGeo,
      }));
  }
  const routes: ModelRoute[] = [];
  for (const scope of BEDROCK_SCOPE_PREFERENCE) {
    const modelId = model.bedrock[scope];
    if (modelId && residency.bedrockRoutingScopes.includes(scope)) {
      routes.push({ provider: 'bedrock', catalogId: model.id, modelId, scope });
    }
  }
  return routes;
}

/** The catalog id behind a provider model id (Anthropic id or Bedrock profile id), for pricing. */
export function catalogIdForProviderModel(providerModelId: string): string | undefined {
  if (MODEL_CATALOG.has(providerModelId)) return providerModelId;
  for (const entry of entries) {
    if (entry.anthropicModelId === providerModelId) return entry.id;
    if (Object.values(entry.bedrock).includes(providerModelId)) return entry.id;
  }
  return undefined;
}
