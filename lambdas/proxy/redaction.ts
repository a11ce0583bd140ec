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
    redactedText: extractPromptText({ system: tokenisedBody.system, messages }),
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

/** Restores tokens in text blocks and tool inputs of a non-streamed message (upstream mode). */
export function restoreMessage(
  message: Readonly<Record<string, unknown>>,
  mapping: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const restoreLeaves = (value: unknown): unknown => {
    if (typeof value === 'string') return restore(value, mapping);
    if (Array.isArray(value)) return value.map(restoreLeaves);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, restoreLeaves(v)]),
      );
    }
    return value;
  };
  const content = Array.isArray(message.content) ? message.content : [];
  return {
    ...message,
    content: content.map((block: unknown) => {
      if (block === null || typeof block !== 'object') return block;
      const b = block as Record<string, unknown>;
      if (b.type === 'text' && typeof b.text === 'string') return { ...b, text: restore(b.text, mapping) };
      if (b.type === 'tool_use') return { ...b, input: restoreLeaves(b.input) };
      return b;
    }),
  };
}
