/**
 * Parsing a raw request body into a validated Messages or count_tokens request: size limits first (413), then
 * JSON (400), then the schema (400). Error messages name the offending field path, never its value.
 */
import type * as z from 'zod';
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
 * True when `text` nests arrays/objects deeper than `max` (brackets inside JSON strings do not count). One pass,
 * no recursion, no allocation; malformed JSON is left to JSON.parse. String contents (nearly all of a large body)
 * are skipped with `indexOf`, which costs about half of a character-by-character walk on a 10 MB prompt.
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote is the first one preceded by an even number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end > 0) {
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return false; // unterminated string: JSON.parse reports it
      i = end + 1;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    i++;
  }
  return false;
}

/** Content blocks of a request: array entries of `system` and of each message's `content`. */
function contentBlockCount(request: {
  readonly system?: unknown;
  readonly messages: ReadonlyArray<{ readonly content: unknown }>;
}): number {
  let blocks = Array.isArray(request.system) ? request.system.length : 0;
  for (const message of request.messages) if (Array.isArray(message.content)) blocks += message.content.length;
  return blocks;
}

function checkCounts(
  request: { readonly system?: unknown; readonly messages: ReadonlyArray<{ readonly content: unknown }> },
  limits: MessagesLimits,
): void {
  if (request.messages.length > limits.maxMessages) {
    throw new RequestTooLargeError(`messages: at most ${limits.maxMessages} messages are accepted.`);
  }
  if (contentBlockCount(request) > limits.maxContentBlocks) {
    throw new RequestTooLargeError(`At most ${limits.maxContentBlocks} content blocks are accepted in one request.`);
  }
}

function parseJsonBody(body: string, limits: MessagesLimits): unknown {
  // A string's UTF-8 length is at least its length in UTF-16 units / 1 and at most 3x: skip the exact count when
  // the cheap bounds already decide.
  const bytes = body.length * 3 <= limits.maxBodyBytes ? body.length : Buffer.byteLength(body, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw new RequestTooLargeError(`Request body exceeds the maximum of ${limits.maxBodyBytes} bytes.`);
  }
  if (body.trim() === '') throw new InvalidRequestError('Request body is empty; expected a JSON object.');
  // Before JSON.parse and every step that walks the body: a client must not choose how deep they go.
  if (jsonNestingExceeds(body, limits.maxNestingDepth)) {
    throw new InvalidRequestError(`Request body nests deeper than ${limits.maxNestingDepth} levels.`);
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
  if (ESCAPED_SURROGATE.test(body) && holdsLoneSurrogate(parsed)) {
    // JSON.parse accepts `\ud800` alone, but a record holding it is not valid UTF-8: DuckDB, jq and Athena's SerDe
    // refuse it, so one such request would make a locked day of the trail unreadable. Anthropic's API refuses it too.
    throw new InvalidRequestError(
      'Request body holds an unpaired UTF-16 surrogate escape; text must be valid Unicode.',
    );
  }
  return parsed;
}

/** A `\uD800`-`\uDFFF` escape somewhere in the raw text: the only way a lone surrogate can enter a parsed body. */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when any string (value or key) of the parsed body holds an unpaired surrogate. Iterative: no depth limit. */
function holdsLoneSurrogate(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) return true;
    } else if (Array.isArray(node)) {
      for (const item of node) pending.push(item);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(value);
      }
    }
  }
  return false;
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
  checkCounts(request, limits);
  return request;
}

/** Parses and validates `POST /v1/messages/count_tokens`. */
export function parseCountTokensRequest(
  body: string,
  limits: MessagesLimits = DEFAULT_MESSAGES_LIMITS,
): CountTokensRequest {
  const request = validate(countTokensRequestSchema, parseJsonBody(body, limits));
  checkCounts(request, limits);
  return request;
}
