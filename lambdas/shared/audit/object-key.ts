/**
 * Where a record lives: `audit/v1/dt=YYYY-MM-DD/tenant=<tenant>/<HHmmss>-<request_id>-<event>.json`, the same
 * key in S3 and under the local audit folder. Deterministic from the record, so a replay overwrites nothing new:
 * it targets the same key (and under Object Lock, a second version of identical content).
 */
import type { AuditRecord } from './record';

export const AUDIT_PREFIX = 'audit/v1/';

const two = (n: number): string => String(n).padStart(2, '0');

/** The object key for a record, derived from its `ts` (UTC), tenant, request id and event. */
export function auditObjectKey(record: Pick<AuditRecord, 'ts' | 'tenant_id' | 'request_id' | 'event'>): string {
  const at = new Date(record.ts);
  if (Number.isNaN(at.getTime())) throw new RangeError('audit record ts is not a valid date');
  const day = `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}`;
  const time = `${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
  return `${AUDIT_PREFIX}dt=${day}/tenant=${record.tenant_id}/${time}-${record.request_id}-${record.event}.json`;
}
