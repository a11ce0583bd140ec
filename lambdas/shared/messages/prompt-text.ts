/**
 * The text a model reads in a Messages request, found by one walker used twice: to extract the prompt text (what
 * is hashed, counted and redacted for the audit copy) and to transform it in place (the `upstream` redaction mode,
 * where the model sees tokens instead of values).
 *
 * Text-bearing fields: `system`; every message's `content` (a string, or blocks); in blocks, `text` blocks,
 * `tool_result` and `mcp_tool_result` content, the string leaves of `tool_use`, `server_tool_use` and
 * `mcp_tool_use` inputs, `document` title, context and text or content sources, `search_result` title and content;
 * and in `tools`, each description and the text strings of its input schema (all but structural keywords), the
 * same in `output_config.format.schema`, plus `metadata.user_id` and `stop_sequences`, which reach the provider. Not text: images and
 * base64 or URL documents and a search result's `source` (bytes and addresses, which a token would break), and
 * `thinking`/`redacted_thinking` blocks, whose signature covers their exact text (changing it makes the API refuse
 * the next turn).
 *
 * The walk is iterative (an explicit stack, children pushed in reverse so the order is the request's), so no
 * client-chosen nesting can overflow the call stack; the parser bounds nesting depth before this runs anyway.
 */
import { normaliseFeatureName } from '../policy/zdr-feature-table';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where a text string sits: read it with `holder[key]`, replace it by assigning. */
type Holder = Record<string, unknown> | unknown[];
interface Slot {
  readonly holder: Holder;
  readonly key: string | number;
}

type Work =
  | { readonly kind: 'content'; readonly slot: Slot }
  | { readonly kind: 'leaves'; readonly slot: Slot }
  | { readonly kind: 'schema'; readonly value: unknown }
  | { readonly kind: 'text'; readonly slot: Slot }
  | { readonly kind: 'json'; readonly value: unknown };

const TOOL_INPUT_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);
const TOOL_RESULT_BLOCKS = new Set(['tool_result', 'mcp_tool_result']);
/**
 * JSON Schema keywords whose strings are structure, not text: a token there would change what the schema means
 * (`type`, a `pattern`, a `$ref`) or break its consistency with property names (`required`). Every other string in
 * a schema (`description`, `title`, `enum`, `const`, `default`, `examples`, at any depth) is text the model reads.
 */
const SCHEMA_STRUCTURE_KEYS = new Set([
  'type',
  'format',
  'pattern',
  '$ref',
  '$dynamicRef',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$comment',
  'required',
  'dependentRequired',
  'contentEncoding',
  'contentMediaType',
]);
/** Keywords whose value maps names (not text) to subschemas. */
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is an instance, not a schema: every string leaf is text. */
const SCHEMA_VALUE_KEYS = new Set(['enum', 'const', 'default', 'examples']);

const read = (slot: Slot): unknown => (slot.holder as Record<string | number, unknown>)[slot.key];

/** Work items of one content block, in reading order. */
function blockWork(block: Record<string, unknown>, toolInputAsJson: boolean): Work[] {
  // Names compared as feature detection compares them: a `"TEXT"` block is still redacted before it goes anywhere.
  const type = typeof block.type === 'string' ? normaliseFeatureName(block.type) : block.type;
  const text = (key: string): Work[] =>
    typeof block[key] === 'string' ? [{ kind: 'text', slot: { holder: block, key } }] : [];
  if (type === 'text') return text('text');
  if (typeof type === 'string' && TOOL_RESULT_BLOCKS.has(type)) {
    return [{ kind: 'content', slot: { holder: block, key: 'content' } }];
  }
  if (typeof type === 'string' && TOOL_INPUT_BLOCKS.has(type) && block.input !== undefined) {
    return toolInputAsJson
      ? [{ kind: 'json', value: block.input }]
      : [{ kind: 'leaves', slot: { holder: block, key: 'input' } }];
  }
  if (type === 'document') {
    const work = [...text('title'), ...text('context')];
    const source = block.source;
    const sourceType = isRecord(source) && typeof source.type === 'string' ? normaliseFeatureName(source.type) : null;
    if (isRecord(source) && sourceType === 'text' && typeof source.data === 'string') {
      work.push({ kind: 'text', slot: { holder: source, key: 'data' } });
    } else if (isRecord(source) && sourceType === 'content') {
      work.push({ kind: 'content', slot: { holder: source, key: 'content' } });
    }
    return work;
  }
  if (type === 'search_result') {
    return [...text('title'), { kind: 'content', slot: { holder: block, key: 'content' } }];
  }
  return [];
}

/**
 * Visits every text-bearing string of a request in reading order. `visit` gets the text and may return a
 * replacement (written back in place). With `toolInputAsJson`, a tool input is visited once as its JSON text
 * (for the audit copy) and never replaced.
 */
