import {
  activeModelCatalog,
  BUILT_IN_MODEL_CATALOG,
  BUILT_IN_PRICING_VERSION,
  buildModelCatalog,
  catalogModel,
  useModelCatalog,
} from '../../../../lambdas/shared/policy/model-catalog';
import {
  BUILT_IN_MODEL_ENTRIES,
  CATALOG_AS_OF,
  CATALOG_SOURCES,
} from '../../../../lambdas/shared/policy/model-catalog-data';
import { catalogEntrySchema } from '../../../../lambdas/shared/policy/model-catalog-schema';
import { loadPolicyDocument } from '../../../../lambdas/shared/policy/policy-document';
import { costUsd, priceCall } from '../../../../lambdas/shared/pricing';
import { parseGatewayConfig } from '../../../../lib/config';
import { bedrockInvokeTargets } from '../../../../lib/constructs/bedrock-invoke-permissions';

const bedrockTenant = {
  id: 'acme',
  provider: 'bedrock' as const,
  models: { sonnet: 'claude-sonnet-5-5' },
  residency: { bedrockRoutingScopes: ['apac' as const] },
};

afterEach(() => useModelCatalog(BUILT_IN_MODEL_CATALOG));

describe('built-in catalog data', () => {
  it('is dated, sourced and complete for every entry', () => {
    // Assess
    expect(CATALOG_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [id, entry] of Object.entries(BUILT_IN_MODEL_ENTRIES)) {
      const parsed = catalogEntrySchema.parse(entry);
      expect([id, parsed.sources.length > 0]).toEqual([id, true]);
      for (const url of parsed.sources) expect(Object.values(CATALOG_SOURCES)).toContain(url);
      expect([id, parsed.price]).not.toEqual([id, null]);
    }
  });

  it("holds Claude Code's current default and alias models", () => {
    for (const id of ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']) {
      const model = catalogModel(id);
      expect(model?.anthropicModelId).toBe(id);
      expect(model?.bedrockModelId).toBe(`anthropic.${id}`);
      expect(model?.bedrock.global).toBe(`global.anthropic.${id}`);
      // No source shows an APAC profile including Mumbai: unknown, so not routable, and said so.
      expect(model?.bedrock.apac).toBeUndefined();
      expect(model?.unverified.some((fact) => fact.includes('Bedrock'))).toBe(true);
    }
  });
});

describe('config overrides', () => {
  it('adds a Bedrock profile to a built-in model and keeps its other facts', () => {
    // Act
    const catalog = buildModelCatalog({
      'claude-sonnet-5-5': { bedrock: { apac: 'apac.anthropic.claude-sonnet-5-5' } },
    });

    // Assess
    const sonnet = catalog.model('claude-sonnet-5-5');
    expect(sonnet?.bedrock).toEqual({
      global: 'global.anthropic.claude-sonnet-5-5',
      apac: 'apac.anthropic.claude-sonnet-5-5',
    });
    expect(sonnet?.price?.inputPerMTok).toBe(2);
    expect(sonnet?.sources.length).toBeGreaterThan(0);
    expect(catalog.catalogIdFor('apac.anthropic.claude-sonnet-5-5')).toBe('claude-sonnet-5-5');
    expect(catalog.pricingVersion).toBe(BUILT_IN_PRICING_VERSION);
    expect(BUILT_IN_MODEL_CATALOG.model('claude-sonnet-5-5')?.bedrock.apac).toBeUndefined();
  });

  it('removes a scope with null and adds a new model', () => {
    const catalog = buildModelCatalog({
      'claude-sonnet-4-20250514': { bedrock: { apac: null } },
      'claude-opus-5': {
        displayName: 'Claude Opus 5',
        family: 'opus',
        createdAt: '2026-07-24T00:00:00Z',
        supportsUsInferenceGeo: true,
        price: { inputPerMTok: 5, outputPerMTok: 25 },
        bedrock: { global: 'global.anthropic.claude-opus-5' },
      },
    });
    expect(catalog.model('claude-sonnet-4-20250514')?.bedrock).toEqual({
      global: 'global.anthropic.claude-sonnet-4-20250514-v1:0',
    });
    expect(catalog.model('claude-opus-5')?.anthropicModelId).toBe('claude-opus-5');
    expect(catalog.ids.at(-1)).toBe('claude-opus-5');
  });

  it('changes the pricing version when a price is overridden', () => {
    // Act
    const catalog = buildModelCatalog({ 'claude-sonnet-5-5': { price: { inputPerMTok: 1.5, outputPerMTok: 8 } } });

    // Assess
    expect(catalog.pricingVersion).toMatch(new RegExp(`^${BUILT_IN_PRICING_VERSION}\\+config-[0-9a-f]{10}$`));
    expect(costUsd('claude-sonnet-5-5', { input_tokens: 1_000_000 }, null, catalog)).toBe(1.5);
    expect(priceCall('claude-sonnet-5-5', { input_tokens: 1 }, null, catalog).pricing_version).toBe(
      catalog.pricingVersion,
    );
  });

  it('stops synth naming the key path of an incomplete new model', () => {
    expect(() => parseGatewayConfig({ modelCatalog: { 'claude-opus-5': { displayName: 'Claude Opus 5' } } })).toThrow(
      /gateway\.modelCatalog\.claude-opus-5\.family: required/,
    );
    expect(() =>
      parseGatewayConfig({ modelCatalog: { 'claude-sonnet-5-5': { bedrock: { apac: 'not a profile!' } } } }),
    ).toThrow(/gateway\.modelCatalog\.claude-sonnet-5-5\.bedrock\.apac/);
  });

  it('validates tenants against the merged catalog at synth', () => {
    // A tenant limited to APAC cannot use Sonnet 5.5 until config adds the profile.
    expect(() => parseGatewayConfig({ tenants: [bedrockTenant] })).toThrow(
      /gateway\.tenants\.0\.models\.sonnet: "claude-sonnet-5-5" has no bedrock route/,
    );
    const config = parseGatewayConfig({
      tenants: [bedrockTenant],
      modelCatalog: { 'claude-sonnet-5-5': { bedrock: { apac: 'apac.anthropic.claude-sonnet-5-5' } } },
    });
    expect(bedrockInvokeTargets(config.tenants, buildModelCatalog(config.modelCatalog)).map((t) => t.modelId)).toEqual([
      'apac.anthropic.claude-sonnet-5-5',
    ]);
  });

  it('makes the policy document catalog the one the process serves', () => {
    // Prepare
    const overrides = { 'claude-sonnet-5-5': { bedrock: { apac: 'apac.anthropic.claude-sonnet-5-5' } } };

    // Act
    const document = loadPolicyDocument(JSON.stringify({ tenants: [bedrockTenant], modelCatalog: overrides }));

    // Assess
    expect(document.catalog.model('claude-sonnet-5-5')?.bedrock.apac).toBe('apac.anthropic.claude-sonnet-5-5');
    expect(activeModelCatalog()).toBe(document.catalog);
    expect(catalogModel('claude-sonnet-5-5')?.bedrock.apac).toBe('apac.anthropic.claude-sonnet-5-5');
    expect(() => loadPolicyDocument({ tenants: [bedrockTenant] })).toThrow(/tenants\.0\.models\.sonnet/);
  });
});
