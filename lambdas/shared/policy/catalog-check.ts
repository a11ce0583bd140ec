/**
 * Cross-checks between a tenant's config and the model catalog, run at synth (lib/config.ts) and when a policy
 * document is loaded, so that a tenant can never name a model the gateway could not serve within its residency.
 */
import { activeModelCatalog, allowedRoutes, type ModelCatalog } from './model-catalog';
import type { TenantConfig } from './tenant-config';

/** A problem found in a tenant, with the path inside the tenant object. */
export interface TenantCatalogIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/**
 * Every alias must map to a catalog id, and the tenant's residency must allow at least one route for it on the
 * tenant's provider (e.g. `bedrockRoutingScopes: ["apac"]` with Sonnet 4.6, which has only a global profile).
 */
export function tenantCatalogIssues(
  tenant: Pick<TenantConfig, 'models' | 'provider' | 'residency'>,
  catalog: ModelCatalog = activeModelCatalog(),
): TenantCatalogIssue[] {
  const issues: TenantCatalogIssue[] = [];
  for (const [alias, modelId] of Object.entries(tenant.models)) {
    const model = catalog.model(modelId);
    if (!model) {
      issues.push({
        path: ['models', alias],
        message: `"${modelId}" is not a pinned model id in the gateway's model catalog`,
      });
      continue;
    }
    if (allowedRoutes(model, tenant.provider, tenant.residency).length === 0) {
      const allowed =
        tenant.provider === 'anthropic'
          ? `anthropicInferenceGeo ${JSON.stringify(tenant.residency.anthropicInferenceGeo)}`
          : `bedrockRoutingScopes ${JSON.stringify(tenant.residency.bedrockRoutingScopes)}`;
      issues.push({
        path: ['models', alias],
        message: `"${modelId}" has no ${tenant.provider} route allowed by residency ${allowed}`,
      });
    }
  }
  return issues;
}
