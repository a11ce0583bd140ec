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

function parseJsonBody(body: string, limits: MessagesLimits): unknown {
  // A string's UTF-8 length is at least its length in UTF-16 units / 1 and at most 3x: skip the exact count when
  // the cheap bounds already decide.
  const bytes = body.length * 3 <= limits.maxBodyBytes ? body.length : Buffer.byteLength(body, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw new RequestTooLargeError(`Request body exceeds the maximum of ${limits.maxBodyBytes} bytes.`);
  }
  if (body.trim() === '') throw new InvalidRequestError('Request body is empty; expected a JSON object.');
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
