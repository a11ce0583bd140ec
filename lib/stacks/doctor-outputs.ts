/**
 * Outputs `npm run doctor` reads from a deployed stack (names in lambdas/cli/doctor/stack-outputs.ts), for the
 * facts that are computed across constructs rather than owned by one.
 */
import { CfnOutput, CfnResource, Lazy, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { AUDIT_DATA_OUTPUTS } from '../../lambdas/cli/doctor/stack-outputs';

const LAMBDA_FUNCTION = 'AWS::Lambda::Function';

/**
 * The runtime a function resource declares. `CfnFunction` exposes it; CDK's own `CustomResourceProvider` handlers
 * (e.g. the VPC's restrict-default-security-group handler) are plain `CfnResource`s whose properties are only
 * held in the protected `_cfnProperties`, read here rather than leaving those functions unchecked.
 */
function declaredRuntime(construct: IConstruct): string | undefined {
  if (construct instanceof lambda.CfnFunction)
    return typeof construct.runtime === 'string' ? construct.runtime : undefined;
  if (construct instanceof CfnResource && construct.cfnResourceType === LAMBDA_FUNCTION) {
    const properties = (construct as unknown as { _cfnProperties?: { Runtime?: unknown } })._cfnProperties;
    return typeof properties?.Runtime === 'string' ? properties.Runtime : undefined;
  }
  return undefined;
}

/**
 * `FunctionRuntimes`: `[{ "function": "<name>", "runtime": "<runtime>" }]` (a list: names are tokens) for every
 * Lambda function in `stack` with a managed runtime, CDK-provided custom-resource handlers included. Computed at
 * synth, so functions added after this call are listed too.
 */
export function addFunctionRuntimesOutput(stack: Stack): CfnOutput {
  return new CfnOutput(stack, AUDIT_DATA_OUTPUTS.functionRuntimes, {
    value: Lazy.string({
      produce: () => {
        const runtimes: Array<{ function: string; runtime: string }> = [];
        for (const child of stack.node.findAll()) {
          const runtime = declaredRuntime(child);
          if (runtime !== undefined && child instanceof CfnResource) runtimes.push({ function: child.ref, runtime });
        }
        return stack.toJsonString(runtimes);
      },
    }),
    description: 'npm run doctor: the runtime each function declares',
  });
}
