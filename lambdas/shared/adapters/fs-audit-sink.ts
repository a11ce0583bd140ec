/**
 * Filesystem audit sink for local mode: the same object keys and JSON as the S3 sink, under a folder. Each record is
 * written to a private temporary file (read-only, 0444), fsynced, then hard-linked to its key: `link` fails if the
 * key exists, so a record is never overwritten, and readers (DuckDB, tests) never see a half-written file.
 * `put` resolves only once the record is durable, like an S3 PutObject 200.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { auditObjectKey } from '../audit/object-key';
import type { AuditRecord } from '../audit/record';
import type { AuditDeadLetter, AuditSink } from '../ports';

const READ_ONLY = 0o444;

async function writeOnce(root: string, key: string, content: string, knownDirs: Set<string>): Promise<void> {
  const path = join(root, key);
  const dir = dirname(path);
  if (!knownDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
  }
  try {
    await writeFileOnce(path, content);
  } catch (error) {
    // The folder was removed or replaced since it was created (the cache is stale): create it again, once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    knownDirs.delete(dir);
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
    await writeFileOnce(path, content);
  }
}

async function writeFileOnce(path: string, content: string): Promise<void> {
  // Created read-only in one step: the creating descriptor may still write, nobody can open it for writing later.
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', READ_ONLY);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Writes each record once under `<root>/audit/v1/dt=.../tenant=.../<HHmmss>-<request_id>-<event>.json`. */
export class FsAuditSink implements AuditSink {
  private readonly knownDirs = new Set<string>();
  constructor(readonly root: string) {}

  async put(record: AuditRecord): Promise<void> {
    await writeOnce(this.root, auditObjectKey(record), JSON.stringify(record), this.knownDirs);
  }
}

/**
 * Local dead letter: `<dir>/<object key>` holding `{ failure, record }`, for records the sink rejected. Replaying
 * writes `record` to its object key. `dir` must not be inside the audit folder: a dead letter that shares the
 * store's folder fails with it (folder replaced, disk full, permissions), which is when it is needed. Local mode
 * keeps it in its own folder (`GATEWAY_DEAD_LETTER_DIR`, default `.gateway/dead-letter`).
 */
export class FsAuditDeadLetter implements AuditDeadLetter {
  private readonly knownDirs = new Set<string>();
  constructor(readonly dir: string) {}

  async send(record: AuditRecord, failure: string): Promise<void> {
    const content = JSON.stringify({ failure, record });
    await writeOnce(this.dir, auditObjectKey(record), content, this.knownDirs);
  }
}
