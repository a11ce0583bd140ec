import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AuditKeys, type AuditKeysProps } from '../../../lib/constructs/audit-keys';
import { testApp } from '../../helpers/cdk';

const ACCOUNT = '111122223333';
const AUDITOR_ROLE = 'arn:aws:iam::444455556666:role/customer-auditor';
const CUSTOMER_ROOT = 'arn:aws:iam::777788889999:root';

interface Synth {
  template: Template;
  keys: AuditKeys;
}

function synth(overrides: Partial<AuditKeysProps> = {}, grantGateway = false): Synth {
  const stack = new Stack(testApp(), 'Keys', { env: { account: ACCOUNT, region: 'ap-south-1' } });
  const keys = new AuditKeys(stack, 'Keys', { aliasPrefix: 'claudegateway', trailName: 'gw-trail', ...overrides });
  if (grantGateway) {
    const role = new iam.Role(stack, 'GatewayRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    keys.grantReidentificationEncrypt(role);
  }
  return { template: Template.fromStack(stack), keys };
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown };

function keyStatements(template: Template, descriptionStart: string): Statement[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key')) as Array<{
    Properties: { Description: string; KeyPolicy: { Statement: Statement[] } };
  }>;
  const key = keys.find((k) => k.Properties.Description.startsWith(descriptionStart));
  if (!key) throw new Error(`no key described "${descriptionStart}…"`);
  return key.Properties.KeyPolicy.Statement;
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('AuditKeys', () => {
  let withPrincipals: Synth;
  let withoutPrincipals: Synth;

  beforeAll(() => {
    withPrincipals = synth({ decryptPrincipalArns: [AUDITOR_ROLE, CUSTOMER_ROOT] }, true);
    withoutPrincipals = synth({ allowBedrockLogDelivery: false });
  });

  test('both keys rotate, are retained and have aliases', () => {
    const { template } = withPrincipals;
    template.resourceCountIs('AWS::KMS::Key', 2);
    for (const key of Object.values(template.findResources('AWS::KMS::Key'))) {
      expect(key).toMatchObject({
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/claudegateway/audit' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/claudegateway/reidentification' });
  });

  test('audit key lets CloudTrail encrypt only for its trail, with the encryption-context condition', () => {
    const statements = keyStatements(withPrincipals.template, 'Audit records');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Condition: {
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` },
          StringEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:ap-south-1:${ACCOUNT}:trail/gw-trail` },
        },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:DescribeKey' }),
    );
  });

  test('audit key lets CloudWatch Logs of this region and account use it for log groups', () => {
    const statements = keyStatements(withPrincipals.template, 'Audit records');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'logs.ap-south-1.amazonaws.com' },
        Action: expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']),
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:ap-south-1:${ACCOUNT}:log-group:*` },
        },
      }),
    );
  });

  test('audit key lets Bedrock log delivery generate data keys, scoped by source account and ARN', () => {
    const statements = keyStatements(withPrincipals.template, 'Audit records');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'bedrock.amazonaws.com' },
        Action: 'kms:GenerateDataKey',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:bedrock:ap-south-1:${ACCOUNT}:*` },
        },
      }),
    );
    const without = keyStatements(withoutPrincipals.template, 'Audit records');
    expect(without.some((s) => JSON.stringify(s.Principal).includes('bedrock'))).toBe(false);
  });

  test('re-identification key denies Decrypt and ReEncryptFrom to everyone but the configured principals', () => {
    const statements = keyStatements(withPrincipals.template, 'Customer-held');
    expect(statements).toContainEqual({
      Sid: 'DenyDecryptExceptConfiguredPrincipals',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': [AUDITOR_ROLE] },
        StringNotEquals: { 'aws:PrincipalAccount': ['777788889999'] },
      },
    });
    const decryptAllows = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:Decrypt'));
    expect(decryptAllows).toEqual([
      expect.objectContaining({
        Principal: { AWS: [AUDITOR_ROLE, CUSTOMER_ROOT] },
        Action: ['kms:Decrypt', 'kms:DescribeKey'],
      }),
    ]);
  });

  test('re-identification key with no configured principals denies Decrypt to everyone', () => {
    const statements = keyStatements(withoutPrincipals.template, 'Customer-held');
    const deny = statements.find((s) => s.Sid === 'DenyDecryptExceptConfiguredPrincipals');
    expect(deny).toEqual(expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' } }));
    expect(deny?.Condition).toBeUndefined();
    expect(statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes('kms:Decrypt'))).toEqual([]);
  });

  test('the re-identification key stays administrable by the account', () => {
    const statements = keyStatements(withoutPrincipals.template, 'Customer-held');
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
    );
  });

  test('grantReidentificationEncrypt grants GenerateDataKey and Encrypt only', () => {
    const policies = withPrincipals.template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'] }),
    ]);
  });

  test('token secret: 64 generated characters, encrypted with the audit key, retained', () => {
    const { template, keys } = withPrincipals;
    const auditKeyId = Stack.of(keys).getLogicalId(keys.auditKey.node.defaultChild as never);
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
        KmsKeyId: { 'Fn::GetAtt': [auditKeyId, 'Arn'] },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test.each([
    [{ decryptPrincipalArns: ['arn:aws:iam::123:role/short-account'] }, 'arn:aws:iam::123:role/short-account'],
    [{ aliasPrefix: 'aws-reserved' }, 'aws-reserved'],
  ])('rejects bad props and names the value (%j)', (overrides, value) => {
    expect(() => synth(overrides)).toThrow(value);
  });
});
