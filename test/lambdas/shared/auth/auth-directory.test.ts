import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSecretReader } from '../../../../lambdas/shared/adapters/secrets-manager-secret-reader';
import {
  type AuthDirectoryConfig,
  authDirectoryConfigSchema,
  loadTenantAuthDirectory,
  RefreshingTenantAuthDirectory,
  revocationBoundMs,
  type SecretReader,
  STALE_GRACE_MS,
  StaticTenantAuthDirectory,
  type TenantAuthDirectory,
  TenantDirectoryUnavailableError,
  TenantSecretFormatError,
  tenantKeyEntries,
  tenantKeySecretName,
  usageIdentifierSecretName,
} from '../../../../lambdas/shared/auth/auth-directory';
import { hashTenantKey } from '../../../../lambdas/shared/auth/credentials';

const KEY_1 = 'k1-secret-value-0000000000000000000000000000000';
const KEY_2 = 'k2-secret-value-0000000000000000000000000000000';
const USAGE = 'usage-identifier-0000000000000000000000';

describe('tenantKeyEntries', () => {
  it('accepts the current key, with its id in the principal', () => {
    expect(tenantKeyEntries('acme', JSON.stringify({ currentId: 'k1', current: KEY_1 }))).toEqual([
      { tenantId: 'acme', keyId: 'acme/k1', keySha256: hashTenantKey(KEY_1) },
    ]);
  });

  it('accepts current and previous while a rotation is under way, ignoring unknown fields', () => {
    const secret = { currentId: 'k2', current: KEY_2, previousId: 'k1', previous: KEY_1, note: 'rotated 2026-11' };
    expect(tenantKeyEntries('acme', JSON.stringify(secret)).map((entry) => entry.keyId)).toEqual([
      'acme/k2',
      'acme/k1',
    ]);
  });

  it('defaults the key ids and collapses an identical previous key', () => {
    expect(tenantKeyEntries('acme', JSON.stringify({ current: KEY_1, previous: KEY_1 }))).toEqual([
      { tenantId: 'acme', keyId: 'acme/current', keySha256: hashTenantKey(KEY_1) },
    ]);
  });

  it.each([
    ['not JSON', KEY_1, 'is not JSON'],
    ['no current key', JSON.stringify({ previous: KEY_1 }), 'malformed at: current'],
    ['a short key', JSON.stringify({ current: 'short-key' }), 'malformed at: current'],
    ['a bad key id', JSON.stringify({ current: KEY_1, currentId: 'has spaces' }), 'malformed at: currentId'],
  ])('rejects %s with a message that names fields, never values', (_name, secret, message) => {
    const act = () => tenantKeyEntries('acme', secret);
    expect(act).toThrow(TenantSecretFormatError);
    expect(act).toThrow(message);
    try {
      act();
    } catch (error) {
      expect(String(error)).not.toContain('short-key');
      expect(String(error)).not.toContain(KEY_1);
    }
  });
});

const CONFIG: AuthDirectoryConfig = {
  secretNamePrefix: 'ClaudeGateway-Gateway/tenants/',
  tenants: [
    { id: 'acme', apiKey: true },
    { id: 'globex', apiKey: false, clientId: 'client-globex' },
  ],
};

function fakeSecrets(values: Record<string, string>): SecretReader & { readonly reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readSecretString(secretId) {
      reads.push(secretId);
      const value = values[secretId];
      if (value === undefined) throw new Error(`ResourceNotFoundException: ${secretId}`);
      return value;
    },
  };
}

describe('loadTenantAuthDirectory', () => {
  const secrets = {
    [tenantKeySecretName(CONFIG.secretNamePrefix, 'acme')]: JSON.stringify({ currentId: 'k1', current: KEY_1 }),
    [usageIdentifierSecretName(CONFIG.secretNamePrefix, 'acme')]: USAGE,
    [usageIdentifierSecretName(CONFIG.secretNamePrefix, 'globex')]: `${USAGE}-globex`,
  };

  it('loads keys, usage identifiers and client mappings; reads no key secret for an OAuth-only tenant', async () => {
    // Prepare
    const reader = fakeSecrets(secrets);
    // Act
    const directory = await loadTenantAuthDirectory(CONFIG, reader);
    // Assess
    expect(directory.keys.verify(KEY_1)).toEqual({ tenantId: 'acme', principal: 'acme/k1' });
    expect(directory.usageIdentifierKey('acme')).toBe(USAGE);
    expect(directory.usageIdentifierKey('globex')).toBe(`${USAGE}-globex`);
    expect(directory.tenantForClient('client-globex')).toBe('globex');
    expect(directory.tenantForClient('client-acme')).toBeUndefined();
    expect(reader.reads.sort()).toEqual(Object.keys(secrets).sort());
  });

  it('fails when a secret is missing or a usage identifier is too short', async () => {
    const { [usageIdentifierSecretName(CONFIG.secretNamePrefix, 'globex')]: _missing, ...withoutGlobex } = secrets;
    await expect(loadTenantAuthDirectory(CONFIG, fakeSecrets(withoutGlobex))).rejects.toThrow('ResourceNotFound');
    const short = { ...secrets, [usageIdentifierSecretName(CONFIG.secretNamePrefix, 'acme')]: 'too-short' };
    await expect(loadTenantAuthDirectory(CONFIG, fakeSecrets(short))).rejects.toThrow('shorter than 20');
  });

  it('validates the config the CDK app writes', () => {
    expect(authDirectoryConfigSchema.parse(CONFIG)).toEqual(CONFIG);
    expect(authDirectoryConfigSchema.safeParse({ ...CONFIG, tenants: [] }).success).toBe(false);
    expect(authDirectoryConfigSchema.safeParse({ ...CONFIG, tenants: [{ id: 'Bad Id', apiKey: true }] }).success).toBe(
      false,
    );
  });
});

