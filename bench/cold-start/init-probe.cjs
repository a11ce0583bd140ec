'use strict';
/**
 * Child process of `npm run bench:cold-start`: requires one built asset, as the Lambda runtime loads a handler
 * module, and writes one JSON line to fd 3: init time, memory, whether the export is a function, and every
 * network connection the module attempted during init or in the settle time after it.
 *
 * Plain CommonJS on purpose: a TypeScript loader would sit in every `require` the bundle makes.
 * Connections are recorded and refused before any DNS lookup (net.Socket#connect underlies http, https, tls
 * and fetch), so init that calls AWS fails fast here, and the bench reports it.
 *
 * argv: <asset index.js> <export name> <settle ms>
 */
const { writeSync } = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const [assetPath, exportName, settleArg] = process.argv.slice(2);
const settleMs = Number(settleArg ?? '150');
const connections = [];
let startedAt = performance.now();

net.Socket.prototype.connect = function refuseConnect(...args) {
  // Internal callers pass the normalized [options, callback] array as the only argument.
  const normalized = Array.isArray(args[0]) ? args[0] : args;
  const first = normalized[0];
  const target =
    typeof first === 'object' && first !== null
      ? `${first.host ?? first.path ?? '?'}:${first.port ?? ''}`
      : `${normalized[1] ?? 'localhost'}:${first}`;
  connections.push({ target, atMs: Math.round(performance.now() - startedAt) });
  process.nextTick(() => this.destroy(new Error(`bench:cold-start refused a connection to ${target}`)));
  return this;
};

// The Node.js Lambda runtime provides this global to response-streaming functions (see lambdas/proxy/awslambda.d.ts).
globalThis.awslambda = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: { from: (stream) => stream },
};

let initMs = 0;
let exportIsFunction = false;
let error;
try {
  startedAt = performance.now();
  const loaded = require(assetPath);
  initMs = performance.now() - startedAt;
  exportIsFunction = typeof loaded[exportName] === 'function';
} catch (caught) {
  initMs = performance.now() - startedAt;
  error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
}
const memory = process.memoryUsage();

setTimeout(() => {
  const result = { initMs, exportIsFunction, error, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, connections };
  writeSync(3, `${JSON.stringify(result)}\n`);
  process.exit(0);
}, settleMs);
