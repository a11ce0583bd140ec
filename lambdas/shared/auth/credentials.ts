/**
 * Tenant credential checks shared by the Lambda authorizer and local mode, so both authenticate identically.
 * Tenant keys are never stored: only their SHA-256 digests, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallerIdentity } from './caller-identity';

/** A credential as presented: `x-api-key` (older SDKs, curl) or `Authorization: Bearer` (SDK >= 1.0, OAuth2). */
export interface PresentedCredential {
  readonly source: 'x-api-key' | 'bearer';
  readonly value: string;
}

/** Reads the credential from lower-cased headers; `x-api-key` wins when both are present. */
export function extractCredential(headers: Readonly<Record<string, string | undefined>>): PresentedCredential | null {
  const apiKey = headers['x-api-key']?.trim();
  if (apiKey) return { source: 'x-api-key', value: apiKey };
  const authorization = headers.authorization?.trim();
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match?.[1] ? { source: 'bearer', value: match[1] } : null;
}

/** True when the value has the shape of a JWT (three base64url parts), i.e. an OAuth2 access token. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/** SHA-256 hex digest of a tenant key: what is stored and compared. */
export function hashTenantKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** One accepted tenant key: during rotation a tenant has two (new and old), each with its own id. */
export interface TenantKeyEntry {
  readonly tenantId: string;
  /** Non-secret id of the key, recorded as the principal (e.g. `sample-tenant/key-2026-11`). */
  readonly keyId: string;
  /** `hashTenantKey(key)`. */
  readonly keySha256: string;
}

/** Verifies presented keys against the accepted digests in constant time per candidate. */
export class TenantKeyDirectory {
  private readonly byDigest: ReadonlyMap<string, TenantKeyEntry>;

  constructor(entries: readonly TenantKeyEntry[]) {
    this.byDigest = new Map(entries.map((entry) => [entry.keySha256, entry]));
  }

  /** The identity for a valid key, or null. */
  verify(presentedKey: string): CallerIdentity | null {
    const digest = hashTenantKey(presentedKey);
    // The map is keyed by the digest, not the key, so the lookup leaks nothing about the secret; the
    // constant-time comparison below guards against a hash-table implementation that compares by prefix.
    const entry = this.byDigest.get(digest);
    if (!entry) return null;
    const equal = timingSafeEqual(Buffer.from(entry.keySha256, 'hex'), Buffer.from(digest, 'hex'));
    return equal ? { tenantId: entry.tenantId, principal: entry.keyId } : null;
  }
}
