/**
 * Server-sent events as Anthropic emits them, and the accumulator that turns a stream into what the post-call
 * record needs (completion text, usage, served geo) while optionally restoring tokens in text deltas.
 */
import { createStreamingRestorer, restore, type StreamingRestorer } from '../shared/pii';
import type { UpstreamStreamEvent } from '../shared/ports';
import { jsonEscapedMapping, restoreBlock, restoreCitationDelta } from './redaction';

/** One SSE frame: `event: <type>\ndata: <json>\n\n`. */
export function sseFrame(event: { readonly type: string } & Readonly<Record<string, unknown>>): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Token usage merged from `message_start` and `message_delta`. */
export interface StreamUsage {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  cache_creation: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  inference_geo: string | null;
}

export function emptyUsage(): StreamUsage {
  return {
    input_tokens: null,
    output_tokens: null,
    cache_read_input_tokens: null,
    cache_creation_input_tokens: null,
    cache_creation: null,
    inference_geo: null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Copies the usage fields that are present (numbers, strings) into `target`. */
export function mergeUsage(target: StreamUsage, usage: unknown): void {
  if (!isRecord(usage)) return;
  const num = (key: keyof StreamUsage): void => {
    const value = usage[key];
    if (typeof value === 'number') (target as unknown as Record<string, unknown>)[key] = value;
  };
  num('input_tokens');
  num('output_tokens');
  num('cache_read_input_tokens');
  num('cache_creation_input_tokens');
  if (isRecord(usage.cache_creation)) target.cache_creation = usage.cache_creation as StreamUsage['cache_creation'];
  if (typeof usage.inference_geo === 'string') target.inference_geo = usage.inference_geo;
}

/**
 * Consumes stream events in order, returns the frames to send for each (zero, one or two: a held-back restored
 * remainder is flushed as an extra text delta before its block stops), and accumulates completion and usage.
 */
export class StreamAccumulator {
  readonly usage = emptyUsage();
  private readonly texts = new Map<number, string[]>();
  private readonly toolInputs = new Map<number, string[]>();
  private readonly restorers = new Map<number, StreamingRestorer>();
  private readonly jsonMapping: ReadonlyMap<string, string> | null;

  /** @param mapping token -> value to restore in deltas (upstream mode), or null to pass deltas unchanged */
  constructor(private readonly mapping: ReadonlyMap<string, string> | null) {
    this.jsonMapping = mapping && mapping.size > 0 ? jsonEscapedMapping(mapping) : null;
  }

  private restorer(index: number, json: boolean): StreamingRestorer | null {
    if (!this.mapping || this.mapping.size === 0) return null;
    let restorer = this.restorers.get(index);
    if (!restorer) {
      restorer = createStreamingRestorer(json && this.jsonMapping ? this.jsonMapping : this.mapping);
      this.restorers.set(index, restorer);
    }
    return restorer;
  }

  private append(map: Map<number, string[]>, index: number, text: string): void {
    const parts = map.get(index);
    if (parts) parts.push(text);
    else map.set(index, [text]);
  }

  /** Frames to write for this event. */
  accept(event: UpstreamStreamEvent): string[] {
    switch (event.type) {
      case 'message_start':
        if (isRecord(event.message)) mergeUsage(this.usage, event.message.usage);
        return [sseFrame(event)];
      case 'message_delta': {
        mergeUsage(this.usage, event.usage);
        const delta = event.delta;
        // Stop sequences go upstream tokenised (upstream mode), so the one that matched comes back as a token.
        if (this.mapping && this.mapping.size > 0 && isRecord(delta) && typeof delta.stop_sequence === 'string') {
          return [
            sseFrame({ ...event, delta: { ...delta, stop_sequence: restore(delta.stop_sequence, this.mapping) } }),
          ];
        }
        return [sseFrame(event)];
      }
      case 'content_block_start': {
        const index = typeof event.index === 'number' ? event.index : -1;
        const block = event.content_block;
        if (isRecord(block) && block.type === 'text' && typeof block.text === 'string' && block.text) {
          this.append(this.texts, index, block.text);
        }
        // A block may start with text or a whole input already (server tools): restore it like a message block.
        if (this.mapping && this.mapping.size > 0 && isRecord(block)) {
          return [sseFrame({ ...event, content_block: restoreBlock(block, this.mapping) })];
        }
        return [sseFrame(event)];
      }
      case 'content_block_delta': {
        const index = typeof event.index === 'number' ? event.index : -1;
        const delta = event.delta;
        if (!isRecord(delta)) return [sseFrame(event)];
        if (delta.type === 'text_delta' && typeof delta.text === 'string') {
          this.append(this.texts, index, delta.text);
          const restorer = this.restorer(index, false);
          if (!restorer) return [sseFrame(event)];
          const text = restorer.push(delta.text);
          return text ? [sseFrame({ ...event, delta: { ...delta, text } })] : [];
        }
        if (delta.type === 'citations_delta' && this.mapping && this.mapping.size > 0) {
          return [
            sseFrame({ ...event, delta: { ...delta, citation: restoreCitationDelta(delta.citation, this.mapping) } }),
          ];
        }
        if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
          this.append(this.toolInputs, index, delta.partial_json);
          const restorer = this.restorer(index, true);
          if (!restorer) return [sseFrame(event)];
          const partial = restorer.push(delta.partial_json);
          return partial ? [sseFrame({ ...event, delta: { ...delta, partial_json: partial } })] : [];
        }
        return [sseFrame(event)];
      }
      case 'content_block_stop': {
        const index = typeof event.index === 'number' ? event.index : -1;
        const restorer = this.restorers.get(index);
        const frames: string[] = [];
        if (restorer) {
          const rest = restorer.flush();
          this.restorers.delete(index);
          if (rest) {
            const isJson = this.toolInputs.has(index);
            const delta = isJson
              ? { type: 'input_json_delta', partial_json: rest }
              : { type: 'text_delta', text: rest };
            frames.push(sseFrame({ type: 'content_block_delta', index, delta }));
          }
        }
        frames.push(sseFrame(event));
        return frames;
      }
      default:
        return [sseFrame(event)];
    }
  }

  /** Completion as the upstream produced it: text blocks, then tool inputs, in block order. */
  completionText(): string {
    const indexes = [...new Set([...this.texts.keys(), ...this.toolInputs.keys()])].sort((a, b) => a - b);
    return indexes.map((i) => (this.texts.get(i) ?? this.toolInputs.get(i) ?? []).join('')).join('\n');
  }
}

/** Completion text of a non-streamed message: text blocks and tool inputs (JSON), in order. */
export function messageCompletionText(message: Readonly<Record<string, unknown>>): string {
  const content = Array.isArray(message.content) ? message.content : [];
  const parts: string[] = [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') parts.push(block.text);
    else if (block.type === 'tool_use') parts.push(JSON.stringify(block.input ?? {}));
  }
  return parts.join('\n');
}
