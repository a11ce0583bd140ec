/**
 * The gateway's named errors, each mapped once to Anthropic's error type and HTTP status, so every refusal a
 * client sees has Anthropic's shape: `{"type":"error","error":{"type","message"},"request_id"}`.
 * Messages are written for the client: they never contain secrets, prompt text or PII.
 */

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** Base class: `type` and `status` are fixed per subclass. */
export abstract class GatewayError extends Error {
  abstract readonly type: AnthropicErrorType;
  abstract readonly status: number;
}

export class InvalidRequestError extends GatewayError {
  readonly type = 'invalid_request_error';
  readonly status = 400;
  override readonly name = 'InvalidRequestError';
}

export class AuthenticationError extends GatewayError {
  readonly type = 'authentication_error';
  readonly status = 401;
  override readonly name = 'AuthenticationError';
}

/** A policy refusal. `reason` is a short machine-readable code recorded in the `denied` audit record. */
export class PermissionError extends GatewayError {
  readonly type: AnthropicErrorType = 'permission_error';
  readonly status: number = 403;
  override readonly name: string = 'PermissionError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * A policy refusal of the model itself (not allowed, not pinned): answered as Anthropic answers a model it does
 * not serve, 404 `not_found_error`, so clients show a model problem (Claude Code prints "There's an issue with the
 * selected model"; a 403 makes it print "Failed to authenticate"). Still a policy denial with a `denied` record.
 */
export class ModelNotAvailableError extends PermissionError {
  override readonly type: AnthropicErrorType = 'not_found_error';
  override readonly status: number = 404;
  override readonly name = 'ModelNotAvailableError';
}

export class NotFoundError extends GatewayError {
  readonly type = 'not_found_error';
  readonly status = 404;
  override readonly name = 'NotFoundError';
}

export class RequestTooLargeError extends GatewayError {
  readonly type = 'request_too_large';
  readonly status = 413;
  override readonly name = 'RequestTooLargeError';
}

export class RateLimitError extends GatewayError {
  readonly type = 'rate_limit_error';
  readonly status = 429;
  override readonly name = 'RateLimitError';
}

export class ApiError extends GatewayError {
  readonly type = 'api_error';
  readonly status = 500;
  override readonly name = 'ApiError';
}

/** The audit store or another dependency the gateway must not proceed without is unavailable (fail closed). */
export class ServiceUnavailableError extends GatewayError {
  readonly type = 'api_error';
  readonly status = 503;
  override readonly name = 'ServiceUnavailableError';
}

/** 405 for a known path with the wrong method (Anthropic has no dedicated type: invalid_request_error). */
export class MethodNotAllowedError extends GatewayError {
  readonly type = 'invalid_request_error';
  readonly status = 405;
  override readonly name = 'MethodNotAllowedError';
}

/** The whole upstream call exceeded its time limit before the first byte. */
export class UpstreamTimeoutError extends GatewayError {
  readonly type = 'api_error';
  readonly status = 504;
  override readonly name = 'UpstreamTimeoutError';
}

export class OverloadedError extends GatewayError {
  readonly type = 'overloaded_error';
  readonly status = 529;
  override readonly name = 'OverloadedError';
}

/**
 * Reason codes of `rejected` audit records, by HTTP status (stable: auditors query on them). A 4xx without its own
 * code is `rejected_other`.
 */
export const REJECTION_REASONS = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'request_too_large',
  other: 'rejected_other',
} as const;

/** The reason code a `rejected` record gives for a 4xx refusal. */
export function rejectionReason(error: GatewayError): string {
  switch (error.status) {
    case 400:
      return REJECTION_REASONS[400];
    case 404:
      return REJECTION_REASONS[404];
    case 405:
      return REJECTION_REASONS[405];
    case 413:
      return REJECTION_REASONS[413];
    default:
      return REJECTION_REASONS.other;
  }
}

/** Anthropic's error response body. */
export interface AnthropicErrorBody {
  readonly type: 'error';
  readonly error: { readonly type: AnthropicErrorType; readonly message: string };
  readonly request_id: string;
}

/**
 * Maps anything thrown to a GatewayError. Unknown errors become a 500 with a generic message: their text may
 * hold internals or user data, so it is never echoed to the client.
 */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new ApiError('The gateway hit an internal error; the request was not completed.');
}

/** The JSON body for an error response. */
export function errorBody(error: GatewayError, requestId: string): AnthropicErrorBody {
  return { type: 'error', error: { type: error.type, message: error.message }, request_id: requestId };
}
