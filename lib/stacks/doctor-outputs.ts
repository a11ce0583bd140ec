/**
 * Outputs `npm run doctor` reads from a deployed stack (names in lambdas/cli/doctor/stack-outputs.ts), for the
 * facts that are computed across constructs rather than owned by one.
 */
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AUDIT_DATA_OUTPUTS } from '../../lambdas/cli/doctor/stack-outputs';

/**
 * `FunctionRuntimes`: `[{ "function": "<name>", "runtime": "<runtime>" }]` (a list: names are tokens) for every Lambda function in `stack` with a managed
 * runtime, the CDK-provided custom-resource handlers included. Call at the end of the stack's constructor.
 */
export function addFunctionRuntimesOutput(stack: Stack): CfnOutput {
  const runtimes: Array<{ function: string; runtime: string }> = [];
  for (const child of stack.node.findAll()) {
    if (child instanceof lambda.CfnFunction && typeof child.runtime === 'string') {
      runtimes.push({ function: child.ref, runtime: child.runtime });
    }
  }
  return new CfnOutput(stack, AUDIT_DATA_OUTPUTS.functionRuntimes, {
    value: stack.toJsonString(runtimes),
    description: 'npm run doctor: the runtime each function declares',
  });
}
