import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENV } from '../../../lambdas/shared/env';
import { bedrockInvokeTargets } from '../../../lib/constructs/bedrock-invoke-permissions';
import { ProxyFunction, type ProxyFunctionProps } from '../../../lib/constructs/proxy-function';
import { addNagPacks, nagFindings, testApp, testConfig } from '../../helpers/cdk';

const REGION = 'ap-south-1';
const ACCOUNT = '111122223333';
const AUDIT_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-1111-1111-1111-111111111111`;
const REID_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/22222222-2222-2222-2222-222222222222`;
const TOKEN_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:token-AbCdEf`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:audit-dlq`;

type Overrides = Partial<Omit<ProxyFunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroup'>>;

/** A stack holding only the proxy; its dependencies are imported, so nag sees nothing but this construct. */
function build(overrides: Overrides = {}, configOverrides: Record<string, unknown> = {}, nag = false) {
  const app = testApp();
  const stack = new Stack(app, 'ProxyTest', { env: { region: REGION, account: ACCOUNT } });
  if (nag) addNagPacks(stack);
  const config = testConfig(configOverrides);
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['ap-south-1a', 'ap-south-1b'],
    isolatedSubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'],
  });
  const proxy = new ProxyFunction(stack, 'Proxy', {
    tenants: config.tenants,
    anthropicEnabled: config.providers.anthropic.enabled,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
    auditBucket: s3.Bucket.fromBucketName(stack, 'AuditBucket', 'gateway-audit'),
    auditKey: kms.Key.fromKeyArn(stack, 'AuditKey', AUDIT_KEY_ARN),
    auditDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', DLQ_ARN),
    reidentificationKey: kms.Key.fromKeyArn(stack, 'ReidKey', REID_KEY_ARN),
    tokenSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'TokenSecret', TOKEN_SECRET_ARN),
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...overrides,
  });
  return { stack, proxy, template: Template.fromStack(stack) };
}

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Effect: string;
};

/** Every statement of every IAM policy (inline or managed) in the template. */
function statements(template: Template): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const bySid = (template: Template, sid: string): Statement => {
  const found = statements(template).find((statement) => statement.Sid === sid);
  if (found === undefined) throw new Error(`no statement ${sid}`);
  return found;
};

const SONNET_PROFILE = `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/global.anthropic.claude-sonnet-4-6`;
const HAIKU_PROFILE = `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0`;

