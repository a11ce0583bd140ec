/**
 * A raw HTTP/1.1 client over a TCP socket: sends exactly the bytes a hostile client would (any path, header name
 * or body, none normalised or refused by an HTTP library) and reads the whole response.
 */
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function rawRequest(
  url: string,
  input: { method: string; path: string; headers: Readonly<Record<string, string>>; body: Buffer | string },
  timeoutMs = 60_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const head = [
    `${input.method} ${input.path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    'connection: close',
    ...Object.entries(input.headers).map(([name, value]) => `${name}: ${value}`),
    ...(input.method === 'GET' || input.method === 'HEAD' ? [] : [`content-length: ${body.length}`]),
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the response is read is not a failure
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP response (${raw.length} bytes)`));
        return;
      }
      const lines = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number((lines[0] ?? '').split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = raw.subarray(split + 4);
      const bodyBytes = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest;
      resolve({ status, headers, body: bodyBytes.toString('utf8') });
    });
    socket.write(head, 'latin1');
    socket.write(body);
  });
}
