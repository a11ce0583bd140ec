/**
 * The facts of one authenticated request, filled step by step as the request path learns them: the caller when it
 * is authenticated, the body's model, stream flag, hash and betas when it is parsed, the features, classification,
 * use case and end user when the policy evaluates it. The policy fills them even when it refuses, so the `denied`
 * and `rejected` records are written from this one value and nothing re-reads headers or the body.
 */
import type { CallerIdentity } from '../auth/caller-identity';
import type { DataClassification } from './tenant-config';

/** Operations of the gateway, as recorded in the audit record's `operation` column. */
export const GATEWAY_OPERATIONS = ['messages', 'count_tokens', 'models', 'other'] as const;
export type GatewayOperation = (typeof GATEWAY_OPERATIONS)[number];

/** What is known about a request so far. Fields are null (or empty) until the step that learns them ran. */
export interface RequestFacts {
  readonly requestId: string;
  readonly tenantId: string;
  readonly principal: string;
  readonly operation: GatewayOperation;
  /** Whether the client asked for a streamed response (parse). */
  stream: boolean;
  /** SHA-256 of the body as received (parse; null until then). */
  promptSha256: string | null;
  /** The model the client named, at most 256 characters (parse). */
  modelRequested: string | null;
  /** `anthropic-beta` values in normal form, unsafe names replaced (policy). */
  betas: readonly string[];
  /** Feature ids and `unknown_<kind>:<name>` markers (policy). */
  features: readonly string[];
  /** The feature a refusal names (`mcp_servers`, `unknown_beta:x`), or null (policy). */
  refusedFeature: string | null;
  /** `x-use-case` when valid (policy). */
  useCase: string | null;
  /** `x-end-user` when valid, as sent: writers decide what of it a record may hold (policy). */
  endUser: string | null;
  /** `x-data-classification` when valid, else the tenant default (policy). */
  dataClassification: DataClassification | null;
}

/** The facts of a request known at authentication. */
export function newRequestFacts(
  identity: CallerIdentity,
  requestId: string,
  operation: GatewayOperation,
): RequestFacts {
  return {
    requestId,
    tenantId: identity.tenantId,
    principal: identity.principal,
    operation,
    stream: false,
    promptSha256: null,
    modelRequested: null,
    betas: [],
    features: [],
    refusedFeature: null,
    useCase: null,
    endUser: null,
    dataClassification: null,
  };
}
