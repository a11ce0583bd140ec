/**
 * Environment variable names shared by the CDK app (which sets them) and the Lambdas (which read them once at
 * cold start). Spelled here only; everything else imports the constant.
 */
export const ENV = {
  /** Audit bucket name (S3 audit sink). */
  auditBucket: 'GATEWAY_AUDIT_BUCKET',
  /** URL of the SQS dead-letter queue for post-call records the sink rejected. */
  auditDeadLetterQueueUrl: 'GATEWAY_AUDIT_DLQ_URL',
  /** ARN of the Secrets Manager secret behind PII tokens (HMAC key material). */
  tokenSecretArn: 'GATEWAY_TOKEN_SECRET_ARN',
  /** ARN of the customer-held re-identification KMS key (GenerateDataKey only). */
  reidentificationKeyArn: 'GATEWAY_REIDENTIFICATION_KEY_ARN',
  /** ARN of the Secrets Manager secret holding the upstream Anthropic API key. */
  anthropicApiKeySecretArn: 'GATEWAY_ANTHROPIC_SECRET_ARN',
  /**
   * The validated tenant policies as JSON. Inlined into the bundle at build time (esbuild `define`) rather than
   * set as a Lambda variable, which is capped at 4 KB; locally it may be set in the environment.
   */
  policyDocument: 'GATEWAY_POLICY_DOCUMENT',
  /** Local mode: port of the dev server (default 8787). */
  port: 'PORT',
  /** Local mode: folder of the filesystem audit sink (default `.gateway/audit`). */
  auditDir: 'GATEWAY_AUDIT_DIR',
  /**
   * Local mode: folder of the dead letter for post-call records the audit folder rejected (default
   * `.gateway/dead-letter`). Keep it apart from the audit folder, ideally on another disk: it is there for when
   * the audit folder fails.
   */
  deadLetterDir: 'GATEWAY_DEAD_LETTER_DIR',
  /** Local mode: `anthropic` or `bedrock`. */
  upstream: 'GATEWAY_UPSTREAM',
  /** Local mode: base URL of the Anthropic API (default Anthropic's public API; tests point it at a fake). */
  anthropicBaseUrl: 'GATEWAY_ANTHROPIC_BASE_URL',
  /** Local mode: the upstream Anthropic API key. */
  anthropicApiKey: 'ANTHROPIC_API_KEY',
  /** Local mode: the key of the local tenant `local-dev` (default `local-dev-key`). */
  localKey: 'GATEWAY_LOCAL_KEY',
  /**
   * Authorizer (local runs and tests): JSON `AuthDirectoryConfig` (tenants, secret names, OAuth2 client ids); see
   * lambdas/shared/auth/auth-directory.ts. Deployed functions get `authDirectorySecretArn` instead.
   */
  authDirectory: 'GATEWAY_AUTH_DIRECTORY',
  /**
   * Authorizer: ARN of the Secrets Manager secret holding the `AuthDirectoryConfig` JSON (deployed: the directory
   * outgrows Lambda's 4 KB of variables at a few dozen tenants; a secret holds 64 KB). Read at cold start.
   */
  authDirectorySecretArn: 'GATEWAY_AUTH_DIRECTORY_SECRET_ARN',
  /** Authorizer: digest of the deployed directory; a change of tenants changes it and so replaces warm executions. */
  authDirectoryVersion: 'GATEWAY_AUTH_DIRECTORY_VERSION',
  /** Authorizer: Cognito user pool id whose client-credentials access tokens are accepted (absent: keys only). */
  userPoolId: 'GATEWAY_USER_POOL_ID',
  /** Authorizer: the OAuth2 scope an access token must carry (e.g. `gateway/invoke`). */
  oauthScope: 'GATEWAY_OAUTH_SCOPE',
  /** Authorizer: seconds between re-reads of tenant keys from Secrets Manager (default 300). */
  authRefreshSeconds: 'GATEWAY_AUTH_REFRESH_SECONDS',
  /** Local mode: HMAC secret behind PII tokens (at least 32 bytes); otherwise a 0600 file under `.gateway/`. */
  tokenSecret: 'GATEWAY_TOKEN_SECRET',
  /** Athena workgroup the audit checks (and the auditor CLI, as a default) run queries in. */
  athenaWorkgroup: 'GATEWAY_ATHENA_WORKGROUP',
  /** Glue database of the audit tables (audit checks, auditor CLI default). */
  glueDatabase: 'GATEWAY_GLUE_DATABASE',
  /** IAM role ARN of the gateway's proxy function (shadow Bedrock usage and reconciliation checks). */
  gatewayRoleArn: 'GATEWAY_ROLE_ARN',
  /** Bedrock log retention: the bucket whose new objects get an Object Lock retention. */
  bedrockLogBucket: 'GATEWAY_BEDROCK_LOG_BUCKET',
  /** Bedrock log retention: days from delivery an object stays locked. */
  retentionDays: 'GATEWAY_RETENTION_DAYS',
  /** Bedrock log retention: Object Lock mode, COMPLIANCE or GOVERNANCE. */
  retentionMode: 'GATEWAY_RETENTION_MODE',
  /** Powertools log level. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** Thrown at cold start when a required variable is missing or malformed: the function refuses to start. */
export class MissingEnvironmentError extends Error {
  constructor(name: string, problem = 'is not set') {
    super(`environment variable ${name} ${problem}`);
    this.name = 'MissingEnvironmentError';
  }
}

/** Reads a required variable from `source` (process.env by default). */
export function requireEnv(name: string, source: NodeJS.ProcessEnv = process.env): string {
  const value = source[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvironmentError(name);
  return value;
}

/** Reads an optional variable, falling back to `fallback`. */
export function optionalEnv(name: string, fallback: string, source: NodeJS.ProcessEnv = process.env): string {
  const value = source[name];
  return value === undefined || value.trim() === '' ? fallback : value;
}