describe('RefreshingTenantAuthDirectory', () => {
  const directory = (usage: string) =>
    new StaticTenantAuthDirectory({ keyEntries: [], usageIdentifiers: new Map([['acme', usage]]), clients: new Map() });

  it('loads once, shares concurrent loads, and reloads after the refresh interval', async () => {
    // Prepare
    let now = 0;
    let loads = 0;
    const load = jest.fn(async (): Promise<TenantAuthDirectory> => directory(`load-${++loads}`));
    const refreshing = new RefreshingTenantAuthDirectory(load, 300_000, () => now);
    // Act + Assess
    const [first, second] = await Promise.all([refreshing.get(), refreshing.get()]);
    expect(first).toBe(second);
    expect(load).toHaveBeenCalledTimes(1);
    now = 299_999;
    expect((await refreshing.get()).usageIdentifierKey('acme')).toBe('load-1');
    now = 300_000;
    expect((await refreshing.get()).usageIdentifierKey('acme')).toBe('load-2');
  });

  it('serves the last good directory when a reload fails, retrying after 30 s; a first load failure throws', async () => {
    // Prepare
    let now = 0;
    let fail = false;
    const load = jest.fn(async () => {
      if (fail) throw new Error('Secrets Manager unavailable');
      return directory('good');
    });
    const onRefreshError = jest.fn();
    const refreshing = new RefreshingTenantAuthDirectory(load, 300_000, () => now, onRefreshError);
    await refreshing.get();
    // Act
    fail = true;
    now = 310_000;
    const stale = await refreshing.get();
    const again = await refreshing.get();
    // Assess
    expect(stale.usageIdentifierKey('acme')).toBe('good');
    expect(again).toBe(stale);
    expect(load).toHaveBeenCalledTimes(2);
    expect(onRefreshError).toHaveBeenCalledTimes(1);
    now = 340_000;
    await refreshing.get();
    expect(load).toHaveBeenCalledTimes(3);

    const cold = new RefreshingTenantAuthDirectory(load, 300_000, () => now);
    await expect(cold.get()).rejects.toThrow('Secrets Manager unavailable');
  });

  it('fails closed once the directory is older than refresh + 60 s and cannot be reloaded; recovers on a good load', async () => {
    // Prepare
    let now = 0;
    let fail = false;
    const load = jest.fn(async () => {
      if (fail) throw new Error('Secrets Manager unreachable');
      return directory(`load-at-${now}`);
    });
    const refreshing = new RefreshingTenantAuthDirectory(load, 300_000, () => now);
    await refreshing.get();
    fail = true;
    const bound = revocationBoundMs(300_000);
    expect(bound).toBe(300_000 + STALE_GRACE_MS);

    // Act + Assess: just inside the bound the last good directory still serves ...
    now = bound - 1;
    expect((await refreshing.get()).usageIdentifierKey('acme')).toBe('load-at-0');
    // ... at the bound every call is refused, also between reload attempts (no Secrets Manager call per request).
    now = bound;
    await expect(refreshing.get()).rejects.toBeInstanceOf(TenantDirectoryUnavailableError);
    const calls = load.mock.calls.length;
    now = bound + 1_000;
    await expect(refreshing.get()).rejects.toThrow(/could not be reloaded; refusing calls/);
    expect(load).toHaveBeenCalledTimes(calls);
    // A reload that works ends the refusal.
    fail = false;
    now = bound + 31_000;
    expect((await refreshing.get()).usageIdentifierKey('acme')).toBe(`load-at-${bound + 31_000}`);
  });

  it('a revoked key stops working within the refresh interval while Secrets Manager answers', async () => {
    // Prepare: the key secret holds a key, then the key is revoked (rotated away without a previous).
    const key = 'k'.repeat(40);
    let secret = JSON.stringify({ currentId: 'k1', current: key });
    let now = 0;
    const refreshing = new RefreshingTenantAuthDirectory(
      async () =>
        new StaticTenantAuthDirectory({
          keyEntries: tenantKeyEntries('acme', secret),
          usageIdentifiers: new Map([['acme', USAGE]]),
          clients: new Map(),
        }),
      300_000,
      () => now,
    );
    expect((await refreshing.get()).keys.verify(key)).not.toBeNull();
    // Act
    secret = JSON.stringify({ currentId: 'k2', current: 'n'.repeat(40) });
    now = 299_999;
    const before = (await refreshing.get()).keys.verify(key);
    now = 300_000;
    const after = (await refreshing.get()).keys.verify(key);
    // Assess
    expect(before).not.toBeNull();
    expect(after).toBeNull();
  });
});

describe('SecretsManagerSecretReader', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => secretsManager.reset());

  it('gives up on a stalled read at its deadline (the directory bound then applies)', async () => {
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise(() => undefined));
    const reader = new SecretsManagerSecretReader(new SecretsManagerClient({ region: 'ap-south-1' }), {
      deadlineMs: 50,
    });
    await expect(reader.readSecretString('prefix/acme/api-key')).rejects.toThrow('did not complete within 50 ms');
  });

  it('reads the secret string by name', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: USAGE });
    const reader = new SecretsManagerSecretReader(new SecretsManagerClient({ region: 'ap-south-1' }));
    await expect(reader.readSecretString('prefix/acme/usage-identifier')).resolves.toBe(USAGE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'prefix/acme/usage-identifier',
    });
  });

  it('refuses a binary secret without echoing its content', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: Buffer.from(KEY_1) });
    const reader = new SecretsManagerSecretReader(new SecretsManagerClient({ region: 'ap-south-1' }));
    await expect(reader.readSecretString('prefix/acme/api-key')).rejects.toThrow('has no string value');
  });
});
