/**
 * The hostile-input corpus, generated (nothing hand-listed that a generator can produce): sizes, nesting,
 * encodings, odd headers, path and percent tricks, every feature name of the ZDR table that is not ZDR-eligible
 * with its case and spelling variants, and malformed Messages shapes. Every input carries CANARY (and a raw PII
 * value) somewhere the gateway might echo, so a test can assert that no raw request value reappears in an error.
 */
import tableJson from '../../lambdas/shared/policy/zdr-features.json';

/** Marks client-supplied text; must never come back in an error body. */
export const CANARY = 'zqcanary7x';
/** A raw PII value sent with the canary (e-mail: any echo of it is a leak). */
export const CANARY_EMAIL = 'leak.check.7x@example.org';
export const TAINT = `${CANARY}-${CANARY_EMAIL}`;

export interface HostileInput {
  readonly label: string;
  readonly method: string;
  /** Raw request target (not normalised by a URL parser). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

interface ZdrName {
  readonly kind: string;
  readonly name?: string;
  readonly prefix?: string;
  readonly feature: string;
}

const table = tableJson as unknown as {
  readonly features: ReadonlyArray<{ readonly id: string; readonly zdr: string }>;
  readonly names: readonly ZdrName[];
};

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'sonnet',
  max_tokens: 16,
  messages: [{ role: 'user', content: `hello ${TAINT}` }],
  ...extra,
});

const post = (label: string, body: Buffer | string, headers: Record<string, string> = {}, path = '/v1/messages') => ({
  label,
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

const json = (label: string, value: unknown, headers: Record<string, string> = {}, path?: string): HostileInput =>
  post(label, JSON.stringify(value), headers, path);

/** Case and spelling variants of a feature name (the gateway must neither crash nor be fooled by them). */
export function nameVariants(name: string): string[] {
  const variants = new Set([
    name,
    name.toUpperCase(),
    name.charAt(0).toUpperCase() + name.slice(1),
    name.replace(/_/g, '-'),
    name.replace(/-/g, '_'),
    ` ${name} `,
    `${name}\u200b`,
    name.replace(/e/g, '\u0435'), // Cyrillic e
    `${name}_${CANARY}`,
  ]);
  return [...variants];
}

/** A request that uses one feature name of the table in the place its kind names. */
function featureRequest(entry: ZdrName, name: string): HostileInput | undefined {
  const label = `feature ${entry.kind}:${JSON.stringify(name)} (${entry.feature})`;
  switch (entry.kind) {
    case 'beta':
      return json(label, base(), { 'anthropic-beta': name });
    case 'field':
      return json(label, base({ [name]: { type: 'url', url: `https://${CANARY}.example`, name: TAINT } }));
    case 'tool':
      return json(label, base({ tools: [{ type: name, name: `t_${CANARY}` }] }));
    case 'context_edit':
      return json(label, base({ context_management: { edits: [{ type: name }] } }));
    case 'block':
      return json(
        label,
        base({
          messages: [
            { role: 'user', content: [{ type: name, text: TAINT, source: { type: 'file', file_id: TAINT } }] },
          ],
        }),
      );
    case 'source':
      return json(
        label,
        base({
          messages: [
            { role: 'user', content: [{ type: 'document', source: { type: name, file_id: TAINT, data: TAINT } }] },
          ],
        }),
      );
    case 'endpoint':
      return json(label, base(), {}, name);
    default:
      return undefined;
  }
}

function nested(depth: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

/** Builds JSON text nested `depth` deep without JSON.stringify (which itself recurses). */
function nestedArrayText(depth: number, leaf: string): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

export function hostileCorpus(): HostileInput[] {
  const corpus: HostileInput[] = [];
  const add = (input: HostileInput | undefined): void => {
    if (input) corpus.push(input);
  };

  // Sizes.
  for (const bytes of [0, 1, 1_024, 1 << 20, 5 << 20, 21 << 20]) {
    add(post(`junk body of ${bytes} bytes`, Buffer.alloc(bytes, 0x7b)));
  }
  for (const chars of [1 << 20, 19 << 20]) {
    add(
      json(
        `valid request with ${chars} characters of text`,
        base({ messages: [{ role: 'user', content: `${TAINT} ${'a'.repeat(chars)}` }] }),
      ),
    );
  }
  add(
    json(
      '21 MB valid JSON (over the body limit)',
      base({ messages: [{ role: 'user', content: `${TAINT}${'b'.repeat(21 << 20)}` }] }),
    ),
  );

  // Nesting: raw JSON text in several places, iteratively built.
  for (const depth of [10, 100, 1_000, 10_000, 100_000]) {
    const deep = nestedArrayText(depth, JSON.stringify(TAINT));
    add(post(`body nested ${depth} deep`, deep));
    add(
      post(
        `content nested ${depth} deep`,
        `{"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":${deep}}]}`,
      ),
    );
    add(
      post(
        `tool_use input nested ${depth} deep`,
        `{"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"a":${deep}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]}`,
      ),
    );
    add(
      post(
        `metadata nested ${depth} deep`,
        `{"model":"sonnet","max_tokens":16,"metadata":${deep},"messages":[{"role":"user","content":"hi"}]}`,
      ),
    );
    add(
      post(
        `tool_result content nested ${depth} deep (objects)`,
        `{"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":${'[{"type":"tool_result","tool_use_id":"t","content":'.repeat(Math.min(depth, 20_000))}"x"${'}]'.repeat(Math.min(depth, 20_000))}}]}]}`,
      ),
    );
  }
  add(
    json(
      'system nested objects 50 deep',
      base({ system: nested(50, TAINT, (inner) => [{ type: 'text', text: inner }]) }),
    ),
  );

  // Counts.
  for (const n of [10_000, 100_001]) {
    add(
      json(
        `${n} messages`,
        base({ messages: Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' })) }),
      ),
    );
  }
  add(
    json(
      '200,000 content blocks',
      base({
        messages: [{ role: 'user', content: Array.from({ length: 200_000 }, () => ({ type: 'text', text: 'y' })) }],
      }),
    ),
  );
  add(
    json(
      '10,000 tools',
      base({ tools: Array.from({ length: 10_000 }, (_, i) => ({ name: `t${i}`, input_schema: { type: 'object' } })) }),
    ),
  );

  // Encodings.
  add(
    post(
      'invalid UTF-8 bytes',
      Buffer.concat([
        Buffer.from('{"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":"'),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe]),
        Buffer.from(`${TAINT}"}]}`),
      ]),
    ),
  );
  add(
    post(
      'UTF-16LE body with BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(base()), 'utf16le')]),
    ),
  );
  add(post('UTF-8 BOM before JSON', `\ufeff${JSON.stringify(base())}`));
  add(
    post(
      'lone surrogate escapes',
      `{"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":"\\ud800 \\udfff ${TAINT}"}]}`,
    ),
  );
  add(
    post(
      'NUL and control characters',
      JSON.stringify(base({ messages: [{ role: 'user', content: `\u0000\u0001\u001b[2J${TAINT}` }] })),
    ),
  );
  add(
    post(
      'duplicate keys',
      `{"model":"sonnet","model":"${TAINT}","max_tokens":16,"messages":[{"role":"user","content":"x"}]}`,
    ),
  );
  add(
    post(
      '__proto__ and constructor keys',
      `{"__proto__":{"polluted":"${TAINT}"},"constructor":{"prototype":{"x":1}},"model":"sonnet","max_tokens":16,"messages":[{"role":"user","content":"x"}]}`,
    ),
  );
  for (const text of [
    'null',
    '[]',
    '"string"',
    '42',
    'true',
    '{',
    '{"model":',
    `{"model":"sonnet"}${TAINT}`,
    '1e400',
    '{"max_tokens":1e400}',
  ]) {
    add(post(`JSON ${JSON.stringify(text).slice(0, 40)}`, text));
  }
  for (const contentType of [
    'text/plain',
    'application/json; charset=latin1',
    'application/x-www-form-urlencoded',
    `${TAINT}/json`,
  ]) {
    add(json(`content-type ${contentType}`, base(), { 'content-type': contentType }));
  }
  add(json('content-encoding gzip on a plain body', base(), { 'content-encoding': 'gzip' }));

  // Field values.
  for (const model of [
    TAINT,
    '',
    ' ',
    'a'.repeat(10_000),
    `claude-${CANARY_EMAIL}`,
    '../../etc/passwd',
    'SONNET',
    'sonnet\u0000',
  ]) {
    add(json(`model ${JSON.stringify(model).slice(0, 30)}`, base({ model })));
  }
  for (const maxTokens of [-1, 0, 1.5, 1e30, '16', null, Number.MAX_SAFE_INTEGER + 2]) {
    add(json(`max_tokens ${String(maxTokens)}`, base({ max_tokens: maxTokens })));
  }
  for (const role of ['system', 'tool', TAINT, '', null]) {
    add(json(`role ${String(role)}`, base({ messages: [{ role, content: 'x' }] })));
  }
  for (const type of [
    'image',
    'document',
    'search_result',
    'thinking',
    'redacted_thinking',
    'server_tool_use',
    TAINT,
  ]) {
    add(
      json(
        `content block ${type} with bad fields`,
        base({ messages: [{ role: 'user', content: [{ type, source: TAINT, text: 7 }] }] }),
      ),
    );
  }

  // Headers.
  const headerCases: Array<[string, Record<string, string>]> = [
    ['8 KB x-use-case', { 'x-use-case': `${TAINT}${'u'.repeat(8_000)}` }],
    ['PII x-use-case', { 'x-use-case': TAINT }],
    ['PII x-end-user', { 'x-end-user': TAINT }],
    ['long x-end-user', { 'x-end-user': `${TAINT}${'e'.repeat(4_000)}` }],
    ['unknown x-data-classification', { 'x-data-classification': TAINT }],
    ['RESTRICTED classification', { 'x-data-classification': 'restricted' }],
    [
      '1,000 anthropic-beta entries',
      { 'anthropic-beta': Array.from({ length: 1_000 }, (_, i) => `b${i}-${CANARY}`).join(',') },
    ],
    ['garbage anthropic-version', { 'anthropic-version': TAINT }],
    ['x-api-key and bearer both', { authorization: `Bearer ${TAINT}` }],
    ['odd header names', { 'x-\u00e9t\u00e9': 'v', [`x-${CANARY}`]: TAINT }],
  ];
  for (const [label, headers] of headerCases) add(json(`header: ${label}`, base(), headers));

  // Paths and percent tricks.
  const paths = [
    '/v1/messages/',
    '//v1/messages',
    '/v1/./messages',
    '/v1/../v1/messages',
    '/V1/MESSAGES',
    '/v1/messages%2f',
    '/v1/messages?beta=true&x=%',
    '/v1/messages/count_tokens/',
    `/v1/${CANARY}`,
    `/v1/models/${TAINT}`,
    '/v1/models/%',
    '/v1/models/%zz',
    '/v1/models/%E0%A4',
    '/v1/models/%00',
    '/v1/models/..%2f..%2fetc',
    '/v1/models/%25%',
    `/v1/models/${'%41'.repeat(5_000)}`,
    `/${'a'.repeat(10_000)}`,
    '/v1/messages#frag',
    '/v1/models?limit=%&after_id=%zz',
  ];
  for (const path of paths) {
    corpus.push({ label: `GET ${path.slice(0, 60)}`, method: 'GET', path, headers: {}, body: '' });
    add(json(`POST ${path.slice(0, 60)}`, base(), {}, path));
  }
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD']) {
    corpus.push({ label: `${method} /v1/messages`, method, path: '/v1/messages', headers: {}, body: '' });
  }

  // Every feature name that is not ZDR-eligible, and its variants.
  const notEligible = new Set(table.features.filter((f) => f.zdr !== 'eligible').map((f) => f.id));
  for (const entry of table.names) {
    if (!notEligible.has(entry.feature)) continue;
    const name = entry.name ?? `${entry.prefix ?? ''}2099-01-01`;
    for (const variant of nameVariants(name)) add(featureRequest(entry, variant));
  }
  return corpus;
}

/** The non-ZDR-eligible names exactly as the table spells them (a tenant without opt-ins must be refused). */
export function exactNonZdrRequests(): HostileInput[] {
  const notEligible = new Set(table.features.filter((f) => f.zdr === 'not_eligible').map((f) => f.id));
  return table.names
    .filter((entry) => notEligible.has(entry.feature) && entry.name !== undefined && entry.kind !== 'endpoint')
    .map((entry) => featureRequest(entry, entry.name ?? ''))
    .filter((input): input is HostileInput => input !== undefined);
}
