/** Tenant policy: catalog, decision, document loading. */
export { type TenantCatalogIssue, tenantCatalogIssues } from './catalog-check';
export {
  DENY_REASONS,
  evaluatePolicy,
  type PolicyDecision,
  type PolicyRequest,
  policyVersion,
  residencyPolicyLabel,
  resolveClassification,
  resolveModel,
  routeGeo,
} from './evaluate';
export {
  allowedRoutes,
  CATALOG_MODEL_IDS,
  type CatalogModel,
  catalogIdForProviderModel,
  catalogModel,
  MODEL_CATALOG,
  type ModelRoute,
} from './model-catalog';
export { InvalidPolicyDocumentError, loadPolicyDocument, PolicyDocument } from './policy-document';
