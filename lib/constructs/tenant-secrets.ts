/**
 * The tenants' credentials: one key secret per key-using tenant and one usage-identifier secret per tenant,
 * generated at deploy and encrypted with the audit key. They live in the stateful stack so that destroying and
 * redeploying the Gateway stack keeps every tenant's key (a handed-out credential) and every usage identifier
 * (its API key value; replacing it resets the tenant's quota).
 *
 * Names are fixed (`<prefix><tenant>/api-key`, the authorizer and the README find them by name), so they are
 * retained except on create: a rolled-back first deploy removes them and the next create does not meet "already
 * exists"; a delete or replacement later keeps them.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { tenantKeySecretName, usageIdentifierSecretName } from '../../lambdas/shared/auth/auth-directory';
import type { TenantConfig } from '../../lambdas/shared/policy/tenant-config';

const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,400}$/;

/** One tenant's secrets. */
export interface TenantSecretSet {
  /** JSON `{currentId, current[, previousId, previous]}`; absent when the tenant does not use keys. */
  readonly keySecret?: secretsmanager.ISecret;
  /** The tenant's API Gateway API key value (returned by the authorizer; not a credential). */
  readonly usageIdentifierSecret: secretsmanager.ISecret;
}

export interface TenantSecretsProps {
  readonly tenants: readonly Pick<TenantConfig, 'id' | 'auth'>[];
  /** Encrypts every secret (the audit key). */
  readonly encryptionKey: kms.IKey;
  /** Prefix of the secret names, ending in `/` (for example `ClaudeGateway/tenants/`). */
  readonly secretNamePrefix: string;
}

export class TenantSecrets extends Construct {
  readonly secretNamePrefix: string;
  /** By tenant id. */
  readonly tenants: ReadonlyMap<string, TenantSecretSet>;

  constructor(scope: Construct, id: string, props: TenantSecretsProps) {
    super(scope, id);
    if (!SECRET_NAME_PREFIX.test(props.secretNamePrefix) || !props.secretNamePrefix.endsWith('/')) {
      throw new Error(
        `TenantSecrets: secretNamePrefix must be a secret-name prefix ending in "/" (got "${props.secretNamePrefix}")`,
      );
    }
    this.secretNamePrefix = props.secretNamePrefix;
    const tenants = new Map<string, TenantSecretSet>();
    for (const tenant of props.tenants) {
      if (tenants.has(tenant.id)) throw new Error(`TenantSecrets: duplicate tenant id "${tenant.id}"`);
      const keySecret = tenant.auth.apiKey
        ? new secretsmanager.Secret(this, `TenantKey-${tenant.id}`, {
            secretName: tenantKeySecretName(props.secretNamePrefix, tenant.id),
            description: `Claude gateway key of tenant ${tenant.id}: JSON currentId/current (+ previousId/previous while rotating)`,
            encryptionKey: props.encryptionKey,
            generateSecretString: {
              secretStringTemplate: JSON.stringify({ currentId: 'k1' }),
              generateStringKey: 'current',
              passwordLength: 48,
              excludePunctuation: true,
              includeSpace: false,
            },
            removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
          })
        : undefined;
      if (keySecret) acknowledgeManualRotation(keySecret, 'tenant key');
      const usageIdentifierSecret = new secretsmanager.Secret(this, `UsageIdentifier-${tenant.id}`, {
        secretName: usageIdentifierSecretName(props.secretNamePrefix, tenant.id),
        description: `API Gateway usage-plan key of tenant ${tenant.id} (returned by the authorizer; not a credential)`,
        encryptionKey: props.encryptionKey,
        generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      acknowledgeManualRotation(usageIdentifierSecret, 'usage identifier');
      tenants.set(tenant.id, { keySecret, usageIdentifierSecret });
    }
    this.tenants = tenants;
  }
}

/** Manual two-key rotation is the documented procedure; Secrets Manager rotation would break handed-over keys. */
function acknowledgeManualRotation(secret: secretsmanager.Secret, what: string): void {
  const reason =
    `The ${what} is handed to the tenant out of band; automatic rotation would invalidate it without notice. ` +
    'Rotation is manual and overlap-safe (current/previous keys), as documented in README.';
  NagSuppressions.addResourceSuppressions(secret, [
    { id: 'AwsSolutions-SMG4', reason },
    { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason },
    { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason },
  ]);
}
