/**
 * The stack outputs the doctor reads (`DescribeStacks`), named in one place: lib/stacks writes them with these
 * keys, so a rename breaks the stack tests rather than a doctor run in an account.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { MissingOutputError } from './check';

/** Output keys of `<prefix>-AuditData`. */
export const AUDIT_DATA_OUTPUTS = {
  auditBucketName: 'AuditBucketName',
  /** `COMPLIANCE` or `GOVERNANCE`: the Object Lock mode config asked for. */
  auditObjectLockMode: 'AuditObjectLockMode',
  /** Default retention in days config asked for. */
  auditRetentionDays: 'AuditRetentionDays',
  trailName: 'AuditTrailName',
  /** JSON `BedrockLoggingExpectation`; absent when `bedrockInvocationLogging.enabled` is false. */
  bedrockInvocationLogging: 'BedrockLoggingExpected',
  /** JSON `FunctionRuntimeList` of this stack's functions. */
  functionRuntimes: 'FunctionRuntimes',
} as const;

/** Output keys of `<prefix>-Gateway`. */
export const GATEWAY_OUTPUTS = {
  apiUrl: 'ApiUrl',
  alarmTopicArn: 'AlarmTopicArn',
  vpcId: 'VpcId',
  /** Secret the platform engineer fills with `{"apiKey":"sk-ant-..."}`; absent when the provider is off. */
  anthropicApiKeySecretName: 'AnthropicApiKeySecretName',
  /** The tenant the canary calls as by default (the first with an API key); absent when none has one. */
  canaryTenantId: 'CanaryTenantId',
  /** The canary tenant's key secret, `<prefix><tenant>/api-key`: other tenants' names follow from it. */
  canaryTenantKeySecretName: 'CanaryTenantKeySecretName',
  functionRuntimes: 'FunctionRuntimes',
} as const;

/** What the AuditData stack configured Bedrock model invocation logging to be. */
export interface BedrockLoggingExpectation {
  readonly bucketName: string;
  readonly keyPrefix: string;
  readonly textDataDeliveryEnabled: boolean;
  readonly imageDataDeliveryEnabled: boolean;
  readonly embeddingDataDeliveryEnabled: boolean;
}

/** Each function's name and the runtime its template declares (`nodejs22.x`). */
export type FunctionRuntimeList = ReadonlyArray<{ readonly function: string; readonly runtime: string }>;

export const auditDataStackName = (prefix: string): string => `${prefix}-AuditData`;
export const gatewayStackName = (prefix: string): string => `${prefix}-Gateway`;

/** One stack's outputs by key, with typed accessors that throw `MissingOutputError`. */
export class OutputSet {
  constructor(
    readonly stackName: string,
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  get(key: string): string {
    const value = this.values.get(key);
    if (value === undefined || value === '') throw new MissingOutputError(this.stackName, key);
    return value;
  }

  has(key: string): boolean {
    return (this.values.get(key) ?? '') !== '';
  }

  json(key: string): unknown {
    const text = this.get(key);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`output ${key} of ${this.stackName} is not JSON`);
    }
  }
}

export interface StackOutputs {
  readonly auditData: OutputSet;
  readonly gateway: OutputSet;
}

/** Reads both stacks' outputs. Throws when a stack is missing or not in a completed state. */
export async function readStackOutputs(client: CloudFormationClient, prefix: string): Promise<StackOutputs> {
  const [auditData, gateway] = await Promise.all([
    readOne(client, auditDataStackName(prefix)),
    readOne(client, gatewayStackName(prefix)),
  ]);
  return { auditData, gateway };
}

/**
 * Settled states whose outputs describe what is deployed. A failed create (`ROLLBACK_COMPLETE`) or a stack still
 * changing is refused. After `UPDATE_ROLLBACK_COMPLETE` the previous template is live and its outputs match it.
 */
const SETTLED_STATUS =
  /^(CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_COMPLETE_CLEANUP_IN_PROGRESS|UPDATE_ROLLBACK_COMPLETE|IMPORT_COMPLETE|IMPORT_ROLLBACK_COMPLETE)$/;

async function readOne(client: CloudFormationClient, stackName: string): Promise<OutputSet> {
  const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = response.Stacks?.[0];
  if (!stack) throw new Error(`stack ${stackName} not found`);
  if (!SETTLED_STATUS.test(stack.StackStatus ?? '')) {
    throw new Error(`stack ${stackName} is ${stack.StackStatus ?? 'in an unknown state'}`);
  }
  const values = new Map<string, string>();
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined)
      values.set(output.OutputKey, output.OutputValue);
  }
  return new OutputSet(stackName, values);
}
