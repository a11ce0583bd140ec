/**
 * SecretReader adapter on Secrets Manager. The client is injected (tests use aws-sdk-client-mock). Each read has a
 * deadline: a stalled Secrets Manager endpoint must fail the authorizer's directory reload in seconds (then the
 * stale-directory bound in `auth-directory.ts` applies), not hold the authorizer until its own timeout.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../auth/auth-directory';
import { checkDeadlineMs, withDeadline } from './audit-write-deadline';

/** Whole read, SDK retries included; below the authorizer's 10 s timeout with room for the rest of the call. */
export const SECRET_READ_DEADLINE_MS = 3_000;

export class SecretsManagerSecretReader implements SecretReader {
  private readonly deadlineMs: number;

  constructor(
    private readonly client: SecretsManagerClient,
    options: { readonly deadlineMs?: number } = {},
  ) {
    this.deadlineMs = checkDeadlineMs('SecretsManagerSecretReader', options.deadlineMs ?? SECRET_READ_DEADLINE_MS);
  }

  async readSecretString(secretId: string): Promise<string> {
    const output = await withDeadline(this.deadlineMs, (abortSignal) =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal }),
    );
    if (output.SecretString === undefined) {
      // Binary secrets are not a format the gateway writes; the message names the secret, never its value.
      throw new Error(`secret ${secretId} has no string value`);
    }
    return output.SecretString;
  }
}
