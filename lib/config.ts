/**
 * Deployment config: `cdk.json` context key `gateway`, validated at synth into a typed object.
 * A wrong value stops synth with a message that names the key path and the bad value.
 */
import * as z from 'zod';
import { tenantCatalogIssues } from '../lambdas/shared/policy/catalog-check';
import { buildModelCatalog, catalogOverrideIssues, type ModelCatalog } from '../lambdas/shared/policy/model-catalog';
import { type CatalogOverrides, catalogOverridesSchema } from '../lambdas/shared/policy/model-catalog-schema';
import { type TenantConfig, tenantListSchema } from '../lambdas/shared/policy/tenant-config';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const iamPrincipalArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@\-/]+|user\/[\w+=,.@\-/]+)$/,
    'an IAM role, user or root ARN',
  );

const cidrV4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'an IPv4 CIDR');
const cidrV6 = z.string().regex(/^[0-9a-fA-F:]+\/\d{1,3}$/, 'an IPv6 CIDR');

/** A sample tenant so that a fresh clone synthesizes; replace it with real tenants before deploying. */
export const SAMPLE_TENANT = {
  id: 'sample-tenant',
  displayName: 'Sample tenant (replace before deploying)',
  provider: 'bedrock',
  models: {
    sonnet: 'claude-sonnet-4-6',
    haiku: 'claude-haiku-4-5-20251001',
  },
} as const;

const auditSchema = z
  .object({
    /** Object Lock default retention for audit records. At least 90 days unless `environment` is `dev`. */
    retentionDays: z.number().int().min(1).max(36_500).default(365),
    /** COMPLIANCE: nobody, root included, can delete or shorten. GOVERNANCE is allowed only in `dev`. */
    objectLockMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
    /** Days before server access logs (in their own, non-locked bucket) expire. */
    accessLogExpirationDays: z.number().int().min(30).max(3_650).default(400),
    /** Principals exempt from the bucket's deny on deletes and lock changes (GOVERNANCE-mode break glass). */
    breakGlassPrincipalArns: z.array(iamPrincipalArn).default([]),
    /**
     * Who may change the bucket's Object Lock configuration (default retention days and mode) after the first
     * deploy. `deploy-role`: CloudFormation's deploy role (and break glass) may, so a change of `retentionDays` is an
     * ordinary reviewed deploy; every other principal, the deploy role included, stays denied deletes, legal
     * holds, retention and lifecycle changes. `break-glass`: only `breakGlassPrincipalArns` may (then at least one
     * is required, or no later deploy could change `retentionDays`).
     */
    retentionChangeBy: z.enum(['deploy-role', 'break-glass']).default('deploy-role'),
    /**
     * The role CloudFormation deploys the stack with.
     * @default the CDK bootstrap's execution role, `cdk-hnb659fds-cfn-exec-role-<account>-<region>`
     */
    deployRoleArn: iamPrincipalArn.optional(),
  })
  .strict()
  .superRefine((audit, ctx) => {
    if (audit.retentionChangeBy === 'break-glass' && audit.breakGlassPrincipalArns.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['breakGlassPrincipalArns'],
        message:
          'must name at least one principal when retentionChangeBy is "break-glass": otherwise nobody, CloudFormation ' +
          'included, can change retentionDays or objectLockMode after the first deploy',
      });
    }
  });

const bedrockLoggingSchema = z
  .object({
    /** Configure Bedrock model invocation logging (account-wide, per region) into the audit bucket. */
    enabled: z.boolean().default(true),
    /**
     * Deliver prompt and completion text. Bedrock stores it unredacted, so a ZDR posture keeps this off.
     */
    textDelivery: z.boolean().default(false),
    imageDelivery: z.boolean().default(false),
    embeddingDelivery: z.boolean().default(false),
    /**
     * Acknowledge that metadata-only tenants on Bedrock will have raw text in Bedrock's own logs. Required (with a
     * reason) to combine `textDelivery: true` with such a tenant; the reason is written to the stack's metadata.
     */
    unredactedTextOverrideReason: z.string().min(10).optional(),
  })
  .strict();

