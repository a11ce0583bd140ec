import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { anthropicKeyCheck } from '../../../../lambdas/cli/doctor/anthropic-key-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { contextFixture } from './fixtures';

const secrets = mockClient(SecretsManagerClient);
const NAME = 'ClaudeGateway/anthropic/api-key';
beforeEach(() => secrets.reset());

const run = (context = contextFixture({ gateway: { AnthropicApiKeySecretName: NAME } })) =>
  runCheck(anthropicKeyCheck(new SecretsManagerClient({})), context, Date.now);

describe('anthropicKeyCheck', () => {
  it('passes once a version was put after the placeholder, without reading the value', async () => {
    secrets.on(DescribeSecretCommand).resolves({
      VersionIdsToStages: { 'v-placeholder': ['AWSPREVIOUS'], 'v-key': ['AWSCURRENT'] },
      LastChangedDate: new Date('2026-12-04T12:00:00Z'),
    });

    const result = await run();

    expect(result.status).toBe('pass');
    expect(secrets.commandCalls(DescribeSecretCommand)[0]?.args[0].input).toEqual({ SecretId: NAME });
    expect(secrets.calls()).toHaveLength(1);
  });

  it('fails while only the deploy-time placeholder exists, with the command that fills it', async () => {
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { 'v-placeholder': ['AWSCURRENT'] } });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.fix).toContain(`aws secretsmanager put-secret-value --region ap-south-1 --secret-id ${NAME}`);
  });

  it('skips when the Anthropic provider is off (no output)', async () => {
    expect((await run(contextFixture())).status).toBe('skip');
    expect(secrets.calls()).toHaveLength(0);
  });
});
