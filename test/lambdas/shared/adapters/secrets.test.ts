import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  loadAnthropicApiKey,
  loadTokenSecret,
  SecretCache,
  SecretUnavailableError,
} from '../../../../lambdas/shared/adapters/secrets';
import type { Clock } from '../../../../lambdas/shared/ports';

const secrets = mockClient(SecretsManagerClient);
const TOKEN_ARN = 'arn:aws:secretsmanager:ap-south-1:111122223333:secret:token-AbCdEf';
const KEY_ARN = 'arn:aws:secretsmanager:ap-south-1:111122223333:secret:anthropic-AbCdEf';
const TOKEN = 'k'.repeat(64);

function fakeClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => new Date(0),
    monotonicMs: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}
const cache = (options: { maxAgeMs?: number; clock?: Clock } = {}) =>
  new SecretCache({ client: new SecretsManagerClient({ region: 'ap-south-1' }), ...options });

beforeEach(() => secrets.reset());

describe('SecretCache', () => {
  it('fetches a secret once per environment, concurrent readers included', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: TOKEN });
    const subject = cache();

    const [a, b] = await Promise.all([subject.getString(TOKEN_ARN), subject.getString(TOKEN_ARN)]);
    const c = await subject.getString(TOKEN_ARN);

    expect([a, b, c]).toEqual([TOKEN, TOKEN, TOKEN]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: TOKEN_ARN });
  });

  it('refetches after maxAgeMs', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    const clock = fakeClock();
    const subject = cache({ maxAgeMs: 1000, clock });
    await subject.getBytes(TOKEN_ARN);
    clock.advance(999);
    await subject.getBytes(TOKEN_ARN);
    clock.advance(1);
    await subject.getBytes(TOKEN_ARN);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not cache a failure', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: TOKEN });
    const subject = cache();
    await expect(subject.getBytes(TOKEN_ARN)).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(subject.getString(TOKEN_ARN)).resolves.toBe(TOKEN);
  });

  it('returns SecretBinary as is', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(cache().getBytes(TOKEN_ARN)).resolves.toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('loadTokenSecret', () => {
  it('returns the secret bytes', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    const bytes = await loadTokenSecret(cache(), TOKEN_ARN);
    expect(bytes.byteLength).toBe(64);
  });

  it('refuses a short secret without echoing it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short-secret-value' });
    const failure = await loadTokenSecret(cache(), TOKEN_ARN).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SecretUnavailableError);
    expect((failure as Error).message).not.toContain('short-secret-value');
  });
});

describe('loadAnthropicApiKey', () => {
  it.each([
    ['a plain key', 'sk-ant-api03-abc'],
    ['JSON with apiKey', '{"apiKey":"sk-ant-api03-abc"}'],
    ['a key with surrounding whitespace', ' sk-ant-api03-abc\n'],
  ])('reads %s', async (_label, value) => {
    secrets.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: value });
    await expect(loadAnthropicApiKey(cache(), KEY_ARN)).resolves.toBe('sk-ant-api03-abc');
  });

  it.each([['{"other":1}'], ['{not json'], ['two words']])('refuses %s', async (value) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    await expect(loadAnthropicApiKey(cache(), KEY_ARN)).rejects.toBeInstanceOf(SecretUnavailableError);
  });

  it('refuses an empty secret (deployed, not yet filled)', async () => {
    secrets.on(GetSecretValueCommand).resolves({});
    await expect(loadAnthropicApiKey(cache(), KEY_ARN)).rejects.toThrow(/has no value/);
  });
});
