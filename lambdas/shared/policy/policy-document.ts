/**
 * The policy document both hosts load: `{ "tenants": [ ... ] }` validated with the same schema as synth, plus the
 * catalog cross-check, so a Lambda never starts with a policy the gateway could not enforce.
 */
import { z } from 'zod';
import { tenantCatalogIssues } from './catalog-check';
import { type TenantConfig, type TenantConfigInput, tenantListSchema } from './tenant-config';

const documentSchema = z.object({ tenants: tenantListSchema }).strict();

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
  constructor(readonly tenants: readonly TenantConfig[]) {
    this.byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  }
  /** The tenant's policy, or undefined when the tenant is unknown. */
  tenant(id: string): TenantConfig | undefined {
    return this.byId.get(id);
  }
}

/**
 * Parses a policy document from JSON text or an already-parsed value.
 * @throws InvalidPolicyDocumentError listing every problem with its path.
 */
export function loadPolicyDocument(json: string | { tenants: readonly TenantConfigInput[] }): PolicyDocument {
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
  const problems = result.data.tenants.flatMap((tenant, index) =>
    tenantCatalogIssues(tenant).map((issue) => `tenants.${index}.${issue.path.join('.')}: ${issue.message}`),
  );
  if (problems.length > 0) throw new InvalidPolicyDocumentError(problems);
  return new PolicyDocument(result.data.tenants);
}
