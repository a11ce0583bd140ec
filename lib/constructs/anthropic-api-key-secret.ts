/**
 * The upstream Anthropic API key the platform engineer fills in after the first deploy. It lives in the stateful
 * stack under a stable name: destroying and redeploying the Gateway stack must not lose a key someone pasted by hand.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface AnthropicApiKeySecretProps {
  /** Key that encrypts the secret (the audit key; the proxy can already use it). */
  readonly encryptionKey: kms.IKey;
  /** Stable name the README's deploy step and the `AnthropicApiKeySecretName` output give. */
  readonly secretName: string;
}

/** `<stackNamePrefix>/anthropic/api-key`: the same for every deploy of one prefix, whatever the stacks are named. */
export function anthropicApiKeySecretNameFor(stackNamePrefix: string): string {
  return `${stackNamePrefix}/anthropic/api-key`;
}

export class AnthropicApiKeySecret extends Construct {
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: AnthropicApiKeySecretProps) {
    super(scope, id);
    const secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'Upstream Anthropic API key of the Claude gateway: set {"apiKey":"sk-ant-..."} after deploying',
      encryptionKey: props.encryptionKey,
      // A placeholder the proxy recognises as "not set": it refuses Anthropic calls until the key is filled.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ apiKey: '' }),
        generateStringKey: 'placeholder',
        passwordLength: 16,
        excludePunctuation: true,
      },
      // Kept on update and delete (a filled key is state), but removed when the stack's first create rolls back,
      // so a failed first deploy does not leave a name that blocks the next one.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'A third-party (Anthropic) API key: Secrets Manager cannot rotate it; it is rotated in the Anthropic ' +
          'console and pasted here',
      },
      { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: 'Third-party API key rotated at Anthropic' },
      { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: 'Third-party API key rotated at Anthropic' },
    ]);
    this.secret = secret;
  }
}
