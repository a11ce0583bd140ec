/** Stack outputs as a deployed gateway reports them, for the doctor's check tests. */
import type { CheckContext } from '../../../../lambdas/cli/doctor/check';
import {
  AUDIT_DATA_OUTPUTS,
  GATEWAY_OUTPUTS,
  OutputSet,
  type StackOutputs,
} from '../../../../lambdas/cli/doctor/stack-outputs';

export const AUDIT_BUCKET = 'claudegateway-auditdata-auditbucket-1a2b3c';
export const BEDROCK_LOG_BUCKET = 'claudegateway-auditdata-bedrocklogs-4d5e6f';
export const TRAIL_NAME = 'ClaudeGateway-audit-trail';
export const TOPIC_ARN = 'arn:aws:sns:ap-south-1:111122223333:ClaudeGateway-Gateway-AlarmsTopic';
export const CANARY_SECRET = 'ClaudeGateway-Gateway/tenants/sample-tenant/api-key';

export const bedrockExpectation = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    bucketName: BEDROCK_LOG_BUCKET,
    keyPrefix: 'bedrock-invocations',
    textDataDeliveryEnabled: false,
    imageDataDeliveryEnabled: false,
    embeddingDataDeliveryEnabled: false,
    ...overrides,
  });

type Values = Record<string, string | undefined>;

/** Both stacks' outputs; an override of `undefined` removes that output. */
export function outputsFixture(overrides: { auditData?: Values; gateway?: Values } = {}): StackOutputs {
  const auditData: Values = {
    [AUDIT_DATA_OUTPUTS.auditBucketName]: AUDIT_BUCKET,
    [AUDIT_DATA_OUTPUTS.auditObjectLockMode]: 'COMPLIANCE',
    [AUDIT_DATA_OUTPUTS.auditRetentionDays]: '365',
    [AUDIT_DATA_OUTPUTS.trailName]: TRAIL_NAME,
    [AUDIT_DATA_OUTPUTS.bedrockInvocationLogging]: bedrockExpectation(),
    [AUDIT_DATA_OUTPUTS.functionRuntimes]: JSON.stringify([
      { function: 'AuditData-CustomResource', runtime: 'nodejs24.x' },
    ]),
    ...overrides.auditData,
  };
  const gateway: Values = {
    [GATEWAY_OUTPUTS.apiUrl]: 'https://abc123.execute-api.ap-south-1.amazonaws.com/prod',
    [GATEWAY_OUTPUTS.alarmTopicArn]: TOPIC_ARN,
    [GATEWAY_OUTPUTS.vpcId]: 'vpc-0abc123',
    [GATEWAY_OUTPUTS.canaryTenantId]: 'sample-tenant',
    [GATEWAY_OUTPUTS.canaryTenantKeySecretName]: CANARY_SECRET,
    [GATEWAY_OUTPUTS.functionRuntimes]: JSON.stringify([
      { function: 'Gateway-Proxy', runtime: 'nodejs22.x' },
      { function: 'Gateway-Authorizer', runtime: 'nodejs22.x' },
    ]),
    ...overrides.gateway,
  };
  const toSet = (name: string, values: Values): OutputSet =>
    new OutputSet(
      name,
      new Map(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    );
  return { auditData: toSet('ClaudeGateway-AuditData', auditData), gateway: toSet('ClaudeGateway-Gateway', gateway) };
}

export function contextFixture(overrides: { auditData?: Values; gateway?: Values } = {}): CheckContext {
  return { outputs: outputsFixture(overrides), region: 'ap-south-1' };
}

/** An error as the AWS SDK throws it: the service's error code is its name. */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

export const DAY_MS = 24 * 60 * 60 * 1000;
