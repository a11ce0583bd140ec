import { BedrockClient, GetModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { bedrockLoggingCheck } from '../../../../lambdas/cli/doctor/bedrock-logging-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { BEDROCK_LOG_BUCKET, contextFixture } from './fixtures';

const bedrock = mockClient(BedrockClient);
beforeEach(() => bedrock.reset());

const run = (context = contextFixture()) => runCheck(bedrockLoggingCheck(new BedrockClient({})), context, Date.now);

describe('bedrockLoggingCheck', () => {
  it('passes when the account logs to the stack bucket and prefix with the configured flags', async () => {
    bedrock.on(GetModelInvocationLoggingConfigurationCommand).resolves({
      loggingConfig: {
        s3Config: { bucketName: BEDROCK_LOG_BUCKET, keyPrefix: 'bedrock-invocations' },
        textDataDeliveryEnabled: false,
        imageDataDeliveryEnabled: false,
        embeddingDataDeliveryEnabled: false,
      },
    });

    const result = await run();

    expect(result).toMatchObject({
      status: 'pass',
      summary: `logging to s3://${BEDROCK_LOG_BUCKET}/bedrock-invocations/`,
    });
    expect(bedrock.commandCalls(GetModelInvocationLoggingConfigurationCommand)[0]?.args[0].input).toEqual({});
  });

  it('fails and lists each difference: another prefix, text delivery switched on by someone else', async () => {
    bedrock.on(GetModelInvocationLoggingConfigurationCommand).resolves({
      loggingConfig: {
        s3Config: { bucketName: BEDROCK_LOG_BUCKET, keyPrefix: 'other' },
        textDataDeliveryEnabled: true,
      },
    });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.details).toEqual([
      'key prefix is "other", expected "bedrock-invocations"',
      'textDataDeliveryEnabled is true, expected false',
    ]);
    expect(result.fix).toContain('redeploy the AuditData stack');
  });

  it('fails when logging is off in the region', async () => {
    bedrock.on(GetModelInvocationLoggingConfigurationCommand).resolves({});
    expect((await run()).summary).toBe('Bedrock invocation logging is off in ap-south-1');
  });

  it('skips when config disables Bedrock logging', async () => {
    const result = await run(contextFixture({ auditData: { BedrockLoggingExpected: undefined } }));
    expect(result.status).toBe('skip');
    expect(bedrock.calls()).toHaveLength(0);
  });
});
