import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AuditWriteError, S3AuditSink } from '../../../../lambdas/shared/adapters/s3-audit-sink';
import { InvalidAuditRecordError } from '../../../../lambdas/shared/audit/record';
import { completeRecord } from '../../../helpers/audit-record-fixture';

const s3 = mockClient(S3Client);
const KEY = 'audit/v1/dt=2026-11-22/tenant=acme-support/050403-req_01JD8Q2W3E4R5T6Y7U8I9O0P-post_call.json';
const sink = () => new S3AuditSink({ client: new S3Client({ region: 'ap-south-1' }), bucket: 'audit-bucket' });

function s3Error(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });
}

beforeEach(() => s3.reset());

describe('S3AuditSink', () => {
  it('writes the record once, as JSON, under its deterministic key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });

    // Act
    await sink().put(completeRecord);

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toEqual({
      Bucket: 'audit-bucket',
      Key: KEY,
      Body: JSON.stringify(completeRecord),
      ContentType: 'application/json',
      IfNoneMatch: '*',
    });
  });

  it('leaves encryption and the checksum to the bucket default and the SDK default (CRC32)', async () => {
    s3.on(PutObjectCommand).resolves({});
    await sink().put(completeRecord);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('ServerSideEncryption');
    expect(input).not.toHaveProperty('ChecksumAlgorithm');
    expect(input).not.toHaveProperty('ContentMD5');
  });

  it('treats 412 PreconditionFailed (the key already exists: a replay) as success', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    await expect(sink().put(completeRecord)).resolves.toBeUndefined();
  });

  it('rejects a concurrent conditional write (409) and names the key, not the content', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('ConditionalRequestConflict', 409));
    const failure = await sink()
      .put(completeRecord)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuditWriteError);
    expect((failure as AuditWriteError).message).toContain(KEY);
    expect((failure as AuditWriteError).message).not.toContain('refund');
  });

  it('rejects on any other failure (fail closed)', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(sink().put(completeRecord)).rejects.toBeInstanceOf(AuditWriteError);
  });

  it('validates the record before writing', async () => {
    const invalid = { ...completeRecord, tenant_id: 'Not A Tenant' };
    await expect(sink().put(invalid)).rejects.toBeInstanceOf(InvalidAuditRecordError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('refuses an empty bucket name', () => {
    expect(() => new S3AuditSink({ client: new S3Client({}), bucket: ' ' })).toThrow(/bucket/);
  });
});
