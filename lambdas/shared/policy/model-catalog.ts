/**
 * The pinned model catalog: the only model ids a tenant alias may point at, with the provider-specific ids that
 * serve each one and their list prices. The facts are data (model-catalog-data.ts, dated, with sources);
 * `gateway.modelCatalog` in cdk.json adds or overrides entries. This file merges the two and answers lookups;
 * the policy uses it to pick a route that the tenant's residency allows.
 *
 * One catalog serves a process: a Lambda (or `npm run dev`) loads its policy document, which carries the
 * config overrides, and {@link useModelCatalog} makes the merged catalog the one every lookup below reads.
 * Code that must not depend on that (synth, tests) passes a {@link ModelCatalog} explicitly.
 */
import { createHash } from 'node:crypto';
import { BUILT_IN_MODEL_ENTRIES, CATALOG_AS_OF } from './model-catalog-data';
import {
  type CatalogEntryInput,
  type CatalogOverrides,
  catalogEntrySchema,
  type ModelFamily,
  type ModelPrice,
  REQUIRED_FOR_NEW_MODEL,
} from './model-catalog-schema';
import type { AnthropicInferenceGeo, BedrockRoutingScope, Provider } from './tenant-config';

export type { ModelFamily, ModelPrice } from './model-catalog-schema';

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
  /** The Bedrock foundation-model id, when known. */
  readonly bedrockModelId: string | null;
  /** Whether Anthropic accepts `inference_geo` (and so `us`) for this model. */
  readonly supportsUsInferenceGeo: boolean;
  /** List prices, or null when unknown (calls are then recorded without a cost). */
  readonly price: ModelPrice | null;
  readonly sources: readonly string[];
  readonly unverified: readonly string[];
}

/** The built-in table's pricing version: records keep the version they were costed with. */
export const BUILT_IN_PRICING_VERSION = `anthropic-list-${CATALOG_AS_OF}`;

/** A problem in `gateway.modelCatalog`, with its path below that key. */
export interface CatalogOverrideIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

function toModel(id: string, input: CatalogEntryInput): CatalogModel {
  const entry = catalogEntrySchema.parse(input);
  const bedrock: Partial<Record<BedrockRoutingScope, string>> = {};
  for (const [scope, profileId] of Object.entries(entry.bedrock)) {
    if (profileId) bedrock[scope as BedrockRoutingScope] = profileId;
  }
  return {
    id,
    anthropicModelId: entry.anthropicModelId ?? id,
    displayName: entry.displayName,
    family: entry.family,
    createdAt: entry.createdAt,
    bedrock,
    bedrockModelId: entry.bedrockModelId ?? null,
    supportsUsInferenceGeo: entry.supportsUsInferenceGeo,
    price: entry.price,
    sources: entry.sources,
    unverified: entry.unverified,
  };
}

/** An immutable catalog: lookups by catalog id and by any provider id that serves a model. */
export class ModelCatalog {
  private readonly byId: ReadonlyMap<string, CatalogModel>;
  private readonly byProviderId: ReadonlyMap<string, string>;

  constructor(
    readonly models: readonly CatalogModel[],
    /** Version recorded as `pricing_version` with every cost computed from this catalog. */
    readonly pricingVersion: string = BUILT_IN_PRICING_VERSION,
  ) {
    this.byId = new Map(models.map((model) => [model.id, model]));
    const byProviderId = new Map<string, string>();
    for (const model of models) {
      for (const providerId of [model.anthropicModelId, ...Object.values(model.bedrock)]) {
        if (!byProviderId.has(providerId)) byProviderId.set(providerId, model.id);
      }
    }
    this.byProviderId = byProviderId;
  }

  /** Catalog ids in table order (newest first within a family). */
  get ids(): readonly string[] {
    return this.models.map((model) => model.id);
  }

  /** The entry for a catalog id, or undefined. */
  model(id: string): CatalogModel | undefined {
    return this.byId.get(id);
  }

