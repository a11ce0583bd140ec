import {
  type AuthorizerDenial,
  type AuthorizerLogger,
  denyReasonOf,
  makeAuthorizer,
  stageWideResource,
} from '../../../lambdas/authorizer/handler';
import { StaticTenantAuthDirectory, tenantKeyEntries } from '../../../lambdas/shared/auth/auth-directory';
import { CognitoAccessTokenVerifier } from '../../../lambdas/shared/auth/cognito-access-token-verifier';
import { DENY_REASON_VALUES } from '../../../lambdas/shared/observability/metric-names';
import { DENY_REASONS } from '../../../lambdas/shared/policy/evaluate';
import { accessToken, authorizerEvent, METHOD_ARN, REQUEST_ID, signingKey, USER_POOL_ID } from './fixtures';

const ACME_KEY = 'acmeKeyCurrent0000000000000000000000000000000000';
const ACME_OLD_KEY = 'acmeKeyPrevious000000000000000000000000000000000';
const GLOBEX_KEY = 'globexKey0000000000000000000000000000000000000000';
const USAGE = { acme: 'usageIdentifierAcme000000000000000000000', globex: 'usageIdentifierGlobex00000000000000000000' };

const key = signingKey();

function directory(acmeSecret: Record<string, string> = { currentId: 'k1', current: ACME_KEY }) {
  return new StaticTenantAuthDirectory({
    keyEntries: [
      ...tenantKeyEntries('acme', JSON.stringify(acmeSecret)),
      ...tenantKeyEntries('globex', JSON.stringify({ currentId: 'k1', current: GLOBEX_KEY })),
    ],
    usageIdentifiers: new Map(Object.entries(USAGE)),
    clients: new Map([['client-globex', 'globex']]),
  });
}

function verifier(): CognitoAccessTokenVerifier {
  const result = new CognitoAccessTokenVerifier({
    userPoolId: USER_POOL_ID,
    clientIds: ['client-globex', 'client-other'],
    scope: 'gateway/invoke',
  });
  result.cacheJwks(key.jwks);
  return result;
}

interface LogCall {
  readonly level: string;
  readonly message: string;
  readonly extra: Record<string, string>;
}

function recordingLogger(): AuthorizerLogger & { readonly calls: LogCall[] } {
  const calls: LogCall[] = [];
  const record = (level: string) => (message: string, extra: Record<string, string>) => {
    calls.push({ level, message, extra });
  };
  return { calls, info: record('info'), warn: record('warn'), error: record('error') };
}

const event = (headers: Record<string, string>) => authorizerEvent(headers);

function setup(options: { dir?: StaticTenantAuthDirectory; withTokens?: boolean } = {}) {
  const logger = recordingLogger();
  const dir = options.dir ?? directory();
  const authorize = makeAuthorizer({
    directory: async () => dir,
    accessTokens: options.withTokens === false ? null : verifier(),
    logger,
  });
  return { authorize, logger };
}

