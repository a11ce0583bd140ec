/**
 * The house Lambda construct: every function the gateway writes is one of these, so runtime, architecture,
 * bundling target, log group, environment conventions, tracing and the shared cdk-nag acknowledgments are decided
 * here once and cannot drift apart (the authorizer once ran Node 24 while bundled for Node 22).
 *
 * Grants stay with the constructs that own the resources; this construct only grants its role the writes to its
 * own log group. CDK's own helper functions (AwsCustomResource, the default-security-group restriction) are not
 * ours and keep their own settings; their acknowledgments sit next to them.
 */
import { Duration, Tags } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';

/** The one runtime every gateway function runs on; the bundle target is derived from it. */
export const GATEWAY_RUNTIME = lambda.Runtime.NODEJS_22_X;
/** Graviton: cheaper per GB-second, and every dependency is pure JavaScript or has an arm64 build. */
export const GATEWAY_ARCHITECTURE = lambda.Architecture.ARM_64;
/** Tag key on every house function (its value is the function's short name), so tests can find strays. */
export const GATEWAY_FUNCTION_TAG = 'claude-gateway:function';

/** The esbuild target for a Node.js runtime (`nodejs22.x` -> `node22`): bundle and runtime always agree. */
export function bundlingTargetFor(runtime: lambda.Runtime): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
  if (major === undefined) throw new Error(`GatewayFunction: ${runtime.name} is not a Node.js runtime`);
  return `node${major}`;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * The esbuild settings of a house function, in one place so that `npm run bench:cold-start` bundles each function
 * exactly as CDK deploys it (test/bench/cold-start-bundling.test.ts checks both against CDK's esbuild call).
 */
export function gatewayBundling(
  props: Pick<GatewayFunctionProps, 'externalModules' | 'define' | 'sourceMap'>,
): nodejs.BundlingOptions {
  return {
    minify: true,
    sourceMap: props.sourceMap ?? true,
    target: bundlingTargetFor(GATEWAY_RUNTIME),
    externalModules: props.externalModules ?? [],
    ...(props.define ? { define: { ...props.define } } : {}),
  };
}

export interface GatewayFunctionProps {
  /** Short name (`proxy`, `authorizer`, ...): the Powertools service name is `claude-gateway-<name>`. */
  readonly name: string;
  /** Entry file (a composition root under `lambdas/`). */
  readonly entry: string;
  /** @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** Encrypts the function's log group. Its key policy must allow CloudWatch Logs. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Variables besides the house ones (log level, service name, source maps). Lambda caps them at 4 KB in total. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The execution role. Its grants are the caller's business; this construct adds the log-group writes.
   * @default - a new role trusted by Lambda, with no managed policy
   */
  readonly role?: iam.IRole;
  /**
   * Where `role`'s log-group grant goes, when that is not the role's default policy (see ProxyFunction).
   * @default role
   */
  readonly grantee?: iam.IGrantable;
  /** @default - not in a VPC */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Modules left out of the bundle (taken from the runtime). @default [] - our pinned SDK clients are bundled */
  readonly externalModules?: string[];
  /** esbuild `define` replacements (build-time constants such as the policy document). */
  readonly define?: Readonly<Record<string, string>>;
  /** @default true */
  readonly sourceMap?: boolean;
  /** X-Ray active tracing (needs a route to X-Ray: NAT or an endpoint when in a VPC). @default false */
  readonly tracing?: boolean;
  /** Why the function has no DLQ (HIPAA/NIST LambdaDLQ): synchronous, event-source, or CloudFormation invoked. */
  readonly noDeadLetterQueueReason: string;
  /** Why concurrency is not reserved; required when `reservedConcurrentExecutions` is unset. */
  readonly unreservedConcurrencyReason?: string;
  /** Why the function runs outside a VPC; required when `vpc` is unset. */
  readonly outsideVpcReason?: string;
}

/** A bundled Node.js function with the house settings, its own KMS-encrypted log group and acknowledgments. */
export class GatewayFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.IRole;
  /** The entry file and esbuild settings the function is bundled from (read by the cold-start benchmark). */
  readonly entry: string;
  readonly bundling: nodejs.BundlingOptions;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    validate(props);
    const sourceMap = props.sourceMap ?? true;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logKey,
      retention: props.logRetention,
    });
    const ownRole =
      props.role === undefined
        ? new iam.Role(this, 'Role', {
            assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
            description: props.description.slice(0, 1000),
          })
        : undefined;
    this.role = props.role ?? (ownRole as iam.Role);
    this.logGroup.grantWrite(props.grantee ?? this.role);

    this.entry = props.entry;
    this.bundling = gatewayBundling(props);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: GATEWAY_RUNTIME,
      architecture: GATEWAY_ARCHITECTURE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : undefined,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
      allowPublicSubnet: false,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...props.environment,
        [ENV.logLevel]: props.logLevel ?? 'INFO',
        POWERTOOLS_SERVICE_NAME: `claude-gateway-${props.name}`,
        ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
      bundling: this.bundling,
    });
    Tags.of(this.function).add(GATEWAY_FUNCTION_TAG, props.name);
    this.acknowledgeFindings(props);
    if (ownRole) acknowledgeOwnRole(ownRole, props.tracing ?? false);
  }

  private acknowledgeFindings(props: GatewayFunctionProps): void {
    const findings: Array<{ id: string; reason: string }> = [
      {
        id: 'AwsSolutions-L1',
        reason: `Every gateway function runs ${GATEWAY_RUNTIME.name}, the runtime its bundle targets and its tests cover; moving all of them together is a deliberate, tested change (GATEWAY_RUNTIME)`,
      },
    ];
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5']) {
      findings.push({ id: `${pack}-LambdaDLQ`, reason: props.noDeadLetterQueueReason });
      if (props.reservedConcurrentExecutions === undefined && props.unreservedConcurrencyReason) {
        findings.push({ id: `${pack}-LambdaConcurrency`, reason: props.unreservedConcurrencyReason });
      }
      if (props.vpc === undefined && props.outsideVpcReason) {
        findings.push({ id: `${pack}-LambdaInsideVPC`, reason: props.outsideVpcReason });
      }
    }
    NagSuppressions.addResourceSuppressions(this.function, findings);
  }
}

