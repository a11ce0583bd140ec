/**
 * Who may call the gateway: per-tenant keys (generated at deploy, Secrets Manager), a Cognito user pool issuing
 * client-credentials tokens to one app client per OAuth2 tenant, per-tenant API Gateway usage plans, and the
 * Lambda REQUEST authorizer that turns either credential into a tenant.
 *
 * Usage identifiers: each tenant's API Gateway API key gets its value from a second generated secret, not from
 * the tenant key. With API key source AUTHORIZER the API key is only a usage-plan join key returned by the
 * authorizer, so it must stay stable while tenant keys rotate (replacing an API key resets its quota), and tenant
 * keys must not become readable through `apigateway:GET` (granted by ReadOnlyAccess) as API key values are.
 */

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ArnFormat, Aws, Duration, RemovalPolicy, SecretValue, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  type AuthDirectoryConfig,
  GATEWAY_INVOKE_SCOPE,
  usageIdentifierSecretName,
} from '../../lambdas/shared/auth/auth-directory';
import { ENV } from '../../lambdas/shared/env';
import type { TenantConfig } from '../../lambdas/shared/policy/tenant-config';
import { grantAuditRecordPut } from './audit-bucket';
import { GatewayFunction } from './gateway-function';
import type { TenantSecrets } from './tenant-secrets';

/** The parts of a tenant's config this construct reads. */
export type TenantIdentityTenant = Pick<TenantConfig, 'id' | 'auth' | 'limits'>;

