import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TenantSecrets } from '../../../lib/constructs/tenant-secrets';
import { addNagPacks, nagFindings, testApp } from '../../helpers/cdk';

const TENANTS = [
  { id: 'acme', auth: { apiKey: true, oauth2ClientCredentials: false } },
  { id: 'initech', auth: { apiKey: false, oauth2ClientCredentials: true } },
];

function build(prefix = 'ClaudeGateway/tenants/') {
  const stack = new Stack(testApp(), 'AuditData', { env: { account: '111122223333', region: 'ap-south-1' } });
  addNagPacks(stack);
  const key = new kms.Key(stack, 'AuditKey', { enableKeyRotation: true });
  const secrets = new TenantSecrets(stack, 'TenantSecrets', {
    tenants: TENANTS,
    encryptionKey: key,
    secretNamePrefix: prefix,
  });
  return { stack, secrets, template: Template.fromStack(stack) };
}

describe('TenantSecrets', () => {
  const { stack, secrets, template } = build();

  it('generates a key secret per key tenant and a usage identifier per tenant, with the audit key', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 3);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ClaudeGateway/tenants/acme/api-key',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AuditKey'), 'Arn'] },
      GenerateSecretString: {
        SecretStringTemplate: '{"currentId":"k1"}',
        GenerateStringKey: 'current',
        PasswordLength: 48,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'ClaudeGateway/tenants/initech/usage-identifier',
      GenerateSecretString: Match.objectLike({ PasswordLength: 40 }),
    });
    expect(secrets.tenants.get('initech')?.keySecret).toBeUndefined();
    // No secret value is ever written into the template.
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret.Properties.SecretString).toBeUndefined();
    }
  });

  it('keeps the named secrets on update and delete, but not after a rolled-back create (no "already exists")', () => {
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('has zero unacknowledged cdk-nag findings and validates its prefix', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(() => build('no-slash')).toThrow(/ending in "\/"/);
  });
});