const providersSchema = z
  .object({
    anthropic: z
      .object({
        /** Call api.anthropic.com directly: adds NAT gateways and an egress rule to Anthropic's range. */
        enabled: z.boolean().default(false),
        /** Anthropic's published egress range for api.anthropic.com. */
        egressCidrs: z.array(cidrV4).min(1).default(['160.79.104.0/23']),
        egressIpv6Cidrs: z.array(cidrV6).default(['2607:6bc0::/48']),
      })
      .strict()
      .prefault({}),
    bedrock: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .prefault({}),
  })
  .strict();

const networkSchema = z
  .object({
    maxAzs: z.number().int().min(2).max(3).default(2),
    /** NAT gateways when the Anthropic provider is enabled (one per AZ is the resilient choice). */
    natGateways: z.number().int().min(1).max(3).default(2),
    cidr: cidrV4.default('10.42.0.0/16'),
  })
  .strict();

const athenaSchema = z
  .object({
    /** Per-query scan limit in bytes (Athena's minimum is 10 MB). */
    bytesScannedCutoffPerQuery: z
      .number()
      .int()
      .min(10_000_000)
      .default(10 * 1024 ** 3),
    /** Days before query results expire from the results bucket. */
    resultsExpirationDays: z.number().int().min(1).max(3_650).default(30),
  })
  .strict();

/** The API edge: REST API stage, authorizer, WAF. Every key has a default, so the section may be left out. */
const apiSchema = z
  .object({
    /** Stage name: the first path segment of the execute-api URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`). */
    stageName: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and underscores')
      .default('prod'),
    /** Optional custom domain (REGIONAL, TLS 1.2); the default execute-api endpoint is then disabled. */
    customDomain: z
      .object({
        domainName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'a lower-case DNS name'),
        certificateArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/,
            'an ACM certificate ARN in the API region',
          ),
      })
      .strict()
      .optional(),
    /** X-Ray tracing of the stage. */
    tracing: z.boolean().default(true),
    /** Execution logging level. Data tracing (request and response bodies) is always off. */
    executionLoggingLevel: z.enum(['ERROR', 'INFO']).default('ERROR'),
    /** Stage-wide method throttling: a backstop above the per-tenant usage plans. */
    throttle: z
      .object({
        rateLimit: z.number().positive().max(10_000).default(50),
        burstLimit: z.number().int().positive().max(5_000).default(100),
      })
      .strict()
      .prefault({}),
    /**
     * Which header carries credentials. `any` accepts `x-api-key` and `Authorization: Bearer` (keys and OAuth2
     * tokens) but cannot cache authorizer results: API Gateway only caches when every identity source is present.
     */
    credentialHeader: z.enum(['any', 'authorization', 'x-api-key']).default('any'),
    /** Authorizer result cache TTL; must be 0 when `credentialHeader` is `any`. */
    authorizerCacheTtlSeconds: z.number().int().min(0).max(3_600).default(0),
    /** How often a warm authorizer re-reads tenant keys from Secrets Manager (rotation and revocation delay). */
    authorizerKeyRefreshSeconds: z.number().int().min(30).max(3_600).default(300),
    /** Largest request body accepted (by Content-Length, at the WAF); API Gateway's own cap is 10 MB. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1_024)
      .max(10 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    waf: z
      .object({
        /** Requests per source IP per 5 minutes before the rate-based rule blocks. */
        rateLimitPer5Min: z.number().int().min(10).max(2_000_000_000).default(3_000),
        /** How much of a body WAF inspects (KB); above 16 costs extra. */
        bodyInspectionLimitKb: z.union([z.literal(16), z.literal(32), z.literal(48), z.literal(64)]).default(16),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((api, ctx) => {
    if (api.credentialHeader === 'any' && api.authorizerCacheTtlSeconds > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorizerCacheTtlSeconds'],
        message:
          'must be 0 when credentialHeader is "any" (a cached REQUEST authorizer rejects requests lacking any identity header)',
      });
    }
  });

