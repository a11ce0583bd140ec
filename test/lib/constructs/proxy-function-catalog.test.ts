import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProxyFunction } from '../../../lib/constructs/proxy-function';
import { testApp, testConfig } from '../../helpers/cdk';

const REGION = 'ap-south-1';
const ACCOUNT = '111122223333';

/** The proxy of a config whose `modelCatalog` adds an APAC profile that the built-in table does not list. */
function build(modelCatalog: Record<string, unknown>): Template {
  const config = testConfig({
    modelCatalog,
    tenants: [
      {
        id: 'acme',
        models: { sonnet: 'claude-sonnet-5-5' },
        residency: { bedrockRoutingScopes: ['apac', 'global'] },
      },
    ],
  });
  const stack = new Stack(testApp(), 'ProxyCatalogTest', { env: { region: REGION, account: ACCOUNT } });
  new ProxyFunction(stack, 'Proxy', {
    tenants: config.tenants,
    modelCatalog: config.modelCatalog,
    anthropicEnabled: false,
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['ap-south-1a', 'ap-south-1b'],
      isolatedSubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'],
    }),
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
    auditBucket: s3.Bucket.fromBucketName(stack, 'AuditBucket', 'gateway-audit'),
    auditDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', `arn:aws:sqs:${REGION}:${ACCOUNT}:audit-dlq`),
    auditKey: kms.Key.fromKeyArn(
      stack,
      'AuditKey',
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-1111-1111-1111-111111111111`,
    ),
    reidentificationKey: kms.Key.fromKeyArn(
      stack,
      'ReidKey',
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/22222222-2222-2222-2222-222222222222`,
    ),
    tokenSecret: secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'TokenSecret',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:token-AbCdEf`,
    ),
    logRetention: logs.RetentionDays.ONE_YEAR,
  });
  return Template.fromStack(stack);
}

/** Every inference-profile ARN the proxy's policies grant. */
function grantedProfiles(template: Template): string[] {
  const text = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
  return [...new Set(text.match(/inference-profile\/[A-Za-z0-9.\-:]+/g) ?? [])].sort();
}

describe('ProxyFunction with config catalog entries', () => {
  it('grants Bedrock invoke on a profile added in cdk.json', () => {
    // Act
    const template = build({ 'claude-sonnet-5-5': { bedrock: { apac: 'apac.anthropic.claude-sonnet-5-5' } } });

    // Assess
    expect(grantedProfiles(template)).toEqual([
      'inference-profile/apac.anthropic.claude-sonnet-5-5',
      'inference-profile/global.anthropic.claude-sonnet-5-5',
    ]);
  });

  it('grants only the built-in profiles without config entries', () => {
    expect(grantedProfiles(build({}))).toEqual(['inference-profile/global.anthropic.claude-sonnet-5-5']);
  });
});
