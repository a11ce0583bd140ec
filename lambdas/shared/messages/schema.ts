/**
 * The Anthropic Messages request as the gateway accepts it. Validation is structural (what the gateway needs to
 * reason about: model, content blocks, tools, sizes); it is never narrower than the current official SDK types
 * (checked against @anthropic-ai/sdk 1.17.0): every role (`user`, `assistant`, `system`), unknown block types,
 * unknown source types and unknown fields at any level pass through unchanged. What each name means for ZDR is the
 * feature table's business (`messages/features.ts`), not the schema's.
 */
import * as z from 'zod';

const cacheControl = z.object({ type: z.string() }).loose().nullish();

export const textBlockSchema = z
  .object({ type: z.literal('text'), text: z.string(), cache_control: cacheControl })
  .loose();

const fileSource = z.object({ type: z.literal('file'), file_id: z.string().min(1) }).loose();

/** A source type the gateway does not model (a future one): passed through; a known type must be well formed. */
function otherSource(...known: string[]) {
  return z
    .object({
      type: z
        .string()
        .min(1)
        .refine((type) => !known.includes(type), 'malformed source'),
    })
    .loose();
}

export const imageBlockSchema = z
  .object({
    type: z.literal('image'),
    source: z.union([
      z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() }).loose(),
      z.object({ type: z.literal('url'), url: z.string().min(1) }).loose(),
      fileSource,
      otherSource('base64', 'url', 'file'),
    ]),
    cache_control: cacheControl,
  })
  .loose();

export const documentBlockSchema = z
  .object({
    type: z.literal('document'),
    source: z.union([
      z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() }).loose(),
      z.object({ type: z.literal('text'), media_type: z.string().optional(), data: z.string() }).loose(),
      z.object({ type: z.literal('url'), url: z.string().min(1) }).loose(),
      z.object({ type: z.literal('content'), content: z.union([z.string(), z.array(z.unknown())]) }).loose(),
      fileSource,
      otherSource('base64', 'text', 'url', 'content', 'file'),
    ]),
    cache_control: cacheControl,
  })
  .loose();

export const toolUseBlockSchema = z
  .object({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown() })
  .loose();

const toolResultContent = z.union([
  z.string(),
  z.array(z.union([textBlockSchema, imageBlockSchema, documentBlockSchema, z.object({ type: z.string() }).loose()])),
]);

export const toolResultBlockSchema = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: toolResultContent.optional(),
    is_error: z.boolean().optional(),
  })
  .loose();

export const thinkingBlockSchema = z
  .object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() })
  .loose();
export const redactedThinkingBlockSchema = z.object({ type: z.literal('redacted_thinking'), data: z.string() }).loose();

const KNOWN_BLOCK_TYPES = new Set([
  'text',
  'image',
  'document',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
]);

/** Block types the gateway does not model (server tool results, search results, container uploads, future ones). */
const otherBlockSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .refine((type) => !KNOWN_BLOCK_TYPES.has(type), 'malformed content block'),
  })
  .loose();

export const contentBlockSchema = z.union([
  textBlockSchema,
  imageBlockSchema,
  documentBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
  otherBlockSchema,
]);
export type ContentBlock = z.infer<typeof contentBlockSchema>;

/** Message roles of the current SDK types: `system` messages inside `messages` are sent by Claude Code. */
export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;

export const messageParamSchema = z
  .object({
    role: z.enum(MESSAGE_ROLES),
    content: z.union([z.string(), z.array(contentBlockSchema)]),
  })
  .loose();
export type MessageParam = z.infer<typeof messageParamSchema>;

/**
 * Custom tools (no `type`, or `custom`) have `name` + `input_schema`; server tools have a versioned `type` such as
 * `web_search_20250305`, and some have no `name` (SDK 1.17: `mcp_toolset`, `browser_toolset_20260801`,
 * `computer_toolset_20260801`). A typed tool is judged by the ZDR feature table, not refused by shape here.
 */
export const toolSchema = z
  .object({ name: z.string().min(1).optional(), type: z.string().optional() })
  .loose()
  .superRefine((tool, ctx) => {
    const custom = tool.type === undefined || tool.type.replace(/\s+/g, '').toLowerCase() === 'custom';
    if (custom && tool.name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a custom tool needs a name' });
    }
  });

const systemSchema = z.union([z.string(), z.array(textBlockSchema)]);

/**
 * Size limits, checked before any expensive work (body size and nesting on the raw text, before JSON.parse;
 * counts right after the schema, before redaction); exceeding one is a 4xx, never a crash.
 */
export interface MessagesLimits {
  /** Maximum body bytes (Anthropic and Bedrock accept 32/20 MB; the gateway uses 20 MB). 413. */
  readonly maxBodyBytes: number;
  /** Maximum entries in `messages` (Anthropic's limit is 100,000). 413. */
  readonly maxMessages: number;
  /**
   * Deepest nesting of JSON arrays and objects in the body. Real requests nest a few levels (tool input schemas a
   * dozen or two); every later step walks the body, so a client must not choose its depth. 400.
   */
  readonly maxNestingDepth: number;
  /** Most content blocks in the whole request (all messages and the system prompt together). 413. */
  readonly maxContentBlocks: number;
}

export const DEFAULT_MESSAGES_LIMITS: MessagesLimits = {
  maxBodyBytes: 20 * 1024 * 1024,
  maxMessages: 100_000,
  maxNestingDepth: 128,
  maxContentBlocks: 100_000,
};

const sharedShape = {
  model: z.string().min(1).max(256),
  messages: z.array(messageParamSchema).min(1),
  system: systemSchema.optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.object({ type: z.string() }).loose().optional(),
  thinking: z.object({ type: z.string() }).loose().optional(),
  mcp_servers: z.array(z.object({ type: z.string().optional() }).loose()).optional(),
  container: z.union([z.string(), z.object({}).loose()]).nullish(),
};

export const messagesRequestSchema = z
  .object({
    ...sharedShape,
    // 0 populates the prompt cache without generating (SDK 1.17: pre-warming).
    max_tokens: z.number().int().min(0),
    stream: z.boolean().optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).optional(),
    stop_sequences: z.array(z.string()).optional(),
    // Claude Code sends a JSON string here; the SDK types set no length limit.
    metadata: z.object({ user_id: z.string().nullish() }).loose().optional(),
    service_tier: z.string().max(64).optional(),
    inference_geo: z.string().max(64).nullish(),
  })
  .loose();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: the same prompt fields, without generation settings. */
export const countTokensRequestSchema = z.object(sharedShape).loose();
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