describe('authorizer: tenant keys', () => {
  it('allows a valid key in x-api-key with the tenant context and usage identifier', async () => {
    // Prepare
    const { authorize } = setup();
    // Act
    const result = await authorize(event({ 'x-api-key': ACME_KEY }));
    // Assess
    expect(result.context).toEqual({ tenantId: 'acme', principal: 'acme/k1' });
    expect(Object.keys(result.context).sort()).toEqual(['principal', 'tenantId']);
    expect(result.usageIdentifierKey).toBe(USAGE.acme);
    expect(result.principalId).toBe('acme/k1');
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:ap-south-1:111122223333:abcdef1234/prod/*',
      },
    ]);
  });

  it('allows a valid key sent as Authorization: Bearer (header names in any case)', async () => {
    const { authorize } = setup();
    const result = await authorize(event({ Authorization: `Bearer ${GLOBEX_KEY}` }));
    expect(result.context).toEqual({ tenantId: 'globex', principal: 'globex/k1' });
    expect(result.usageIdentifierKey).toBe(USAGE.globex);
  });

  it.each([
    ['a wrong key', { 'x-api-key': 'not-a-tenant-key-000000000000000000000000000000' }],
    ['a prefix of a valid key', { 'x-api-key': ACME_KEY.slice(0, -1) }],
    ['a valid key with a suffix', { 'x-api-key': `${ACME_KEY}0` }],
    ['no credential', {}],
    ['an empty x-api-key', { 'x-api-key': '   ' }],
    ['a non-Bearer Authorization', { authorization: `Basic ${ACME_KEY}` }],
  ])('answers Unauthorized for %s without logging', async (_name, headers) => {
    const { authorize, logger } = setup();
    await expect(authorize(event(headers))).rejects.toThrow(/^Unauthorized$/);
    expect(logger.calls).toEqual([]);
  });

  it('accepts both keys during a rotation and rejects the old key once previous is removed', async () => {
    // Prepare: rotation under way (k2 current, k1 previous)
    const rotating = setup({
      dir: directory({
        currentId: 'k2',
        current: GLOBEX_KEY.replace('globex', 'acmeK2'),
        previousId: 'k1',
        previous: ACME_KEY,
      }),
    });
    // Act + Assess
    await expect(rotating.authorize(event({ 'x-api-key': ACME_KEY }))).resolves.toMatchObject({
      context: { tenantId: 'acme', principal: 'acme/k1' },
    });
    await expect(
      rotating.authorize(event({ 'x-api-key': GLOBEX_KEY.replace('globex', 'acmeK2') })),
    ).resolves.toMatchObject({ context: { tenantId: 'acme', principal: 'acme/k2' } });

    // Prepare: rotation finished (previous removed)
    const rotated = setup({ dir: directory({ currentId: 'k2', current: ACME_OLD_KEY }) });
    // Act + Assess: the rotated-out key no longer works, the new one does
    await expect(rotated.authorize(event({ 'x-api-key': ACME_KEY }))).rejects.toThrow('Unauthorized');
    await expect(rotated.authorize(event({ 'x-api-key': ACME_OLD_KEY }))).resolves.toMatchObject({
      context: { principal: 'acme/k2' },
    });
  });

  it('fails as a server error (not a 401) when a verified tenant has no usage identifier', async () => {
    const dir = new StaticTenantAuthDirectory({
      keyEntries: tenantKeyEntries('acme', JSON.stringify({ current: ACME_KEY })),
      usageIdentifiers: new Map(),
      clients: new Map(),
    });
    const { authorize, logger } = setup({ dir });
    await expect(authorize(event({ 'x-api-key': ACME_KEY }))).rejects.toThrow('authorizer configuration error');
    expect(logger.calls).toEqual([
      { level: 'error', message: 'no usage identifier for tenant', extra: { tenantId: 'acme' } },
    ]);
  });
});

describe('authorizer: OAuth2 client-credentials access tokens', () => {
  it('allows a valid Cognito access token and maps its client to the tenant', async () => {
    const { authorize, logger } = setup();
    const result = await authorize(event({ authorization: `Bearer ${accessToken(key)}` }));
    expect(result.context).toEqual({ tenantId: 'globex', principal: 'client-globex' });
    expect(result.usageIdentifierKey).toBe(USAGE.globex);
    expect(logger.calls).toEqual([]);
  });

  it.each([
    [
      'in x-api-key and Authorization: Bearer (Claude Code apiKeyHelper)',
      (t: string) => ({ 'x-api-key': t, authorization: `Bearer ${t}` }),
    ],
    ['in x-api-key alone', (t: string) => ({ 'x-api-key': t })],
  ])('allows a valid access token sent %s', async (_label, headers) => {
    const { authorize } = setup();
    const result = await authorize(event(headers(accessToken(key))));
    expect(result.context).toEqual({ tenantId: 'globex', principal: 'client-globex' });
  });

  it('refuses an expired token of a known client and logs the tenant, never the token', async () => {
    // Prepare
    const { authorize, logger } = setup();
    const expired = accessToken(key, { exp: Math.floor(Date.now() / 1000) - 60 });
    // Act + Assess
    await expect(authorize(event({ authorization: `Bearer ${expired}` }))).rejects.toThrow(/^Unauthorized$/);
    expect(logger.calls).toEqual([
      {
        level: 'warn',
        message: 'known tenant denied',
        extra: { tenantId: 'globex', principal: 'client-globex', reason: 'expired' },
      },
    ]);
    expect(JSON.stringify(logger.calls)).not.toContain(expired.split('.')[2]);
  });

  it('refuses a token without the gateway/invoke scope (known tenant, logged)', async () => {
    const { authorize, logger } = setup();
    const token = accessToken(key, { scope: 'other/read' });
    await expect(authorize(event({ authorization: `Bearer ${token}` }))).rejects.toThrow('Unauthorized');
    expect(logger.calls[0]?.extra.reason).toBe('missing_scope');
  });

  it.each([
    ['another app client (wrong audience)', { client_id: 'client-of-someone-else', sub: 'client-of-someone-else' }],
    ['another user pool (wrong issuer)', { iss: 'https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_Other' }],
    ['an ID token instead of an access token', { token_use: 'id' }],
  ])('refuses a token from %s', async (_name, claims) => {
    const { authorize } = setup();
    await expect(authorize(event({ authorization: `Bearer ${accessToken(key, claims)}` }))).rejects.toThrow(
      /^Unauthorized$/,
    );
  });

  it('refuses a token of a configured client that maps to no tenant, with a warning naming the client', async () => {
    const { authorize, logger } = setup();
    const token = accessToken(key, { client_id: 'client-other', sub: 'client-other' });
    await expect(authorize(event({ authorization: `Bearer ${token}` }))).rejects.toThrow('Unauthorized');
    expect(logger.calls).toEqual([
      {
        level: 'warn',
        message: 'access token of a client that maps to no tenant',
        extra: { clientId: 'client-other' },
      },
    ]);
  });

  it('refuses a forged token (same kid, other key) and does not trust its claims for logging', async () => {
    const { authorize, logger } = setup();
    const forged = accessToken(signingKey(), { exp: Math.floor(Date.now() / 1000) - 60 });
    await expect(authorize(event({ authorization: `Bearer ${forged}` }))).rejects.toThrow('Unauthorized');
    expect(logger.calls).toEqual([]);
  });

  it.each([
    ['three garbage parts', 'abc.def.ghi'],
    ['an unsigned token', `${accessToken(key).split('.').slice(0, 2).join('.')}.`],
    ['an unknown kid', accessToken(key, {}, { kid: 'unknown-kid' })],
  ])('refuses a malformed token: %s', async (_name, token) => {
    const { authorize } = setup();
    await expect(authorize(event({ authorization: `Bearer ${token}` }))).rejects.toThrow(/^Unauthorized$/);
  });

  it('treats a JWT as a (wrong) key when no tenant uses OAuth2', async () => {
    const { authorize } = setup({ withTokens: false });
    await expect(authorize(event({ authorization: `Bearer ${accessToken(key)}` }))).rejects.toThrow('Unauthorized');
  });
});

describe('authorizer: denied audit records of known tenants', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  function recordingSetup(
    options: { dir?: StaticTenantAuthDirectory; recordDenial?: (denial: AuthorizerDenial) => Promise<void> } = {},
  ) {
    const logger = recordingLogger();
    const denials: AuthorizerDenial[] = [];
    let clock = 1_000;
    const authorize = makeAuthorizer({
      directory: async () => options.dir ?? directory(),
      accessTokens: verifier(),
      logger,
      recordDenial:
        options.recordDenial ??
        (async (denial) => {
          denials.push(denial);
        }),
      now: () => {
        clock += 7;
        return clock;
      },
    });
    return { authorize, logger, denials };
  }

  it('records exactly one denial for an expired token of a known client, never the token', async () => {
    // Prepare
    const { authorize, denials, logger } = recordingSetup();
    const expired = accessToken(key, { exp: nowSeconds() - 60 });
    // Act
    await expect(authorize(authorizerEvent(bearer(expired), METHOD_ARN, REQUEST_ID))).rejects.toThrow(/^Unauthorized$/);
    // Assess
    expect(denials).toEqual([
      {
        tenantId: 'globex',
        principal: 'client-globex',
        reason: 'authentication_expired',
        requestId: REQUEST_ID,
        operation: 'messages',
        latencyMs: 7,
      },
    ]);
    for (const part of expired.split('.')) {
      expect(JSON.stringify(denials)).not.toContain(part);
      expect(JSON.stringify(logger.calls)).not.toContain(part);
    }
  });

  it.each([
    ['a token without the gateway/invoke scope', { scope: 'other/read' }, 'authentication_scope_missing'],
    ['a token that is not yet valid', { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'authentication_failed'],
  ])('records %s of a known client with its reason', async (_name, claims, reason) => {
    const { authorize, denials } = recordingSetup();
    await expect(authorize(authorizerEvent(bearer(accessToken(key, claims)), METHOD_ARN, REQUEST_ID))).rejects.toThrow(
      /^Unauthorized$/,
    );
    expect(denials).toEqual([expect.objectContaining({ tenantId: 'globex', principal: 'client-globex', reason })]);
  });

  it('records the count_tokens operation for POST /v1/messages/count_tokens', async () => {
    const { authorize, denials } = recordingSetup();
    const expired = accessToken(key, { exp: nowSeconds() - 60 });
    const event = authorizerEvent(bearer(expired), METHOD_ARN, REQUEST_ID, '/v1/messages/count_tokens');
    await expect(authorize(event)).rejects.toThrow(/^Unauthorized$/);
    expect(denials.map((denial) => denial.operation)).toEqual(['count_tokens']);
  });

  it.each([
    ['no credential', {}],
    ['a wrong key', { 'x-api-key': 'not-a-tenant-key-000000000000000000000000000000' }],
    ['a rotated-out key (it names no tenant once removed)', { 'x-api-key': ACME_KEY }],
    ['garbage in three parts', bearer('abc.def.ghi')],
    ['a token of another app client', bearer(accessToken(key, { client_id: 'client-of-someone-else' }))],
    [
      'an expired token of a configured client that maps to no tenant',
      bearer(accessToken(key, { client_id: 'client-other', exp: Math.floor(Date.now() / 1000) - 60 })),
    ],
    [
      'a forged expired token (same kid, other key)',
      bearer(accessToken(signingKey(), { exp: Math.floor(Date.now() / 1000) - 60 })),
    ],
    [
      'a token from another user pool',
      bearer(accessToken(key, { iss: 'https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_Other' })),
    ],
  ])('answers Unauthorized for %s and records nothing', async (_name, headers) => {
    // Prepare: acme has rotated to k2, so ACME_KEY is a removed key
    const { authorize, denials } = recordingSetup({ dir: directory({ currentId: 'k2', current: ACME_OLD_KEY }) });
    // Act + Assess
    await expect(authorize(authorizerEvent(headers, METHOD_ARN, REQUEST_ID))).rejects.toThrow(/^Unauthorized$/);
    expect(denials).toEqual([]);
  });

  it('records nothing for valid credentials', async () => {
    const { authorize, denials } = recordingSetup();
    await authorize(authorizerEvent({ 'x-api-key': ACME_KEY }, METHOD_ARN, REQUEST_ID));
    await authorize(authorizerEvent(bearer(accessToken(key)), METHOD_ARN, REQUEST_ID));
    expect(denials).toEqual([]);
  });

  it.each([
    ['rejects', async () => Promise.reject(new Error(`s3 said no for ${REQUEST_ID}`))],
    [
      'throws synchronously',
      (() => {
        throw new TypeError('boom');
      }) as (denial: AuthorizerDenial) => Promise<void>,
    ],
  ])('still answers Unauthorized when the recorder %s, and logs who without the credential', async (_name, fail) => {
    // Prepare
    const { authorize, logger } = recordingSetup({ recordDenial: fail });
    const expired = accessToken(key, { exp: nowSeconds() - 60 });
    // Act
    await expect(authorize(authorizerEvent(bearer(expired), METHOD_ARN, REQUEST_ID))).rejects.toThrow(/^Unauthorized$/);
    // Assess
    expect(logger.calls.at(-1)).toEqual({
      level: 'error',
      message: 'denied audit record not written',
      extra: {
        tenantId: 'globex',
        principal: 'client-globex',
        requestId: REQUEST_ID,
        errorName: expect.stringMatching(/^(Error|TypeError)$/),
      },
    });
    expect(JSON.stringify(logger.calls)).not.toContain(expired.split('.')[2]);
  });

  it.each([
    ['no request id', undefined],
    ['a request id the audit schema refuses', 'short'],
  ])('does not record (but still refuses) with %s', async (_name, requestId) => {
    const { authorize, denials, logger } = recordingSetup();
    const expired = accessToken(key, { exp: nowSeconds() - 60 });
    await expect(authorize(authorizerEvent(bearer(expired), METHOD_ARN, requestId))).rejects.toThrow(/^Unauthorized$/);
    expect(denials).toEqual([]);
    expect(logger.calls.at(-1)).toEqual({
      level: 'error',
      message: 'denied audit record not written: no valid request id',
      extra: { tenantId: 'globex', principal: 'client-globex' },
    });
  });

  it('maps every token rejection to one of the policy deny reasons (valid metric dimensions)', () => {
    const rejections = [
      'malformed',
      'bad_signature',
      'wrong_issuer',
      'expired',
      'not_yet_valid',
      'wrong_token_use',
      'wrong_client',
      'missing_scope',
      'keys_unavailable',
      'invalid',
    ] as const;
    for (const rejection of rejections) expect(DENY_REASON_VALUES).toContain(denyReasonOf(rejection));
    expect(denyReasonOf('expired')).toBe(DENY_REASONS.authenticationExpired);
    expect(denyReasonOf('missing_scope')).toBe(DENY_REASONS.authenticationScopeMissing);
    expect(denyReasonOf('wrong_token_use')).toBe(DENY_REASONS.authenticationFailed);
  });
});

describe('stageWideResource', () => {
  it('widens a method ARN to every route of the same API and stage', () => {
    expect(stageWideResource(METHOD_ARN)).toBe('arn:aws:execute-api:ap-south-1:111122223333:abcdef1234/prod/*');
  });

  it('rejects an unexpected ARN', () => {
    expect(() => stageWideResource('arn:aws:execute-api:ap-south-1:1:abc')).toThrow('unexpected methodArn');
  });
});
