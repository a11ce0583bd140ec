import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsAuditDeadLetter, FsAuditSink } from '../../../../lambdas/shared/adapters/fs-audit-sink';
import { auditObjectKey } from '../../../../lambdas/shared/audit/object-key';
import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import { listFiles } from '../../../e2e/audit-files';

const record = {
  schema_version: 1,
  event: 'pre_call',
  request_id: 'req_abcdefghijklmnopqrstuvwx',
  ts: '2026-11-22T10:11:12.000Z',
  tenant_id: 'acme',
} as unknown as AuditRecord;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fs-sink-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FsAuditSink', () => {
  it('writes the S3 key and JSON once, read-only, with no temp files left', async () => {
    await new FsAuditSink(dir).put(record);
    const path = join(dir, auditObjectKey(record));
    expect(path).toContain('audit/v1/dt=2026-11-22/tenant=acme/101112-req_abcdefghijklmnopqrstuvwx-pre_call.json');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(record);
    expect(statSync(path).mode & 0o777).toBe(0o444);
    expect(listFiles(dir)).toEqual([path]);
    // (Writing it would still succeed as root, which ignores modes; the mode is what protects it.)
  });

  it('never overwrites an existing record', async () => {
    const sink = new FsAuditSink(dir);
    await sink.put(record);
    await expect(sink.put({ ...record, tenant_id: 'acme' })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(listFiles(dir)).toHaveLength(1);
  });

  it('dead-letters into its own folder, with the failure', async () => {
    const deadLetterDir = join(dir, 'elsewhere');
    await new FsAuditDeadLetter(deadLetterDir).send(record, 'S3 down');
    const path = join(deadLetterDir, auditObjectKey(record));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ failure: 'S3 down', record });
    expect(statSync(path).mode & 0o777).toBe(0o444);
  });

  it('writes again after its folder was removed mid-run (a stale directory cache is not a lost record)', async () => {
    const sink = new FsAuditSink(dir);
    await sink.put(record);
    rmSync(join(dir, 'audit'), { recursive: true, force: true });
    await sink.put({ ...record, request_id: 'req_bcdefghijklmnopqrstuvwxy' });
    expect(listFiles(dir)).toHaveLength(1);
  });

  it('keeps the dead letter working when the audit folder cannot be written', async () => {
    // Prepare: the audit folder is a file, so nothing can be created under it.
    const auditDir = join(dir, 'audit-store');
    writeFileSync(auditDir, 'not a folder');
    const deadLetterDir = join(dir, 'dead-letter');

    // Act
    const sinkFailure = await new FsAuditSink(auditDir).put(record).catch((e: unknown) => e);
    await new FsAuditDeadLetter(deadLetterDir).send(record, String(sinkFailure));

    // Assess
    expect(sinkFailure).toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    expect(listFiles(deadLetterDir)).toEqual([join(deadLetterDir, auditObjectKey(record))]);
  });
});
