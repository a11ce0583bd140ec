/**
 * Step 1, parse: the raw body becomes a validated Messages or count_tokens request (413 for size, 400 for JSON and
 * schema), and the request facts learn the model, the stream flag and the body hash. The client headers and query
 * string the upstream sees as sent are picked here, once.
 */
import { sha256Hex } from '../../shared/audit/builder';
import {
  type CountTokensRequest,
  jsonNestingExceeds,
  type MessagesRequest,
  parseCountTokensRequest,
  parseMessagesRequest,
} from '../../shared/messages';
import { recordableText } from '../../shared/pii';
import type { RequestFacts } from '../../shared/policy/request-facts';
import type { GatewayRequest } from '../gateway-http';
import type { GatewayLimits } from '../handler-services';

/** The operations that call a model. */
export type CallOperation = 'messages' | 'count_tokens';

/**
 * Client headers the Anthropic API sees exactly as sent, instead of the gateway SDK's defaults: the API version and
 * betas the client was written against, and its user agent (Claude Code identifies itself there). Other
 * `anthropic-*` headers (workspace, user profile) would let a caller choose settings of the gateway's organisation,
 * so they are not forwarded.
 */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta', 'user-agent'] as const;

/** A parsed call. */
export interface ParsedCall {
  readonly operation: CallOperation;
  readonly request: MessagesRequest | CountTokensRequest;
  readonly stream: boolean;
  /** SHA-256 of the body as received. */
  readonly promptSha256: string;
  /** `anthropic-version`, `anthropic-beta` and `user-agent` as the client sent them. */
  readonly clientHeaders: Readonly<Record<string, string>>;
  /** The query string as the client sent it, without `?`. */
  readonly query: string;
}

function forwardedHeaders(headers: GatewayRequest['headers']): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers[name];
    if (value !== undefined && value !== '') forwarded[name] = value;
  }
  return forwarded;
}

/**
 * The model a refused body names, for its `rejected` record: when the body is a JSON object within the size and
 * nesting limits with a string `model`, that model bounded as attribution (PII becomes its type); else null. Runs
 * only on the refusal path, so the second parse costs nothing on calls that pass.
 */
function modelOfRefusedBody(body: string, limits: GatewayLimits): string | null {
  if (Buffer.byteLength(body, 'utf8') > limits.maxBodyBytes || jsonNestingExceeds(body, limits.maxNestingDepth)) {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const model: unknown = (parsed as Record<string, unknown>).model;
  return typeof model === 'string' && model.length > 0 ? recordableText(model, 256) : null;
}

/** Parses the body of a call and records what it learnt in `facts`. Throws 400/413 GatewayErrors. */
export function parseCall(
  req: GatewayRequest,
  operation: CallOperation,
  facts: RequestFacts,
  limits: GatewayLimits,
): ParsedCall {
  let request: MessagesRequest | CountTokensRequest;
  try {
    request =
      operation === 'messages' ? parseMessagesRequest(req.body, limits) : parseCountTokensRequest(req.body, limits);
  } catch (error) {
    facts.modelRequested = modelOfRefusedBody(req.body, limits);
    throw error;
  }
  const stream = operation === 'messages' && request.stream === true;
  const promptSha256 = sha256Hex(req.body);
  facts.stream = stream;
  facts.promptSha256 = promptSha256;
  // Recorded (also on denied records) as attribution: an e-mail sent as the model name must not land raw.
  facts.modelRequested = recordableText(request.model, 256);
  return {
    operation,
    request,
    stream,
    promptSha256,
    clientHeaders: forwardedHeaders(req.headers),
    query: req.query ?? '',
  };
}
