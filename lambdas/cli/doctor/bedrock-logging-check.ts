/**
 * Bedrock model invocation logging (one setting per account and region) points at the bucket and prefix the
 * AuditData stack configured, with the delivery flags config asked for. Anything else means the custom resource
 * did not run, or someone changed the account-wide setting since.
 */
import { type BedrockClient, GetModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { bedrockLoggingExpectation } from './bedrock-logging-expectation';
import { type DoctorCheck, fail, pass, skip } from './check';

const FLAGS = ['textDataDeliveryEnabled', 'imageDataDeliveryEnabled', 'embeddingDataDeliveryEnabled'] as const;

export function bedrockLoggingCheck(bedrock: BedrockClient): DoctorCheck {
  return {
    id: 'bedrock-invocation-logging',
    title: 'Bedrock invocation logging: destination and delivery flags',
    async run({ outputs, region }) {
      const expected = bedrockLoggingExpectation(outputs);
      if (!expected) return skip('Bedrock invocation logging is disabled in config');
      const response = await bedrock.send(new GetModelInvocationLoggingConfigurationCommand({}));
      const config = response.loggingConfig;
      const redeploy =
        'redeploy the AuditData stack (its custom resource puts the configuration) and make sure nothing else in ' +
        `the account manages Bedrock logging in ${region}`;
      if (!config) return fail(`Bedrock invocation logging is off in ${region}`, redeploy);
      const mismatches: string[] = [];
      const s3 = config.s3Config;
      if (s3?.bucketName !== expected.bucketName) {
        mismatches.push(`bucket is ${s3?.bucketName ?? 'not set'}, expected ${expected.bucketName}`);
      }
      if ((s3?.keyPrefix ?? '') !== expected.keyPrefix) {
        mismatches.push(`key prefix is "${s3?.keyPrefix ?? ''}", expected "${expected.keyPrefix}"`);
      }
      for (const flag of FLAGS) {
        const actual = config[flag] ?? false;
        if (actual !== expected[flag]) mismatches.push(`${flag} is ${actual}, expected ${expected[flag]}`);
      }
      const flags = FLAGS.map((flag) => `${flag}=${config[flag] ?? false}`).join(' ');
      if (mismatches.length > 0) {
        return fail(`the account's logging configuration differs from the stack's`, redeploy, mismatches);
      }
      return pass(`logging to s3://${expected.bucketName}/${expected.keyPrefix}/`, [flags]);
    },
  };
}
