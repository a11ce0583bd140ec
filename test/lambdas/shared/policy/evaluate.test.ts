import { InvalidRequestError, PermissionError } from '../../../../lambdas/shared/errors';
import { DENY_REASONS, evaluatePolicy, loadPolicyDocument, policyVersion } from '../../../../lambdas/shared/policy';
import { newRequestFacts } from '../../../../lambdas/shared/policy/request-facts';
import { type TenantConfigInput, tenantConfigSchema } from '../../../../lambdas/shared/policy/tenant-config';

const tenant = (overrides: Partial<TenantConfigInput> = {}) =>
  tenantConfigSchema.parse({
    id: 'acme',
    provider: 'anthropic',
    models: { sonnet: 'claude-sonnet-4-6', haiku: 'claude-haiku-4-5-20251001' },
    residency: { anthropicInferenceGeo: ['global', 'us'] },
    fallback: ['haiku'],
    ...overrides,
  });

const request = (extra: Record<string, unknown> = {}) => ({
  model: 'sonnet',
  messages: [{ content: 'hello' }],
  ...extra,
});

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof PermissionError) return error.reason;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('evaluatePolicy', () => {
  it('resolves an alias to the pinned id and the first allowed geo', () => {
    const decision = evaluatePolicy(tenant(), request(), {});
    expect(decision.route).toMatchObject({
      provider: 'anthropic',
      modelId: 'claude-sonnet-4-6',
      inferenceGeo: 'global',
    });
    expect(decision.alias).toBe('sonnet');
    expect(decision.residencyPolicy).toBe('anthropic:global,us');
    expect(decision.dataClassification).toBe('INTERNAL');
    expect(decision.fallbacks.map((f) => f.modelId)).toEqual(['claude-haiku-4-5-20251001']);
  });

  it('accepts the pinned id itself when the tenant lists it', () => {
    expect(evaluatePolicy(tenant(), request({ model: 'claude-haiku-4-5-20251001' }), {}).alias).toBeNull();
  });

  it('honours a client inference_geo the policy allows', () => {
    expect(evaluatePolicy(tenant(), request({ inference_geo: 'us' }), {}).inferenceGeoRequested).toBe('us');
  });

  it.each([
    ['-latest', request({ model: 'claude-sonnet-latest' }), {}, DENY_REASONS.unpinnedModel],
    ['unknown model', request({ model: 'gpt-4' }), {}, DENY_REASONS.modelNotAllowed],
    ['catalog model outside the tenant', request({ model: 'claude-opus-4-6' }), {}, DENY_REASONS.modelNotAllowed],
    ['geo the model lacks', request({ model: 'haiku', inference_geo: 'us' }), {}, DENY_REASONS.residency],
    ['mcp without opt-in', request({ mcp_servers: [{ type: 'url' }] }), {}, DENY_REASONS.zdr],
    ['files beta without opt-in', request(), { 'anthropic-beta': 'files-api-2025-04-14' }, DENY_REASONS.zdr],
    ['classification', request(), { 'x-data-classification': 'restricted' }, DENY_REASONS.classification],
  ])('refuses %s', (_name, req, headers, reason) => {
    expect(reasonOf(() => evaluatePolicy(tenant(), req, headers))).toBe(reason);
  });

  it('refuses a geo outside the residency policy', () => {
    const globalOnly = tenant({ residency: { anthropicInferenceGeo: ['global'] } });
    expect(reasonOf(() => evaluatePolicy(globalOnly, request({ inference_geo: 'us' }), {}))).toBe(
      DENY_REASONS.residency,
    );
  });

  it('refuses inference_geo on bedrock', () => {
    const bedrock = tenant({ provider: 'bedrock', residency: {} });
    expect(reasonOf(() => evaluatePolicy(bedrock, request({ inference_geo: 'global' }), {}))).toBe(
      DENY_REASONS.residency,
    );
  });

  it('400s malformed headers and geos', () => {
    expect(() => evaluatePolicy(tenant(), request(), { 'x-data-classification': 'SECRET' })).toThrow(
      InvalidRequestError,
    );
    expect(() => evaluatePolicy(tenant(), request({ inference_geo: 'in' }), {})).toThrow(InvalidRequestError);
    expect(() => evaluatePolicy(tenant(), request(), { 'x-use-case': 'x'.repeat(200) })).toThrow(InvalidRequestError);
  });

  it('records the opt-in used', () => {
    const optedIn = tenant({ zdrOptIns: [{ feature: 'mcp_servers', reviewReference: 'SEC-123' }] });
    const decision = evaluatePolicy(optedIn, request({ mcp_servers: [{ type: 'url' }] }), {});
    expect(decision.zdrOptIns).toEqual(['mcp_servers:SEC-123']);
    expect(decision.zdrEligible).toBe(false);
  });

  it('picks the apac profile before global on bedrock, and keeps fallbacks inside residency', () => {
    const bedrock = tenant({
      provider: 'bedrock',
      models: { sonnet4: 'claude-sonnet-4-20250514', sonnet: 'claude-sonnet-4-6' },
      residency: { bedrockRoutingScopes: ['global', 'apac'] },
      fallback: ['sonnet'],
    });
    const decision = evaluatePolicy(bedrock, request({ model: 'sonnet4' }), {
      'x-use-case': 'support',
      'x-end-user': 'u1',
    });
    expect(decision.route).toMatchObject({ scope: 'apac', modelId: 'apac.anthropic.claude-sonnet-4-20250514-v1:0' });
    expect(decision.fallbacks.map((f) => f.modelId)).toEqual(['global.anthropic.claude-sonnet-4-6']);
    expect(decision).toMatchObject({ useCase: 'support', endUser: 'u1', residencyPolicy: 'bedrock:global,apac' });
  });

  it('fallback on anthropic stays in the same geo', () => {
    const t = tenant({
      models: { sonnet: 'claude-sonnet-4-6', haiku: 'claude-haiku-4-5-20251001', opus: 'claude-opus-4-6' },
      fallback: ['haiku', 'opus'],
    });
    const decision = evaluatePolicy(t, request({ inference_geo: 'us' }), {});
    expect(decision.fallbacks.map((f) => f.modelId)).toEqual(['claude-opus-4-6']);
  });
});

