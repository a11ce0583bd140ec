import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { authDirectoryConfigSchema } from '../../../lambdas/shared/auth/auth-directory';
import { TenantIdentity } from '../../../lib/constructs/tenant-identity';
import { TenantSecrets } from '../../../lib/constructs/tenant-secrets';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';
import { apiTestStack, TWO_TENANTS } from './gateway-test-stack';

/**
 * TenantIdentity alone, with the audit key and (optionally) the audit bucket in a stateful stack as in the app, and
 * the cdk-nag packs on its stack.
 */
function identityStack(options: { auditBucket: boolean }) {
  const app = testApp();
  const env = { account: '111122223333', region: 'ap-south-1' };
  const dataStack = new Stack(app, 'ClaudeGateway-AuditData', { env });
  const auditKey = new kms.Key(dataStack, 'AuditKey', { enableKeyRotation: true });
  auditKey.grantEncryptDecrypt(new iam.ServicePrincipal('logs.ap-south-1.amazonaws.com'));
  const auditBucket = new s3.Bucket(dataStack, 'AuditBucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: auditKey,
    objectLockEnabled: true,
  });
  const stack = new Stack(app, 'ClaudeGateway-Gateway', { env });
  addNagPacks(stack);
  const tenants = testConfig({ tenants: TWO_TENANTS }).tenants;
  const tenantSecrets = new TenantSecrets(dataStack, 'TenantSecrets', {
    tenants,
    encryptionKey: auditKey,
    secretNamePrefix: 'ClaudeGateway/tenants/',
  });
  const identity = new TenantIdentity(stack, 'TenantIdentity', {
    tenants,
    tenantSecrets,
    encryptionKey: auditKey,
    ...(options.auditBucket ? { auditBucket } : {}),
  });
  return { stack, identity, template: Template.fromStack(stack) };
}

const AUDIT_PUT_ONLY = {
  Sid: 'AuditRecordPutOnly',
  Action: 's3:PutObject',
  Effect: 'Allow',
  Resource: {
    'Fn::Join': ['', [{ 'Fn::ImportValue': Match.stringLikeRegexp('AuditBucket.*Arn') }, '/audit/v1/*']],
  },
};
const AUDIT_ENCRYPT_VIA_S3 = {
  Sid: 'AuditRecordEncryptViaS3',
  Action: 'kms:GenerateDataKey',
  Condition: { StringEquals: { 'kms:ViaService': 's3.ap-south-1.amazonaws.com' } },
  Effect: 'Allow',
  Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('AuditKey') },
};