describe('ProxyFunction', () => {
  const { template } = build();

  it('runs Node 22 on ARM64 with 1 GB, 15 minutes, in the VPC with the given security group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 900,
      Handler: 'index.handler',
      VpcConfig: { SecurityGroupIds: ['sg-12345678'], SubnetIds: ['subnet-aaaa1111', 'subnet-bbbb2222'] },
    });
  });

  it('sets the environment by the names in env.ts, without the policy document (it is in the bundle)', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const variables = fn.Properties.Environment.Variables;
    expect(variables[ENV.auditBucket]).toBe('gateway-audit');
    expect(JSON.stringify(variables[ENV.auditDeadLetterQueueUrl])).toContain(`/${ACCOUNT}/audit-dlq`);
    expect(variables[ENV.tokenSecretArn]).toBe(TOKEN_SECRET_ARN);
    expect(variables[ENV.reidentificationKeyArn]).toBe(REID_KEY_ARN);
    expect(variables[ENV.logLevel]).toBe('INFO');
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(variables).not.toHaveProperty(ENV.policyDocument);
    expect(variables).not.toHaveProperty(ENV.anthropicApiKeySecretArn);
  });

  it('logs to a KMS-encrypted log group with retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: AUDIT_KEY_ARN, RetentionInDays: 365 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^ProxyRuntimeLogGroup') } },
    });
  });

  it("creates no queue: the dead-letter queue is the stateful stack's", () => {
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('uses its own role: no AWS managed policies, no inline policies, two customer-managed policies', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { DependsOn: string[] };
    expect(fn.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ProxyNetworkInterfacePolicy/),
        expect.stringMatching(/^ProxyPolicy[0-9A-F]{8}$/),
      ]),
    );
  });

  it('may only put audit records: s3:PutObject on audit/v1/* and nothing else on S3', () => {
    expect(bySid(template, 'AuditRecordPutOnly')).toEqual({
      Sid: 'AuditRecordPutOnly',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::gateway-audit/audit/v1/*',
    });
    const s3Actions = statements(template)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('s3:'));
    expect(s3Actions).toEqual(['s3:PutObject']);
    for (const forbidden of ['s3:DeleteObject', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:*']) {
      expect(JSON.stringify(statements(template))).not.toContain(`"${forbidden}"`);
    }
  });

  it('encrypts audit records through S3 only: GenerateDataKey on the audit key with kms:ViaService', () => {
    expect(bySid(template, 'AuditRecordEncryptViaS3')).toMatchObject({
      Action: 'kms:GenerateDataKey',
      Resource: AUDIT_KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': 's3.ap-south-1.amazonaws.com' } },
    });
  });

  it('may only GenerateDataKey with the customer-held key (no Decrypt)', () => {
    const onReidKey = statements(template).filter((statement) =>
      JSON.stringify(statement.Resource).includes(REID_KEY_ARN),
    );
    expect(onReidKey).toHaveLength(1);
    expect(actionsOf(onReidKey[0] as Statement)).toEqual(['kms:GenerateDataKey']);
  });

  it('has kms:Decrypt only bound to SQS and the dead-letter queue (or Secrets Manager for the token secret)', () => {
    const decrypts = statements(template).filter((statement) => actionsOf(statement).includes('kms:Decrypt'));
    expect(decrypts.length).toBeGreaterThan(0);
    for (const statement of decrypts) {
      expect(statement.Condition?.StringEquals?.['kms:ViaService']).toBeDefined();
      expect(JSON.stringify(statement.Resource)).not.toContain(REID_KEY_ARN);
    }
  });

  it('sends to the dead-letter queue with the key use bound to that queue', () => {
    const queueArn = DLQ_ARN;
    expect(bySid(template, 'AuditDeadLetterSend')).toEqual({
      Sid: 'AuditDeadLetterSend',
      Effect: 'Allow',
      Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      Resource: queueArn,
    });
    expect(bySid(template, 'AuditDeadLetterEncryptViaSqs')).toEqual({
      Sid: 'AuditDeadLetterEncryptViaSqs',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: AUDIT_KEY_ARN,
      Condition: {
        StringEquals: {
          'kms:ViaService': 'sqs.ap-south-1.amazonaws.com',
          'kms:EncryptionContext:aws:sqs:arn': queueArn,
        },
      },
    });
  });

  it('reads the token secret', () => {
    const reads = statements(template).filter((statement) =>
      JSON.stringify(statement.Resource).includes('token-AbCdEf'),
    );
    expect(reads.flatMap(actionsOf).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  });

  it('invokes the sample tenant global profiles with the three statements each', () => {
    expect(bySid(template, 'BedrockInvokeInferenceProfiles')).toEqual({
      Sid: 'BedrockInvokeInferenceProfiles',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: [HAIKU_PROFILE, SONNET_PROFILE],
    });
    // Targets are sorted: 0 = haiku, 1 = sonnet.
    expect(bySid(template, 'BedrockModel1GlobalRegional')).toEqual({
      Sid: 'BedrockModel1GlobalRegional',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: `arn:aws:bedrock:${REGION}::foundation-model/anthropic.claude-sonnet-4-6`,
      Condition: { StringEquals: { 'aws:RequestedRegion': REGION, 'bedrock:InferenceProfileArn': SONNET_PROFILE } },
    });
    expect(bySid(template, 'BedrockModel1GlobalUnspecified')).toEqual({
      Sid: 'BedrockModel1GlobalUnspecified',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: 'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6',
      Condition: {
        StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': SONNET_PROFILE },
      },
    });
    expect(bySid(template, 'BedrockModel0GlobalUnspecified').Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': HAIKU_PROFILE },
    });
    expect(bySid(template, 'BedrockCountTokens')).toMatchObject({
      Action: 'bedrock:CountTokens',
      Resource: [
        `arn:aws:bedrock:${REGION}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0`,
        `arn:aws:bedrock:${REGION}::foundation-model/anthropic.claude-sonnet-4-6`,
      ],
    });
  });

  it('has no wildcard resource except the network-interface statement Lambda requires', () => {
    const wildcards = statements(template).filter((statement) => JSON.stringify(statement.Resource).includes('*"'));
    const sids = wildcards.map((statement) => statement.Sid ?? '(no sid)');
    expect(sids.sort()).toEqual(['AuditRecordPutOnly', 'LambdaVpcNetworkInterfaces']);
    expect(statements(template).flatMap(actionsOf)).not.toContain('bedrock:*');
  });

  it('has zero cdk-nag findings', () => {
    const { stack } = build({}, {}, true);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('ProxyFunction with the Anthropic provider', () => {
  const anthropicTenant = {
    id: 'acme-direct',
    provider: 'anthropic',
    models: { sonnet: 'claude-sonnet-4-6' },
  };
  const configOverrides = {
    providers: { anthropic: { enabled: true } },
    tenants: [anthropicTenant],
  };

  it('refuses the Anthropic provider without the key secret of the stateful stack (never creates one)', () => {
    expect(() => build({ anthropicEnabled: true }, configOverrides)).toThrow(/needs anthropicApiKeySecret/);
  });

  it('reads the given secret: named in its env, no secret of its own, no Bedrock actions', () => {
    const app = testApp();
    const holder = new Stack(app, 'Holder', { env: { region: REGION, account: ACCOUNT } });
    const given = secretsmanager.Secret.fromSecretCompleteArn(
      holder,
      'Given',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:anthropic-XyZ123`,
    );
    const { template } = build({ anthropicEnabled: true, anthropicApiKeySecret: given }, configOverrides);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.anthropicApiKeySecretArn]: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:anthropic-XyZ123`,
        },
      },
    });
    const bedrock = statements(template)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('bedrock:'));
    expect(bedrock).toEqual([]);
  });

  it('has zero cdk-nag findings', () => {
    const app = testApp();
    const holder = new Stack(app, 'NagHolder', { env: { region: REGION, account: ACCOUNT } });
    const given = secretsmanager.Secret.fromSecretCompleteArn(
      holder,
      'Given',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:anthropic-XyZ123`,
    );
    const { stack } = build({ anthropicEnabled: true, anthropicApiKeySecret: given }, configOverrides, true);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('bedrockInvokeTargets', () => {
  it('follows residency: apac and global scopes for Sonnet 4, de-duplicated across tenants', () => {
    const config = testConfig({
      tenants: [
        {
          id: 'apac-tenant',
          models: { sonnet: 'claude-sonnet-4-20250514' },
          residency: { bedrockRoutingScopes: ['apac', 'global'] },
        },
        { id: 'global-tenant', models: { sonnet: 'claude-sonnet-4-20250514' } },
      ],
    });
    expect(bedrockInvokeTargets(config.tenants)).toEqual([
      {
        modelId: 'apac.anthropic.claude-sonnet-4-20250514-v1:0',
        scope: 'apac',
        foundationModelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
      },
      {
        modelId: 'global.anthropic.claude-sonnet-4-20250514-v1:0',
        scope: 'global',
        foundationModelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
      },
    ]);
  });

  it('grants an apac profile on the foundation model in its destination regions, bound to the profile', () => {
    const { template } = build(
      {},
      {
        tenants: [
          {
            id: 'apac-tenant',
            models: { sonnet: 'claude-sonnet-4-20250514' },
            residency: { bedrockRoutingScopes: ['apac'] },
          },
        ],
      },
    );
    expect(bySid(template, 'BedrockModel0GeoDestinations')).toEqual({
      Sid: 'BedrockModel0GeoDestinations',
      Effect: 'Allow',
      Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      Resource: 'arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0',
      Condition: {
        StringEquals: {
          'bedrock:InferenceProfileArn': `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/apac.anthropic.claude-sonnet-4-20250514-v1:0`,
        },
      },
    });
  });
});

describe('ProxyFunction with an apac profile', () => {
  it('has zero cdk-nag findings (the region wildcard of the profile destinations is acknowledged)', () => {
    const { stack } = build(
      {},
      {
        tenants: [
          {
            id: 'apac-tenant',
            models: { sonnet: 'claude-sonnet-4-20250514' },
            residency: { bedrockRoutingScopes: ['apac'] },
          },
        ],
      },
      true,
    );
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('ProxyFunction validation', () => {
  it.each([
    [{ memorySize: 64 }, /memorySize must be an integer between 128 and 10240 \(got 64\)/],
    [{ reservedConcurrentExecutions: 0 }, /reservedConcurrentExecutions must be a positive integer \(got 0\)/],
  ])('refuses %p', (overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  it('sets reserved concurrency when given', () => {
    const { template } = build({ reservedConcurrentExecutions: 50 });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 50 });
  });
});
