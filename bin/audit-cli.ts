#!/usr/bin/env -S npx tsx
/**
 * `gateway-audit` / `npm run audit -- <command>`: composition root of the auditor CLI (logic in lambdas/cli/).
 * AWS clients use the caller's default credential chain and region.
 */
import { existsSync } from 'node:fs';
import { AthenaClient } from '@aws-sdk/client-athena';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../lambdas/cli/audit-cli';
import { AthenaQueryRunner } from '../lambdas/shared/adapters/athena-query-runner';
import { DuckDbQueryRunner } from '../lambdas/shared/adapters/duckdb-query-runner';
import { KmsKeyDecryptor } from '../lambdas/shared/adapters/kms-data-key-provider';
import { LocalDataKeyProvider } from '../lambdas/shared/adapters/local-data-key-provider';

async function main(): Promise<number> {
  return runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    now: () => new Date(),
    env: process.env,
    athenaRunner: ({ workgroup, database }) =>
      new AthenaQueryRunner({ client: new AthenaClient({}), workgroup, database }),
    localRunner: (dir) => DuckDbQueryRunner.open({ root: dir }),
    readS3Object: async (bucket, key) => {
      const object = await new S3Client({}).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return object.Body.transformToString('utf8');
    },
    kmsDecryptor: (keyId) => new KmsKeyDecryptor({ client: new KMSClient({}), keyId }),
    localDecryptor: (keyFile) => {
      // Never create a key here: a fresh key could not open envelopes sealed by the dev server.
      if (!existsSync(keyFile)) throw new Error(`no local re-identification key at ${keyFile} (use --key-file)`);
      return LocalDataKeyProvider.fromFile(keyFile);
    },
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
