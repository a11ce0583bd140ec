import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BedrockInvocationLogging,
  type BedrockInvocationLoggingProps,
  UNREDACTED_TEXT_OVERRIDE_METADATA_KEY,
} from '../../../lib/constructs/bedrock-invocation-logging';
import { testApp } from '../../helpers/cdk';

const RESOURCE_TYPE = 'Custom::BedrockModelInvocationLogging';

interface Synth {
  template: Template;
  bucketId: string;
  keyId: string;
  bucketPolicyId: string;
}

function synth(overrides: Partial<BedrockInvocationLoggingProps> = {}): Synth {
  const stack = new Stack(testApp(), 'Logging', { env: { account: '111122223333', region: 'ap-south-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: key, enforceSSL: true });
  new BedrockInvocationLogging(stack, 'Logging', {
    bucket,
    encryptionKey: key,
    textDataDelivery: false,
    imageDataDelivery: false,
    embeddingDataDelivery: true,
    logGroupEncryptionKey: key,
    logRetention: logs.RetentionDays.ONE_YEAR,
    ...overrides,
  });
  const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  return {
    template: Template.fromStack(stack),
    bucketId: logicalId(bucket),
    keyId: logicalId(key),
    bucketPolicyId: stack.getLogicalId(bucket.policy?.node.defaultChild as never),
  };
}

/** The SDK call of one lifecycle event, rendered back from the template's Fn::Join. */
function sdkCall(s: Synth, event: 'Create' | 'Update' | 'Delete'): Record<string, unknown> {
  const resource = Object.values(s.template.findResources(RESOURCE_TYPE))[0] as {
    Properties: Record<string, unknown>;
  };
  const value = resource.Properties[event];
  if (typeof value === 'string') return JSON.parse(value) as Record<string, unknown>;
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
  return JSON.parse(text.replace(/<(\{[^>]*\})>/g, (_m, ref: string) => (JSON.parse(ref) as { Ref: string }).Ref));
}

describe('BedrockInvocationLogging', () => {
  let textOff: Synth;
  let textOn: Synth;

  beforeAll(() => {
    textOff = synth();
    textOn = synth({ textDataDelivery: true, unredactedTextOverrideReason: 'Tenant X accepted raw text in ticket 42' });
  });

  test.each(['Create', 'Update'] as const)('%s puts the S3 logging configuration from the props', (event) => {
    expect(sdkCall(textOff, event)).toEqual({
      service: 'Bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: {
        loggingConfig: {
          s3Config: { bucketName: textOff.bucketId, keyPrefix: 'bedrock-invocations' },
          textDataDeliveryEnabled: false,
          imageDataDeliveryEnabled: false,
          embeddingDataDeliveryEnabled: true,
        },
      },
      physicalResourceId: { id: 'bedrock-model-invocation-logging-ap-south-1' },
    });
  });

  test('text delivery follows the prop', () => {
    expect(sdkCall(textOn, 'Update')).toMatchObject({
      parameters: { loggingConfig: { textDataDeliveryEnabled: true } },
    });
  });

  test('Delete removes the configuration', () => {
    expect(sdkCall(textOff, 'Delete')).toEqual({
      service: 'Bedrock',
      action: 'DeleteModelInvocationLoggingConfiguration',
    });
  });

  test('runs after the bucket policy and the key policy exist', () => {
    textOff.template.hasResource(RESOURCE_TYPE, {
      DependsOn: Match.arrayWith([textOff.bucketPolicyId, textOff.keyId]),
    });
  });

  test('IAM: only the three logging-configuration actions, and no installed SDK', () => {
    textOff.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'bedrock:DeleteModelInvocationLoggingConfiguration',
              'bedrock:GetModelInvocationLoggingConfiguration',
              'bedrock:PutModelInvocationLoggingConfiguration',
            ],
            Resource: '*',
          },
        ],
      },
    });
    textOff.template.hasResourceProperties(RESOURCE_TYPE, { InstallLatestAwsSdk: false });
  });

  test('handler: own role without managed policies, KMS-encrypted log group with retention', () => {
    const roles = textOff.template.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) {
      expect((role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns).toBeUndefined();
    }
    textOff.template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [textOff.keyId, 'Arn'] },
      RetentionInDays: 365,
    });
    textOff.template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('HandlerLogGroup') } },
    });
  });

  test('records the unredacted-text override reason in the template metadata only when given', () => {
    expect(textOn.template.toJSON().Metadata).toEqual({
      [UNREDACTED_TEXT_OVERRIDE_METADATA_KEY]: 'Tenant X accepted raw text in ticket 42',
    });
    expect(textOff.template.toJSON().Metadata).toBeUndefined();
  });

  test('rejects a bad key prefix and names it', () => {
    expect(() => synth({ keyPrefix: 'bedrock/' })).toThrow('"bedrock/"');
  });
});
