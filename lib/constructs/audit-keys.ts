/**
 * The audit side's key material: `auditKey` (audit bucket, log groups, Athena results, token secret),
 * the customer-held `reidentificationKey`, and the HMAC token secret behind stable PII tokens.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@\-/]+|user\/[\w+=,.@\-/]+)$/;
const ALIAS_SEGMENT = /^[A-Za-z0-9/_-]{1,200}$/;

/** Actions that yield plaintext of data encrypted under the re-identification key. */
export const REIDENTIFICATION_DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom'] as const;

export interface AuditKeysProps {
  /** Alias prefix: keys become `alias/<prefix>/audit` and `alias/<prefix>/reidentification`. */
  readonly aliasPrefix: string;
  /**
   * Name of the CloudTrail trail that writes with `auditKey`; scopes the CloudTrail key-policy statement
   * (`aws:SourceArn`). A name, not the trail's ARN token, so the key does not depend on the trail.
   */
  readonly trailName: string;
  /**
   * IAM roles, users or account roots (`arn:aws:iam::<acct>:root`) allowed to Decrypt with the
   * re-identification key. Everyone else is denied Decrypt by the key policy.
   * @default [] - nobody can decrypt until the config names the customer's auditor principals
   */
  readonly decryptPrincipalArns?: readonly string[];
  /**
   * Let `bedrock.amazonaws.com` generate data keys under `auditKey` (Bedrock invocation-log delivery).
   * @default true
   */
  readonly allowBedrockLogDelivery?: boolean;
}

/** Customer-managed keys (rotation on, RETAIN) and the token secret of the audit side. */
export class AuditKeys extends Construct {
  /** Encrypts the audit bucket, log groups, Athena results and the token secret. */
  readonly auditKey: kms.Key;
  /** The customer-held key: the gateway only encrypts with it; Decrypt only for `decryptPrincipalArns`. */
  readonly reidentificationKey: kms.Key;
  /** HMAC secret behind PII tokens (64 generated characters, encrypted with `auditKey`, RETAIN). */
  readonly tokenSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: AuditKeysProps) {
    super(scope, id);
    if (!ALIAS_SEGMENT.test(props.aliasPrefix) || props.aliasPrefix.startsWith('aws')) {
      throw new Error(
        `AuditKeys: aliasPrefix must match ${ALIAS_SEGMENT} and not start with "aws" (got "${props.aliasPrefix}")`,
      );
    }
    const decryptPrincipalArns = props.decryptPrincipalArns ?? [];
    for (const arn of decryptPrincipalArns) {
      if (!PRINCIPAL_ARN.test(arn)) {
        throw new Error(`AuditKeys: decryptPrincipalArns must hold IAM role, user or root ARNs (got "${arn}")`);
      }
    }
    this.auditKey = new kms.Key(this, 'AuditKey', {
      description: 'Audit records, CloudTrail, log groups, Athena results and the token secret',
      alias: `alias/${props.aliasPrefix}/audit`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.allowCloudTrail(props.trailName);
    this.allowCloudWatchLogs();
    if (props.allowBedrockLogDelivery ?? true) this.allowBedrockLogDelivery();

    this.reidentificationKey = new kms.Key(this, 'ReidentificationKey', {
      description: 'Customer-held key for re-identification envelopes: encrypt-only for the gateway',
      alias: `alias/${props.aliasPrefix}/reidentification`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    // Design: the default key policy still trusts the account (kms:* for the root), so the key stays
    // administrable (policy updates, rotation, scheduling deletion) and the gateway can be granted
    // GenerateDataKey/Encrypt through IAM. That trust would also let any IAM policy in the account grant
    // Decrypt, so an explicit Deny - which beats every IAM allow, grant and the root's own kms:* - removes
    // Decrypt (and ReEncryptFrom, which re-encrypts the plaintext under a key the caller controls) from
    // every principal that is not configured. Changing who may decrypt therefore needs a key-policy change
    // (a config change and deploy, recorded by CloudTrail), not an IAM edit.
    const roleOrUserArns = decryptPrincipalArns.filter((arn) => !ROOT_ARN.test(arn));
    const trustedAccounts = decryptPrincipalArns.flatMap((arn) => ROOT_ARN.exec(arn)?.[1] ?? []);
    const notConfigured: Record<string, Record<string, string[]>> = {};
    if (roleOrUserArns.length > 0) notConfigured.ArnNotEquals = { 'aws:PrincipalArn': roleOrUserArns };
    if (trustedAccounts.length > 0) notConfigured.StringNotEquals = { 'aws:PrincipalAccount': trustedAccounts };
    this.reidentificationKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDecryptExceptConfiguredPrincipals',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...REIDENTIFICATION_DECRYPT_ACTIONS],
        resources: ['*'],
        ...(Object.keys(notConfigured).length > 0 ? { conditions: notConfigured } : {}),
      }),
    );
    if (decryptPrincipalArns.length > 0) {
      this.reidentificationKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowDecryptForConfiguredPrincipals',
          principals: decryptPrincipalArns.map((arn) => new iam.ArnPrincipal(arn)),
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: ['*'],
        }),
      );
    }

    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
      description: 'HMAC key behind stable per-tenant PII tokens (per-tenant subkeys derived with HKDF)',
      encryptionKey: this.auditKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.tokenSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The HMAC token key must stay stable: rotating it changes every PII token and breaks linking records ' +
          'over time; re-keying is a deliberate, versioned migration, not a scheduled rotation',
      },
      {
        id: 'HIPAA.Security-SecretsManagerRotationEnabled',
        reason: 'Rotation would change every PII token (stable pseudonyms); re-keying is a versioned migration',
      },
      {
        id: 'NIST.800.53.R5-SecretsManagerRotationEnabled',
        reason: 'Rotation would change every PII token (stable pseudonyms); re-keying is a versioned migration',
      },
    ]);
  }

  /**
   * Lets `grantee` (the gateway role) create re-identification envelopes: `kms:GenerateDataKey` and
   * `kms:Encrypt` only. Not `grantEncrypt`, which adds `kms:ReEncrypt*` (and so ReEncryptFrom).
   */
  grantReidentificationEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this.reidentificationKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Encrypt');
  }

  private allowCloudTrail(trailName: string): void {
    const { account, region, partition } = Stack.of(this);
    const trailArn = `arn:${partition}:cloudtrail:${region}:${account}:trail/${trailName}`;
    this.auditKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailEncryptLogs',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${account}:trail/*`,
          },
          StringEquals: { 'aws:SourceArn': trailArn },
        },
      }),
    );
    this.auditKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailDescribeKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );
  }

  private allowCloudWatchLogs(): void {
    const { account, region, partition } = Stack.of(this);
    this.auditKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsEncryptLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
        },
      }),
    );
  }

  private allowBedrockLogDelivery(): void {
    const { account, region, partition } = Stack.of(this);
    this.auditKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBedrockInvocationLogDelivery',
        principals: [new iam.ServicePrincipal('bedrock.amazonaws.com')],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:bedrock:${region}:${account}:*` },
        },
      }),
    );
  }
}
