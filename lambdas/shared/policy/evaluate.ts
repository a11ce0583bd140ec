/**
 * The tenant policy decision for one request: which pinned model and route serve it, whether its features,
 * residency and data classification are allowed. Pure code; refusals throw PermissionError with a reason code
 * that becomes the `deny_reason` of the `denied` audit record. Features are judged by the dated ZDR feature table
 * (`zdr-features.json`); names it does not know follow the tenant's `unknownFeatures`. Whatever the policy learns
 * (features, betas, classification, use case, end user, the refused feature) goes into the request's facts before
 * any check can refuse, so a refusal is recorded from the same facts as a call.
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError, ModelNotAvailableError, PermissionError } from '../errors';
import { detectFeatures, type FeatureSource, parseBetas } from '../messages/features';
import { recordableText, recordableTextWithCounts } from '../pii/recordable';
import { allowedRoutes, type CatalogModel, catalogModel, type ModelRoute } from './model-catalog';
import { type GatewayOperation, newRequestFacts, type RequestFacts } from './request-facts';
import {
  ANTHROPIC_INFERENCE_GEOS,
  DATA_CLASSIFICATIONS,
  type DataClassification,
  type RedactionMode,
  type TenantConfig,
} from './tenant-config';

/** Reason codes of refusals (stable: auditors query on them). */
export const DENY_REASONS = {
  unknownTenant: 'unknown_tenant',
  unpinnedModel: 'model_unpinned_alias',
  modelNotAllowed: 'model_not_allowed',
  residency: 'residency_not_allowed',
  zdr: 'zdr_feature_not_opted_in',
  /** A beta, field, tool, block or edit type the ZDR feature table does not know, on a tenant with `deny`. */
  unknownFeature: 'unknown_feature_not_allowed',
  classification: 'data_classification_not_allowed',
  // Refusals by the authorizer of a credential that names a known tenant (a verified but unacceptable OAuth2
  // access token). Unknown credentials are never audited, so these always carry a real tenant.
  /** The tenant's access token has expired. */
  authenticationExpired: 'authentication_expired',
  /** The tenant's access token lacks the gateway's invoke scope. */
  authenticationScopeMissing: 'authentication_scope_missing',
  /** Any other refusal of a known tenant's credential (e.g. not yet valid, not an access token). */
  authenticationFailed: 'authentication_failed',
} as const;

/** What the policy decided. */
export interface PolicyDecision {
  readonly tenantId: string;
  readonly policyVersion: string;
  /** The model name the client sent. */
  readonly modelRequested: string;
  /** The alias it matched, or null when the client named the pinned id itself. */
  readonly alias: string | null;
  readonly provider: TenantConfig['provider'];
  /** The route to try first. */
  readonly route: ModelRoute;
  /** Fallback routes in order (tenant's fallback aliases, residency-checked, the primary model excluded). */
  readonly fallbacks: readonly ModelRoute[];
  /** e.g. `anthropic:global,us` or `bedrock:global,apac`. */
  readonly residencyPolicy: string;
  /** Anthropic `inference_geo` or the Bedrock routing scope of the chosen route. */
  readonly inferenceGeoRequested: string;
  readonly features: readonly string[];
  readonly zdrEligible: boolean;
  /** Non-ZDR opt-ins this request used, as `feature:reviewReference`. */
  readonly zdrOptIns: readonly string[];
  /** `anthropic-beta` values in normal form, as recorded. */
  readonly betas: readonly string[];
  /** `anthropic-beta` values as the client sent them (trimmed): what the upstream gets. */
  readonly clientBetas: readonly string[];
  readonly dataClassification: DataClassification;
  readonly useCase: string | null;
  /** PII detections by type that `useCase` replaced: they count in the call's `pii_counts`. */
  readonly useCasePiiCounts: Readonly<Record<string, number>>;
  readonly endUser: string | null;
  readonly redactionMode: RedactionMode;
}

/** The request fields the policy reads. */
export interface PolicyRequest extends FeatureSource {
  readonly model: string;
  readonly inference_geo?: string | null | undefined;
}

type Headers = Readonly<Record<string, string | undefined>>;

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const versionCache = new WeakMap<TenantConfig, string>();

/** Short SHA-256 (16 hex) of the canonical tenant JSON: changes whenever any policy key changes. */
export function policyVersion(tenant: TenantConfig): string {
  const cached = versionCache.get(tenant);
  if (cached) return cached;
  const version = createHash('sha256').update(canonicalJson(tenant)).digest('hex').slice(0, 16);
  versionCache.set(tenant, version);
  return version;
}

