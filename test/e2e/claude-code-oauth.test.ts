/**
 * OAuth2 tenants with Claude Code: the shipped `apiKeyHelper` (scripts/claude-code-api-key-helper.sh) fetches a
 * client-credentials token from a Cognito-shaped token endpoint on loopback, Claude Code sends it as it sends any
 * helper output (x-api-key AND Authorization: Bearer), and the gateway's real authorizer must accept it.
 *
 * The stand-in for API Gateway runs the production authorizer (makeAuthorizer, CognitoAccessTokenVerifier with
 * the test JWKS cached, so no network) on each request and answers the model call itself once allowed: what is
 * under test is the credential path, which `npm run dev` does not have (it checks local keys in-process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AuthorizerContext, makeAuthorizer } from '../../lambdas/authorizer/handler';
import { StaticTenantAuthDirectory } from '../../lambdas/shared/auth/auth-directory';
import { CognitoAccessTokenVerifier } from '../../lambdas/shared/auth/cognito-access-token-verifier';
import { E2E_CLIENTS, ensureE2eClient } from '../../scripts/e2e-setup';
import { accessToken, authorizerEvent, signingKey, USER_POOL_ID } from '../lambdas/authorizer/fixtures';
import { runClaude } from './claude-code-harness';

const HELPER = resolve(__dirname, '..', '..', 'scripts', 'claude-code-api-key-helper.sh');
const CLIENT_ID = 'client-globex';
const CLIENT_SECRET = 'globexclientsecret0123456789abcdefghijklmnop';
const SCOPE = 'gateway/invoke';
const ANSWER = 'Hello through the authorizer.';
const key = signingKey();

interface Listening {
  readonly server: Server;
  readonly url: string;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Listening> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = (res: ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

/** Cognito's /oauth2/token for the client-credentials grant: HTTP Basic client auth, form body, one-hour tokens. */
const tokenRequests: Array<{ grant: string | null; scope: string | null }> = [];
function tokenEndpoint(req: IncomingMessage, res: ServerResponse, body: string): void {
  const form = new URLSearchParams(body);
  tokenRequests.push({ grant: form.get('grant_type'), scope: form.get('scope') });
  const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
  if (req.method !== 'POST' || req.headers.authorization !== `Basic ${basic}`) {
    json(res, 400, { error: 'invalid_client' });
    return;
  }
  if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== SCOPE) {
    json(res, 400, { error: 'invalid_request' });
    return;
  }
  json(res, 200, {
    access_token: accessToken(key, { client_id: CLIENT_ID, sub: CLIENT_ID, scope: SCOPE }),
    expires_in: 3600,
    token_type: 'Bearer',
  });
}

const authorize = makeAuthorizer({
  directory: async () =>
    new StaticTenantAuthDirectory({
      keyEntries: [],
      usageIdentifiers: new Map([['globex', 'usageIdentifierGlobex00000000000000000000']]),
      clients: new Map([[CLIENT_ID, 'globex']]),
    }),
  accessTokens: (() => {
    const verifier = new CognitoAccessTokenVerifier({ userPoolId: USER_POOL_ID, clientIds: [CLIENT_ID], scope: SCOPE });
    verifier.cacheJwks(key.jwks);
    return verifier;
  })(),
  logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
});

