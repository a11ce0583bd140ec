/**
 * Every function of both stacks runs the runtime its template declares, is active and had a successful last
 * update. The expected runtimes come from the stacks' `FunctionRuntimes` outputs, written at synth from each
 * function's declaration, so a function changed by hand (or stuck in a failed update) shows here.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { type DoctorCheck, fail, pass } from './check';
import { AUDIT_DATA_OUTPUTS, type FunctionRuntimeList, GATEWAY_OUTPUTS, type OutputSet } from './stack-outputs';

const runtimeListSchema = z.array(z.object({ function: z.string().min(1), runtime: z.string().min(1) }));

function runtimesOf(outputs: OutputSet, key: string): FunctionRuntimeList {
  const parsed = runtimeListSchema.safeParse(outputs.json(key));
  if (!parsed.success) throw new Error(`output ${key} of ${outputs.stackName} is not a list of functions and runtimes`);
  return parsed.data;
}

export function lambdaRuntimeCheck(lambda: LambdaClient): DoctorCheck {
  return {
    id: 'lambda-runtimes',
    title: 'Lambda functions: declared runtime, active',
    async run({ outputs }) {
      const expected = [
        ...runtimesOf(outputs.auditData, AUDIT_DATA_OUTPUTS.functionRuntimes),
        ...runtimesOf(outputs.gateway, GATEWAY_OUTPUTS.functionRuntimes),
      ];
      const problems: string[] = [];
      const seen: string[] = [];
      for (const { function: functionName, runtime } of expected) {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
        seen.push(`${functionName}: ${config.Runtime ?? 'no runtime'}`);
        if (config.Runtime !== runtime) {
          problems.push(
            `${functionName} runs ${config.Runtime ?? 'no managed runtime'}, the template declares ${runtime}`,
          );
        }
        // Inactive only means idle for weeks: the next invocation reactivates it.
        if (config.State === 'Failed' || config.State === 'Pending') {
          problems.push(`${functionName} is ${config.State}: ${config.StateReason ?? ''}`.trim());
        }
        if (config.LastUpdateStatus === 'Failed') {
          problems.push(`${functionName} last update failed: ${config.LastUpdateStatusReason ?? ''}`.trim());
        }
      }
      if (problems.length > 0) {
        return fail(
          `${problems.length} function problem(s)`,
          'redeploy the stacks (npx cdk deploy --all) so each function matches its template; read the named ' +
            "function's state reason if it is Failed",
          [...problems, ...seen],
        );
      }
      return pass(`${seen.length} functions run their declared runtime`, seen);
    },
  };
}
