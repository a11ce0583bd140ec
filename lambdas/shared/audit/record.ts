/**
 * The audit record: one definition from which the TypeScript type, the runtime validator, the Glue columns,
 * the local DuckDB columns and the documentation table are all derived (see `columns.ts`). A field added here
 * appears everywhere; tests fail if any consumer diverges.
 *
 * Field descriptions are part of the schema (`.describe`) because they become Glue column comments and docs.
 */
import * as z from 'zod';
import { GATEWAY_OPERATIONS } from '../policy/request-facts';
import { DATA_CLASSIFICATIONS, PROVIDERS, REDACTION_MODES, TENANT_ID_PATTERN } from '../policy/tenant-config';

/** Bumped on any incompatible change; the S3 prefix `audit/v1/` carries the major version too. */
export const AUDIT_SCHEMA_VERSION = 1;

/**
 * `pre_call` and `post_call` bracket a call; `denied` is a policy refusal (403); `rejected` is any other 4xx refusal
 * of an authenticated caller (malformed body, too large, unknown path), so every attempt is on the record.
 */
export const AUDIT_EVENTS = ['pre_call', 'post_call', 'denied', 'rejected'] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/**
 * Outcome of a call. `pending` only on pre-call records; `denied` and `rejected` on those records; the rest on
 * post-call.
 */
export const AUDIT_STATUSES = [
  'pending',
  'ok',
  'denied',
  'rejected',
  'upstream_error',
  'timeout',
  'client_disconnected',
  'gateway_error',
] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

/** Request ids become part of S3 object keys: a conservative alphabet keeps keys and partitions safe. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const tokenCount = z.number().int().min(0);

/** The re-identification envelope written by `pii/envelope.ts` `seal()`; readable only with the customer key. */
export const reidEnvelopeSchema = z
  .object({
    version: z.number().int().describe('Envelope format version'),
    algorithm: z.string().describe('Content encryption algorithm, AES-256-GCM'),
    key_id: z.string().describe('KMS key that encrypted the data key (the re-identification key)'),
    encrypted_data_key: z.string().describe('Base64 KMS ciphertext blob of the data key'),
    iv: z.string().describe('Base64 GCM initialisation vector'),
    ciphertext: z.string().describe('Base64 AES-GCM ciphertext of the token -> value map'),
    auth_tag: z.string().describe('Base64 GCM authentication tag'),
    encryption_context: z
      .object({
        tenant_id: z.string().describe('Tenant bound into the KMS encryption context and the AAD'),
        request_id: z.string().describe('Request bound into the KMS encryption context and the AAD'),
      })
      .strict()
      .describe('KMS encryption context, also the AES-GCM additional authenticated data'),
  })
  .strict();
export type ReidEnvelope = z.infer<typeof reidEnvelopeSchema>;

