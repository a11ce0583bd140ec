/**
 * Puts original values back in place of tokens, for the upstream redaction mode where the model sees tokens and
 * the client gets its own values back. Unknown tokens (ones the model invented or another request's) are left
 * as they are.
 */

/** Token → original value; a `Map` or a plain object (e.g. parsed from an envelope). */
export type TokenMapping = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

const TOKEN_IN_TEXT = /\[[A-Z][A-Z0-9_]{0,31}_[a-z2-7]{8,26}\]/g;

function toMap(mapping: TokenMapping): ReadonlyMap<string, string> {
  if (mapping instanceof Map) return mapping;
  return new Map(Object.entries(mapping as Readonly<Record<string, string>>));
}

function restoreWith(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0 || !text.includes('[')) return text;
  return text.replace(TOKEN_IN_TEXT, (token) => map.get(token) ?? token);
}

/** Replaces every known token in `text` with its value. */
export function restore(text: string, mapping: TokenMapping): string {
  return restoreWith(text, toMap(mapping));
}

/** Restores a stream of text chunks (e.g. SSE deltas) whose token boundaries do not align with chunk boundaries. */
export interface StreamingRestorer {
  /** Accepts the next chunk and returns the text that is now safe to emit. */
  push(chunk: string): string;
  /** Returns whatever was held back; call once at the end of the stream. */
  flush(): string;
}

/**
 * Creates a streaming restorer. It holds back only a suffix that could still become a known token: from the last
 * `[` onwards, when that suffix is a prefix of some token in the mapping. The hold-back is therefore shorter than
 * the longest token, and the output equals `restore(wholeText)` however the text is chunked.
 */
export function createStreamingRestorer(mapping: TokenMapping): StreamingRestorer {
  const map = toMap(mapping);
  const prefixes = new Set<string>();
  let longest = 0;
  for (const token of map.keys()) {
    longest = Math.max(longest, token.length);
    for (let i = 1; i < token.length; i++) prefixes.add(token.slice(0, i));
  }
  let pending = '';
  return {
    push(chunk: string): string {
      const buffer = pending + chunk;
      const open = buffer.lastIndexOf('[');
      if (open >= 0 && buffer.length - open < longest && prefixes.has(buffer.slice(open))) {
        pending = buffer.slice(open);
        return restoreWith(buffer.slice(0, open), map);
      }
      pending = '';
      return restoreWith(buffer, map);
    },
    flush(): string {
      const rest = pending;
      pending = '';
      return restoreWith(rest, map);
    },
  };
}