/** `anthropic:global,us` / `bedrock:global,apac`: the residency policy as recorded. */
export function residencyPolicyLabel(tenant: TenantConfig): string {
  return tenant.provider === 'anthropic'
    ? `anthropic:${tenant.residency.anthropicInferenceGeo.join(',')}`
    : `bedrock:${tenant.residency.bedrockRoutingScopes.join(',')}`;
}

/**
 * The requested model name, quoted, when it is safe to repeat in an error: a model-id shape (letters, digits,
 * `.`, `_`, `:`, `-`, at most 64) with no PII in it, so that a client (Claude Code) can name the model it asked
 * for. Anything else (an e-mail address sent as a model name, once, in a trial) is not echoed: ''.
 */
function echoableModelName(requested: string): string {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(requested) || recordableText(requested, 64) !== requested) return '';
  return ` "${requested}"`;
}

/** Resolves what the client sent to a catalog model the tenant allows. */
export function resolveModel(tenant: TenantConfig, requested: string): { alias: string | null; model: CatalogModel } {
  if (/-latest$/.test(requested)) {
    throw new ModelNotAvailableError(
      `The requested model${echoableModelName(requested)} is not pinned; use one of this tenant's models (see GET /v1/models).`,
      DENY_REASONS.unpinnedModel,
    );
  }
  const pinned = Object.hasOwn(tenant.models, requested) ? tenant.models[requested] : undefined;
  const alias = pinned !== undefined ? requested : null;
  const catalogId = pinned ?? (Object.values(tenant.models).includes(requested) ? requested : undefined);
  const model = catalogId ? catalogModel(catalogId) : undefined;
  if (!model) {
    throw new ModelNotAvailableError(
      `The requested model${echoableModelName(requested)} is not available for this tenant (see GET /v1/models).`,
      DENY_REASONS.modelNotAllowed,
    );
  }
  return { alias, model };
}

function headerValue(headers: Headers, name: string, max: number): string | null {
  const value = headers[name]?.trim();
  if (!value) return null;
  if (value.length > max) throw new InvalidRequestError(`${name}: at most ${max} characters.`);
  return value;
}

/** The classification a request claims (`x-data-classification` when valid, else the tenant default); never throws. */
export function claimedClassification(tenant: TenantConfig | undefined, headers: Headers): DataClassification | null {
  const raw = headers['x-data-classification']?.trim().toUpperCase();
  if (raw && (DATA_CLASSIFICATIONS as readonly string[]).includes(raw)) return raw as DataClassification;
  return tenant?.dataClassifications.default ?? null;
}

/** The data classification of a request: `x-data-classification` or the tenant default; refused if not allowed. */
export function resolveClassification(tenant: TenantConfig, headers: Headers): DataClassification {
  const raw = headers['x-data-classification']?.trim().toUpperCase();
  if (!raw) return tenant.dataClassifications.default;
  if (!(DATA_CLASSIFICATIONS as readonly string[]).includes(raw)) {
    throw new InvalidRequestError(`x-data-classification: expected one of ${DATA_CLASSIFICATIONS.join(', ')}.`);
  }
  const classification = raw as DataClassification;
  if (!tenant.dataClassifications.allowed.includes(classification)) {
    throw new PermissionError(
      `Data classification ${classification} is not allowed for this tenant.`,
      DENY_REASONS.classification,
    );
  }
  return classification;
}

function selectRoute(tenant: TenantConfig, model: CatalogModel, clientGeo: string | null | undefined): ModelRoute {
  const routes = allowedRoutes(model, tenant.provider, tenant.residency);
  if (clientGeo !== undefined && clientGeo !== null) {
    if (tenant.provider !== 'anthropic') {
      // Bedrock has no inference_geo; accepting it would suggest a guarantee the route cannot give.
      throw new PermissionError(
        'inference_geo is not available on this tenant’s provider; residency is set by the tenant policy.',
        DENY_REASONS.residency,
      );
    }
    if (!(ANTHROPIC_INFERENCE_GEOS as readonly string[]).includes(clientGeo)) {
      throw new InvalidRequestError(`inference_geo: expected one of ${ANTHROPIC_INFERENCE_GEOS.join(', ')}.`);
    }
    const match = routes.find((route) => route.provider === 'anthropic' && route.inferenceGeo === clientGeo);
    if (!match) {
      throw new PermissionError(
        `inference_geo ${clientGeo} is not allowed for this tenant and model.`,
        DENY_REASONS.residency,
      );
    }
    return match;
  }
  const first = routes[0];
  if (!first) {
    throw new PermissionError(
      `Model "${model.id}" has no route allowed by this tenant’s residency policy.`,
      DENY_REASONS.residency,
    );
  }
  return first;
}

