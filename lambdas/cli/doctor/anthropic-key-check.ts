/**
 * The upstream Anthropic API key secret has been filled after the deploy. Read without reading the key:
 * CloudFormation creates the secret with one generated placeholder version, and `put-secret-value` adds a new
 * AWSCURRENT version (the placeholder becomes AWSPREVIOUS), so one version means nobody has put the key yet.
 */
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type DoctorCheck, fail, pass, skip } from './check';
import { GATEWAY_OUTPUTS } from './stack-outputs';

export function anthropicKeyCheck(secrets: SecretsManagerClient): DoctorCheck {
  return {
    id: 'anthropic-api-key',
    title: 'Anthropic upstream key: filled after deploy',
    async run({ outputs, region }) {
      if (!outputs.gateway.has(GATEWAY_OUTPUTS.anthropicApiKeySecretName)) {
        return skip('the Anthropic provider is disabled in config');
      }
      const name = outputs.gateway.get(GATEWAY_OUTPUTS.anthropicApiKeySecretName);
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
      const versions = Object.keys(described.VersionIdsToStages ?? {}).length;
      const details = [`${versions} version(s), last changed ${described.LastChangedDate?.toISOString() ?? 'never'}`];
      if (versions <= 1) {
        return fail(
          `${name} still holds the deploy-time placeholder: the proxy refuses Anthropic calls`,
          `put the key: aws secretsmanager put-secret-value --region ${region} --secret-id ${name} ` +
            '--secret-string file://key.json (key.json: {"apiKey":"sk-ant-..."}; README: Deploy)',
          details,
        );
      }
      return pass(`${name} has been set since the deploy`, details);
    },
  };
}
