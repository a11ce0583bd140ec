import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { lambdaRuntimeCheck } from '../../../../lambdas/cli/doctor/lambda-runtime-check';
import { contextFixture } from './fixtures';

const lambda = mockClient(LambdaClient);

beforeEach(() => {
  lambda.reset();
  lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'AuditData-CustomResource' }).resolves({
    Runtime: 'nodejs24.x',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });
  lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'Gateway-Proxy' }).resolves({
    Runtime: 'nodejs22.x',
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });
  lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'Gateway-Authorizer' }).resolves({
    Runtime: 'nodejs22.x',
    State: 'Inactive',
    LastUpdateStatus: 'Successful',
  });
});

const run = (context = contextFixture()) => runCheck(lambdaRuntimeCheck(new LambdaClient({})), context, Date.now);

describe('lambdaRuntimeCheck', () => {
  it('passes when every function of both stacks runs its declared runtime (an idle, inactive one included)', async () => {
    const result = await run();

    expect(result).toMatchObject({ status: 'pass', summary: '3 functions run their declared runtime' });
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'AuditData-CustomResource' },
      { FunctionName: 'Gateway-Proxy' },
      { FunctionName: 'Gateway-Authorizer' },
    ]);
  });

  it('fails on a runtime that differs from the template, and on a failed update', async () => {
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'Gateway-Authorizer' }).resolves({
      Runtime: 'nodejs24.x',
      State: 'Active',
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReason: 'EniLimitExceeded',
    });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.details).toEqual(
      expect.arrayContaining([
        'Gateway-Authorizer runs nodejs24.x, the template declares nodejs22.x',
        'Gateway-Authorizer last update failed: EniLimitExceeded',
      ]),
    );
  });

  it('refuses an output that is not the list lib/stacks writes', async () => {
    const result = await run(contextFixture({ gateway: { FunctionRuntimes: '{"Gateway-Proxy":"nodejs22.x"}' } }));

    expect(result.status).toBe('fail');
    expect(result.summary).toContain('is not a list of functions and runtimes');
  });
});
