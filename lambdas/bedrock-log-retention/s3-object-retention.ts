/**
 * ObjectRetentionWriter over S3 PutObjectRetention (the SDK adds the checksum the operation requires).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html
 */
import { PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectRetentionWriter, RetentionMode } from './handler';

export class S3ObjectRetentionWriter implements ObjectRetentionWriter {
  constructor(private readonly client: S3Client) {}

  async putRetention(input: {
    readonly bucket: string;
    readonly key: string;
    readonly versionId: string | undefined;
    readonly mode: RetentionMode;
    readonly retainUntil: Date;
  }): Promise<void> {
    await this.client.send(
      new PutObjectRetentionCommand({
        Bucket: input.bucket,
        Key: input.key,
        ...(input.versionId ? { VersionId: input.versionId } : {}),
        Retention: { Mode: input.mode, RetainUntilDate: input.retainUntil },
      }),
    );
  }
}
