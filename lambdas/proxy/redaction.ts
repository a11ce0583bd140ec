/**
 * Per-tenant redaction for the request path, over the PII engine: one prepared options object per tenant (the
 * engine caches compiled patterns per options object), prompt redaction that yields both the audit copy and the
 * tokenised body the `upstream` mode sends, completion redaction for the post-call record, and the restoration of
 * tokens in what the client gets back in `upstream` mode.
 */
import { extractPromptText, mapPromptStrings } from '../shared/messages';
import { isBuiltInType, type RedactOptions, type Replacement, redact, restore, type Tokenizer } from '../shared/pii';
import type { TenantConfig } from '../shared/policy/tenant-config';

/** Redacts text for one tenant. */
export interface TenantRedactor {
  redact(text: string): {
    text: string;
    replacements: readonly Replacement[];
    counts: Readonly<Record<string, number>>;
  };
}

/** Builds the redactor of a tenant from its config and tokenizer. */
export function createTenantRedactor(tenant: TenantConfig, tokenizer: Tokenizer): TenantRedactor {
  const options: RedactOptions = {
    tokenizer,
    ...(tenant.redaction.piiTypes ? { enabledTypes: tenant.redaction.piiTypes.filter(isBuiltInType) } : {}),
    customTypes: tenant.redaction.customTypes,
    allowlist: tenant.redaction.allowlist,
  };
  return {
    redact: (text) => (text.length === 0 ? { text, replacements: [], counts: {} } : redact(text, options)),
  };
}

/** Adds counts into a running total. */
function addCounts(total: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [type, n] of Object.entries(counts)) total[type] = (total[type] ?? 0) + n;
}

/** The prompt after redaction. */
export interface RedactedPrompt {
  /** The same body with every prompt string tokenised (what the `upstream` mode sends). */
  readonly tokenisedBody: Record<string, unknown>;
  /** Prompt text with tokens (the audit copy). */
  readonly redactedText: string;
  /** Characters of the original prompt text. */
  readonly promptChars: number;
  readonly replacements: readonly Replacement[];
  readonly counts: Record<string, number>;
}

/** Redacts every prompt string of a request body. */
export function redactPrompt(body: Record<string, unknown>, redactor: TenantRedactor): RedactedPrompt {
  const replacements: Replacement[] = [];
  const counts: Record<string, number> = {};
  let promptChars = 0;
  const tokenisedBody = mapPromptStrings(body, (text) => {
    promptChars += text.length;
    const result = redactor.redact(text);
    if (result.replacements.length > 0) {
      // A loop, not push(...spread): a 1.5 MB PII-dense body yields >120,000 replacements, past the engine's
      // argument limit (RangeError: Maximum call stack size exceeded).
      for (const replacement of result.replacements) replacements.push(replacement);
      addCounts(counts, result.counts);
    }
    return result.text;
  });
  const messages = Array.isArray(tokenisedBody.messages) ? (tokenisedBody.messages as Array<{ content: unknown }>) : [];
  return {
    tokenisedBody,
    redactedText: extractPromptText({ system: tokenisedBody.system, messages, tools: tokenisedBody.tools }),
    promptChars,
    replacements,
    counts,
  };
}

/** token -> value, for restoring what the client gets back in `upstream` mode. */
export function tokenMapping(replacements: readonly Replacement[]): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const r of replacements) if (!mapping.has(r.token)) mapping.set(r.token, r.value);
  return mapping;
}

/** token -> value escaped for the inside of a JSON string (tool_use `partial_json` deltas). */
export function jsonEscapedMapping(mapping: ReadonlyMap<string, string>): Map<string, string> {
  const escaped = new Map<string, string>();
  for (const [token, value] of mapping) escaped.set(token, JSON.stringify(value).slice(1, -1));
  return escaped;
}

/** Block types whose `input` the model wrote and the client reads. */
const RESTORED_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

/** Every string leaf of a value, restored; iterative (the value is the model's, its depth is not ours to trust). */
function restoreLeaves(value: unknown, mapping: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return restore(value, mapping);
  if (value === null || typeof value !== 'object') return value;
  const copy = structuredClone(value) as Record<string, unknown> | unknown[];
  const stack: Array<Record<string, unknown> | unknown[]> = [copy];
  while (stack.length > 0) {
    const holder = stack.pop() as Record<string | number, unknown>;
    for (const key of Object.keys(holder)) {
      const child = holder[key];
      if (typeof child === 'string') holder[key] = restore(child, mapping);
      else if (child !== null && typeof child === 'object') stack.push(child as Record<string, unknown>);
    }
  }
  return copy;
}

/** A text citation with its quoted text restored (`cited_text`, and the search result `title`/`source` it names). */
function restoreCitation(citation: unknown, mapping: ReadonlyMap<string, string>): unknown {
  if (citation === null || typeof citation !== 'object' || Array.isArray(citation)) return citation;
  const c = { ...(citation as Record<string, unknown>) };
  for (const key of ['cited_text', 'title', 'source', 'document_title']) {
    if (typeof c[key] === 'string') c[key] = restore(c[key] as string, mapping);
  }
  return c;
}

/**
 * Restores tokens in one response content block: text (and its citations), and the inputs of tool calls. Thinking
 * blocks are left as the model wrote them: their signature covers the exact text.
 */
export function restoreBlock(block: unknown, mapping: ReadonlyMap<string, string>): unknown {
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return block;
  const b = block as Record<string, unknown>;
  if (b.type === 'text' && typeof b.text === 'string') {
    const restored: Record<string, unknown> = { ...b, text: restore(b.text, mapping) };
    if (Array.isArray(b.citations)) restored.citations = b.citations.map((c) => restoreCitation(c, mapping));
    return restored;
  }
  if (typeof b.type === 'string' && RESTORED_INPUT_BLOCKS.has(b.type) && b.input !== undefined) {
    return { ...b, input: restoreLeaves(b.input, mapping) };
  }
  return b;
}

/** Restores tokens in every text-bearing block of a non-streamed message (upstream mode). */
export function restoreMessage(
  message: Readonly<Record<string, unknown>>,
  mapping: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const content = Array.isArray(message.content) ? message.content : [];
  const restored: Record<string, unknown> = {
    ...message,
    content: content.map((block: unknown) => restoreBlock(block, mapping)),
  };
  // Stop sequences go upstream tokenised, so the one that matched comes back as a token.
  if (typeof message.stop_sequence === 'string') restored.stop_sequence = restore(message.stop_sequence, mapping);
  return restored;
}

/** A citation in a `citations_delta`, restored. */
export function restoreCitationDelta(citation: unknown, mapping: ReadonlyMap<string, string>): unknown {
  return restoreCitation(citation, mapping);
}