export const auditRecordSchema = z
  .object({
    schema_version: z.literal(AUDIT_SCHEMA_VERSION).describe('Audit record schema version'),
    event: z
      .enum(AUDIT_EVENTS)
      .describe('pre_call (before the upstream call), post_call (after it), denied (policy) or rejected (other 4xx)'),
    request_id: z
      .string()
      .regex(REQUEST_ID_PATTERN)
      .describe('Gateway request id; equals the request-id response header'),
    ts: z.iso.datetime({ offset: false }).describe('UTC time the record was written, ISO-8601 with Z'),
    tenant_id: z.string().regex(TENANT_ID_PATTERN).describe('Tenant resolved by the authorizer'),
    principal: z.string().max(512).describe('Authenticated caller: API key id or OAuth2 client id'),
    end_user: z.string().max(256).nullable().describe('Optional end-user id from the x-end-user header'),
    use_case: z.string().max(128).nullable().describe('Optional use case from the x-use-case header'),
    data_classification: z
      .enum(DATA_CLASSIFICATIONS)
      .nullable()
      .describe('Classification from x-data-classification or the tenant default'),
    operation: z
      .enum(GATEWAY_OPERATIONS)
      .describe('Anthropic API operation: messages, count_tokens, models, or other (a rejected unknown path)'),
    stream: z.boolean().describe('Whether the client asked for a streamed response'),
    provider: z.enum(PROVIDERS).nullable().describe('Upstream provider: anthropic or bedrock'),
    model_requested: z.string().max(256).nullable().describe('The model name the client sent'),
    model_id: z.string().max(256).nullable().describe('Pinned provider model id actually called'),
    catalog_model_id: z
      .string()
      .max(256)
      .nullable()
      .default(null)
      .describe(
        'Catalog model id the call was for; differs from model_id on Bedrock, where model_id is the profile id',
      ),
    residency_policy: z
      .string()
      .max(256)
      .nullable()
      .describe('The tenant residency policy applied, e.g. anthropic:global or bedrock:global,apac'),
    inference_geo_requested: z
      .string()
      .max(64)
      .nullable()
      .describe('Anthropic inference_geo sent, or the Bedrock routing scope (global, apac, in-region)'),
    inference_geo_actual: z
      .string()
      .max(64)
      .nullable()
      .describe('Anthropic usage.inference_geo reported, or the Bedrock routing scope of the profile used'),
    zdr_eligible: z.boolean().describe('True when every feature used is zero-data-retention eligible'),
    features: z
      .array(z.string())
      .describe('Feature ids of the ZDR feature table used by the request, and unknown_<kind>:<name> markers'),
    betas: z
      .array(z.string().max(64))
      .default([])
      .describe('anthropic-beta values sent, normalised (lower case); unsafe names as [unsafe-name]'),
    zdr_opt_ins: z.array(z.string()).describe('Non-ZDR opt-ins used, as feature:review-reference'),
    policy_version: z.string().max(128).describe('Hash of the tenant policy in force'),
    redaction_mode: z.enum(REDACTION_MODES).nullable().describe('audit, upstream or metadata-only'),
    prompt_sha256: sha256Hex.nullable().describe('SHA-256 (hex) of the canonical request body as received'),
    prompt_chars: z.number().int().min(0).nullable().describe('Characters of prompt text (system + messages)'),
    prompt_redacted: z
      .string()
      .nullable()
      .describe('Prompt text with PII replaced by tokens; null in metadata-only mode'),
    pii_counts: z.record(z.string(), z.number().int().min(0)).describe('PII detections by type in the prompt'),
    reid_envelope: reidEnvelopeSchema
      .nullable()
      .describe('Encrypted token -> value map; opened only with the customer-held key'),
    status: z.enum(AUDIT_STATUSES).describe('Outcome: pending, ok, denied, upstream_error, timeout, ...'),
    deny_reason: z.string().max(512).nullable().describe('Why the request was refused (denied and rejected records)'),
    refused_feature: z
      .string()
      .max(128)
      .nullable()
      .default(null)
      .describe('The feature a ZDR refusal names (feature id or unknown_<kind>:<name>)'),
    error_type: z.string().max(64).nullable().describe('Anthropic error type returned to the client, if any'),
    http_status: z.number().int().min(100).max(599).nullable().describe('HTTP status returned to the client'),
    latency_ms: z.number().min(0).nullable().describe('Time from request received to response complete'),
    ttft_ms: z.number().min(0).nullable().describe('Time to the first streamed byte from the upstream'),
    input_tokens: tokenCount.nullable().describe('Uncached input tokens billed'),
    output_tokens: tokenCount.nullable().describe('Output tokens billed'),
    cache_read_input_tokens: tokenCount.nullable().describe('Input tokens read from the prompt cache'),
    cache_creation_input_tokens: tokenCount.nullable().describe('Input tokens written to the prompt cache'),
    cost_usd: z.number().min(0).nullable().describe('Cost in USD from the versioned pricing table'),
    pricing_version: z.string().max(64).nullable().describe('Version of the pricing table used for cost_usd'),
    completion_sha256: sha256Hex.nullable().describe('SHA-256 (hex) of the completion text'),
    completion_redacted: z
      .string()
      .nullable()
      .describe('Completion text with PII replaced by tokens; null in metadata-only mode'),
    upstream_request_id: z
      .string()
      .max(256)
      .nullable()
      .describe('Anthropic request-id or Bedrock x-amzn-requestid (CloudTrail requestID)'),
    fallback_from_model: z
      .string()
      .max(256)
      .nullable()
      .describe('The model first tried when a configured fallback served the request'),
    upstream_attempts: z.number().int().min(0).nullable().describe('Upstream attempts including retries'),
  })
  .strict();

/** A validated audit record. */
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** Field names in schema order: the column order of every table and view. */
export const AUDIT_RECORD_FIELDS = Object.keys(auditRecordSchema.shape) as ReadonlyArray<keyof AuditRecord>;

/** Thrown when a record does not match the schema; the message names fields, never values (they may be PII). */
export class InvalidAuditRecordError extends Error {
  constructor(readonly fields: readonly string[]) {
    super(`audit record failed validation in: ${fields.join(', ')}`);
    this.name = 'InvalidAuditRecordError';
  }
}

/** Validates a record before it is written or replayed. */
export function validateAuditRecord(candidate: unknown): AuditRecord {
  const result = auditRecordSchema.safeParse(candidate);
  if (result.success) return result.data;
  throw new InvalidAuditRecordError([...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))]);
}
