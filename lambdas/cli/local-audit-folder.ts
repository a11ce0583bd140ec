/**
 * What a local audit folder holds, read from its object keys alone (`audit/v1/dt=YYYY-MM-DD/tenant=<id>/*.json`):
 * how many records, on which days, for which tenants. The CLI checks it before a local query so that a wrong or
 * empty folder is refused instead of answering "(0 rows)", which reads like a clean bill of health, and so that
 * every local answer says how much it read.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Record counts of a local audit folder, optionally limited to a day range and a tenant. */
export interface LocalAuditSummary {
  readonly records: number;
  /** Distinct `dt` values, sorted. */
  readonly days: readonly string[];
}

const KEY_PATTERN = /^dt=(\d{4}-\d{2}-\d{2})\/tenant=([^/]+)\/[^/]+\.json$/;

/** Audit record files under `<root>/audit/v1`, as [day, tenant] pairs; none when the folder does not exist. */
function recordKeys(root: string): Array<{ readonly day: string; readonly tenant: string }> {
  const base = join(root, 'audit', 'v1');
  if (!existsSync(base)) return [];
  const keys: Array<{ day: string; tenant: string }> = [];
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const key = relative(base, join(entry.parentPath, entry.name)).split(sep).join('/');
    const match = KEY_PATTERN.exec(key);
    if (match?.[1] !== undefined && match[2] !== undefined) keys.push({ day: match[1], tenant: match[2] });
  }
  return keys;
}

/** Counts the records of a folder, and of the part a query with `from`/`to` (inclusive) and `tenant` reads. */
export function summariseLocalAuditFolder(
  root: string,
  filter: { readonly from: string; readonly to: string; readonly tenant?: string },
): { readonly folder: LocalAuditSummary; readonly selected: LocalAuditSummary } {
  const keys = recordKeys(root);
  const summary = (subset: typeof keys): LocalAuditSummary => ({
    records: subset.length,
    days: [...new Set(subset.map((k) => k.day))].sort(),
  });
  const selected = keys.filter(
    (k) => k.day >= filter.from && k.day <= filter.to && (filter.tenant === undefined || k.tenant === filter.tenant),
  );
  return { folder: summary(keys), selected: summary(selected) };
}

/** "12 audit records over 3 days (2026-11-09 to 2026-11-18)". */
export function describeSummary(summary: LocalAuditSummary): string {
  const records = `${summary.records} audit record${summary.records === 1 ? '' : 's'}`;
  const n = summary.days.length;
  if (n === 0) return records;
  const span = n === 1 ? summary.days[0] : `${summary.days[0]} to ${summary.days[n - 1]}`;
  return `${records} over ${n} day${n === 1 ? '' : 's'} (${span})`;
}