function routeGeo(route: ModelRoute): string {
  return route.provider === 'anthropic' ? route.inferenceGeo : route.scope;
}

const ENDPOINTS: Readonly<Partial<Record<GatewayOperation, string>>> = {
  messages: '/v1/messages',
  count_tokens: '/v1/messages/count_tokens',
};

/** Facts for callers that keep none (tests, tools): filled and dropped. */
function scratchFacts(tenant: TenantConfig): RequestFacts {
  return newRequestFacts({ tenantId: tenant.id, principal: 'scratch' }, 'scratch', 'messages');
}

/**
 * Evaluates the tenant policy for a request, filling `facts` as it goes (also when it refuses).
 * @throws PermissionError (403, with `reason`) for refusals; InvalidRequestError (400) for malformed headers.
 */
export function evaluatePolicy(
  tenant: TenantConfig,
  request: PolicyRequest,
  headers: Headers,
  facts: RequestFacts = scratchFacts(tenant),
): PolicyDecision {
  const report = detectFeatures(request, headers['anthropic-beta'], ENDPOINTS[facts.operation]);
  facts.features = report.features;
  facts.betas = report.betas;
  facts.dataClassification = claimedClassification(tenant, headers);
  // Attribution, not prompt text: PII in it becomes its type, the rest a safe alphabet (shared/pii/recordable.ts).
  const rawUseCase = headerValue(headers, 'x-use-case', 128);
  const recordedUseCase = rawUseCase === null ? null : recordableTextWithCounts(rawUseCase, 128);
  const useCase = recordedUseCase?.text ?? null;
  facts.useCase = useCase;
  const endUser = headerValue(headers, 'x-end-user', 256);
  facts.endUser = endUser;
  const { alias, model } = resolveModel(tenant, request.model);
  const route = selectRoute(tenant, model, request.inference_geo);

  const optIns: string[] = [];
  for (const feature of report.nonZdr) {
    const optIn = tenant.zdrOptIns.find((entry) => entry.feature === feature);
    if (!optIn) {
      facts.refusedFeature = feature;
      throw new PermissionError(
        `Feature "${feature}" is not zero-data-retention eligible and this tenant has not opted in to it.`,
        DENY_REASONS.zdr,
      );
    }
    optIns.push(`${feature}:${optIn.reviewReference}`);
  }
  const firstUnknown = report.unknown[0];
  if (tenant.unknownFeatures === 'deny' && firstUnknown !== undefined) {
    facts.refusedFeature = firstUnknown;
    throw new PermissionError(
      `Feature "${firstUnknown}" is not in the gateway's ZDR feature table and this tenant refuses unknown features.`,
      DENY_REASONS.unknownFeature,
    );
  }
  const dataClassification = resolveClassification(tenant, headers);
  facts.dataClassification = dataClassification;

  // Fallbacks stay inside the same residency: same geo on Anthropic, any allowed scope on Bedrock.
  const fallbacks: ModelRoute[] = [];
  for (const fallbackAlias of tenant.fallback) {
    const fallbackId = tenant.models[fallbackAlias];
    const fallbackModel = fallbackId ? catalogModel(fallbackId) : undefined;
    if (!fallbackModel || fallbackModel.id === model.id) continue;
    const candidates = allowedRoutes(fallbackModel, tenant.provider, tenant.residency);
    const candidate =
      route.provider === 'anthropic'
        ? candidates.find((c) => c.provider === 'anthropic' && c.inferenceGeo === route.inferenceGeo)
        : candidates[0];
    if (candidate && !fallbacks.some((f) => f.modelId === candidate.modelId)) fallbacks.push(candidate);
  }

  return {
    tenantId: tenant.id,
    policyVersion: policyVersion(tenant),
    modelRequested: request.model,
    alias,
    provider: tenant.provider,
    route,
    fallbacks,
    residencyPolicy: residencyPolicyLabel(tenant),
    inferenceGeoRequested: routeGeo(route),
    features: report.features,
    zdrEligible: report.zdrEligible,
    zdrOptIns: optIns,
    betas: report.betas,
    clientBetas: parseBetas(headers['anthropic-beta']),
    dataClassification,
    useCase,
    useCasePiiCounts: recordedUseCase?.counts ?? {},
    endUser,
    redactionMode: tenant.redaction.mode,
  };
}

export { routeGeo };
