/**
 * The PII token secret of local mode, checked before the server starts: a value the tokenizer would refuse makes
 * every request fail with 500, so it must stop start-up instead, with a message that says what to do.
 */
import { existsSync } from 'node:fs';
import { MIN_SECRET_BYTES } from '../shared/pii/tokenizer';

/** Thrown when `GATEWAY_TOKEN_SECRET` cannot be used; the message never contains the value. */
export class InvalidTokenSecretError extends Error {
  constructor(reason: string) {
    super(
      `GATEWAY_TOKEN_SECRET ${reason}. It takes the secret itself, at least ${MIN_SECRET_BYTES} bytes ` +
        '(for example the output of `openssl rand -hex 32`); unset it to use the secret kept in ' +
        '.gateway/token-secret (created 0600 on first start).',
    );
    this.name = 'InvalidTokenSecretError';
  }
}

/**
 * A value someone meant as a path: it names an existing file, starts like a relative or home path, or points
 * into `.gateway/`. (Random base64 may contain `/`, so a slash alone does not make a path.)
 */
function looksLikePath(value: string): boolean {
  return existsSync(value) || /^(\.{1,2}|~)[\\/]/.test(value) || /(^|[\\/])\.gateway([\\/]|$)/.test(value);
}

/**
 * The secret bytes of a `GATEWAY_TOKEN_SECRET` value (its UTF-8 bytes, as earlier versions used it, so tokens
 * stay stable).
 * @throws InvalidTokenSecretError when the value looks like a file path or is too short
 */
export function tokenSecretFromEnv(value: string): Buffer {
  if (value.trim() !== value) throw new InvalidTokenSecretError('has leading or trailing whitespace');
  if (looksLikePath(value)) throw new InvalidTokenSecretError('looks like a file path, not a secret');
  const secret = Buffer.from(value, 'utf8');
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new InvalidTokenSecretError(`is ${secret.byteLength} bytes long, shorter than ${MIN_SECRET_BYTES}`);
  }
  return secret;
}
