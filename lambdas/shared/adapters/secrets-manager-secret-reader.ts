/** SecretReader adapter on Secrets Manager. The client is injected (tests use aws-sdk-client-mock). */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../auth/auth-directory';

export class SecretsManagerSecretReader implements SecretReader {
  constructor(private readonly client: SecretsManagerClient) {}

  async readSecretString(secretId: string): Promise<string> {
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (output.SecretString === undefined) {
      // Binary secrets are not a format the gateway writes; the message names the secret, never its value.
      throw new Error(`secret ${secretId} has no string value`);
    }
    return output.SecretString;
  }
}
