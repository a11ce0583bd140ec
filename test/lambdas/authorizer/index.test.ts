/** The composition root: environment in, Secrets Manager (mocked) read once, a working handler out. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { authorizerEvent } from './fixtures';

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

  it('refuses to start without its directory', async () => {
    jest.resetModules();
    delete process.env.GATEWAY_AUTH_DIRECTORY;
    await expect(import('../../../lambdas/authorizer/index')).rejects.toThrow('GATEWAY_AUTH_DIRECTORY');
  });
});
