/**
 * Stable, per-tenant tokens. A tenant key is derived from the gateway secret with HKDF-SHA256 (RFC 5869), and a
 * token is the HMAC-SHA256 of the normalized value under that key, base32-encoded. Tokens are therefore stable for
 * a tenant (the same value always maps to the same token, so a conversation stays coherent), unlinkable across
 * tenants, and reveal nothing about the value without the secret.
 */
import * as crypto from 'node:crypto';
import { TokenizerConfigError } from './errors';
import { normalizeValue } from './normalize';

/** Characters of the token hash: RFC 4648 base32, lower-case. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** 10 base32 characters = 50 bits: collisions within one tenant's values are negligible. */
export const TOKEN_HASH_LENGTH = 10;
/** Matches one token this module produces, e.g. `[IN_AADHAAR_7k2f9q3a2b]` (not global: add `g` for a scan). */
export const TOKEN_PATTERN = /\[([A-Z][A-Z0-9_]{0,31})_([a-z2-7]{8,26})\]/;
const HKDF_SALT = Buffer.from('claude-compliance-gateway/pii-token/salt/v1', 'utf8');
export const MIN_SECRET_BYTES = 32;

/** Options for {@link createTokenizer}. */
export interface TokenizerOptions {
  /** Gateway-wide secret (at least 32 bytes), e.g. from Secrets Manager. */
  readonly secret: Uint8Array;
  /** Tenant the tokens belong to; different tenants get unrelated tokens for the same value. */
  readonly tenantId: string;
}

/** Maps values to tokens for one tenant. */
export interface Tokenizer {
  readonly tenantId: string;
  /** `[TYPE_hash]` for the normalized value; never contains the value. */
  tokenFor(type: string, value: string): string;
}

/** Character codes of {@link BASE32}. */
const BASE32_CODES = Array.from(BASE32, (ch) => ch.charCodeAt(0));

function base32(bytes: Uint8Array, length: number): string {
  // Codes are collected and turned into one string at the end: a string per character would be garbage.
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out.push(BASE32_CODES[(acc >>> (bits - 5)) & 31] ?? 0);
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length >= length) break;
  }
  return String.fromCharCode(...out);
}

type OneShotHash = (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer;

/**
 * HMAC-SHA256 (RFC 2104) under a fixed key. With Node's one-shot `crypto.hash` (20.12+) the padded keys are
 * computed once and each MAC is two one-shot hashes, about twice as fast as a `createHmac` object per call;
 * otherwise it falls back to `createHmac`. Both give identical output (tested).
 */
export function hmacSha256(key: Buffer): (message: string) => Buffer {
  const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
  if (oneShot === undefined || key.length > 64) {
    return (message) => crypto.createHmac('sha256', key).update(message, 'utf8').digest();
  }
  const inner = Buffer.alloc(64, 0x36);
  const outer = Buffer.alloc(64, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] ?? 0) ^ (key[i] ?? 0);
    outer[i] = (outer[i] ?? 0) ^ (key[i] ?? 0);
  }
  // Reused scratch buffers: pad ‖ message and pad ‖ inner hash, so a MAC allocates only its results. The views of
  // the inner input are cached by length too (values of one type share a few lengths).
  let innerInput = Buffer.alloc(64 + 256);
  inner.copy(innerInput);
  let innerViews: Buffer[] = [];
  const outerInput = Buffer.alloc(64 + 32);
  outer.copy(outerInput);
  return (message) => {
    const maxBytes = message.length * 3;
    if (64 + maxBytes > innerInput.length) {
      innerInput = Buffer.alloc(64 + maxBytes);
      inner.copy(innerInput);
      innerViews = [];
    }
    const length = 64 + innerInput.write(message, 64, 'utf8');
    let view = innerViews[length];
    if (view === undefined) {
      view = innerInput.subarray(0, length);
      innerViews[length] = view;
    }
    const innerHash = oneShot('sha256', view, 'buffer');
    innerHash.copy(outerInput, 64);
    return oneShot('sha256', outerInput, 'buffer');
  };
}

/**
 * Creates a tokenizer for one tenant.
 * @throws TokenizerConfigError when the secret is shorter than 32 bytes or the tenant id is empty
 */
export function createTokenizer(options: TokenizerOptions): Tokenizer {
  const { secret, tenantId } = options;
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new TokenizerConfigError(`secret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.byteLength}`);
  }
  if (tenantId.trim().length === 0) throw new TokenizerConfigError('tenantId must not be empty');
  const info = Buffer.from(`claude-compliance-gateway/pii-token/v1/${tenantId}`, 'utf8');
  const key = Buffer.from(crypto.hkdfSync('sha256', secret, HKDF_SALT, info, 32));
  const mac = hmacSha256(key);
  return {
    tenantId,
    tokenFor(type: string, value: string): string {
      // Type is part of the MAC input so that equal strings of different types do not share a token.
      return `[${type}_${base32(mac(`${type}\u0000${normalizeValue(type, value)}`), TOKEN_HASH_LENGTH)}]`;
    },
  };
}
