/**
 * The authorizer bundles as TenantIdentity deploys it (esbuild, CommonJS, node22, minified, Secrets Manager from the
 * runtime's AWS SDK): aws-jwt-verify's subpath imports resolve, our pinned S3 client (whose default CRC32 checksum
 * Object Lock needs) is inlined, and the Secrets Manager client is not.
 */
import { join } from 'node:path';
import { buildSync } from 'esbuild';

it('bundles lambdas/authorizer/index.ts with aws-jwt-verify and the S3 client inlined, Secrets Manager external', () => {
  const result = buildSync({
    entryPoints: [join(__dirname, '..', '..', '..', 'lambdas', 'authorizer', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    external: ['@aws-sdk/client-secrets-manager'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.includes('node_modules/aws-jwt-verify/'))).toBe(true);
  expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/client-s3/'))).toBe(true);
  expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/client-secrets-manager/'))).toBe(false);
  const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
  expect(bytes).toBeGreaterThan(0);
  // About 0.9 MB, almost all of it the S3 client; the cap catches an accidental second SDK client.
  expect(bytes).toBeLessThan(1.25 * 1024 * 1024);
});
