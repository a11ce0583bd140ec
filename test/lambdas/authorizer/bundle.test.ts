/**
 * The authorizer bundles as TenantIdentity deploys it (esbuild, CommonJS, node22, minified, the runtime's AWS SDK
 * left external): aws-jwt-verify's subpath imports resolve and no SDK client is inlined.
 */
import { join } from 'node:path';
import { buildSync } from 'esbuild';

it('bundles lambdas/authorizer/index.ts with aws-jwt-verify inlined and @aws-sdk external', () => {
  const result = buildSync({
    entryPoints: [join(__dirname, '..', '..', '..', 'lambdas', 'authorizer', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    external: ['@aws-sdk/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.includes('node_modules/aws-jwt-verify/'))).toBe(true);
  expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/'))).toBe(false);
  const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
  expect(bytes).toBeGreaterThan(0);
  expect(bytes).toBeLessThan(1024 * 1024);
});