function walkPromptText(
  body: Record<string, unknown>,
  visit: (text: string) => string | undefined,
  toolInputAsJson: boolean,
): void {
  const stack: Work[] = [];
  const pushAll = (items: readonly Work[]): void => {
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i] as Work);
  };
  const roots: Work[] = [];
  if (body.system !== undefined) roots.push({ kind: 'content', slot: { holder: body, key: 'system' } });
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (isRecord(message)) roots.push({ kind: 'content', slot: { holder: message, key: 'content' } });
    }
  }
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) {
      if (!isRecord(tool)) continue;
      if (typeof tool.description === 'string')
        roots.push({ kind: 'text', slot: { holder: tool, key: 'description' } });
      if (tool.input_schema !== undefined) roots.push({ kind: 'schema', value: tool.input_schema });
    }
  }
  // Structured outputs: the format's schema is read by the model like a tool's input schema.
  const outputConfig = body.output_config;
  if (isRecord(outputConfig) && isRecord(outputConfig.format) && outputConfig.format.schema !== undefined) {
    roots.push({ kind: 'schema', value: outputConfig.format.schema });
  }
  // Not read as prompt, but sent to the provider as written: the end-user id and the stop sequences.
  if (isRecord(body.metadata) && typeof body.metadata.user_id === 'string') {
    roots.push({ kind: 'text', slot: { holder: body.metadata, key: 'user_id' } });
  }
  if (Array.isArray(body.stop_sequences)) roots.push({ kind: 'leaves', slot: { holder: body, key: 'stop_sequences' } });
  pushAll(roots);

  while (stack.length > 0) {
    const work = stack.pop() as Work;
    switch (work.kind) {
      case 'text': {
        const value = read(work.slot);
        if (typeof value !== 'string') break;
        const replaced = visit(value);
        if (replaced !== undefined) (work.slot.holder as Record<string | number, unknown>)[work.slot.key] = replaced;
        break;
      }
      case 'json':
        visit(JSON.stringify(work.value));
        break;
      case 'content': {
        const value = read(work.slot);
        if (typeof value === 'string') stack.push({ kind: 'text', slot: work.slot });
        else if (Array.isArray(value)) {
          const items: Work[] = [];
          for (const block of value) if (isRecord(block)) items.push(...blockWork(block, toolInputAsJson));
          pushAll(items);
        }
        break;
      }
      case 'leaves': {
        const value = read(work.slot);
        if (typeof value === 'string') stack.push({ kind: 'text', slot: work.slot });
        else if (Array.isArray(value)) {
          pushAll(value.map((_, index) => ({ kind: 'leaves', slot: { holder: value, key: index } }) as Work));
        } else if (isRecord(value)) {
          pushAll(Object.keys(value).map((key) => ({ kind: 'leaves', slot: { holder: value, key } }) as Work));
        }
        break;
      }
      case 'schema': {
        const value = work.value;
        const items: Work[] = [];
        if (Array.isArray(value)) for (const item of value) items.push({ kind: 'schema', value: item });
        else if (isRecord(value)) {
          for (const [key, child] of Object.entries(value)) {
            if (SCHEMA_STRUCTURE_KEYS.has(key)) continue;
            if (SCHEMA_VALUE_KEYS.has(key)) items.push({ kind: 'leaves', slot: { holder: value, key } });
            else if (SCHEMA_MAP_KEYS.has(key) && isRecord(child)) {
              for (const subschema of Object.values(child)) items.push({ kind: 'schema', value: subschema });
            } else if (typeof child === 'string') items.push({ kind: 'text', slot: { holder: value, key } });
            else if (child !== null && typeof child === 'object') items.push({ kind: 'schema', value: child });
          }
        }
        pushAll(items);
        break;
      }
    }
  }
}

/** Prompt text of a Messages or count_tokens request, joined by newlines in reading order. */
export function extractPromptText(request: {
  readonly system?: unknown;
  readonly messages: ReadonlyArray<{ readonly content: unknown }>;
  readonly tools?: unknown;
}): string {
  const out: string[] = [];
  walkPromptText(
    request as Record<string, unknown>,
    (text) => {
      out.push(text);
      return undefined;
    },
    true,
  );
  return out.join('\n');
}

/**
 * Applies `transform` to every text string the model reads (see the module comment) and returns a new body; the
 * input is not changed. Used by the `upstream` redaction mode so that the model sees tokens instead of values.
 */
export function mapPromptStrings<T extends Record<string, unknown>>(body: T, transform: (text: string) => string): T {
  const copy = structuredClone(body);
  walkPromptText(copy, transform, false);
  return copy;
}
