/**
 * The authorizer's view of the tenants: which keys are accepted (as digests), which OAuth2 client belongs to
 * which tenant, and each tenant's API Gateway usage identifier. Pure code shared by the CDK app (which writes the
 * config and names the secrets) and the authorizer (which reads them); the Secrets Manager adapter is separate.
 *
 * Tenant key secret (one per tenant, JSON, generated at deploy):
 *   `{"currentId":"k1","current":"<key>"}`; during rotation `{"currentId":"k2","current":"<new>",
 *   "previousId":"k1","previous":"<old>"}`. Both keys are accepted until `previous` is removed.
 * Usage identifier secret (one per tenant, a generated string): the value of the tenant's API Gateway API key,
 * returned as `usageIdentifierKey`. It is not a credential: with API key source AUTHORIZER, API Gateway never
 * takes an API key from a client.
 */
import * as z from 'zod';
import { TENANT_ID_PATTERN } from '../policy/tenant-config';
import { hashTenantKey, TenantKeyDirectory, type TenantKeyEntry } from './credentials';

/** The OAuth2 scope (resource server identifier / scope name) an access token needs to call the gateway. */
export const GATEWAY_INVOKE_SCOPE = 'gateway/invoke';

/** Shortest tenant key accepted from a secret: the generated keys are 48 characters. */
export const MIN_TENANT_KEY_LENGTH = 32;

const tenantEntrySchema = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN),
    /** The tenant authenticates with keys (its key secret exists). */
    apiKey: z.boolean(),
    /** Cognito app client id of the tenant's OAuth2 client, when it uses client credentials. */
    clientId: z.string().min(1).optional(),
  })
  .strict();

/** What the CDK app passes to the authorizer (environment variable `GATEWAY_AUTH_DIRECTORY`, JSON). */
export const authDirectoryConfigSchema = z
  .object({
    /** Secrets are named `<prefix><tenantId>/api-key` and `<prefix><tenantId>/usage-identifier`. */
    secretNamePrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,400}$/),
    tenants: z.array(tenantEntrySchema).min(1),
  })
  .strict();

export type AuthDirectoryConfig = z.output<typeof authDirectoryConfigSchema>;

/** Name of the secret that holds a tenant's keys. */
export function tenantKeySecretName(secretNamePrefix: string, tenantId: string): string {
  return `${secretNamePrefix}${tenantId}/api-key`;
}

/** Name of the secret that holds a tenant's usage identifier (its API Gateway API key value). */
export function usageIdentifierSecretName(secretNamePrefix: string, tenantId: string): string {
  return `${secretNamePrefix}${tenantId}/usage-identifier`;
}

const keyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore');
const tenantKeySchema = z.string().min(MIN_TENANT_KEY_LENGTH).max(512);

/** The JSON a tenant key secret holds. Unknown fields (notes, dates) are ignored. */
export const tenantKeySecretSchema = z.object({
  current: tenantKeySchema,
  currentId: keyIdSchema.default('current'),
  previous: tenantKeySchema.optional(),
  previousId: keyIdSchema.default('previous'),
});

/** Thrown when a secret does not have the expected shape. The message names the tenant and fields, never values. */
export class TenantSecretFormatError extends Error {
  override readonly name = 'TenantSecretFormatError';
}

/**
 * The accepted key digests in a tenant's key secret: `current`, and `previous` while a rotation is under way.
 * Principals are `<tenantId>/<keyId>`, so the audit trail shows which key a call used.
 */
export function tenantKeyEntries(tenantId: string, secretString: string): TenantKeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new TenantSecretFormatError(`tenant key secret of "${tenantId}" is not JSON`);
  }
  const parsed = tenantKeySecretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new TenantSecretFormatError(`tenant key secret of "${tenantId}" is malformed at: ${fields}`);
  }
  const secret = parsed.data;
  const entries: TenantKeyEntry[] = [
    { tenantId, keyId: `${tenantId}/${secret.currentId}`, keySha256: hashTenantKey(secret.current) },
  ];
  if (secret.previous !== undefined && secret.previous !== secret.current) {
    entries.push({ tenantId, keyId: `${tenantId}/${secret.previousId}`, keySha256: hashTenantKey(secret.previous) });
  }
  return entries;
}

/** Everything the authorizer needs to turn a verified credential into an Allow. */
export interface TenantAuthDirectory {
  /** Tenant keys, as digests, compared in constant time. */
  readonly keys: TenantKeyDirectory;
  /** The tenant's API Gateway API key value, or undefined for an unknown tenant. */
  usageIdentifierKey(tenantId: string): string | undefined;
  /** The tenant of an OAuth2 client id, or undefined. */
  tenantForClient(clientId: string): string | undefined;
}

/** An immutable directory built from loaded secrets. */
export class StaticTenantAuthDirectory implements TenantAuthDirectory {
  readonly keys: TenantKeyDirectory;
  private readonly usageIdentifiers: ReadonlyMap<string, string>;
  private readonly clients: ReadonlyMap<string, string>;

  constructor(input: {
    readonly keyEntries: readonly TenantKeyEntry[];
    readonly usageIdentifiers: ReadonlyMap<string, string>;
    readonly clients: ReadonlyMap<string, string>;
  }) {
    this.keys = new TenantKeyDirectory(input.keyEntries);
    this.usageIdentifiers = input.usageIdentifiers;
    this.clients = input.clients;
  }

  usageIdentifierKey(tenantId: string): string | undefined {
    return this.usageIdentifiers.get(tenantId);
  }

  tenantForClient(clientId: string): string | undefined {
    return this.clients.get(clientId);
  }
}

