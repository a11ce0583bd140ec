import { tenantCatalogIssues } from '../../../../lambdas/shared/policy/catalog-check';
import {
  allowedRoutes,
  catalogIdForProviderModel,
  catalogModel,
  MODEL_CATALOG,
} from '../../../../lambdas/shared/policy/model-catalog';
import { parseGatewayConfig } from '../../../../lib/config';

const model = (id: string) => {
  const found = catalogModel(id);
  if (!found) throw new Error(`missing ${id}`);
  return found;
};

describe('model catalog', () => {
  it.each([
    ['claude-sonnet-4-6', 'global', 'global.anthropic.claude-sonnet-4-6'],
    ['claude-haiku-4-5-20251001', 'global', 'global.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['claude-sonnet-4-20250514', 'apac', 'apac.anthropic.claude-sonnet-4-20250514-v1:0'],
    ['claude-opus-5-5', 'global', 'global.anthropic.claude-opus-5-5'],
    ['claude-sonnet-5-5', 'global', 'global.anthropic.claude-sonnet-5-5'],
    ['claude-haiku-5-5', 'global', 'global.anthropic.claude-haiku-5-5'],
  ] as const)('%s has the %s Bedrock profile %s', (id, scope, profile) => {
    expect(model(id).bedrock[scope]).toBe(profile);
  });

  it('only 4.6 and later models support the us inference geo', () => {
    const us = [...MODEL_CATALOG.values()].filter((m) => m.supportsUsInferenceGeo).map((m) => m.id);
    expect(us.sort()).toEqual([
      'claude-fable-5-2',
      'claude-haiku-5-5',
      'claude-opus-4-6',
      'claude-opus-5-5',
      'claude-sonnet-4-6',
      'claude-sonnet-5-5',
    ]);
  });

  it.each([
    ['claude-sonnet-4-20250514', ['global', 'apac'], ['apac', 'global']],
    ['claude-sonnet-4-20250514', ['apac'], ['apac']],
    ['claude-sonnet-4-6', ['apac'], []],
    ['claude-sonnet-4-6', ['in-region', 'global'], ['global']],
  ] as const)('bedrock routes for %s with scopes %j are %j (most local first)', (id, scopes, expected) => {
    const routes = allowedRoutes(model(id), 'bedrock', {
      anthropicInferenceGeo: ['global'],
      bedrockRoutingScopes: scopes,
    });
    expect(routes.map((r) => (r.provider === 'bedrock' ? r.scope : r.inferenceGeo))).toEqual(expected);
  });

  it.each([
    ['claude-sonnet-4-6', ['us', 'global'], ['us', 'global']],
    ['claude-haiku-4-5-20251001', ['us'], []],
    ['claude-haiku-4-5-20251001', ['global', 'us'], ['global']],
  ] as const)('anthropic routes for %s with geos %j are %j', (id, geos, expected) => {
    const routes = allowedRoutes(model(id), 'anthropic', {
      anthropicInferenceGeo: geos,
      bedrockRoutingScopes: ['global'],
    });
    expect(routes.map((r) => (r.provider === 'anthropic' ? r.inferenceGeo : r.scope))).toEqual(expected);
  });

  it('maps provider ids back to catalog ids', () => {
    expect(catalogIdForProviderModel('apac.anthropic.claude-sonnet-4-20250514-v1:0')).toBe('claude-sonnet-4-20250514');
    expect(catalogIdForProviderModel('claude-sonnet-4-6')).toBe('claude-sonnet-4-6');
    expect(catalogIdForProviderModel('nope')).toBeUndefined();
  });
});

describe('tenant catalog cross-check', () => {
  const base = {
    provider: 'bedrock' as const,
    residency: { anthropicInferenceGeo: ['global' as const], bedrockRoutingScopes: ['global' as const] },
  };
  it('accepts catalog ids with a route', () => {
    expect(tenantCatalogIssues({ ...base, models: { sonnet: 'claude-sonnet-4-6' } })).toEqual([]);
  });
  it('refuses an id outside the catalog', () => {
    expect(tenantCatalogIssues({ ...base, models: { x: 'claude-3-opus' } })[0]?.message).toContain(
      'not a pinned model id',
    );
  });
  it('refuses a model the residency cannot route', () => {
    const issues = tenantCatalogIssues({
      ...base,
      residency: { anthropicInferenceGeo: ['global'], bedrockRoutingScopes: ['apac'] },
      models: { sonnet: 'claude-sonnet-4-6' },
    });
    expect(issues[0]?.path).toEqual(['models', 'sonnet']);
  });
  it('stops synth with the key path', () => {
    expect(() => parseGatewayConfig({ tenants: [{ id: 'acme', models: { sonnet: 'claude-sonnet-latest' } }] })).toThrow(
      /gateway\.tenants\.0\.models\.sonnet/,
    );
    expect(() => parseGatewayConfig(undefined)).not.toThrow();
  });
});