describe('TenantIdentity', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(apiTestStack().stack);
  });

  it('creates a user pool for machine clients only: no self sign-up, deletion protection, retained', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
        MfaConfiguration: 'ON',
      }),
    });
  });

  it('defines the gateway/invoke scope on a resource server and a token domain named after the stack', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'gateway',
      Scopes: [{ ScopeName: 'invoke', ScopeDescription: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['claudegateway-gateway-', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('creates one app client per OAuth2 tenant: client credentials only, a secret, the invoke scope', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'globex',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/invoke']] }],
      // No user sign-in flow (no SRP, password, custom or choice-based auth); refresh only, which
      // client credentials never issue.
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      CallbackURLs: Match.absent(),
      EnableTokenRevocation: true,
    });
  });

  it("creates no credential secret: tenant keys and usage identifiers are the stateful stack's", () => {
    // Its only secret is the authorizer directory (ids and names, no credential).
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('^Claude gateway authorizer directory'),
      GenerateSecretString: Match.absent(),
    });
  });

  it('sets each API key value from the usage identifier secret by dynamic reference, not the tenant key', () => {
    const apiKeys = Object.values(template.findResources('AWS::ApiGateway::ApiKey'));
    const acme = apiKeys.find((k) => k.Properties.Name === 'ClaudeGateway-Gateway-acme');
    expect(acme?.Properties.Enabled).toBe(true);
    // By name: no export per tenant from the stateful stack (a stack has at most 200 outputs).
    expect(acme?.Properties.Value).toBe(
      '{{resolve:secretsmanager:ClaudeGateway/tenants/acme/usage-identifier:SecretString:::}}',
    );
    expect(JSON.stringify(apiKeys)).not.toMatch(/TenantKey/);
  });

  it('gives each tenant a usage plan with its rate, burst and quota, bound to the stage, and its key', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'ClaudeGateway-Gateway-acme',
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 10_000, Period: 'DAY' },
      ApiStages: [
        {
          ApiId: { Ref: Match.anyValue() },
          Stage: { Ref: Match.stringLikeRegexp('DeploymentStageprod') },
          Throttle: {},
        },
      ],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'ClaudeGateway-Gateway-globex',
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 500_000, Period: 'MONTH' },
    });
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 2);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY' });
  });

  it('configures the authorizer from a validated directory: secret prefix, tenants, client ids, pool, scope', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const [authorizer] = Object.values(functions);
    const variables = authorizer?.Properties.Environment.Variables;
    expect(variables.GATEWAY_OAUTH_SCOPE).toBe('gateway/invoke');
    expect(variables.GATEWAY_AUTH_REFRESH_SECONDS).toBe('300');
    expect(variables.GATEWAY_USER_POOL_ID.Ref).toMatch(/UserPool/);
    // The directory travels in its secret, not in the 4 KB of variables; the variables only point at it.
    expect(variables.GATEWAY_AUTH_DIRECTORY).toBeUndefined();
    expect(variables.GATEWAY_AUTH_DIRECTORY_SECRET_ARN.Ref).toMatch(/AuthDirectory/);
    expect(variables.GATEWAY_AUTH_DIRECTORY_VERSION).toMatch(/^[0-9a-f]{16}$/);
    const [directorySecret] = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    // Resolve the client id token to a placeholder and validate the JSON the Lambda will parse.
    if (!directorySecret) throw new Error('no directory secret');
    const [, parts] = directorySecret.Properties.SecretString['Fn::Join'];
    const json = (parts as unknown[]).map((part) => (typeof part === 'string' ? part : 'client-id-token')).join('');
    expect(authDirectoryConfigSchema.parse(JSON.parse(json))).toEqual({
      secretNamePrefix: 'ClaudeGateway/tenants/',
      tenants: [
        { id: 'acme', apiKey: true },
        { id: 'globex', apiKey: true, clientId: 'client-id-token' },
      ],
    });
    // The house runtime: the one the bundle targets (it once ran Node 24 while bundled for Node 22).
    expect(authorizer?.Properties).toMatchObject({ Runtime: 'nodejs22.x', Timeout: 10, Architectures: ['arm64'] });
  });

  it('lets the authorizer read only the tenant secrets, decrypt only via Secrets Manager, and write its log group', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuthorizerLogGroup'), 'Arn'] },
          },
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            // The directory, and the tenant secrets by their names' prefix (not one export per secret).
            Resource: [
              'arn:aws:secretsmanager:ap-south-1:111122223333:secret:ClaudeGateway/tenants/*',
              { Ref: Match.stringLikeRegexp('AuthDirectory') },
            ],
          },
          {
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.ap-south-1.amazonaws.com' } },
            Effect: 'Allow',
            // The audit key from the stateful stack: a principal-policy grant, no reference back into the key policy.
            Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('AuditKey') },
          },
        ],
      },
    });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] } },
    });
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('writes authorizer logs to a KMS-encrypted log group with retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('AuthorizerLogGroup') } },
    });
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const authorizerLogs = Object.entries(logGroups).find(([id]) => id.includes('AuthorizerLogGroup'))?.[1];
    expect(authorizerLogs?.Properties.RetentionInDays).toBe(365);
    expect(authorizerLogs?.Properties.KmsKeyId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/AuditKey/) });
  });

  it('creates no key secret for an OAuth2-only tenant and no app client for a keys-only tenant', () => {
    const oauthOnly = apiTestStack({
      tenants: [
        { id: 'initech', models: { m: 'claude-sonnet-4-6' }, auth: { apiKey: false, oauth2ClientCredentials: true } },
      ],
    });
    const t = Template.fromStack(oauthOnly.stack);
    const data = Template.fromStack(oauthOnly.stack.node.root.node.findChild('ClaudeGateway-AuditData') as Stack);
    data.resourceCountIs('AWS::SecretsManager::Secret', 1);
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    expect(oauthOnly.identity.tenants.get('initech')?.keySecret).toBeUndefined();
  });

  describe('with the audit bucket (denied records of known tenants)', () => {
    let built: ReturnType<typeof identityStack>;
    beforeAll(() => {
      built = identityStack({ auditBucket: true });
    });

    it('names the audit bucket in the authorizer environment', () => {
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            GATEWAY_AUDIT_BUCKET: { 'Fn::ImportValue': Match.stringLikeRegexp('AuditBucket') },
          }),
        },
      });
    });

    it('grants put-only on audit/v1/* and GenerateDataKey via S3 only: no retention, legal hold, read or delete', () => {
      built.template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('AuthorizerRole') }],
        PolicyDocument: { Statement: Match.arrayWith([AUDIT_PUT_ONLY, AUDIT_ENCRYPT_VIA_S3]) },
      });
      const statements = Object.values(built.template.findResources('AWS::IAM::Policy')).flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>,
      );
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions.filter((action) => action.startsWith('s3:'))).toEqual(['s3:PutObject']);
      expect(actions.filter((action) => action.startsWith('kms:')).sort()).toEqual([
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ]);
      // A principal-policy grant only: nothing is written into the stateful stack's bucket or key policy.
      built.template.resourceCountIs('AWS::S3::BucketPolicy', 0);
      built.template.resourceCountIs('AWS::KMS::Key', 0);
    });

    it('has no cdk-nag findings (the audit/v1/* wildcard acknowledged narrowly)', () => {
      expect(nagFindings(built.stack)).toEqual([]);
    });
  });

  it('without the audit bucket: no audit variable, no S3 or GenerateDataKey grant, no cdk-nag findings', () => {
    const { stack, template } = identityStack({ auditBucket: false });
    const [authorizer] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(authorizer?.Properties.Environment.Variables.GATEWAY_AUDIT_BUCKET).toBeUndefined();
    const document = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(document).not.toContain('s3:');
    expect(document).not.toContain('kms:GenerateDataKey');
    expect(nagFindings(stack)).toEqual([]);
  });

  it('rejects duplicate tenants and tenants without any credential kind', () => {
    const build = (tenants: ConstructorParameters<typeof TenantIdentity>[2]['tenants']) => {
      const stack = new Stack(testApp(), 'S', { env: { account: '111122223333', region: 'ap-south-1' } });
      new TenantIdentity(stack, 'Identity', {
        tenants,
        tenantSecrets: { secretNamePrefix: 'ClaudeGateway/tenants/', tenants: new Map() },
        encryptionKey: new kms.Key(stack, 'K'),
      });
    };
    const limits = { rateLimitPerSecond: 1, burstLimit: 1, quota: { limit: 1, period: 'DAY' as const } };
    const tenant = { id: 'acme', auth: { apiKey: true, oauth2ClientCredentials: false }, limits };
    expect(() => build([tenant, tenant])).toThrow('duplicate tenant id "acme"');
    expect(() => build([{ ...tenant, auth: { apiKey: false, oauth2ClientCredentials: false } }])).toThrow(
      'enables neither apiKey nor oauth2ClientCredentials',
    );
  });
});