/** Operations: log level, alarm destination and alarm thresholds. Every key has a default. */
const operationsSchema = z
  .object({
    /** Powertools log level of every function. */
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /**
     * E-mail address(es) subscribed to the alarm topic (each recipient confirms the subscription after deploy).
     * In `prod`, this or `alarmTopicArn` is required: alarms that notify nobody are not monitoring.
     */
    alarmEmail: z.union([z.email(), z.array(z.email()).min(1)]).optional(),
    /**
     * An existing SNS topic (a chat integration, an on-call tool) every alarm notifies instead of a new topic. If it
     * is KMS-encrypted, its key must let `cloudwatch.amazonaws.com` use it.
     */
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN')
      .optional(),
    /**
     * Reserved concurrency per function (a cap, taken from the account pool). Each streamed reply holds one proxy
     * execution for its whole length, so size `proxy` to peak concurrent streams.
     * @default - unreserved: usage plans and the stage throttle bound the load
     */
    reservedConcurrency: z
      .object({
        proxy: z.number().int().min(1).optional(),
        authorizer: z.number().int().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Provisioned concurrency of the proxy (warm executions on an alias; billed while provisioned).
     * @default 0 - none
     */
    proxyProvisionedConcurrency: z.number().int().min(0).default(0),
    thresholds: z
      .object({
        /** Upstream 5xx/529 (and timeouts) as a percentage of requests over 5 minutes. */
        upstreamErrorRatePercent: z.number().positive().max(100).default(5),
        /** p99 end-to-end latency in milliseconds (streams included, so generous). */
        p99LatencyMs: z.number().int().positive().default(60_000),
        /** Daily cost above the trailing average by this percentage (the seed's +20 % week over week). */
        dailyCostIncreasePercent: z.number().positive().default(20),
        /** Weekly cache-hit rate under this percentage is a prompt-architecture defect (the seed's KPI). */
        cacheHitRatePercent: z.number().min(0).max(100).default(50),
        /** The cost alarm stays quiet while the trailing daily average is under this many USD. */
        costAlarmMinDailyUsd: z.number().min(0).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** zod runs refinements after non-fatal issues (a bad format), so the merged catalog may not build here. */
function tryBuildModelCatalog(overrides: CatalogOverrides): ModelCatalog | undefined {
  try {
    return buildModelCatalog(overrides);
  } catch {
    return undefined;
  }
}

export const gatewayConfigSchema = z
  .object({
    /** `dev` relaxes retention and allows GOVERNANCE mode; everything else is identical. */
    environment: z.enum(['prod', 'dev']).default('prod'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as ap-south-1')
      .default('ap-south-1'),
    /** Optional: pin the account. Left out, stacks stay account-agnostic and synth needs no credentials. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    /** Prefix of stack names and of resource names that must be unique in the account. */
    stackNamePrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/)
      .default('ClaudeGateway'),
    /** Retention of every CloudWatch log group the app creates. */
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(365),
    audit: auditSchema.prefault({}),
    reidentification: z
      .object({
        /** Principals (the customer's auditor role or account root) allowed to Decrypt with the customer key. */
        decryptPrincipalArns: z.array(iamPrincipalArn).default([]),
      })
      .strict()
      .prefault({}),
    bedrockInvocationLogging: bedrockLoggingSchema.prefault({}),
    providers: providersSchema.prefault({}),
    network: networkSchema.prefault({}),
    athena: athenaSchema.prefault({}),
    api: apiSchema.prefault({}),
    operations: operationsSchema.prefault({}),
    /**
     * Entries added to or overriding the built-in model catalog (lambdas/shared/policy/model-catalog-data.ts),
     * keyed by catalog id: a Bedrock profile AWS has since published, a new model, a negotiated price.
     */
    modelCatalog: catalogOverridesSchema.default({}),
    tenants: tenantListSchema.prefault([SAMPLE_TENANT]),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.environment === 'prod') {
      if (config.audit.retentionDays < 90) {
        ctx.addIssue({
          code: 'custom',
          path: ['audit', 'retentionDays'],
          message: 'must be at least 90 when environment is "prod"',
        });
      }
      if (config.audit.objectLockMode !== 'COMPLIANCE') {
        ctx.addIssue({
          code: 'custom',
          path: ['audit', 'objectLockMode'],
          message: 'GOVERNANCE is allowed only when environment is "dev"',
        });
      }
    }
    const catalogProblems = catalogOverrideIssues(config.modelCatalog);
    for (const issue of catalogProblems) {
      ctx.addIssue({ code: 'custom', path: ['modelCatalog', ...issue.path], message: issue.message });
    }
    // Tenants are checked against the merged catalog; with a bad entry (already reported) it cannot be built.
    const catalog = catalogProblems.length === 0 ? tryBuildModelCatalog(config.modelCatalog) : undefined;
    const logging = config.bedrockInvocationLogging;
    for (const [index, tenant] of config.tenants.entries()) {
      for (const issue of catalog ? tenantCatalogIssues(tenant, catalog) : []) {
        ctx.addIssue({ code: 'custom', path: ['tenants', index, ...issue.path], message: issue.message });
      }
      if (!config.providers[tenant.provider].enabled) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'provider'],
          message: `provider "${tenant.provider}" is not enabled in providers.${tenant.provider}.enabled`,
        });
      }
      const rawTextInBedrockLogs = tenant.provider === 'bedrock' && logging.enabled && logging.textDelivery;
      if (tenant.redaction.mode === 'metadata-only' && rawTextInBedrockLogs && !logging.unredactedTextOverrideReason) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', index, 'redaction', 'mode'],
          message:
            'metadata-only contradicts bedrockInvocationLogging.textDelivery=true (Bedrock logs raw text account-wide); ' +
            'turn text delivery off or set bedrockInvocationLogging.unredactedTextOverrideReason',
        });
      }
    }
  });

