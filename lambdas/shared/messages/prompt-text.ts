/**
 * The prompt text of a request (system prompt, text blocks, string tool results), in request order, joined by
 * newlines: what is hashed, counted and redacted for the audit copy. Images and documents in base64 are not text.
 */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function collect(content: unknown, out: string[]): void {
  if (typeof content === 'string') {
    out.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') out.push(block.text);
    else if (block.type === 'tool_result') collect(block.content, out);
    else if (block.type === 'tool_use' && block.input !== undefined) out.push(JSON.stringify(block.input));
    else if (block.type === 'document' && isRecord(block.source) && block.source.type === 'text') {
      if (typeof block.source.data === 'string') out.push(block.source.data);
    }
  }
}

/** Prompt text of a Messages or count_tokens request. */
export function extractPromptText(request: {
  readonly system?: unknown;
  readonly messages: ReadonlyArray<{ readonly content: unknown }>;
}): string {
  const out: string[] = [];
  collect(request.system, out);
  for (const message of request.messages) collect(message.content, out);
  return out.join('\n');
}

/**
 * Applies `transform` to every text string the model reads (system, text blocks, string content, tool-result
 * text, plain-text documents, string leaves of tool_use inputs) and returns a new body; the input is not changed.
 * Used by the `upstream` redaction mode so that the model sees tokens instead of values.
 */
export function mapPromptStrings<T extends Record<string, unknown>>(body: T, transform: (text: string) => string): T {
  const mapLeaves = (value: unknown): unknown => {
    if (typeof value === 'string') return transform(value);
    if (Array.isArray(value)) return value.map(mapLeaves);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v)]));
    return value;
  };
  const mapContent = (content: unknown): unknown => {
    if (typeof content === 'string') return transform(content);
    if (!Array.isArray(content)) return content;
    return content.map((block: unknown) => {
      if (!isRecord(block)) return block;
      if (block.type === 'text' && typeof block.text === 'string') return { ...block, text: transform(block.text) };
      if (block.type === 'tool_result') return { ...block, content: mapContent(block.content) };
      if (block.type === 'tool_use') return { ...block, input: mapLeaves(block.input) };
      if (block.type === 'document' && isRecord(block.source) && block.source.type === 'text') {
        const data = block.source.data;
        return typeof data === 'string' ? { ...block, source: { ...block.source, data: transform(data) } } : block;
      }
      return block;
    });
  };
  const result: Record<string, unknown> = { ...body };
  if (body.system !== undefined) result.system = mapContent(body.system);
  if (Array.isArray(body.messages)) {
    result.messages = body.messages.map((message: unknown) =>
      isRecord(message) ? { ...message, content: mapContent(message.content) } : message,
    );
  }
  return result as T;
}
