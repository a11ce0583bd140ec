import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AthenaWorkgroup,
  type AthenaWorkgroupProps,
  athenaWorkgroupNameFor,
  glueDatabaseNameFor,
} from '../../../lib/constructs/athena-workgroup';
import { testApp } from '../../helpers/cdk';

const ACCOUNT = '111122223333';

interface Synth {
  template: Template;
  athena: AthenaWorkgroup;
  keyId: string;
  logBucketId: string;
  resultsBucketId: string;
}

function synth(overrides: Partial<AthenaWorkgroupProps> = {}): Synth {
  const stack = new Stack(testApp(), 'Athena', { env: { account: ACCOUNT, region: 'ap-south-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const logBucket = new s3.Bucket(stack, 'Logs');
  const athena = new AthenaWorkgroup(stack, 'Athena', {
    workgroupName: 'ClaudeGateway-compliance',
    databaseName: 'claude_gateway_audit',
    encryptionKey: key,
    accessLogBucket: logBucket,
    resultsExpirationDays: 30,
    bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
    ...overrides,
  });
  const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  return {
    template: Template.fromStack(stack),
    athena,
    keyId: logicalId(key),
    logBucketId: logicalId(logBucket),
    resultsBucketId: logicalId(athena.resultsBucket),
  };
}

describe('AthenaWorkgroup', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth();
  });

  test('workgroup: enforced, engine v3, scan cutoff, metrics, SSE_KMS results in the results bucket', () => {
    s.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'ClaudeGateway-compliance',
      State: 'ENABLED',
      // A workgroup with named queries or query history cannot be deleted without it (stack delete fails).
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: s.resultsBucketId }, '/results/']] },
          ExpectedBucketOwner: ACCOUNT,
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [s.keyId, 'Arn'] } },
        },
      },
    });
  });

  test('results bucket: SSE-KMS with the key, no public access, expiring, access logs, retained', () => {
    s.template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [s.keyId, 'Arn'] },
              },
            },
          ],
        },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
        LoggingConfiguration: { DestinationBucketName: { Ref: s.logBucketId }, LogFilePrefix: 'athena-results/' },
      },
      DeletionPolicy: 'Retain',
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: s.resultsBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('Glue database in the account catalog, with its ARNs exposed', () => {
    s.template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: ACCOUNT,
      DatabaseInput: Match.objectLike({ Name: 'claude_gateway_audit' }),
    });
    expect(s.athena.catalogArn).toBe(`arn:aws:glue:ap-south-1:${ACCOUNT}:catalog`);
    expect(s.athena.databaseArn).toBe(`arn:aws:glue:ap-south-1:${ACCOUNT}:database/claude_gateway_audit`);
    expect(s.athena.tableArn('gateway_audit')).toBe(
      `arn:aws:glue:ap-south-1:${ACCOUNT}:table/claude_gateway_audit/gateway_audit`,
    );
  });

  test.each([
    ['ClaudeGateway', 'claude_gateway_audit', 'ClaudeGateway-compliance'],
    ['Acme-Prod', 'acme_prod_audit', 'Acme-Prod-compliance'],
    ['gw2', 'gw2_audit', 'gw2-compliance'],
  ])('names derived from prefix %s', (prefix, database, workgroup) => {
    expect(glueDatabaseNameFor(prefix)).toBe(database);
    expect(athenaWorkgroupNameFor(prefix)).toBe(workgroup);
  });

  test.each([
    [{ bytesScannedCutoffPerQuery: 1_000 }, 'got 1000'],
    [{ databaseName: 'Audit-DB' }, '"Audit-DB"'],
    [{ workgroupName: 'bad name' }, '"bad name"'],
    [{ resultsExpirationDays: 0 }, 'got 0'],
  ])('rejects bad props and names the value (%j)', (overrides, value) => {
    expect(() => synth(overrides)).toThrow(value);
  });
});
