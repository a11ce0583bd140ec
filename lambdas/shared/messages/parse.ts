/**
 * Parsing a raw request body into a validated Messages or count_tokens request: size limits first (413), then
 * JSON (400), then the schema (400). Error messages name the offending field path, never its value.
 */
import type { z } from 'zod';
import { InvalidRequestError, RequestTooLargeError } from '../errors';
import {
  type CountTokensRequest,
  countTokensRequestSchema,
  DEFAULT_MESSAGES_LIMITS,
  type MessagesLimits,
  type MessagesRequest,
  messagesRequestSchema,
} from './schema';

/**
 * Deepest nesting of arrays and objects a body may have. Real requests stay far below it (Claude Code's deepest,
 * tool input schemas, is about 10); a body nested deeper would make every recursive reader of it (feature
 * detection, prompt text, redaction) overflow the stack, which must be a 400, never a 500.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * True when `text` nests arrays/objects deeper than `limit`, counting brackets outside strings in one pass. String
 * contents (nearly all of a large body) are skipped with `indexOf`, so the scan costs a fraction of JSON.parse.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip to the closing quote: one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end > 0) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return false; // unterminated: JSON.parse reports it
      i = end + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
    i++;
  }
  return false;
}

function parseJsonBody(body: string, limits: MessagesLimits): unknown {
  // A string's UTF-8 length is at least its length in UTF-16 units / 1 and at most 3x: skip the exact count when
  // the cheap bounds already decide.
  const bytes = body.length * 3 <= limits.maxBodyBytes ? body.length : Buffer.byteLength(body, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw new RequestTooLargeError(`Request body exceeds the maximum of ${limits.maxBodyBytes} bytes.`);
  }
  if (body.trim() === '') throw new InvalidRequestError('Request body is empty; expected a JSON object.');
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(`Request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('Request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequestError('Request body must be a JSON object.');
  }
  return parsed;
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  // Zod's messages describe types and expectations, never the input value, so they are safe to return.
  throw new InvalidRequestError(`${path}: ${issue?.message ?? 'Invalid value'}`);
}

/** Parses and validates `POST /v1/messages`. Throws RequestTooLargeError (413) or InvalidRequestError (400). */
export function parseMessagesRequest(body: string, limits: MessagesLimits = DEFAULT_MESSAGES_LIMITS): MessagesRequest {
  const request = validate(messagesRequestSchema, parseJsonBody(body, limits));
  if (request.messages.length > limits.maxMessages) {
    throw new RequestTooLargeError(`messages: at most ${limits.maxMessages} messages are accepted.`);
  }
  return request;
}

/** Parses and validates `POST /v1/messages/count_tokens`. */
export function parseCountTokensRequest(
  body: string,
  limits: MessagesLimits = DEFAULT_MESSAGES_LIMITS,
): CountTokensRequest {
  const request = validate(countTokensRequestSchema, parseJsonBody(body, limits));
  if (request.messages.length > limits.maxMessages) {
    throw new RequestTooLargeError(`messages: at most ${limits.maxMessages} messages are accepted.`);
  }
  return request;
}
