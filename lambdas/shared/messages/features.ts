/**
 * Feature detection for the ZDR gate and the audit record, judged by the dated ZDR feature table
 * (`policy/zdr-features.json`): every `anthropic-beta` value, top-level body field, tool type, content block type
 * and `context_management` edit type of a request is looked up in the table. A name the table maps to a feature
 * adds that feature id; a name it does not know adds an `unknown_<kind>:<name>` marker (the name bounded to a safe
 * alphabet and length, see `recordableName`), which the policy treats according to the tenant's `unknownFeatures`.
 */
import {
  type FeatureNameKind,
  isUnknownFeatureMarker,
  normaliseFeatureName,
  recordableName,
  unknownFeatureMarker,
  ZDR_FEATURE_TABLE,
  type ZdrFeatureTable,
} from '../policy/zdr-feature-table';

/** The parts of a request feature detection looks at (Messages and count_tokens both fit). */
export interface FeatureSource {
  readonly messages: ReadonlyArray<{ readonly content: unknown }>;
  readonly [field: string]: unknown;
}

export interface FeatureReport {
  /** Every feature detected, sorted: table feature ids and `unknown_<kind>:<name>` markers. */
  readonly features: string[];
  /** The detected features the table rates not ZDR-eligible, sorted. */
  readonly nonZdr: string[];
  /** The `unknown_<kind>:<name>` markers, sorted. */
  readonly unknown: string[];
  /** False when a non-eligible or an unknown feature is present. */
  readonly zdrEligible: boolean;
  /** `anthropic-beta` values in normal form (unsafe names replaced), in order, without repeats. */
  readonly betas: string[];
}

/** Most betas and unknown markers kept per request (a request cannot grow the record without bound). */
const MAX_BETAS = 64;
const MAX_UNKNOWN = 32;

/** Splits the comma-separated `anthropic-beta` header into its values as sent (trimmed, empties dropped). */
export function parseBetas(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Whether a client-sent value names `name`: compared as the table compares names (case and whitespace ignored), so
 * `"FILE"` or `" file "` selects what `"file"` selects instead of slipping past the gate.
 */
function names(value: unknown, name: string): boolean {
  return typeof value === 'string' && normaliseFeatureName(value) === name;
}

/** Collects feature ids and unknown markers against one table. */
class FeatureCollector {
  readonly found = new Set<string>();
  readonly unknown = new Set<string>();

  constructor(private readonly table: ZdrFeatureTable) {}

  add(id: string): void {
    // The Messages API itself is the base of every call, not a feature worth a column entry.
    if (id !== 'messages_api') this.found.add(id);
  }

  name(kind: FeatureNameKind, name: string): void {
    const feature = this.table.lookup(kind, name);
    if (feature) this.add(feature.id);
    else if (this.unknown.size < MAX_UNKNOWN) this.unknown.add(unknownFeatureMarker(kind, name));
  }

  blocks(content: unknown): void {
    if (!Array.isArray(content)) return;
    for (const block of content) {
      if (!isRecord(block) || typeof block.type !== 'string') continue;
      this.name('block', block.type);
      if (names(block.type, 'tool_result')) this.blocks(block.content);
      if (isRecord(block.citations) && block.citations.enabled === true) this.add('citations');
      const source = block.source;
      if (isRecord(source)) {
        if (names(source.type, 'file')) this.add('files_api');
        if (names(source.type, 'content')) this.blocks(source.content);
      }
    }
  }

  tools(tools: unknown): void {
    if (!Array.isArray(tools) || tools.length === 0) return;
    this.add('tools');
    for (const tool of tools) {
      if (!isRecord(tool)) continue;
      if (typeof tool.type === 'string') this.name('tool', tool.type);
      if (tool.defer_loading === true) this.add('tool_search');
    }
  }

  field(key: string, value: unknown): void {
    if (value === undefined || value === null) return;
    const feature = this.table.lookup('field', key);
    if (!feature) {
      this.name('field', key);
      return;
    }
    // A present field selects its feature unless its value switches the feature off.
    switch (normaliseFeatureName(key)) {
      case 'stream':
        if (value === true) this.add(feature.id);
        return;
      case 'speed':
        if (names(value, 'fast')) this.add(feature.id);
        return;
      case 'thinking':
        if (isRecord(value) && names(value.type, 'adaptive')) this.add('adaptive_thinking');
        else if (!isRecord(value) || !names(value.type, 'disabled')) this.add(feature.id);
        return;
      case 'tools':
        this.tools(value);
        return;
      case 'mcp_servers':
        if (!Array.isArray(value) || value.length > 0) this.add(feature.id);
        return;
      case 'output_config':
        if (isRecord(value)) {
          if (value.effort !== undefined && value.effort !== null) this.add('effort');
          if (value.format !== undefined && value.format !== null) this.add('structured_outputs');
        }
        return;
      case 'context_management': {
        const edits = isRecord(value) && Array.isArray(value.edits) ? value.edits : [];
        for (const edit of edits) {
          if (isRecord(edit) && typeof edit.type === 'string') this.name('context_edit', edit.type);
        }
        return;
      }
      case 'messages':
      case 'system':
        return;
      default:
        this.add(feature.id);
    }
  }
}

/**
 * Detects the features a request uses.
 * @param endpoint the path served (`/v1/messages`, `/v1/messages/count_tokens`); it is judged like any name
 */
export function detectFeatures(
  request: FeatureSource,
  betaHeader?: string,
  endpoint?: string,
  table: ZdrFeatureTable = ZDR_FEATURE_TABLE,
): FeatureReport {
  const collector = new FeatureCollector(table);
  if (endpoint !== undefined) collector.name('endpoint', endpoint);
  for (const [key, value] of Object.entries(request)) collector.field(key, value);
  collector.blocks(request.system);
  for (const message of request.messages) collector.blocks(message.content);
  const betas: string[] = [];
  for (const beta of parseBetas(betaHeader)) {
    collector.name('beta', beta);
    const recorded = recordableName(beta);
    if (betas.length < MAX_BETAS && !betas.includes(recorded)) betas.push(recorded);
  }
  const unknown = [...collector.unknown].sort();
  const nonZdr = [...collector.found].filter((id) => table.feature(id)?.zdr === 'not_eligible').sort();
  const features = [...collector.found, ...unknown].sort();
  return { features, nonZdr, unknown, zdrEligible: nonZdr.length === 0 && unknown.length === 0, betas };
}

export { isUnknownFeatureMarker };
