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
  activeModelCatalog,
  allowedRoutes,
  BUILT_IN_MODEL_CATALOG,
  buildModelCatalog,
  CATALOG_MODEL_IDS,
  type CatalogModel,
  catalogIdForProviderModel,
  catalogModel,
  MODEL_CATALOG,
  ModelCatalog,
  type ModelRoute,
} from './model-catalog';
export { CATALOG_AS_OF, CATALOG_SOURCES } from './model-catalog-data';
export { type CatalogOverrides, catalogOverridesSchema } from './model-catalog-schema';
export { InvalidPolicyDocumentError, loadPolicyDocument, PolicyDocument } from './policy-document';
