/**
 * The Lambda functions `cdk deploy` would create, as the cold-start benchmark needs them: entry file, handler,
 * esbuild settings (read from each house `GatewayFunction`) and environment (read from the synthesized template,
 * with dummy values in place of CloudFormation references).
 *
 * The app is built as bin/gateway.ts builds it (same stacks, same cdk.json config) but without bundling and
 * without the cdk-nag packs, which do not change any function. bin/gateway.ts synthesizes on import, so its
 * wiring is repeated here; the props are type-checked against the stacks, so a new required prop fails to compile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { loadGatewayConfig } from '../../lib/config';
import { GATEWAY_FUNCTION_TAG, GatewayFunction } from '../../lib/constructs/gateway-function';
import { AuditDataStack } from '../../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../../lib/stacks/gateway-stack';

export const PROJECT_ROOT = join(__dirname, '..', '..');

/** One deployed function: what it is built from and what it starts with. */
export interface DeployedFunction {
  /** The house short name (`proxy`, `audit-replay`, ...), the value of its `claude-gateway:function` tag. */
  readonly name: string;
  readonly entry: string;
  /** The exported handler name (`handler`, `replay`, ...). */
  readonly handlerExport: string;
  readonly bundling: nodejs.BundlingOptions;
  readonly memorySize: number;
  /** The template's environment variables, references replaced by dummy values of the right shape. */
  readonly environment: Readonly<Record<string, string>>;
}

/** Builds the app from cdk.json (no bundling) and lists every house function, in construct-tree order. */
export function deployedFunctions(): DeployedFunction[] {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const config = loadGatewayConfig(app.node);
  const env = { region: config.region, account: config.account };
  const auditData = new AuditDataStack(app, `${config.stackNamePrefix}-AuditData`, { env, config });
  new GatewayStack(app, `${config.stackNamePrefix}-Gateway`, {
    env,
    config,
    ...statefulResourcesOf(auditData),
  });
  const assembly = app.synth();

  const functions: DeployedFunction[] = [];
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof GatewayFunction)) continue;
    const stack = Stack.of(construct);
    const cfn = construct.function.node.defaultChild as lambda.CfnFunction;
    const logicalId = stack.getLogicalId(cfn);
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Properties: CfnFunctionProperties }>;
    };
    const properties = template.Resources[logicalId]?.Properties;
    if (properties === undefined) throw new Error(`${construct.node.path}: ${logicalId} is not in the template`);
    const name = properties.Tags?.find((tag) => tag.Key === GATEWAY_FUNCTION_TAG)?.Value;
    if (name === undefined) throw new Error(`${construct.node.path}: no ${GATEWAY_FUNCTION_TAG} tag`);
    const handlerExport = properties.Handler.replace(/^index\./, '');
    const environment = Object.fromEntries(
      Object.entries(properties.Environment?.Variables ?? {}).map(([key, value]) => [key, dummyValue(key, value)]),
    );
    functions.push({
      name,
      entry: construct.entry,
      handlerExport,
      bundling: construct.bundling,
      memorySize: properties.MemorySize,
      environment,
    });
  }
  return functions;
}

interface CfnFunctionProperties {
  Handler: string;
  MemorySize: number;
  Environment?: { Variables?: Record<string, unknown> };
  Tags?: Array<{ Key: string; Value: string }>;
}

const ACCOUNT = '123456789012';
const REGION = 'ap-south-1';

/**
 * A literal stands for itself; a CloudFormation reference becomes a dummy of the shape the variable's name asks
 * for (an ARN, a queue URL, a bucket name), so the function's own validation at init passes as in production.
 */
export function dummyValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (isJoin(value)) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part) => dummyValue(name, part)).join(separator);
  }
  if (/_URL$/.test(name)) return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/dummy-queue`;
  if (/SECRET.*_ARN$/.test(name)) return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dummy-AbCdEf`;
  if (/KEY_ARN$/.test(name)) return `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
  if (/ROLE_ARN$/.test(name)) return `arn:aws:iam::${ACCOUNT}:role/dummy-role`;
  if (/_ARN$/.test(name)) return `arn:aws:dummy:${REGION}:${ACCOUNT}:dummy`;
  if (/USER_POOL_ID$/.test(name)) return `${REGION}_dummyPool`;
  if (/BUCKET$/.test(name)) return 'dummy-bucket';
  return 'dummy';
}

function isJoin(value: unknown): value is { 'Fn::Join': [string, unknown[]] } {
  if (typeof value !== 'object' || value === null || !('Fn::Join' in value)) return false;
  const join = (value as { 'Fn::Join': unknown })['Fn::Join'];
  return Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]);
}