export interface TenantIdentityProps {
  readonly tenants: readonly TenantIdentityTenant[];
  /** Encrypts the tenant secrets and the authorizer's log group (the audit key, which also encrypts `auditBucket`). */
  readonly encryptionKey: kms.IKey;
  /**
   * The Object Lock audit bucket (SSE-KMS with `encryptionKey`). When given, the authorizer writes a `denied`
   * audit record for each refused credential that names a known tenant (e.g. an expired access token), with
   * put-only access to `audit/v1/*`.
   * @default - refusals are only logged
   */
  readonly auditBucket?: s3.IBucket;
  /**
   * Retention of the authorizer's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The tenants' key and usage-identifier secrets (TenantSecrets, in the stateful stack); the authorizer finds
   * them by their names' prefix.
   */
  readonly tenantSecrets: Pick<TenantSecrets, 'secretNamePrefix' | 'tenants'>;
  /**
   * Cognito domain prefix of the token endpoint (globally unique per region; may not contain "aws", "amazon"
   * or "cognito").
   * @default `<stack name, lower-cased>-<account id>`
   */
  readonly domainPrefix?: string;
  /**
   * Lifetime of client-credentials access tokens.
   * @default Duration.hours(1)
   */
  readonly accessTokenValidity?: Duration;
  /**
   * How often a warm authorizer re-reads the tenant secrets: the longest a revoked or rotated-out key still works.
   * @default Duration.minutes(5)
   */
  readonly keyRefresh?: Duration;
  /**
   * Run the authorizer in this VPC. It then needs the Secrets Manager endpoint and a route to Cognito's public JWKS
   * URL (NAT) when a tenant uses OAuth2, and a route to S3 (gateway endpoint or NAT) when `auditBucket` is set.
   * @default - outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Reserved concurrency of the authorizer.
   * @default - unreserved (uses the account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Powertools log level of the function(s).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Per-tenant resources, keyed by tenant id. */
export interface TenantIdentityResources {
  /** JSON `{currentId, current[, previousId, previous]}`; absent when the tenant does not use keys. */
  readonly keySecret?: secretsmanager.ISecret;
  /** The tenant's Cognito app client; absent when the tenant does not use OAuth2. */
  readonly client?: cognito.IUserPoolClient;
  readonly usageIdentifierSecret: secretsmanager.ISecret;
  readonly apiKey: apigateway.IApiKey;
  readonly usagePlan: apigateway.UsagePlan;
}

const SCOPE_PARTS = /^([^/]+)\/([^/]+)$/.exec(GATEWAY_INVOKE_SCOPE);

export class TenantIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly resourceServer: cognito.UserPoolResourceServer;
  /** `gateway/invoke`: the scope every client is allowed and the authorizer requires. */
  readonly invokeScope: cognito.OAuthScope;
  readonly domain: cognito.UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token` */
  readonly tokenEndpoint: string;
  readonly tenants: ReadonlyMap<string, TenantIdentityResources>;
  /** The REQUEST authorizer's function (give it to GatewayApi). */
  readonly authorizerFunction: lambda.Function;
  readonly authorizerLogGroup: logs.LogGroup;
  /** The authorizer's directory document (tenants, secret prefix, client ids), read at cold start. */
  readonly directorySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: TenantIdentityProps) {
    super(scope, id);
    validateTenants(props.tenants);
    const stack = Stack.of(this);
    const secretNamePrefix = props.tenantSecrets.secretNamePrefix;
    if (!SCOPE_PARTS?.[1] || !SCOPE_PARTS[2]) throw new Error(`unexpected scope ${GATEWAY_INVOKE_SCOPE}`);

    const noUsersReason =
      'Threat protection and the Plus plan score user sign-ins and passwords; this pool has no users and no user ' +
      'flows, only client-credentials clients, so there is nothing for them to evaluate.';
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Machine clients only: no sign-up, no users, so password and MFA settings are the strictest available.
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 16,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(1),
      },
      accountRecovery: cognito.AccountRecovery.NONE,
      deletionProtection: true,
      // Deleting the pool would invalidate every tenant's client secret.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.userPool, [
      { id: 'AwsSolutions-COG3', reason: noUsersReason },
      { id: 'AwsSolutions-COG8', reason: noUsersReason },
    ]);

    this.invokeScope = cognito.OAuthScope.custom(GATEWAY_INVOKE_SCOPE);
    const resourceServerScope = new cognito.ResourceServerScope({
      scopeName: SCOPE_PARTS[2],
      scopeDescription: 'Call the Claude gateway API',
    });
    this.resourceServer = this.userPool.addResourceServer('ResourceServer', {
      identifier: SCOPE_PARTS[1],
      userPoolResourceServerName: 'Claude gateway',
      scopes: [resourceServerScope],
    });
    const invokeScope = cognito.OAuthScope.resourceServer(this.resourceServer, resourceServerScope);

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? defaultDomainPrefix(stack.stackName) },
    });
    this.tokenEndpoint = `${this.domain.baseUrl()}/oauth2/token`;

    const tenants = new Map<string, TenantIdentityResources>();
    for (const tenant of props.tenants) {
      tenants.set(tenant.id, this.addTenant(tenant, props, invokeScope));
    }
    this.tenants = tenants;

    const role = new iam.Role(this, 'AuthorizerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Claude gateway REQUEST authorizer: reads tenant secrets, writes its own log group',
    });
    const directory: AuthDirectoryConfig = {
      secretNamePrefix,
      tenants: props.tenants.map((tenant) => {
        const clientId = tenants.get(tenant.id)?.client?.userPoolClientId;
        return { id: tenant.id, apiKey: tenant.auth.apiKey, ...(clientId ? { clientId } : {}) };
      }),
    };
    // The directory names every tenant and OAuth2 client id; Lambda caps variables at 4 KB in total, which it
    // outgrows at a few dozen tenants, so it travels in a secret (64 KB; not secret, but the authorizer's store
    // already, KMS-encrypted and IAM-scoped). CloudFormation resolves the client ids into it at deploy.
    this.directorySecret = new secretsmanager.Secret(this, 'AuthDirectory', {
      description:
        'Claude gateway authorizer directory: tenant ids, secret-name prefix, OAuth2 client ids (no credentials)',
      encryptionKey: props.encryptionKey,
      secretStringValue: SecretValue.unsafePlainText(stack.toJsonString(directory)),
    });
    NagSuppressions.addResourceSuppressions(this.directorySecret, [
      ...[
        'AwsSolutions-SMG4',
        'HIPAA.Security-SecretsManagerRotationEnabled',
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
      ].map((ruleId) => ({
        id: ruleId,
        reason: 'Holds no credential: the authorizer directory (ids and names), rewritten by every deploy',
      })),
    ]);
    // Tenants and their auth kinds decide the directory (client ids follow from them), so a changed tenant list
    // changes this digest, updates the function and retires warm executions holding the old directory.
    const directoryVersion = createHash('sha256')
      .update(
        JSON.stringify(
          props.tenants.map((tenant) => [tenant.id, tenant.auth.apiKey, tenant.auth.oauth2ClientCredentials]),
        ),
      )
      .digest('hex')
      .slice(0, 16);
    const authorizer = new GatewayFunction(this, 'Authorizer', {
      name: 'authorizer',
      entry: join(__dirname, '..', '..', 'lambdas', 'authorizer', 'index.ts'),
      description: 'Claude gateway REQUEST authorizer (tenant keys and Cognito client-credentials tokens)',
      memorySize: 512,
      // API Gateway waits at most 10 s for an authorizer; the first call also loads secrets and the JWKS.
      timeout: Duration.seconds(10),
      role,
      logKey: props.encryptionKey,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logLevel: props.logLevel,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        [ENV.authDirectorySecretArn]: this.directorySecret.secretArn,
        [ENV.authDirectoryVersion]: directoryVersion,
        [ENV.userPoolId]: this.userPool.userPoolId,
        [ENV.oauthScope]: GATEWAY_INVOKE_SCOPE,
        [ENV.authRefreshSeconds]: String((props.keyRefresh ?? Duration.minutes(5)).toSeconds()),
        ...(props.auditBucket ? { [ENV.auditBucket]: props.auditBucket.bucketName } : {}),
      },
      sourceMap: false,
      // Bundle our pinned S3 client (its default CRC32 checksum is what Object Lock requires on every PUT, and
      // the runtime's SDK version is not ours to choose); Secrets Manager comes from the runtime.
      externalModules: ['@aws-sdk/client-secrets-manager'],
      noDeadLetterQueueReason:
        'API Gateway invokes the authorizer synchronously; a DLQ only applies to asynchronous invocations.',
      unreservedConcurrencyReason:
        'Concurrency is bounded upstream by stage throttling, usage plans and the WAF rate rule; reserving it would ' +
        'fail deploys on accounts with a low concurrency limit. Set operations.reservedConcurrency.authorizer.',
      outsideVpcReason:
        'The authorizer handles no customer data (credentials only, compared as digests) and must reach Cognito’s ' +
        'public JWKS URL, which the gateway VPC (no internet route) cannot. Pass vpc to run it in a VPC with NAT.',
    });
    this.authorizerFunction = authorizer.function;
    this.authorizerLogGroup = authorizer.logGroup;
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The authorizer reads every tenant key and usage identifier; they are named <prefix><tenant>/..., and ' +
            'Secrets Manager appends a random suffix to each ARN, so the grant is GetSecretValue on that name prefix',
          appliesTo: [{ regex: '/^Resource::arn:.+:secretsmanager:.+:secret:.+\\/tenants\\/\\*$/g' }],
        },
      ],
      true,
    );
    // After the function: its log-group grant creates the role's default policy, which this covers too.
    const inlinePolicyReason =
      'CDK renders the grants (tenant secrets, KMS via Secrets Manager, own log group) as a policy inline on this ' +
      'single-purpose role; it is versioned with the template and deliberately not reusable by other roles.';
    NagSuppressions.addResourceSuppressions(
      role,
      [
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inlinePolicyReason },
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inlinePolicyReason },
      ],
      true,
    );

    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      // The tenant secrets by their names' prefix (Secrets Manager appends a random suffix to each ARN): one
      // statement instead of two exported ARNs per tenant.
      resourceArns: [
        this.directorySecret.secretArn,
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${secretNamePrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
    // Not `secret.grantRead`: with a key owned by the stateful stack it writes the role into the key policy, a
    // reference back into this stack (a cycle). The principal policy suffices; Decrypt only via Secrets Manager.
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['kms:Decrypt'],
      resourceArns: [props.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
    });
    if (props.auditBucket) {
      // Put-only on audit/v1/* and GenerateDataKey via S3: not grantPut/grantWrite (they add retention and
      // legal-hold actions), and both in the role's own policy (no reference back into the stateful stack).
      grantAuditRecordPut(role, props.auditBucket, props.encryptionKey);
      NagSuppressions.addResourceSuppressions(
        role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Denied audit records are written under per-day, per-tenant, per-request keys below audit/v1/, so ' +
              'the grant is s3:PutObject (only) on that prefix',
            appliesTo: [{ regex: '/^Resource::.+\\/audit\\/v1\\/\\*$/g' }],
          },
        ],
        true,
      );
    }
  }

  /** Attaches every tenant's usage plan to a deployed stage, so API Gateway meters and limits each tenant there. */
  addApiStage(api: apigateway.IRestApi, stage: apigateway.Stage): void {
    for (const resources of this.tenants.values()) resources.usagePlan.addApiStage({ api, stage });
  }

  private addTenant(
    tenant: TenantIdentityTenant,
    props: TenantIdentityProps,
    invokeScope: cognito.OAuthScope,
  ): TenantIdentityResources {
    const stackName = Stack.of(this).stackName;
    const secrets = props.tenantSecrets.tenants.get(tenant.id);
    if (!secrets) throw new Error(`TenantIdentity: tenantSecrets has no secrets for tenant "${tenant.id}"`);
    const { keySecret, usageIdentifierSecret } = secrets;
    if (tenant.auth.apiKey && !keySecret) {
      throw new Error(`TenantIdentity: tenant "${tenant.id}" uses keys but tenantSecrets has no key secret for it`);
    }

    const client = tenant.auth.oauth2ClientCredentials
      ? this.userPool.addClient(`Client-${tenant.id}`, {
          userPoolClientName: `${tenant.id}`,
          generateSecret: true,
          // No user flows at all: the client can only exchange its id and secret for an access token.
          authFlows: { adminUserPassword: false, custom: false, userPassword: false, userSrp: false, user: false },
          oAuth: { flows: { clientCredentials: true }, scopes: [invokeScope] },
          accessTokenValidity: props.accessTokenValidity ?? Duration.hours(1),
          enableTokenRevocation: true,
          preventUserExistenceErrors: true,
        })
      : undefined;
    if (client) client.node.addDependency(this.resourceServer);

    const apiKey = new apigateway.ApiKey(this, `ApiKey-${tenant.id}`, {
      apiKeyName: `${stackName}-${tenant.id}`,
      description: `Usage-plan key of tenant ${tenant.id}; selected by the authorizer, never sent by clients`,
      enabled: true,
      // CloudFormation resolves the dynamic reference at deploy; the value never appears in the template.
      // By name, not by reference: a reference to a secret of the stateful stack costs an export per tenant, and a
      // stack has at most 200 outputs.
      value: SecretValue.secretsManager(
        usageIdentifierSecretName(props.tenantSecrets.secretNamePrefix, tenant.id),
      ).unsafeUnwrap(),
    });
    const usagePlan = new apigateway.UsagePlan(this, `UsagePlan-${tenant.id}`, {
      name: `${stackName}-${tenant.id}`,
      description: `Rate, burst and quota of tenant ${tenant.id}`,
      throttle: { rateLimit: tenant.limits.rateLimitPerSecond, burstLimit: tenant.limits.burstLimit },
      quota: { limit: tenant.limits.quota.limit, period: apigateway.Period[tenant.limits.quota.period] },
    });
    usagePlan.addApiKey(apiKey);
    return { keySecret, client, usageIdentifierSecret, apiKey, usagePlan };
  }
}

function validateTenants(tenants: readonly TenantIdentityTenant[]): void {
  if (tenants.length === 0) throw new Error('TenantIdentity: at least one tenant is required');
  const seen = new Set<string>();
  for (const tenant of tenants) {
    if (seen.has(tenant.id)) throw new Error(`TenantIdentity: duplicate tenant id "${tenant.id}"`);
    seen.add(tenant.id);
    if (!tenant.auth.apiKey && !tenant.auth.oauth2ClientCredentials) {
      throw new Error(`TenantIdentity: tenant "${tenant.id}" enables neither apiKey nor oauth2ClientCredentials`);
    }
  }
}

/** Lower-cased stack name plus the account id: unique per region, as Cognito prefix domains must be. */
function defaultDomainPrefix(stackName: string): string {
  if (Token.isUnresolved(stackName))
    throw new Error('TenantIdentity: pass domainPrefix when the stack name is a token');
  const base = stackName
    .toLowerCase()
    .replace(/aws|amazon|cognito/g, 'x')
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);
  return `${base}-${Aws.ACCOUNT_ID}`;
}
