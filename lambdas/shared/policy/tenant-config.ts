/**
 * The tenant section of the deployment config. It is validated at synth (lib/config.ts) and again at cold start
 * in the Lambdas, so it lives here, in pure code that both sides import. Nothing here may import an SDK.
 */
import * as z from 'zod';
import { NOT_ELIGIBLE_FEATURE_IDS, ZDR_FEATURE_IDS } from './zdr-feature-table';

/** Tenant ids become S3 partition values, Glue enum values and API Gateway names: keep them boring. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export const DATA_CLASSIFICATIONS = ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

export const REDACTION_MODES = ['audit', 'upstream', 'metadata-only'] as const;
export type RedactionMode = (typeof REDACTION_MODES)[number];

export const PROVIDERS = ['anthropic', 'bedrock'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Anthropic `inference_geo` values (AWS-NOTES.md: no India or APAC geo exists). */
export const ANTHROPIC_INFERENCE_GEOS = ['global', 'us'] as const;
export type AnthropicInferenceGeo = (typeof ANTHROPIC_INFERENCE_GEOS)[number];

/** Bedrock routing scopes: `global.` and `apac.` cross-region profiles, or a plain in-region model id. */
export const BEDROCK_ROUTING_SCOPES = ['global', 'apac', 'in-region'] as const;
export type BedrockRoutingScope = (typeof BEDROCK_ROUTING_SCOPES)[number];

/**
 * Features the dated ZDR feature table (`zdr-features.json`) rates not zero-data-retention eligible (Files API, MCP
 * connector, skills/containers, code execution, batch, web search/fetch with dynamic filtering). A tenant uses one
 * only with an explicit, reviewed opt-in.
 */
export const NON_ZDR_FEATURES: readonly string[] = NOT_ELIGIBLE_FEATURE_IDS;

/**
 * What the policy does with a beta, body field, tool type, block type or edit type the feature table does not know:
 * `record` forwards it and records it (`unknown_<kind>:<name>` in `features`, `zdr_eligible` false); `deny` refuses
 * the call (403, `denied` record naming the feature). Either way the UnknownFeatures metric counts the call.
 */
export const UNKNOWN_FEATURE_MODES = ['record', 'deny'] as const;
export type UnknownFeatureMode = (typeof UNKNOWN_FEATURE_MODES)[number];

const customPiiTypeSchema = z
  .object({
    name: z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'custom PII type names are UPPER_SNAKE_CASE'),
    pattern: z.string().min(1).max(256),
  })
  .strict();

const businessHoursSchema = z
  .object({
    timezone: z.string().min(1).default('Asia/Kolkata'),
    /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
  })
  .strict();

export const tenantConfigSchema = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN, 'lower-case letters, digits and dashes, 2-63 characters'),
    displayName: z.string().min(1).max(128).optional(),
    /** How the tenant's applications authenticate. Keys are generated at deploy, never written in config. */
    auth: z
      .object({
        apiKey: z.boolean().default(true),
        oauth2ClientCredentials: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** API Gateway usage plan for the tenant. */
    limits: z
      .object({
        rateLimitPerSecond: z.number().positive().max(10_000).default(5),
        burstLimit: z.number().int().positive().max(5_000).default(10),
        quota: z
          .object({
            limit: z.number().int().positive().default(10_000),
            period: z.enum(['DAY', 'WEEK', 'MONTH']).default('DAY'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    provider: z.enum(PROVIDERS).default('bedrock'),
    /**
     * Aliases (what applications may send as `model`) mapped to pinned catalog model ids. Only these models are
     * allowed; `*-latest` and other unpinned names are refused.
     */
    models: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9.\-_]{0,63}$/), z.string().min(1))
      .refine((m) => Object.keys(m).length > 0, 'at least one model alias'),
    /** Where inference may run. Anything not listed is refused, never silently rerouted. */
    residency: z
      .object({
        anthropicInferenceGeo: z.array(z.enum(ANTHROPIC_INFERENCE_GEOS)).min(1).default(['global']),
        bedrockRoutingScopes: z.array(z.enum(BEDROCK_ROUTING_SCOPES)).min(1).default(['global']),
      })
      .strict()
      .prefault({}),
    redaction: z
      .object({
        mode: z.enum(REDACTION_MODES).default('audit'),
        /** PII types to detect; absent means all built-in types. */
        piiTypes: z.array(z.string()).optional(),
        customTypes: z.array(customPiiTypeSchema).default([]),
        /** Literal values never reported (a company's own support address, say). */
        allowlist: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
    dataClassifications: z
      .object({
        allowed: z.array(z.enum(DATA_CLASSIFICATIONS)).min(1).default(['PUBLIC', 'INTERNAL']),
        default: z.enum(DATA_CLASSIFICATIONS).default('INTERNAL'),
      })
      .strict()
      .refine((c) => c.allowed.includes(c.default), {
        message: 'the default classification must be one of the allowed ones',
        path: ['default'],
      })
      .prefault({}),
    /**
     * Non-ZDR features this tenant may use, each with the governance review that approved it. Any feature id of the
     * ZDR feature table is accepted (an opt-in for an eligible feature, such as `memory` before the table rated it
     * eligible, is kept and simply never needed).
     */
    zdrOptIns: z
      .array(
        z
          .object({
            feature: z
              .string()
              .refine((id) => ZDR_FEATURE_IDS.includes(id), 'not a feature id of the ZDR feature table'),
            reviewReference: z.string().min(3).max(128),
          })
          .strict(),
      )
      .default([]),
    /** Betas, fields and tool types the ZDR feature table does not know. @default 'record' (see README) */
    unknownFeatures: z.enum(UNKNOWN_FEATURE_MODES).default('record'),
    /** Aliases tried in order when the requested model's upstream is unavailable; same residency rules apply. */
    fallback: z.array(z.string()).default([]),
    /** Calls outside these hours raise an alarm (they are not refused). */
    businessHours: businessHoursSchema.optional(),
  })
  .strict()
  .superRefine((tenant, ctx) => {
    for (const [index, alias] of tenant.fallback.entries()) {
      if (!(alias in tenant.models)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fallback', index],
          message: `fallback alias "${alias}" is not one of the tenant's models`,
        });
      }
    }
    if (!tenant.auth.apiKey && !tenant.auth.oauth2ClientCredentials) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'enable apiKey, oauth2ClientCredentials or both' });
    }
  });

/** A validated tenant, defaults applied. */
export type TenantConfig = z.output<typeof tenantConfigSchema>;
/** What a platform engineer writes in cdk.json (defaults not yet applied). */
export type TenantConfigInput = z.input<typeof tenantConfigSchema>;

export const tenantListSchema = z
  .array(tenantConfigSchema)
  .min(1)
  .superRefine((tenants, ctx) => {
    const seen = new Set<string>();
    for (const [index, tenant] of tenants.entries()) {
      if (seen.has(tenant.id)) {
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate tenant id "${tenant.id}"` });
      }
      seen.add(tenant.id);
    }
  });
