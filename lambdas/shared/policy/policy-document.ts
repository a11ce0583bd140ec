/**
 * The policy document both hosts load: `{ "tenants": [ ... ] }` validated with the same schema as synth, plus the
 * catalog cross-check, so a Lambda never starts with a policy the gateway could not enforce.
 */
import * as z from 'zod';
import { tenantCatalogIssues } from './catalog-check';
import { buildModelCatalog, catalogOverrideIssues, type ModelCatalog, useModelCatalog } from './model-catalog';
import { type CatalogOverrides, catalogOverridesSchema } from './model-catalog-schema';
import { type TenantConfig, type TenantConfigInput, tenantListSchema } from './tenant-config';

const documentSchema = z
  .object({
    tenants: tenantListSchema,
    /** `gateway.modelCatalog` from cdk.json: entries added to or overriding the built-in catalog. */
    modelCatalog: catalogOverridesSchema.default({}),
  })
  .strict();

/** Thrown at startup when the policy document is invalid; the message names paths, not secrets. */
export class InvalidPolicyDocumentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid policy document:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidPolicyDocumentError';
  }
}

/** Validated tenants by id. */
export class PolicyDocument {
  private readonly byId: ReadonlyMap<string, TenantConfig>;
  constructor(
    readonly tenants: readonly TenantConfig[],
    /** The catalog the tenants were checked against: built-in entries merged with the document's. */
    readonly catalog: ModelCatalog = buildModelCatalog(),
  ) {
    this.byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  }
  /** The tenant's policy, or undefined when the tenant is unknown. */
  tenant(id: string): TenantConfig | undefined {
    return this.byId.get(id);
  }
}

/**
 * Parses a policy document from JSON text or an already-parsed value, and makes its merged model catalog the
 * one this process serves ({@link useModelCatalog}): pricing, routing and `/v1/models` then read the same table
 * the tenants were validated against.
 * @throws InvalidPolicyDocumentError listing every problem with its path.
 */
export function loadPolicyDocument(
  json: string | { tenants: readonly TenantConfigInput[]; modelCatalog?: CatalogOverrides },
): PolicyDocument {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new InvalidPolicyDocumentError(['(document): not valid JSON']);
    }
  }
  const result = documentSchema.safeParse(raw);
  if (!result.success) {
    throw new InvalidPolicyDocumentError(
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`),
    );
  }
  const catalogProblems = catalogOverrideIssues(result.data.modelCatalog).map(
    (issue) => `modelCatalog.${issue.path.join('.')}: ${issue.message}`,
  );
  if (catalogProblems.length > 0) throw new InvalidPolicyDocumentError(catalogProblems);
  const catalog = buildModelCatalog(result.data.modelCatalog);
  const problems = result.data.tenants.flatMap((tenant, index) =>
    tenantCatalogIssues(tenant, catalog).map((issue) => `tenants.${index}.${issue.path.join('.')}: ${issue.message}`),
  );
  if (problems.length > 0) throw new InvalidPolicyDocumentError(problems);
  useModelCatalog(catalog);
  return new PolicyDocument(result.data.tenants, catalog);
}
