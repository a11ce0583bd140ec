import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  bundlingTargetFor,
  GATEWAY_FUNCTION_TAG,
  GATEWAY_RUNTIME,
  GatewayFunction,
  type GatewayFunctionProps,
} from '../../../lib/constructs/gateway-function';
import { addNagPacks, nagFindings, testApp } from '../../helpers/cdk';

const ENTRY = `${__dirname}/../../../lambdas/authorizer/index.ts`;

function build(overrides: Partial<GatewayFunctionProps> = {}) {
  const stack = new Stack(testApp(), 'Fn', { env: { account: '111122223333', region: 'ap-south-1' } });
  addNagPacks(stack);
  const fn = new GatewayFunction(stack, 'Thing', {
    name: 'thing',
    entry: ENTRY,
    description: 'A test function',
    timeout: Duration.seconds(30),
    logKey: kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:ap-south-1:111122223333:key/11111111-1111-1111-1111-111111111111',
    ),
    logRetention: logs.RetentionDays.ONE_YEAR,
    environment: { EXTRA: 'x' },
    noDeadLetterQueueReason: 'invoked synchronously in this test',
    unreservedConcurrencyReason: 'a test function',
    outsideVpcReason: 'a test function',
    ...overrides,
  });
  return { stack, fn, template: Template.fromStack(stack) };
}

describe('GatewayFunction (the house Lambda construct)', () => {
  it('bundles for the runtime it runs on', () => {
    expect(GATEWAY_RUNTIME).toBe(lambda.Runtime.NODEJS_22_X);
    expect(bundlingTargetFor(GATEWAY_RUNTIME)).toBe('node22');
    expect(bundlingTargetFor(lambda.Runtime.NODEJS_24_X)).toBe('node24');
    expect(() => bundlingTargetFor(lambda.Runtime.PYTHON_3_13)).toThrow(/not a Node.js runtime/);
  });

  it('sets runtime, architecture, its own encrypted log group, the house variables and the tag', () => {
    const { template } = build();
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: 'arn:aws:kms:ap-south-1:111122223333:key/11111111-1111-1111-1111-111111111111',
      RetentionInDays: 365,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 30,
      MemorySize: 512,
      TracingConfig: Match.absent(),
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
      Environment: {
        Variables: {
          EXTRA: 'x',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_SERVICE_NAME: 'claude-gateway-thing',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      Tags: [{ Key: GATEWAY_FUNCTION_TAG, Value: 'thing' }],
    });
  });

  it('has zero unacknowledged cdk-nag findings, with and without tracing', () => {
    expect(nagFindings(build().stack)).toEqual([]);
    const traced = build({ tracing: true });
    expect(nagFindings(traced.stack)).toEqual([]);
    traced.template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  it('refuses settings that would need an unexplained finding or break the function', () => {
    expect(() => build({ unreservedConcurrencyReason: undefined })).toThrow(/unreservedConcurrencyReason/);
    expect(() => build({ outsideVpcReason: undefined })).toThrow(/outsideVpcReason/);
    expect(() => build({ timeout: Duration.minutes(16) })).toThrow(/timeout must be 1 s to 15 min/);
    expect(() => build({ name: 'Not OK' })).toThrow(/name must be lower-case/);
    expect(() => build({ memorySize: 64 })).toThrow(/memorySize/);
  });
});
