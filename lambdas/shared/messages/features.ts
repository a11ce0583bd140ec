/**
 * Feature detection for the ZDR gate and the audit record. A feature name from NON_ZDR_FEATURES means the
 * request is not zero-data-retention eligible; the policy refuses it unless the tenant opted in.
 *
 * Detected non-ZDR features:
 * - `files_api`: a `file` source in an image/document block (anywhere, tool results included), a
 *   `container_upload` block, or an `anthropic-beta: files-api-*` header.
 * - `mcp_servers`: a non-empty `mcp_servers` field or an `mcp-client-*` beta.
 * - `container`: a `container` field (skills run in containers) or a `skills-*` beta.
 * - `code_execution`: a `code_execution_*` tool or a `code-execution-*` beta.
 * - `web_fetch_dynamic_filtering`: `web_fetch` tool versions from 20260209, which filter with code execution.
 * - `memory`: a `memory_*` tool or a `context-management-*` beta.
 */
import type { NonZdrFeature } from '../policy/tenant-config';
import { NON_ZDR_FEATURES } from '../policy/tenant-config';
import { KNOWN_MESSAGES_FIELDS } from './schema';

/** The parts of a request feature detection looks at (Messages and count_tokens both fit). */
export interface FeatureSource {
  readonly messages: ReadonlyArray<{ readonly content: unknown }>;
  readonly system?: unknown;
  readonly tools?: ReadonlyArray<{ readonly name: string; readonly type?: string | undefined }> | undefined;
  readonly mcp_servers?: readonly unknown[] | undefined;
  readonly container?: unknown;
  readonly thinking?: unknown;
  readonly stream?: boolean | undefined;
  readonly [field: string]: unknown;
}

export interface FeatureReport {
  /** Every feature detected, sorted (e.g. `code_execution`, `images`, `tools`, `param:foo`). */
  readonly features: string[];
  /** The non-ZDR ones, sorted. */
  readonly nonZdr: NonZdrFeature[];
  /** Top-level fields the gateway does not know (passed through). */
  readonly unknownParams: string[];
  /** False when a non-ZDR feature or an unknown parameter is present. */
  readonly zdrEligible: boolean;
  /** `anthropic-beta` values, in order. */
  readonly betas: string[];
}

/** Parses the comma-separated `anthropic-beta` header. */
export function parseBetas(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

const WEB_FETCH_DYNAMIC_FILTERING_FROM = 20260209;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scanBlocks(content: unknown, found: Set<string>): void {
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (!isRecord(block)) continue;
    const type = block.type;
    if (type === 'image') found.add('images');
    else if (type === 'document') found.add('documents');
    else if (type === 'tool_use') found.add('tool_use');
    else if (type === 'tool_result') {
      found.add('tool_result');
      scanBlocks(block.content, found);
    } else if (type === 'thinking' || type === 'redacted_thinking') found.add('thinking');
    else if (type === 'container_upload') found.add('files_api');
    else if (type === 'search_result') found.add('search_results');
    else if (typeof type === 'string' && type.endsWith('_tool_result')) found.add('server_tool_result');
    const source = block.source;
    if (isRecord(source)) {
      if (source.type === 'file') found.add('files_api');
      if (source.type === 'content') scanBlocks(source.content, found);
    }
  }
}

function toolFeature(type: string, found: Set<string>): void {
  const version = /_(\d{8})$/.exec(type);
  const family = version ? type.slice(0, -9) : type;
  found.add('server_tools');
  if (family === 'code_execution') found.add('code_execution');
  else if (family === 'memory') found.add('memory');
  else if (family === 'web_fetch') {
    found.add('web_fetch');
    if (version?.[1] && Number(version[1]) >= WEB_FETCH_DYNAMIC_FILTERING_FROM) {
      found.add('web_fetch_dynamic_filtering');
    }
  } else if (family === 'web_search') found.add('web_search');
  else if (family === 'computer') found.add('computer_use');
  else if (family === 'bash' || family === 'text_editor' || family.startsWith('str_replace')) found.add('client_tools');
}

function betaFeature(beta: string, found: Set<string>): void {
  if (beta.startsWith('files-api')) found.add('files_api');
  else if (beta.startsWith('mcp-client')) found.add('mcp_servers');
  else if (beta.startsWith('skills')) found.add('container');
  else if (beta.startsWith('code-execution')) found.add('code_execution');
  else if (beta.startsWith('context-management')) found.add('memory');
}

/** Detects the features a request uses. */
export function detectFeatures(request: FeatureSource, betaHeader?: string): FeatureReport {
  const found = new Set<string>();
  for (const message of request.messages) scanBlocks(message.content, found);
  if (request.tools && request.tools.length > 0) {
    found.add('tools');
    for (const tool of request.tools) if (tool.type && tool.type !== 'custom') toolFeature(tool.type, found);
  }
  if (request.mcp_servers && request.mcp_servers.length > 0) found.add('mcp_servers');
  if (request.container !== undefined && request.container !== null) found.add('container');
  if (isRecord(request.thinking) && request.thinking.type !== 'disabled') found.add('thinking');
  if (request.stream === true) found.add('stream');
  const betas = parseBetas(betaHeader);
  for (const beta of betas) betaFeature(beta, found);
  const unknownParams = Object.keys(request)
    .filter((key) => !KNOWN_MESSAGES_FIELDS.has(key))
    .sort();
  for (const param of unknownParams) found.add(`param:${param}`);
  const features = [...found].sort();
  const nonZdr = (NON_ZDR_FEATURES as readonly string[]).filter((feature) => found.has(feature)) as NonZdrFeature[];
  return { features, nonZdr, unknownParams, zdrEligible: nonZdr.length === 0 && unknownParams.length === 0, betas };
}
