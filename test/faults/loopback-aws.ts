/**
 * Loopback stand-ins for S3 (PutObject, path-style) and SQS (SendMessage, AWS JSON 1.0) that the real AWS SDK v3
 * clients talk to over HTTP on 127.0.0.1, with a fault chosen per request: answer, stall (read the request, never
 * answer), reset the connection, answer 500, or store the object and then reset (S3 stored it, the client never
 * heard). No account, no mock of the SDK: the clients' retry, timeout and parsing code all run.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = 'ok' | 'stall' | 'reset' | 'error500' | 'store-then-reset';
export const FAULTS: readonly Fault[] = ['ok', 'stall', 'reset', 'error500', 'store-then-reset'];

export interface LoopbackServer {
  readonly url: string;
  /** Requests received, faulty ones included. */
  readonly requests: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests++;
    void readBody(req).then(
      (body) => handler(req, res, body),
      () => res.destroy(),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function applyFault(fault: Fault, res: ServerResponse, errorBody: string, contentType: string): boolean {
  if (fault === 'stall') return true; // never answer; the socket stays open until the client gives up
  if (fault === 'reset' || fault === 'store-then-reset') {
    res.socket?.resetAndDestroy();
    return true;
  }
  if (fault === 'error500') {
    res.writeHead(500, { 'content-type': contentType });
    res.end(errorBody);
    return true;
  }
  return false;
}

/** The fields of a record the fault plan reads (the test puts its scenario label in `use_case`). */
export interface RecordSeen {
  readonly request_id: string;
  readonly event: string;
  readonly use_case: string | null;
}

/** Fake S3: objects by key; `faultFor(record, attempt)` picks the behaviour of each PUT. */
export async function startLoopbackS3(faultFor: (record: RecordSeen, attempt: number) => Fault) {
  const objects = new Map<string, string>();
  const attempts = new Map<string, number>();
  const server = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Path style: /<bucket>/<key>
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    if (req.method !== 'PUT') {
      res.writeHead(405).end();
      return;
    }
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const fault = faultFor(JSON.parse(body) as RecordSeen, attempt);
    if (fault === 'store-then-reset' && !objects.has(key)) objects.set(key, body);
    const xml =
      '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>';
    if (applyFault(fault, res, xml, 'application/xml')) return;
    if (objects.has(key) && req.headers['if-none-match'] === '*') {
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
      );
      return;
    }
    objects.set(key, body);
    res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
    res.end();
  });
  return { ...server, objects, url: server.url, close: server.close, requestCount: () => server.requests };
}

/** Fake SQS: message bodies sent; `faultFor(record, attempt)` picks the behaviour of each SendMessage. */
export async function startLoopbackSqs(faultFor: (record: RecordSeen, attempt: number) => Fault) {
  const messages: string[] = [];
  const attempts = new Map<string, number>();
  const server = await listen((req, res, body) => {
    const target = req.headers['x-amz-target'];
    if (target !== 'AmazonSQS.SendMessage') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: String(target) }));
      return;
    }
    const input = JSON.parse(body) as { MessageBody: string };
    const record = (JSON.parse(input.MessageBody) as { record: RecordSeen }).record;
    const attempt = (attempts.get(record.request_id) ?? 0) + 1;
    attempts.set(record.request_id, attempt);
    const fault = faultFor(record, attempt);
    if (fault === 'store-then-reset') messages.push(input.MessageBody);
    const error = JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'internal error' });
    if (applyFault(fault, res, error, 'application/x-amz-json-1.0')) return;
    messages.push(input.MessageBody);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex'),
      }),
    );
  });
  return { ...server, messages, url: server.url, close: server.close, requestCount: () => server.requests };
}
