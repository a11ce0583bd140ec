/** The composition root: environment in, Secrets Manager (mocked) read once, a working handler out. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type * as CognitoVerifierModule from '../../../lambdas/shared/auth/cognito-access-token-verifier';
import { accessToken, authorizerEvent, METHOD_ARN, REQUEST_ID, signingKey, USER_POOL_ID } from './fixtures';

const KEY = 'acmeKeyCurrent0000000000000000000000000000000000';
const USAGE = 'usageIdentifierAcme000000000000000000000';
const secretsManager = mockClient(SecretsManagerClient);

const event = (apiKey: string) => authorizerEvent({ 'X-Api-Key': apiKey });

const ENVIRONMENT = {
  GATEWAY_AUTH_DIRECTORY: JSON.stringify({ secretNamePrefix: 'gw/tenants/', tenants: [{ id: 'acme', apiKey: true }] }),
  GATEWAY_AUTH_REFRESH_SECONDS: '300',
  AWS_REGION: 'ap-south-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

describe('authorizer composition root', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    secretsManager.reset();
  });

  it('reads the tenant secrets once per cold start and authorizes with them', async () => {
    // Prepare
    Object.assign(process.env, ENVIRONMENT);
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'gw/tenants/acme/api-key' })
      .resolves({ SecretString: JSON.stringify({ currentId: 'k1', current: KEY }) })
      .on(GetSecretValueCommand, { SecretId: 'gw/tenants/acme/usage-identifier' })
      .resolves({ SecretString: USAGE });
    const { handler } = await import('../../../lambdas/authorizer/index');
    // Act
    const first = await handler(event(KEY));
    await expect(handler(event('wrong-key-00000000000000000000000000000000'))).rejects.toThrow('Unauthorized');
    // Assess
    expect(first.context).toEqual({ tenantId: 'acme', principal: 'acme/k1' });
    expect(first.usageIdentifierKey).toBe(USAGE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('writes a denied record to GATEWAY_AUDIT_BUCKET for a known tenant, none for unknown credentials', async () => {
    // Prepare: a fresh module registry (so the handler is rebuilt), the Cognito verifier preloaded with a test JWKS
    jest.resetModules();
    const key = signingKey();
    const verifierPath = '../../../lambdas/shared/auth/cognito-access-token-verifier';
    jest.doMock(verifierPath, () => {
      const actual = jest.requireActual<typeof CognitoVerifierModule>(verifierPath);
      class PreloadedVerifier extends actual.CognitoAccessTokenVerifier {
        constructor(options: CognitoVerifierModule.CognitoAccessTokenVerifierOptions) {
          super(options);
          this.cacheJwks(key.jwks);
        }
      }
      return { ...actual, CognitoAccessTokenVerifier: PreloadedVerifier };
    });
    Object.assign(process.env, ENVIRONMENT, {
      GATEWAY_AUTH_DIRECTORY: JSON.stringify({
        secretNamePrefix: 'gw/tenants/',
        tenants: [{ id: 'globex', apiKey: false, clientId: 'client-globex' }],
      }),
      GATEWAY_USER_POOL_ID: USER_POOL_ID,
      GATEWAY_AUDIT_BUCKET: 'audit-bucket-name',
    });
    // The SDK classes of the fresh registry are the ones the handler will use.
    const { SecretsManagerClient: Secrets, GetSecretValueCommand: GetSecret } = await import(
      '@aws-sdk/client-secrets-manager'
    );
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const secrets = mockClient(Secrets);
    const s3 = mockClient(S3Client);
    try {
      secrets.on(GetSecret, { SecretId: 'gw/tenants/globex/usage-identifier' }).resolves({ SecretString: USAGE });
      s3.on(PutObjectCommand).resolves({});
      const { handler } = await import('../../../lambdas/authorizer/index');
      const expired = accessToken(key, { exp: Math.floor(Date.now() / 1000) - 60 });
      const bearer = (token: string) => authorizerEvent({ Authorization: `Bearer ${token}` }, METHOD_ARN, REQUEST_ID);

      // Act: a known tenant's expired token, then unknown credentials
      await expect(handler(bearer(expired))).rejects.toThrow(/^Unauthorized$/);
      await expect(handler(bearer('abc.def.ghi'))).rejects.toThrow(/^Unauthorized$/);
      await expect(handler(event('wrong-key-00000000000000000000000000000000'))).rejects.toThrow(/^Unauthorized$/);
      // A valid token is still allowed
      await expect(handler(bearer(accessToken(key)))).resolves.toMatchObject({
        context: { tenantId: 'globex', principal: 'client-globex' },
      });

      // Assess: exactly one write-once PUT under audit/v1/, of a valid denied record without the token
      const puts = s3.commandCalls(PutObjectCommand);
      expect(puts).toHaveLength(1);
      const input = puts[0]?.args[0].input;
      expect(input).toMatchObject({
        Bucket: 'audit-bucket-name',
        Key: expect.stringMatching(
          new RegExp(`^audit/v1/dt=\\d{4}-\\d{2}-\\d{2}/tenant=globex/\\d{6}-${REQUEST_ID}-denied\\.json$`),
        ),
        IfNoneMatch: '*',
        ContentType: 'application/json',
      });
      const body = String(input?.Body);
      expect(JSON.parse(body)).toMatchObject({
        event: 'denied',
        request_id: REQUEST_ID,
        tenant_id: 'globex',
        principal: 'client-globex',
        deny_reason: 'authentication_expired',
        http_status: 401,
        error_type: 'authentication_error',
        policy_version: 'unknown',
      });
      for (const part of expired.split('.')) expect(body).not.toContain(part);

      // Act + Assess: S3 failing does not turn the 401 into a 500
      s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
      await expect(handler(bearer(expired))).rejects.toThrow(/^Unauthorized$/);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
    } finally {
      secrets.restore();
      s3.restore();
      jest.dontMock(verifierPath);
    }
  });

  it('refuses to authorize without its directory, and retries the load on the next call', async () => {
    jest.resetModules();
    delete process.env.GATEWAY_AUTH_DIRECTORY;
    delete process.env.GATEWAY_AUTH_DIRECTORY_SECRET_ARN;
    const { handler } = await import('../../../lambdas/authorizer/index');
    await expect(handler(event(KEY))).rejects.toThrow('GATEWAY_AUTH_DIRECTORY_SECRET_ARN is not set');
    await expect(handler(event(KEY))).rejects.toThrow('GATEWAY_AUTH_DIRECTORY_SECRET_ARN is not set');
  });

  it('deployed: reads the directory from its secret (not a 4 KB variable), once per cold start', async () => {
    // Prepare
    jest.resetModules();
    const directoryArn = 'arn:aws:secretsmanager:ap-south-1:111122223333:secret:gw/auth-directory-AbCdEf';
    Object.assign(process.env, ENVIRONMENT, { GATEWAY_AUTH_DIRECTORY_SECRET_ARN: directoryArn });
    delete process.env.GATEWAY_AUTH_DIRECTORY;
    // The fresh module registry has its own SDK classes: mock those.
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const fresh = mockClient(sdk.SecretsManagerClient);
    try {
      fresh
        .on(sdk.GetSecretValueCommand, { SecretId: directoryArn })
        .resolves({ SecretString: ENVIRONMENT.GATEWAY_AUTH_DIRECTORY })
        .on(sdk.GetSecretValueCommand, { SecretId: 'gw/tenants/acme/api-key' })
        .resolves({ SecretString: JSON.stringify({ currentId: 'k1', current: KEY }) })
        .on(sdk.GetSecretValueCommand, { SecretId: 'gw/tenants/acme/usage-identifier' })
        .resolves({ SecretString: USAGE });
      const { handler } = await import('../../../lambdas/authorizer/index');
      // Act
      const first = await handler(event(KEY));
      const second = await handler(event(KEY));
      // Assess
      expect([first.context, second.context]).toEqual([
        { tenantId: 'acme', principal: 'acme/k1' },
        { tenantId: 'acme', principal: 'acme/k1' },
      ]);
      const reads = fresh.commandCalls(sdk.GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
      expect(reads.filter((id) => id === directoryArn)).toHaveLength(1);
    } finally {
      fresh.restore();
    }
  });

  it('refuses a malformed directory secret, naming the variable, never the value', async () => {
    jest.resetModules();
    const directoryArn = 'arn:aws:secretsmanager:ap-south-1:111122223333:secret:gw/auth-directory-AbCdEf';
    Object.assign(process.env, ENVIRONMENT, { GATEWAY_AUTH_DIRECTORY_SECRET_ARN: directoryArn });
    delete process.env.GATEWAY_AUTH_DIRECTORY;
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const fresh = mockClient(sdk.SecretsManagerClient);
    try {
      fresh.on(sdk.GetSecretValueCommand, { SecretId: directoryArn }).resolves({ SecretString: '{"tenants":[]}' });
      const { handler } = await import('../../../lambdas/authorizer/index');
      await expect(handler(event(KEY))).rejects.toThrow(/GATEWAY_AUTH_DIRECTORY_SECRET_ARN is invalid/);
    } finally {
      fresh.restore();
    }
  });
});
