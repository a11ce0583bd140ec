import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { readStackOutputs } from '../../../../lambdas/cli/doctor/stack-outputs';

const cloudFormation = mockClient(CloudFormationClient);
beforeEach(() => cloudFormation.reset());

const stack = (name: string, status: string, outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: name,
      StackStatus: status as 'CREATE_COMPLETE',
      CreationTime: new Date(),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

describe('readStackOutputs', () => {
  it('reads both stacks of the prefix by name', async () => {
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Acme-AuditData' })
      .resolves(stack('Acme-AuditData', 'UPDATE_COMPLETE', { AuditBucketName: 'bucket-1' }));
    cloudFormation
      .on(DescribeStacksCommand, { StackName: 'Acme-Gateway' })
      .resolves(stack('Acme-Gateway', 'CREATE_COMPLETE', { ApiUrl: 'https://api/prod/' }));

    const outputs = await readStackOutputs(new CloudFormationClient({}), 'Acme');

    expect(outputs.auditData.get('AuditBucketName')).toBe('bucket-1');
    expect(outputs.gateway.get('ApiUrl')).toBe('https://api/prod/');
    expect(outputs.gateway.has('AlarmTopicArn')).toBe(false);
    expect(() => outputs.gateway.get('AlarmTopicArn')).toThrow('stack Acme-Gateway has no output AlarmTopicArn');
    expect(
      cloudFormation
        .commandCalls(DescribeStacksCommand)
        .map((call) => call.args[0].input.StackName)
        .sort(),
    ).toEqual(['Acme-AuditData', 'Acme-Gateway']);
  });

  it.each([
    'ROLLBACK_COMPLETE',
    'UPDATE_IN_PROGRESS',
    'CREATE_FAILED',
  ])('refuses a stack that is %s', async (status) => {
    cloudFormation.on(DescribeStacksCommand).resolves(stack('Acme-Gateway', status, {}));
    await expect(readStackOutputs(new CloudFormationClient({}), 'Acme')).rejects.toThrow(`is ${status}`);
  });
});