/** A role made here serves this one function; its policy is inline by design (and X-Ray has no resource ARNs). */
function acknowledgeOwnRole(role: iam.Role, tracing: boolean): void {
  const reason = 'One role per function; its grants are rendered inline on it and are not reusable by other roles';
  NagSuppressions.addResourceSuppressions(
    role,
    [
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason },
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason },
      ...(tracing
        ? [
            {
              id: 'AwsSolutions-IAM5',
              reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
              appliesTo: ['Resource::*'],
            },
          ]
        : []),
    ],
    true,
  );
}

function validate(props: GatewayFunctionProps): void {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(props.name)) {
    throw new Error(`GatewayFunction: name must be lower-case letters, digits and dashes (got "${props.name}")`);
  }
  const memory = props.memorySize;
  if (memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10_240)) {
    throw new Error(`GatewayFunction: memorySize must be an integer between 128 and 10240 (got ${memory})`);
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`GatewayFunction: reservedConcurrentExecutions must be a positive integer (got ${reserved})`);
  }
  if (props.timeout.toSeconds() < 1 || props.timeout.toSeconds() > Duration.minutes(15).toSeconds()) {
    throw new Error(`GatewayFunction: timeout must be 1 s to 15 min (got ${props.timeout.toHumanString()})`);
  }
  if (reserved === undefined && !props.unreservedConcurrencyReason) {
    throw new Error(`GatewayFunction ${props.name}: say why concurrency is unreserved (unreservedConcurrencyReason)`);
  }
  if (props.vpc === undefined && !props.outsideVpcReason) {
    throw new Error(`GatewayFunction ${props.name}: say why it runs outside a VPC (outsideVpcReason)`);
  }
}