  /** The catalog id behind a catalog id, an Anthropic model id or a Bedrock profile/model id. */
  catalogIdFor(providerModelId: string): string | undefined {
    if (this.byId.has(providerModelId)) return providerModelId;
    return this.byProviderId.get(providerModelId);
  }
}

/**
 * Problems in `gateway.modelCatalog` that the per-entry schema cannot see: a model that is not built in must be
 * a complete entry.
 */
export function catalogOverrideIssues(overrides: CatalogOverrides): CatalogOverrideIssue[] {
  const issues: CatalogOverrideIssue[] = [];
  for (const [id, override] of Object.entries(overrides)) {
    if (id in BUILT_IN_MODEL_ENTRIES) continue;
    for (const key of REQUIRED_FOR_NEW_MODEL) {
      if (override[key] === undefined) {
        issues.push({ path: [id, key], message: `required for "${id}", which is not in the built-in catalog` });
      }
    }
  }
  return issues;
}

function pricingVersionFor(overrides: CatalogOverrides): string {
  const priced = Object.entries(overrides)
    .filter(([, override]) => override.price !== undefined)
    .map(([id, override]) => [id, override.price] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  if (priced.length === 0) return BUILT_IN_PRICING_VERSION;
  const digest = createHash('sha256').update(JSON.stringify(priced)).digest('hex').slice(0, 10);
  return `${BUILT_IN_PRICING_VERSION}+config-${digest}`;
}

/**
 * The built-in table merged with config entries. An override replaces the keys it sets (`bedrock` per scope,
 * `null` removing one); a new id is appended.
 * @throws Error when an entry is incomplete (config validation reports the same issues with key paths first)
 */
export function buildModelCatalog(overrides: CatalogOverrides = {}): ModelCatalog {
  const problems = catalogOverrideIssues(overrides);
  if (problems.length > 0) {
    throw new Error(`modelCatalog: ${problems.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const merged = new Map<string, CatalogEntryInput>(Object.entries(BUILT_IN_MODEL_ENTRIES));
  for (const [id, override] of Object.entries(overrides)) {
    const base = merged.get(id);
    const { bedrock: bedrockOverride, ...rest } = override;
    const bedrock: Record<string, string | undefined> = { ...(base?.bedrock ?? {}) };
    for (const [scope, profileId] of Object.entries(bedrockOverride ?? {})) {
      bedrock[scope] = profileId ?? undefined;
    }
    merged.set(id, { ...base, ...rest, bedrock } as CatalogEntryInput);
  }
  return new ModelCatalog(
    [...merged.entries()].map(([id, entry]) => toModel(id, entry)),
    pricingVersionFor(overrides),
  );
}

/** The built-in catalog, without config overrides. */
export const BUILT_IN_MODEL_CATALOG: ModelCatalog = buildModelCatalog();

let processCatalog: ModelCatalog = BUILT_IN_MODEL_CATALOG;

/** Makes `catalog` the one the lookups below read (called once when a host loads its policy document). */
export function useModelCatalog(catalog: ModelCatalog): void {
  processCatalog = catalog;
}

/** The catalog this process serves: the built-in one until a policy document with overrides is loaded. */
export function activeModelCatalog(): ModelCatalog {
  return processCatalog;
}

/** Built-in catalog by id (without config overrides; use {@link activeModelCatalog} for the served one). */
export const MODEL_CATALOG: ReadonlyMap<string, CatalogModel> = new Map(
  BUILT_IN_MODEL_CATALOG.models.map((model) => [model.id, model]),
);

/** Built-in catalog ids, newest first within a family. */
export const CATALOG_MODEL_IDS: readonly string[] = BUILT_IN_MODEL_CATALOG.ids;

/** The served catalog's entry for an id, or undefined. */
export function catalogModel(id: string, catalog: ModelCatalog = processCatalog): CatalogModel | undefined {
  return catalog.model(id);
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

/** The catalog id behind a provider model id (Anthropic id or Bedrock profile id), for pricing and metrics. */
export function catalogIdForProviderModel(
  providerModelId: string,
  catalog: ModelCatalog = processCatalog,
): string | undefined {
  return catalog.catalogIdFor(providerModelId);
}