/** API Gateway in front of the proxy: the authorizer decides; an allowed call gets a minimal streamed answer. */
const allowed: AuthorizerContext[] = [];
const seenHeaders: Array<Record<string, string | string[] | undefined>> = [];
function apiGateway(req: IncomingMessage, res: ServerResponse): void {
  seenHeaders.push(req.headers);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  authorize(authorizerEvent(headers))
    .then((result) => {
      allowed.push(result.context);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (data: Record<string, unknown> & { type: string }): string =>
        `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
      const usage = { input_tokens: 5, output_tokens: 5 };
      res.end(
        event({
          type: 'message_start',
          message: { id: 'msg_oauth', type: 'message', role: 'assistant', model: 'claude-opus-5-5', content: [] },
          usage,
        }) +
          event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
          event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ANSWER } }) +
          event({ type: 'content_block_stop', index: 0 }) +
          event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage }) +
          event({ type: 'message_stop' }),
      );
    })
    .catch(() => json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'Unauthorized' } }));
}

let cognito: Listening;
let gateway: Listening;
let secrets: string;
let secretFile: string;

beforeAll(async () => {
  ensureE2eClient(E2E_CLIENTS.claudeCode);
  cognito = await listen(tokenEndpoint);
  gateway = await listen(apiGateway);
  secrets = mkdtempSync(join(tmpdir(), 'helper-secret-'));
  secretFile = join(secrets, 'client-secret');
  writeFileSync(secretFile, `${CLIENT_SECRET}\n`, { mode: 0o600 });
}, 120_000);

afterAll(async () => {
  for (const { server } of [cognito, gateway]) {
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
  }
  if (secrets) rmSync(secrets, { recursive: true, force: true });
});

const helperEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  GATEWAY_TOKEN_ENDPOINT: `${cognito.url}/oauth2/token`,
  GATEWAY_OAUTH_CLIENT_ID: CLIENT_ID,
  GATEWAY_OAUTH_CLIENT_SECRET_FILE: secretFile,
  ...overrides,
});

function runHelper(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      '/bin/sh',
      [HELPER],
      { env: { PATH: '/usr/bin:/bin', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('claude-code-api-key-helper.sh', () => {
  it('prints a client-credentials access token the authorizer accepts as a Bearer token', async () => {
    tokenRequests.length = 0;
    const result = await runHelper(helperEnv());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const token = result.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(tokenRequests).toEqual([{ grant: 'client_credentials', scope: SCOPE }]);
    const verdict = await authorize(authorizerEvent({ authorization: `Bearer ${token}` }));
    expect(verdict.context).toEqual({ tenantId: 'globex', principal: CLIENT_ID });
  });

  it.each([
    [
      'a wrong secret',
      { GATEWAY_OAUTH_CLIENT_SECRET_FILE: '', GATEWAY_OAUTH_CLIENT_SECRET: 'wrong' },
      /HTTP 400 \(invalid_client\)/,
    ],
    ['no endpoint', { GATEWAY_TOKEN_ENDPOINT: '' }, /GATEWAY_TOKEN_ENDPOINT is not set/],
    ['a plain-http endpoint', { GATEWAY_TOKEN_ENDPOINT: 'http://example.com/oauth2/token' }, /must be an https URL/],
    ['an unreachable endpoint', { GATEWAY_TOKEN_ENDPOINT: 'http://127.0.0.1:9/oauth2/token' }, /not reachable/],
  ])('fails with a message and no secret for %s', async (_name, overrides, message) => {
    const result = await runHelper(helperEnv(overrides));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain(CLIENT_SECRET);
  });
});

describe(`Claude Code ${E2E_CLIENTS.claudeCode.version} with the apiKeyHelper, through the authorizer`, () => {
  it('claude -p authenticates with the helper token (managed-settings style env) and the tenant is resolved', async () => {
    allowed.length = 0;
    seenHeaders.length = 0;
    tokenRequests.length = 0;
    const settings = {
      apiKeyHelper: `/bin/sh ${HELPER}`,
      env: { ...helperEnv(), CLAUDE_CODE_API_KEY_HELPER_TTL_MS: '3000000' },
    };
    const run = await runClaude(['-p', 'hello', '--settings', JSON.stringify(settings)], {
      baseUrl: gateway.url,
      timeoutMs: 20_000,
    });
    if (run.code !== 0) console.error(`claude exited ${run.code} after ${run.ms} ms: ${run.stdout} ${run.stderr}`);
    // Claude Code sends the helper's output in both headers (captured; see /work/notes/claude-code-requests.md).
    const sent = seenHeaders[0];
    expect(sent?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sent?.['x-api-key']).toBe(String(sent?.authorization).slice('Bearer '.length));
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect({ code: run.code, stdout: run.stdout.trim() }).toEqual({ code: 0, stdout: ANSWER });
    expect(allowed).toEqual([{ tenantId: 'globex', principal: CLIENT_ID }]);
  });
});
