/**
 * The one test that runs esbuild: synthesizes the proxy WITH bundling and checks the bundle that would deploy.
 * Reports the bundle size (printed, and bounded so that growth is noticed).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProxyFunction } from '../../lib/constructs/proxy-function';
import { testApp, testConfig } from '../helpers/cdk';

/** Upper bound for the minified bundle (all pinned AWS SDK clients and the Anthropic SDK included). */
const MAX_BUNDLE_BYTES = 6 * 1024 * 1024;

describe('proxy bundle', () => {
  jest.setTimeout(240_000);

  it('bundles lambdas/proxy/index.ts with esbuild: minified, with source map, policy inlined, SDK included', () => {
    // Prepare: bundling enabled for every stack (the helper skips it by default).
    const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] });
    const stack = new Stack(app, 'ProxyBundle', { env: { region: 'ap-south-1', account: '111122223333' } });
    const config = testConfig();
    new ProxyFunction(stack, 'Proxy', {
      tenants: config.tenants,
      anthropicEnabled: false,
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-12345678',
        availabilityZones: ['ap-south-1a'],
        isolatedSubnetIds: ['subnet-aaaa1111'],
      }),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
      auditBucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'gateway-audit'),
      auditDeadLetterQueue: sqs.Queue.fromQueueArn(stack, 'Dlq', 'arn:aws:sqs:ap-south-1:111122223333:audit-dlq'),
      auditKey: kms.Key.fromKeyArn(
        stack,
        'AuditKey',
        'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
      reidentificationKey: kms.Key.fromKeyArn(stack, 'ReidKey', 'arn:aws:kms:ap-south-1:111122223333:key/b'),
      tokenSecret: secretsmanager.Secret.fromSecretCompleteArn(
        stack,
        'Token',
        'arn:aws:secretsmanager:ap-south-1:111122223333:secret:token-AbCdEf',
      ),
      logRetention: logs.RetentionDays.ONE_YEAR,
    });

    // Act
    const assembly = app.synth();

    // Assess
    const assetDirs = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    expect(assetDirs).toHaveLength(1);
    const assetDir = join(assembly.directory, assetDirs[0] ?? '');
    const bundlePath = join(assetDir, 'index.js');
    expect(existsSync(bundlePath)).toBe(true);
    expect(existsSync(join(assetDir, 'index.js.map'))).toBe(true);

    const bytes = statSync(bundlePath).size;
    const mapBytes = statSync(join(assetDir, 'index.js.map')).size;
    process.stdout.write(
      `proxy bundle: index.js ${bytes} bytes (${(bytes / 1024 / 1024).toFixed(2)} MiB), source map ${mapBytes} bytes\n`,
    );
    expect(bytes).toBeLessThan(MAX_BUNDLE_BYTES);

    const code = readFileSync(bundlePath, 'utf8');
    // The policy document is inlined: no read of the variable remains, the sample tenant is in the code.
    expect(code).not.toContain('env.GATEWAY_POLICY_DOCUMENT');
    expect(code).toContain('sample-tenant');
    // Our pinned AWS SDK clients are bundled rather than taken from the runtime.
    // (The only @aws-sdk require left is the SDK's optional, guarded `@aws-sdk/signature-v4-crt` for SigV4a.)
    expect(code).not.toMatch(/require\("@aws-sdk\/client-/);
    expect(code).toContain('PutObject');
    expect(code).toContain('InvokeModelWithResponseStream');
    expect(code).toContain('streamifyResponse');
  });
});
