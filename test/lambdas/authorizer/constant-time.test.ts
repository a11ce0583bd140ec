/**
 * The key check is constant-time by design: the presented key is hashed to a fixed-length SHA-256 digest and
 * compared with crypto.timingSafeEqual, so neither the key's length nor a matching prefix changes the work done.
 * A behavioural test (which comparison runs, on what), not a timing measurement.
 */
import { makeAuthorizer } from '../../../lambdas/authorizer/handler';
import { StaticTenantAuthDirectory, tenantKeyEntries } from '../../../lambdas/shared/auth/auth-directory';
import { hashTenantKey, TenantKeyDirectory } from '../../../lambdas/shared/auth/credentials';
import { authorizerEvent } from './fixtures';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

// Imported after the mock so that this binding is the spy credentials.ts calls.
import { timingSafeEqual } from 'node:crypto';

const timingSafeEqualSpy = jest.mocked(timingSafeEqual);
const ACME_KEY = 'acmeKeyCurrent0000000000000000000000000000000000';

const authorize = makeAuthorizer({
  directory: async () =>
    new StaticTenantAuthDirectory({
      keyEntries: tenantKeyEntries('acme', JSON.stringify({ currentId: 'k1', current: ACME_KEY })),
      usageIdentifiers: new Map([['acme', 'usageIdentifierAcme000000000000000000000']]),
      clients: new Map(),
    }),
  accessTokens: null,
  logger: { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
});

const event = (apiKey: string) => authorizerEvent({ 'x-api-key': apiKey });

beforeEach(() => timingSafeEqualSpy.mockClear());

it('compares fixed-length SHA-256 digests with timingSafeEqual, never the presented key itself', async () => {
  // Act
  const result = await authorize(event(ACME_KEY));
  // Assess
  expect(result.context.tenantId).toBe('acme');
  expect(timingSafeEqualSpy).toHaveBeenCalledTimes(1);
  const [stored, presented] = timingSafeEqualSpy.mock.calls[0] ?? [];
  expect(Buffer.isBuffer(stored) && stored.length).toBe(32);
  expect(Buffer.isBuffer(presented) && presented.length).toBe(32);
  expect(Buffer.from(presented as Buffer).toString('hex')).toBe(hashTenantKey(ACME_KEY));
});

it('does not compare at all for an unknown digest: there is no per-character comparison of key text', async () => {
  await expect(authorize(event(`${ACME_KEY.slice(0, -1)}X`))).rejects.toThrow('Unauthorized');
  await expect(authorize(event('short'))).rejects.toThrow('Unauthorized');
  expect(timingSafeEqualSpy).not.toHaveBeenCalled();
});

it('holds only digests: the directory cannot be searched by key text', () => {
  const entries = tenantKeyEntries('acme', JSON.stringify({ current: ACME_KEY }));
  expect(JSON.stringify(entries)).not.toContain(ACME_KEY);
  const keys = new TenantKeyDirectory(entries);
  // One character off at the start or at the end: both fail the same way (the digests differ entirely).
  expect(keys.verify(`X${ACME_KEY.slice(1)}`)).toBeNull();
  expect(keys.verify(`${ACME_KEY.slice(0, -1)}X`)).toBeNull();
  expect(keys.verify(ACME_KEY)).toEqual({ tenantId: 'acme', principal: 'acme/current' });
});
