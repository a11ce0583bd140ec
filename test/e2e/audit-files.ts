/** Reads the audit records a local gateway wrote. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../../lambdas/shared/audit/record';

export function listFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    out = statSync(path).isDirectory() ? out.concat(listFiles(path)) : out.concat(path);
  }
  return out;
}

export function readRecords(auditDir: string): AuditRecord[] {
  return listFiles(join(auditDir, 'audit'))
    .filter((path) => path.endsWith('.json'))
    .map((path) => JSON.parse(readFileSync(path, 'utf8')) as AuditRecord);
}

/** Waits until the records of a request include the given event (post-call records land after the response). */
export async function waitForRecord(
  auditDir: string,
  requestId: string,
  event: AuditRecord['event'],
  timeoutMs = 3000,
): Promise<AuditRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readRecords(auditDir).find((r) => r.request_id === requestId && r.event === event);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${event} record for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until no write is in flight in the audit folder (the fs sink writes a `.tmp` file, then renames it), so
 * a test that walks every file does not catch a post-call record of an earlier request half-written.
 */
export async function waitForQuietFolder(auditDir: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (listFiles(auditDir).some((path) => path.endsWith('.tmp'))) {
    if (Date.now() > deadline) throw new Error(`writes still in flight in ${auditDir}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