describe('unknown features and request facts', () => {
  const facts = () => newRequestFacts({ tenantId: 'acme', principal: 'k1' }, 'req_test0001', 'messages');
  const claudeCodeBetas = 'claude-code-20250219,context-management-2025-06-27,future-feature-2027-01-01';

  it('record (the default) forwards an unknown beta and records it, not ZDR-eligible', () => {
    const decision = evaluatePolicy(tenant(), request(), { 'anthropic-beta': claudeCodeBetas });
    expect(decision.zdrEligible).toBe(false);
    expect(decision.features).toEqual(
      expect.arrayContaining(['claude_code', 'context_editing', 'unknown_beta:future-feature-2027-01-01']),
    );
    expect(decision.clientBetas).toEqual(claudeCodeBetas.split(','));
  });

  it('deny refuses an unknown beta or field, naming it in the facts', () => {
    const strict = tenant({ unknownFeatures: 'deny' });
    const beta = facts();
    expect(reasonOf(() => evaluatePolicy(strict, request(), { 'anthropic-beta': claudeCodeBetas }, beta))).toBe(
      DENY_REASONS.unknownFeature,
    );
    expect(beta.refusedFeature).toBe('unknown_beta:future-feature-2027-01-01');
    const field = facts();
    expect(reasonOf(() => evaluatePolicy(strict, request({ thread: { id: 't' } }), {}, field))).toBe(
      DENY_REASONS.unknownFeature,
    );
    expect(field.refusedFeature).toBe('unknown_field:thread');
    expect(evaluatePolicy(strict, request(), { 'anthropic-beta': 'context-management-2025-06-27' }).zdrEligible).toBe(
      true,
    );
  });

  it('fills the facts before it refuses: features, betas, classification, use case, end user', () => {
    const refused = facts();
    const headers = {
      'anthropic-beta': 'MCP-Client-2025-11-20',
      'x-data-classification': 'internal',
      'x-use-case': 'support',
      'x-end-user': 'alice@example.com',
    };
    expect(
      reasonOf(() => evaluatePolicy(tenant(), request({ mcp_servers: [{ type: 'url' }] }), headers, refused)),
    ).toBe(DENY_REASONS.zdr);
    expect(refused).toMatchObject({
      features: ['mcp_servers'],
      betas: ['mcp-client-2025-11-20'],
      refusedFeature: 'mcp_servers',
      dataClassification: 'INTERNAL',
      useCase: 'support',
      endUser: 'alice@example.com',
    });
    const wrongModel = facts();
    expect(reasonOf(() => evaluatePolicy(tenant(), request({ model: 'gpt-4' }), headers, wrongModel))).toBe(
      DENY_REASONS.modelNotAllowed,
    );
    expect(wrongModel.features).toEqual(['mcp_servers']);
    expect(wrongModel.refusedFeature).toBeNull();
  });

  it('zdrOptIns accept feature ids of the table only', () => {
    expect(() => tenant({ zdrOptIns: [{ feature: 'memory', reviewReference: 'SEC-1' }] })).not.toThrow();
    expect(() => tenant({ zdrOptIns: [{ feature: 'teleport', reviewReference: 'SEC-1' }] })).toThrow(
      /not a feature id of the ZDR feature table/,
    );
    expect(() => tenant({ unknownFeatures: 'ignore' as 'deny' })).toThrow();
  });
});

describe('policyVersion and loadPolicyDocument', () => {
  it('is stable across key order and changes with content', () => {
    const a = tenant();
    const b = tenantConfigSchema.parse(JSON.parse(JSON.stringify(a)));
    expect(policyVersion(a)).toBe(policyVersion(b));
    expect(policyVersion(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(policyVersion(tenant({ fallback: [] }))).not.toBe(policyVersion(a));
  });

  it('loads tenants and refuses bad documents', () => {
    const doc = loadPolicyDocument(JSON.stringify({ tenants: [{ id: 'acme', models: { s: 'claude-sonnet-4-6' } }] }));
    expect(doc.tenant('acme')?.provider).toBe('bedrock');
    expect(doc.tenant('other')).toBeUndefined();
    expect(() => loadPolicyDocument('{')).toThrow(/not valid JSON/);
    expect(() => loadPolicyDocument({ tenants: [{ id: 'acme', models: { s: 'gpt-4' } }] })).toThrow(
      /tenants\.0\.models\.s/,
    );
  });
});
