/** Parses the AuditData stack's `BedrockInvocationLogging` output. */
import * as z from 'zod';
import type { BedrockLoggingExpectation, StackOutputs } from './stack-outputs';
import { AUDIT_DATA_OUTPUTS } from './stack-outputs';

const expectationSchema = z.object({
  bucketName: z.string().min(3),
  keyPrefix: z.string().min(1),
  textDataDeliveryEnabled: z.boolean(),
  imageDataDeliveryEnabled: z.boolean(),
  embeddingDataDeliveryEnabled: z.boolean(),
});

/** The expectation, or undefined when the stack does not configure Bedrock logging (disabled in config). */
export function bedrockLoggingExpectation(outputs: StackOutputs): BedrockLoggingExpectation | undefined {
  if (!outputs.auditData.has(AUDIT_DATA_OUTPUTS.bedrockInvocationLogging)) return undefined;
  const parsed = expectationSchema.safeParse(outputs.auditData.json(AUDIT_DATA_OUTPUTS.bedrockInvocationLogging));
  if (!parsed.success) {
    throw new Error(`output ${AUDIT_DATA_OUTPUTS.bedrockInvocationLogging} does not have the expected fields`);
  }
  return parsed.data;
}