/** Reads a secret's string value by name or ARN (Secrets Manager in AWS; a map in tests). */
export interface SecretReader {
  readSecretString(secretId: string): Promise<string>;
}

/** Loads every tenant's secrets (in parallel) into a directory. Fails if any secret is missing or malformed. */
export async function loadTenantAuthDirectory(
  config: AuthDirectoryConfig,
  secrets: SecretReader,
): Promise<StaticTenantAuthDirectory> {
  const loaded = await Promise.all(
    config.tenants.map(async (tenant) => {
      const [keySecret, usageIdentifier] = await Promise.all([
        tenant.apiKey
          ? secrets.readSecretString(tenantKeySecretName(config.secretNamePrefix, tenant.id))
          : Promise.resolve(undefined),
        secrets.readSecretString(usageIdentifierSecretName(config.secretNamePrefix, tenant.id)),
      ]);
      if (usageIdentifier.trim().length < 20) {
        throw new TenantSecretFormatError(`usage identifier secret of "${tenant.id}" is shorter than 20 characters`);
      }
      return {
        tenant,
        keyEntries: keySecret === undefined ? [] : tenantKeyEntries(tenant.id, keySecret),
        usageIdentifier: usageIdentifier.trim(),
      };
    }),
  );
  return new StaticTenantAuthDirectory({
    keyEntries: loaded.flatMap((entry) => entry.keyEntries),
    usageIdentifiers: new Map(loaded.map((entry) => [entry.tenant.id, entry.usageIdentifier])),
    clients: new Map(
      loaded.flatMap((entry) => (entry.tenant.clientId ? [[entry.tenant.clientId, entry.tenant.id] as const] : [])),
    ),
  });
}

const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * How long past its refresh interval a directory may still serve while reloads fail (Secrets Manager unreachable
 * or throttled). Past `refreshAfterMs + STALE_GRACE_MS` since the last good load, every call fails closed until a
 * reload succeeds: a revoked key cannot keep working because its revocation could not be read.
 */
export const STALE_GRACE_MS = 60_000;

/** The directory is too old to trust and could not be reloaded: the authorizer refuses every call (fail closed). */
export class TenantDirectoryUnavailableError extends Error {
  override readonly name = 'TenantDirectoryUnavailableError';
}

/**
 * The longest a revoked tenant key keeps working on a warm authorizer, in milliseconds: one refresh interval
 * plus the stale grace (reached only while Secrets Manager reads fail; otherwise it is the interval plus one read,
 * bounded by the reader's deadline). API Gateway's authorizer result cache TTL adds to it (0 by default).
 */
export function revocationBoundMs(refreshAfterMs: number, staleGraceMs: number = STALE_GRACE_MS): number {
  return refreshAfterMs + staleGraceMs;
}

/**
 * Caches the loaded directory and reloads it after `refreshAfterMs`, so a rotation or revocation in Secrets
 * Manager takes effect within that time on warm containers. Concurrent callers share one load. If a reload fails,
 * the last good directory keeps serving for at most `staleGraceMs` more (reloads retried every 30 s) and
 * `onRefreshError` is told; after that, `get` throws TenantDirectoryUnavailableError until a reload succeeds.
 * The first load has no fallback and throws.
 */
export class RefreshingTenantAuthDirectory {
  private current: { readonly directory: TenantAuthDirectory; readonly loadedAt: number } | undefined;
  /** After a failed reload, no new attempt before this time (0: none pending). */
  private retryAt = 0;
  private pending: Promise<TenantAuthDirectory> | undefined;

  constructor(
    private readonly load: () => Promise<TenantAuthDirectory>,
    private readonly refreshAfterMs: number,
    private readonly now: () => number = Date.now,
    private readonly onRefreshError: (error: unknown) => void = () => undefined,
    private readonly staleGraceMs: number = STALE_GRACE_MS,
  ) {
    if (!(refreshAfterMs > 0) || !(staleGraceMs >= 0)) {
      throw new RangeError(
        `RefreshingTenantAuthDirectory: refreshAfterMs must be positive and staleGraceMs not negative (got ${refreshAfterMs}, ${staleGraceMs})`,
      );
    }
  }

  async get(): Promise<TenantAuthDirectory> {
    const current = this.current;
    const now = this.now();
    if (current && now - current.loadedAt < this.refreshAfterMs) return current.directory;
    if (current && now < this.retryAt) return this.staleOrRefuse(current, now, undefined);
    this.pending ??= this.reload().finally(() => {
      this.pending = undefined;
    });
    if (!current) return this.pending;
    try {
      return await this.pending;
    } catch (error) {
      this.onRefreshError(error);
      // Retry after RETRY_AFTER_FAILURE_MS rather than on every request while Secrets Manager is failing.
      this.retryAt = this.now() + Math.min(RETRY_AFTER_FAILURE_MS, this.refreshAfterMs);
      return this.staleOrRefuse(current, this.now(), error);
    }
  }

  /** The last good directory while within the bound; past it, fail closed. */
  private staleOrRefuse(
    current: { readonly directory: TenantAuthDirectory; readonly loadedAt: number },
    now: number,
    cause: unknown,
  ): TenantAuthDirectory {
    const age = now - current.loadedAt;
    if (age < revocationBoundMs(this.refreshAfterMs, this.staleGraceMs)) return current.directory;
    throw new TenantDirectoryUnavailableError(
      `tenant directory is ${Math.round(age / 1000)} s old and could not be reloaded; refusing calls`,
      cause === undefined ? undefined : { cause },
    );
  }

  private async reload(): Promise<TenantAuthDirectory> {
    const directory = await this.load();
    this.current = { directory, loadedAt: this.now() };
    this.retryAt = 0;
    return directory;
  }
}