/**
 * What a deployable synth needs beyond a valid config; `bin/gateway.ts` refuses to synthesize when this names
 * anything. Kept out of the schema so that defaults parse anywhere (tests, tools) while `cdk synth` stays strict.
 */
export function deploymentIssues(config: GatewayConfig): string[] {
  const issues: string[] = [];
  const operations = config.operations;
  if (config.environment === 'prod' && operations.alarmEmail === undefined && operations.alarmTopicArn === undefined) {
    issues.push(
      'gateway.operations.alarmEmail: a prod deployment needs someone to notify: set operations.alarmEmail (an ' +
        'address or a list) or operations.alarmTopicArn (an existing topic or chat integration) (got (missing))',
    );
  }
  const proxyReserved = operations.reservedConcurrency.proxy;
  if (proxyReserved !== undefined && operations.proxyProvisionedConcurrency > proxyReserved) {
    issues.push(
      `gateway.operations.proxyProvisionedConcurrency: must not exceed operations.reservedConcurrency.proxy (${proxyReserved}) (got ${operations.proxyProvisionedConcurrency})`,
    );
  }
  return issues;
}

/** The validated deployment config, defaults applied. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type { TenantConfig };

/** Thrown when the config is invalid; the message lists every problem with its key path and value. */
export class GatewayConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid "gateway" config in cdk.json context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'GatewayConfigError';
  }
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Validates raw config (the `gateway` context value). `undefined` yields the defaults: one sample tenant.
 * @throws GatewayConfigError naming each bad key path (`gateway.audit.retentionDays`) and its value.
 */
export function parseGatewayConfig(raw: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const keyPath = ['gateway', ...issue.path.map(String)].join('.');
    return `${keyPath}: ${issue.message} (got ${describeValue(valueAt(raw, issue.path))})`;
  });
  throw new GatewayConfigError(problems);
}

/** Reads and validates the `gateway` context of a CDK app or construct node. */
export function loadGatewayConfig(node: { tryGetContext(key: string): unknown }): GatewayConfig {
  return parseGatewayConfig(node.tryGetContext('gateway'));
}
